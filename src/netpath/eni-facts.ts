// Network interfaces from a DescribeNetworkInterfaces answer (SDK output shape), and what kind each
// one is: the ENI whose groups and subnet judge a packet is the one owning its source address. Pure.

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown): string | null => (typeof v === 'string' && v !== '' ? v : null);
const list = (v: unknown): Obj[] => (Array.isArray(v) ? v.filter(isObj) : []);
const strs = (v: unknown[]): string[] => v.map(str).filter((s): s is string => s !== null);

/**
 * interface: an ordinary ENI (an instance's, or one the user made); branch: an EKS pod's own ENI
 * (security groups for pods), trunk: the node ENI branch ENIs hang off; ecs-task: an ECS awsvpc task's
 * ENI (EC2 or Fargate); lambda: a Lambda function's VPC ENI. Any other InterfaceType is kept as EC2
 * names it (nat_gateway, vpc_endpoint, efa, ...).
 */
export type EniKind = 'interface' | 'branch' | 'trunk' | 'ecs-task' | 'lambda' | (string & {});

export interface NetworkInterface {
  id: string;
  groupIds: string[];
  subnetId: string | null;
  vpcId: string | null;
  /** Private IPv4 addresses, the primary first. */
  privateIps: string[];
  ipv6s: string[];
  /** EC2's InterfaceType (interface, branch, trunk, lambda, ...), null when not answered. */
  interfaceType: string | null;
  kind: EniKind;
  description: string | null;
  /** false: the ENI forwards traffic not addressed to it (a NAT instance, a firewall); null: not answered. */
  sourceDestCheck: boolean | null;
  mac: string | null;
  deviceIndex: number | null;
  /** The instance it is attached to. */
  instanceId: string | null;
  /** Its tags (TagSet), `key=value`. */
  tags: string[];
}

// ECS names the ENI it creates for an awsvpc task after the task's attachment (as DescribeNetworkInterfaces
// shows it for EC2 and Fargate tasks alike), with InterfaceType "interface".
const ECS_ATTACHMENT = /^arn:aws[a-z-]*:ecs:[a-z0-9-]+:\d{12}:attachment\//;

/** The kind of an ENI from InterfaceType and Description (EC2 API reference, NetworkInterface). */
export function eniKind(interfaceType: string | null, description: string | null): EniKind {
  const t = interfaceType?.toLowerCase() ?? null;
  if (t === 'branch' || t === 'trunk' || t === 'lambda') return t;
  if ((t === null || t === 'interface') && description && ECS_ATTACHMENT.test(description)) return 'ecs-task';
  return t ?? 'interface';
}

/** How a report names a kind, in words. */
export function eniKindLabel(kind: EniKind): string {
  const labels: Record<string, string> = {
    interface: 'network interface',
    branch: 'EKS pod branch ENI (security groups for pods)',
    trunk: 'EKS trunk ENI',
    'ecs-task': 'ECS task ENI (awsvpc)',
    lambda: 'Lambda VPC ENI',
  };
  return labels[kind] ?? `${kind} ENI`;
}

function networkInterface(e: Obj): NetworkInterface {
  const ips = list(e.PrivateIpAddresses).sort(
    (a, b) => Number(b.Primary === true) - Number(a.Primary === true),
  );
  const v4 = strs(ips.map((x) => x.PrivateIpAddress));
  const primary = str(e.PrivateIpAddress);
  const interfaceType = str(e.InterfaceType);
  const description = str(e.Description);
  const attachment = isObj(e.Attachment) ? e.Attachment : {};
  return {
    id: str(e.NetworkInterfaceId)!,
    groupIds: strs(list(e.Groups).map((g) => g.GroupId)),
    subnetId: str(e.SubnetId),
    vpcId: str(e.VpcId),
    privateIps: v4.length ? v4 : primary ? [primary] : [],
    ipv6s: strs(list(e.Ipv6Addresses).map((a) => a.Ipv6Address)),
    interfaceType,
    kind: eniKind(interfaceType, description),
    description,
    sourceDestCheck: typeof e.SourceDestCheck === 'boolean' ? e.SourceDestCheck : null,
    mac: str(e.MacAddress),
    deviceIndex:
      typeof attachment.DeviceIndex === 'number' && Number.isInteger(attachment.DeviceIndex)
        ? attachment.DeviceIndex
        : null,
    instanceId: str(attachment.InstanceId),
    tags: list(e.TagSet)
      .filter((t) => str(t.Key))
      .map((t) => `${str(t.Key)}=${typeof t.Value === 'string' ? t.Value : ''}`),
  };
}

export function networkInterfaces(eniList: Obj[]): Map<string, NetworkInterface> {
  return new Map(
    eniList
      .filter((e) => str(e.NetworkInterfaceId))
      .map((e) => [str(e.NetworkInterfaceId)!, networkInterface(e)]),
  );
}

/** The ENIs holding an address (IPv4 or IPv6), from the ones read. */
export function enisOwning(
  enis: ReadonlyMap<string, NetworkInterface> | null,
  ip: string,
): NetworkInterface[] {
  if (!enis) return [];
  return [...enis.values()].filter((e) => e.privateIps.includes(ip) || e.ipv6s.includes(ip));
}
