// The snapshot contract (../shared/product.md, "The snapshot format"): AWS answers in the API's own
// shape (PascalCase), keyed by service:Operation, pages merged.
import type { EcsTaskInfo } from '../model/index.js';

export interface Snapshot {
  hsmwatchSnapshot: 1;
  capturedAt: string;
  region: string | null;
  client: {
    instanceId: string | null;
    /** The kernel's source address per HSM address (null: no route); the ENIs owning them are in DescribeNetworkInterfaces. */
    sources?: Array<{ hsmIp: string; sourceIp: string | null }>;
    /** The ECS task (task metadata endpoint v4), when this process runs in one. */
    ecsTask?: EcsTaskInfo;
  };
  ports?: number[];
  aws: Record<string, unknown>;
  clientConfig?: unknown;
  /** `snapshot --estate`: DescribeNetworkInterfaces holds every interface of these VPCs (what `audit` covers). */
  estate?: { vpcIds: string[] };
}

export function emptySnapshot(now: Date, region: string | null, instanceId: string | null): Snapshot {
  return {
    hsmwatchSnapshot: 1,
    capturedAt: now.toISOString().replace(/\.\d{3}Z$/, 'Z'),
    region,
    client: { instanceId },
    aws: {},
  };
}

/** Loose views of the CloudHSM answer: fields are optional and must be checked, never trusted. */
export interface RawHsm {
  HsmId?: unknown;
  EniId?: unknown;
  EniIp?: unknown;
  EniIpV6?: unknown;
  AvailabilityZone?: unknown;
  SubnetId?: unknown;
  State?: unknown;
  StateMessage?: unknown;
}

export interface RawCluster {
  ClusterId?: unknown;
  State?: unknown;
  StateMessage?: unknown;
  SecurityGroup?: unknown;
  VpcId?: unknown;
  SubnetMapping?: unknown;
  NetworkType?: unknown;
  Hsms?: unknown;
  Certificates?: unknown;
}
