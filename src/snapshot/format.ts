// The snapshot contract (../shared/product.md, "The snapshot format"): AWS answers in the API's own
// shape (PascalCase), keyed by service:Operation, pages merged.

export interface Snapshot {
  hsmwatchSnapshot: 1;
  capturedAt: string;
  region: string | null;
  client: { instanceId: string | null };
  ports?: number[];
  aws: Record<string, unknown>;
  clientConfig?: unknown;
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
