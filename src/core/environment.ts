// What discovery hands to the probes: the typed facts about this host, its clusters and its VPC, and
// its own findings. Live discovery (src/discovery) and an offline snapshot (`analyze`) build the same.
import type { Settings } from '../config/settings.js';
import type { ClientInfo, ClusterInfo, Finding, HsmTarget, StaticCredentials } from '../model/index.js';
import type { NetFacts } from '../netpath/facts.js';
import type { Snapshot } from '../snapshot/format.js';

export type { StaticCredentials } from '../model/index.js';

/** How one AWS read of discovery went (keyed by snapshot key, e.g. `ec2:DescribeSubnets`). */
export interface AwsRead {
  result: 'ok' | 'denied' | 'failed' | 'not-called';
  /** The IAM action that was denied. */
  deniedAction?: string;
  /** The AWS error code (or failure kind) of a failed read. */
  code?: string;
  /** One line on what happened, as discovery reported it. */
  detail: string;
}

export interface DiscoveryStatus {
  /** The HSM list is trustworthy: given with --hsm-ip, or answered by DescribeClusters. */
  hsmsListed: boolean;
  reads: Readonly<Record<string, AwsRead>>;
  /** Failed AWS calls, for the agent's error counter. */
  apiErrors: ReadonlyArray<{ service: string; operation: string; code: string }>;
}

/** The VPC as EC2 described it, for the path checks. */
export interface VpcEstate {
  facts: NetFacts;
  /** Snapshot keys the path checks need that were not read. */
  missing: string[];
}

export interface Environment {
  /** live: discovered on this host now; offline: read from a snapshot (`analyze`). */
  mode: 'live' | 'offline';
  settings: Settings;
  region: string | null;
  client: ClientInfo | null;
  clusters: ClusterInfo[];
  targets: HsmTarget[];
  vpc: VpcEstate;
  /** What discovery read, as AWS answered: written out by `hsmwatch snapshot`. Probes do not read it. */
  snapshot: Snapshot;
  findings: Finding[];
  discovery: DiscoveryStatus;
  credentials: StaticCredentials | undefined;
  /** The client's ephemeral (source) port range for return-traffic checks; absent: analyze's default. */
  ephemeralPorts?: { from: number; to: number; source: string };
}
