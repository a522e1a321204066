// The VPC facts the evaluator reads, normalised once from the snapshot's AWS answers (PascalCase, as
// the API returns them). Fields of the wrong type are treated as absent, never trusted. Pure.
import { AWS_OPERATIONS, type OperationOf, snapshotKey } from '../aws/operations.js';
import { type Cidr, type CidrSet, cidrSet, parseCidr } from './cidr.js';
import { type NetworkInterface, networkInterfaces } from './eni-facts.js';
import { type NatGateway, natGateways } from './middlebox-facts.js';
import { TGW_KEYS, type TransitFacts, transitFacts } from './transit-facts.js';

/** Snapshot keys the path checks read; absent ones make the checks that need them undecidable. */
export const EC2_KEYS = {
  instances: snapshotKey('DescribeInstances'),
  enis: snapshotKey('DescribeNetworkInterfaces'),
  sgs: snapshotKey('DescribeSecurityGroups'),
  subnets: snapshotKey('DescribeSubnets'),
  nacls: snapshotKey('DescribeNetworkAcls'),
  routeTables: snapshotKey('DescribeRouteTables'),
  peerings: snapshotKey('DescribeVpcPeeringConnections'),
  prefixLists: snapshotKey('GetManagedPrefixListEntries'),
  natGateways: snapshotKey('DescribeNatGateways'),
  ...TGW_KEYS,
} as const;
export type Ec2Key = (typeof EC2_KEYS)[keyof typeof EC2_KEYS];

export interface GroupRef {
  groupId: string;
  userId: string | null;
  vpcId: string | null;
  peeringId: string | null;
  peeringStatus: string | null;
}

export interface SgRule {
  protocol: string;
  fromPort: number | null;
  toPort: number | null;
  cidrs: Cidr[];
  groups: GroupRef[];
  prefixListIds: string[];
}

export interface SecurityGroup {
  groupId: string;
  ownerId: string | null;
  vpcId: string | null;
  ingress: SgRule[];
  egress: SgRule[];
}

export interface NaclEntry {
  ruleNumber: number;
  egress: boolean;
  protocol: string;
  allow: boolean;
  cidr: Cidr;
  from: number | null;
  to: number | null;
}

export interface Nacl {
  id: string;
  vpcId: string | null;
  isDefault: boolean;
  subnetIds: string[];
  /** Sorted by rule number: the order AWS evaluates them. */
  entries: NaclEntry[];
}

export interface Route {
  /** Destination as written: a CIDR or a prefix-list id. */
  destination: string;
  cidr: Cidr | null;
  prefixListId: string | null;
  targetKind: string;
  targetId: string;
  blackhole: boolean;
}

export interface RouteTable {
  id: string;
  vpcId: string | null;
  main: boolean;
  subnetIds: string[];
  routes: Route[];
}

export interface Subnet {
  id: string;
  vpcId: string | null;
  cidrs: string[];
}

export interface PeeringSide {
  vpcId: string | null;
  ownerId: string | null;
  region: string | null;
}

export interface Peering {
  id: string;
  status: string;
  requester: PeeringSide;
  accepter: PeeringSide;
}

// The ENI facts (addresses, kind, SourceDestCheck) live with their normaliser.
export type { EniKind, NetworkInterface } from './eni-facts.js';

export interface NetFacts {
  region: string | null;
  sgs: Lookup<SecurityGroup> | null;
  nacls: Nacl[] | null;
  routeTables: RouteTable[] | null;
  subnets: Map<string, Subnet> | null;
  peerings: Map<string, Peering> | null;
  prefixLists: Lookup<CidrSet> | null;
  enis: Map<string, NetworkInterface> | null;
  /** NAT gateways a route can send traffic through; null when not read. */
  natGateways: Map<string, NatGateway> | null;
  /** Transit gateways, their attachments and readable route tables (absent answers: null inside). */
  transit: TransitFacts;
  /** Results shared by many paths (e.g. one cluster group's ingress for one client), by key. */
  memo: Map<string, unknown>;
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown): string | null => (typeof v === 'string' && v !== '' ? v : null);
const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);
const list = (v: unknown): Obj[] => (Array.isArray(v) ? v.filter(isObj) : []);
const strs = (v: unknown[]): string[] => v.map(str).filter((s): s is string => s !== null);

