// Shared vocabulary of hsmwatch: targets discovered, findings produced, and the report contract
// (../shared/product.md, "The JSON report").

export const STATUSES = ['pass', 'warn', 'fail', 'skip', 'error'] as const;
export type Status = (typeof STATUSES)[number];

export interface Finding<Id extends string = string> {
  id: Id;
  status: Status;
  target: string;
  message: string;
  evidence: Record<string, unknown>;
  remediation?: string;
}

/** How a finding names an HSM address: cluster/hsm ip, or the bare address given with --hsm-ip. */
export function targetLabel(t: HsmTarget): string {
  return t.hsmId ? `${t.clusterId}/${t.hsmId} ${t.ip}` : t.ip;
}

export interface StaticCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

export type HsmState = string; // CloudHSM states: ACTIVE, CREATE_IN_PROGRESS, DEGRADED, ...

export interface HsmTarget {
  clusterId: string | null;
  hsmId: string | null;
  eniId: string | null;
  /** One address of the HSM's ENI (a dual-stack HSM yields one target per address). */
  ip: string;
  family: 4 | 6;
  az: string | null;
  subnetId: string | null;
  state: HsmState | null;
}

export interface ClusterInfo {
  clusterId: string;
  /** The cluster certificate (PEM) from DescribeClusters, when the cluster has one. */
  certificate: string | null;
  state: string;
  securityGroup: string | null;
  vpcId: string | null;
  subnetIds: string[];
  networkType: string | null;
  hsmCount: number;
}

export interface ClientEni {
  eniId: string;
  mac: string | null;
  deviceNumber: number | null;
  subnetId: string | null;
  vpcId: string | null;
  securityGroupIds: string[];
  privateIps: string[];
  ipv6s: string[];
}

/** The address the kernel picks to reach one HSM address, and the ENI that owns it (null: none known). */
export interface ClientSource {
  hsmIp: string;
  /** null: the kernel has no route to the HSM address. */
  sourceIp: string | null;
  eniId: string | null;
}

/** The ECS task this process runs in, distilled from the task metadata endpoint v4 (`/task`). */
export interface EcsTaskInfo {
  taskArn: string;
  cluster: string | null;
  launchType: string | null;
  availabilityZone: string | null;
  /** Only answered for tasks on EC2 container instances. */
  vpcId: string | null;
  addresses: string[];
  subnetCidrs: string[];
}

export interface ClientInfo {
  instanceId: string | null;
  region: string | null;
  availabilityZone: string | null;
  /** The ENIs the path checks start from: those carrying this process's traffic when known, else the instance's. */
  enis: ClientEni[];
  /** The ENIs IMDS or DescribeInstances (else the ECS task metadata) describe, when `enis` are others. */
  describedEnis?: ClientEni[];
  /** Per HSM address: the source address and the ENI carrying the traffic. */
  sources?: ClientSource[];
  ecsTask?: EcsTaskInfo;
}

/**
 * The client ENIs whose path to an HSM address is checked: the one owning the kernel's source address
 * towards it, else those IMDS (or DescribeInstances, or the task metadata) describes.
 */
export function carrierEniIds(client: ClientInfo, hsmIp: string): string[] {
  const owner = client.sources?.find((s) => s.hsmIp === hsmIp)?.eniId;
  if (owner && client.enis.some((e) => e.eniId === owner)) return [owner];
  const known = new Set(client.enis.map((e) => e.eniId));
  return (client.describedEnis ?? client.enis).map((e) => e.eniId).filter((id) => known.has(id));
}

export type LiveState = 'open' | 'refused' | 'timeout' | 'unreachable' | 'error';

export interface LiveResult {
  state: LiveState;
  connectMs: number;
  errno?: string;
}

export type StaticVerdict = 'reachable' | 'blocked' | 'unknown';

export interface BlockingComponent {
  component: string;
  resourceIds: string[];
  detail: string;
}

export interface StaticResult {
  verdict: StaticVerdict;
  blockedBy: BlockingComponent[];
}

export interface PathKey {
  clusterId: string | null;
  hsmId: string | null;
  eniIp: string;
  port: number;
  clientEni: string | null;
}

/** What one probe says about one path: its static verdict, its live result, or both. */
export interface PathContribution extends PathKey {
  static?: StaticResult;
  live?: LiveResult;
}

export interface PathRecord extends PathKey {
  static?: StaticResult;
  live?: LiveResult;
}

export interface EndpointRecord {
  host: string;
  port: number;
  [field: string]: unknown;
}

export type Summary = Record<Status, number>;

export interface Report {
  hsmwatchReport: 1;
  generatedAt: string;
  summary: Summary;
  paths: PathRecord[];
  endpoints: EndpointRecord[];
  findings: Finding[];
}