/** The list an operation's stored answer holds, or null when the answer is absent or malformed. */
function answer(aws: Obj, name: Exclude<OperationOf<'ec2'>, 'GetManagedPrefixListEntries'>): Obj[] | null {
  const a = aws[snapshotKey(name)];
  if (!isObj(a)) return null;
  return list(a[AWS_OPERATIONS[name].listField]);
}

function cidrsOf(ranges: unknown, field: string): Cidr[] {
  return list(ranges)
    .map((r) => str(r[field]))
    .filter((s): s is string => s !== null)
    .map(parseCidr)
    .filter((c): c is Cidr => c !== null);
}

function sgRule(p: Obj): SgRule {
  return {
    protocol: String(p.IpProtocol ?? '').toLowerCase(),
    fromPort: num(p.FromPort),
    toPort: num(p.ToPort),
    cidrs: [...cidrsOf(p.IpRanges, 'CidrIp'), ...cidrsOf(p.Ipv6Ranges, 'CidrIpv6')],
    groups: list(p.UserIdGroupPairs)
      .filter((g) => str(g.GroupId))
      .map((g) => ({
        groupId: str(g.GroupId)!,
        userId: str(g.UserId),
        vpcId: str(g.VpcId),
        peeringId: str(g.VpcPeeringConnectionId),
        peeringStatus: str(g.PeeringStatus),
      })),
    prefixListIds: strs(list(p.PrefixListIds).map((x) => x.PrefixListId)),
  };
}

function naclEntry(e: Obj): NaclEntry | null {
  const ruleNumber = num(e.RuleNumber);
  const cidr = parseCidr(str(e.CidrBlock) ?? str(e.Ipv6CidrBlock) ?? '');
  if (ruleNumber === null || !cidr) return null;
  const range = isObj(e.PortRange) ? e.PortRange : {};
  return {
    ruleNumber,
    egress: e.Egress === true,
    protocol: String(e.Protocol ?? '').toLowerCase(),
    allow: e.RuleAction === 'allow',
    cidr,
    from: num(range.From),
    to: num(range.To),
  };
}

const ROUTE_TARGETS = [
  'GatewayId',
  'VpcPeeringConnectionId',
  'TransitGatewayId',
  'NatGatewayId',
  'EgressOnlyInternetGatewayId',
  'NetworkInterfaceId',
  'InstanceId',
  'LocalGatewayId',
  'CarrierGatewayId',
  'CoreNetworkArn',
] as const;

function route(r: Obj): Route | null {
  const destination =
    str(r.DestinationCidrBlock) ?? str(r.DestinationIpv6CidrBlock) ?? str(r.DestinationPrefixListId);
  if (!destination) return null;
  const kind = ROUTE_TARGETS.find((k) => str(r[k]) !== null);
  return {
    destination,
    cidr: parseCidr(destination),
    prefixListId: str(r.DestinationPrefixListId),
    targetKind: kind ?? 'none',
    targetId: kind ? str(r[kind])! : 'none',
    blackhole: r.State === 'blackhole',
  };
}

function side(v: unknown): PeeringSide {
  const o = isObj(v) ? v : {};
  return { vpcId: str(o.VpcId), ownerId: str(o.OwnerId), region: str(o.Region) };
}

/** Read-only lookup by id. */
export interface Lookup<T> {
  get(id: string): T | undefined;
  readonly size: number;
}

/**
 * Normalises an entry the first time it is asked for: an estate holds thousands of groups and
 * prefix-list entries, a path reads a handful of them.
 */
function lazyIndex<T>(raw: Array<[string, Obj]>, normalise: (o: Obj) => T): Lookup<T> {
  const source = new Map(raw);
  const done = new Map<string, T>();
  return {
    size: source.size,
    get(id) {
      let v = done.get(id);
      if (v === undefined) {
        const o = source.get(id);
        if (o === undefined) return undefined;
        v = normalise(o);
        done.set(id, v);
      }
      return v;
    },
  };
}

export function factsFromSnapshot(aws: Obj, region: string | null): NetFacts {
  const sgList = answer(aws, 'DescribeSecurityGroups');
  const naclList = answer(aws, 'DescribeNetworkAcls');
  const rtList = answer(aws, 'DescribeRouteTables');
  const subnetList = answer(aws, 'DescribeSubnets');
  const peeringList = answer(aws, 'DescribeVpcPeeringConnections');
  const eniList = answer(aws, 'DescribeNetworkInterfaces');
  const pl = aws[EC2_KEYS.prefixLists];
  // An absent answer stays null (undecidable), distinct from an empty one.
  return {
    region,
    memo: new Map(),
    sgs: sgList && securityGroups(sgList),
    nacls: naclList ? nacls(naclList) : null,
    routeTables: rtList ? routeTables(rtList) : null,
    subnets: subnetList && subnets(subnetList),
    peerings: peeringList && peerings(peeringList),
    prefixLists: isObj(pl) ? prefixLists(pl) : null,
    enis: eniList && networkInterfaces(eniList),
    natGateways: natGateways(aws),
    transit: transitFacts(aws),
  };
}

/** Lazy: only the groups a path names are ever normalised. */
function securityGroups(sgList: Obj[]): Lookup<SecurityGroup> {
  return lazyIndex(
    sgList.filter((g) => str(g.GroupId)).map((g) => [str(g.GroupId)!, g]),
    (g): SecurityGroup => ({
      groupId: str(g.GroupId)!,
      ownerId: str(g.OwnerId),
      vpcId: str(g.VpcId),
      ingress: list(g.IpPermissions).map(sgRule),
      egress: list(g.IpPermissionsEgress).map(sgRule),
    }),
  );
}

function nacls(naclList: Obj[]): Nacl[] {
  return naclList
    .filter((n) => str(n.NetworkAclId))
    .map((n) => ({
      id: str(n.NetworkAclId)!,
      vpcId: str(n.VpcId),
      isDefault: n.IsDefault === true,
      subnetIds: strs(list(n.Associations).map((a) => a.SubnetId)),
      entries: list(n.Entries)
        .map(naclEntry)
        .filter((e): e is NaclEntry => e !== null)
        .sort((a, b) => a.ruleNumber - b.ruleNumber),
    }));
}

function routeTables(rtList: Obj[]): RouteTable[] {
  return rtList
    .filter((t) => str(t.RouteTableId))
    .map((t) => ({
      id: str(t.RouteTableId)!,
      vpcId: str(t.VpcId),
      main: list(t.Associations).some((a) => a.Main === true),
      subnetIds: strs(list(t.Associations).map((a) => a.SubnetId)),
      routes: list(t.Routes)
        .map(route)
        .filter((r): r is Route => r !== null),
    }));
}

function subnets(subnetList: Obj[]): Map<string, Subnet> {
  return new Map(
    subnetList
      .filter((s) => str(s.SubnetId))
      .map((s) => [
        str(s.SubnetId)!,
        {
          id: str(s.SubnetId)!,
          vpcId: str(s.VpcId),
          cidrs: [
            ...strs([s.CidrBlock]),
            ...strs(list(s.Ipv6CidrBlockAssociationSet).map((a) => a.Ipv6CidrBlock)),
          ],
        },
      ]),
  );
}

function peerings(peeringList: Obj[]): Map<string, Peering> {
  return new Map(
    peeringList
      .filter((p) => str(p.VpcPeeringConnectionId))
      .map((p) => [
        str(p.VpcPeeringConnectionId)!,
        {
          id: str(p.VpcPeeringConnectionId)!,
          status: (isObj(p.Status) ? str(p.Status.Code) : null) ?? 'unknown',
          requester: side(p.RequesterVpcInfo),
          accepter: side(p.AccepterVpcInfo),
        },
      ]),
  );
}

/** Keyed by prefix-list id; lazy, since a managed list can hold thousands of entries. */
function prefixLists(pl: Obj): Lookup<CidrSet> {
  return lazyIndex(
    Object.entries(pl).filter((e): e is [string, Obj] => isObj(e[1])),
    (v) => cidrSet(cidrsOf(v.Entries, 'Cidr')),
  );
}
