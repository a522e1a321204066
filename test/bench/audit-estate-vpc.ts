// The VPC side of the bench:audit estate (audit-estate.ts): subnets, network ACLs, route tables,
// peering connections and the transit gateway, from the plan the interfaces were drawn with.

export interface AuditScale {
  interfaces: number;
  groups: number;
  nacls: number;
  seed: number;
}

export type Obj = Record<string, unknown>;
export const OWNER = '111122223333';
export const REGION = 'us-east-1';
export const AZS = ['us-east-1a', 'us-east-1b', 'us-east-1c'];
export const PER_SUBNET = 50;
export const VPCS = 5; // 0 cluster, 1-2 peered, 3-4 on the transit gateway
export const id = (prefix: string, kind: number, n: number) =>
  `${prefix}-0${kind.toString(16)}${n.toString(16).padStart(15, '0')}`;
export const vpcId = (v: number) => id('vpc', 10, v);
export const PCX = [id('pcx', 1, 1), id('pcx', 1, 2), id('pcx', 1, 3)];
export const TGW = id('tgw', 2, 1);
export const TGW_RTB = id('tgw-rtb', 2, 1);
export const attachmentOf = (v: number) => id('tgw-attach', 2, v);

/** mulberry32: a small seeded generator, the same sequence for the same seed everywhere. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface SubnetPlan {
  id: string;
  vpc: number;
  s: number;
  cidr: string;
  /** Third octet of 10.v.x.0/24. */
  octet: number;
  az: number;
  combos: string[][];
}

export interface Plan {
  scale: AuditScale;
  rand: () => number;
  pick: <T>(xs: readonly T[]) => T;
  subnets: SubnetPlan[];
  hsmSubnets: string[];
  tgwSubnets: Map<number, string[]>;
  groupsByVpc: string[][];
  egressKind: Map<string, 'all' | 'web' | 'hsm-2223'>;
  clusterSg: string;
  /** Address (ENI index) → [ip, subnet]. */
  ips: string[];
  enis: Obj[];
  /** ENI indexes never given a random address-specific rule (the singled interface's subnet). */
  reserved: Set<number>;
}

/** A random interface's address, outside the singled interface's subnet. */
export function someAddress(p: Plan, vpc?: number): string {
  for (;;) {
    const i = Math.floor(p.rand() * p.scale.interfaces);
    if (!p.reserved.has(i) && (vpc === undefined || p.subnets[i % p.subnets.length]!.vpc === vpc))
      return p.ips[i]!;
  }
}

export const entry = (
  RuleNumber: number,
  Egress: boolean,
  RuleAction: string,
  CidrBlock: string,
  ports?: [number, number],
) => ({
  CidrBlock,
  Egress,
  Protocol: ports ? '6' : '-1',
  RuleAction,
  RuleNumber,
  ...(ports ? { PortRange: { From: ports[0], To: ports[1] } } : {}),
});
export const CATCH_ALL = [entry(32767, false, 'deny', '0.0.0.0/0'), entry(32767, true, 'deny', '0.0.0.0/0')];

/** Per VPC: a default ACL (allow all) and the others; client subnets s ≡ 0 (mod 4) keep the default. */
export function networkAcls(p: Plan): Obj[] {
  const perVpc = Math.max(2, Math.floor(p.scale.nacls / VPCS));
  const out: Obj[] = [];
  for (let v = 0; v < VPCS; v++) {
    // In the cluster VPC, ACL 1 is the HSM subnets'.
    const first = v === 0 ? 2 : 1;
    const own = new Map<number, SubnetPlan[]>();
    for (const x of p.subnets.filter((y) => y.vpc === v)) {
      const n = x.s % 4 === 0 || perVpc <= first ? 0 : first + (x.s % (perVpc - first));
      own.set(n, [...(own.get(n) ?? []), x]);
    }
    for (let n = 0; n < perVpc; n++) {
      const aclId = id('acl', 14, v * perVpc + n);
      const hsm = v === 0 && n === 1;
      const mine = own.get(n) ?? [];
      const subnetIds = [
        ...mine.map((x) => x.id),
        ...(n === 0 ? (p.tgwSubnets.get(v) ?? []) : []),
        ...(hsm ? p.hsmSubnets : []),
      ];
      const entries =
        n === 0
          ? [entry(100, false, 'allow', '0.0.0.0/0'), entry(100, true, 'allow', '0.0.0.0/0')]
          : hsm
            ? hsmEntries(p)
            : clientEntries(p, n, mine);
      out.push({
        NetworkAclId: aclId,
        VpcId: vpcId(v),
        IsDefault: n === 0,
        OwnerId: OWNER,
        Associations: subnetIds.map((SubnetId) => ({
          NetworkAclAssociationId: `aclassoc-${SubnetId.slice(7)}`,
          NetworkAclId: aclId,
          SubnetId,
        })),
        Entries: [...entries, ...CATCH_ALL],
      });
    }
  }
  return out;
}

export function hsmEntries(p: Plan): Obj[] {
  const n = Math.max(1, Math.round(p.scale.interfaces / 1000));
  return [
    ...Array.from({ length: n }, (_, k) => entry(10 + k, false, 'deny', `${someAddress(p)}/32`)),
    entry(9, false, 'deny', `${someAddress(p, 1).replace(/\.\d+$/, '.32')}/28`),
    entry(100, false, 'allow', '10.0.0.0/8', [2223, 2225]),
    entry(100, true, 'allow', '10.0.0.0/8', [1024, 65535]),
  ];
}

export function clientEntries(p: Plan, n: number, mine: SubnetPlan[]): Obj[] {
  const own = mine.length
    ? [`10.${mine[0]!.vpc}.${mine[0]!.octet}.${4 + Math.floor(p.rand() * PER_SUBNET)}/32`]
    : [];
  return [
    ...own.map((c) => entry(10, false, 'deny', c)),
    ...(n % 5 === 1 ? [entry(50, true, 'deny', '10.0.1.0/24', [2223, 2225])] : []),
    ...(n % 7 === 3 ? [entry(60, false, 'deny', '10.0.0.0/16', [1024, 2047])] : []),
    entry(100, false, 'allow', '0.0.0.0/0'),
    entry(100, true, 'allow', '0.0.0.0/0'),
  ];
}

/** Routes of a VPC's tables: local, to the cluster (peering or transit gateway), and a default route. */
export function routesOf(v: number, t: number): Obj[] {
  const r = (DestinationCidrBlock: string, target: Obj, State = 'active') => ({
    DestinationCidrBlock,
    ...target,
    Origin: 'CreateRoute',
    State,
  });
  const local = {
    DestinationCidrBlock: `10.${v}.0.0/16`,
    GatewayId: 'local',
    Origin: 'CreateRouteTable',
    State: 'active',
  };
  if (v === 0)
    return [
      local,
      r('10.1.0.0/16', { VpcPeeringConnectionId: PCX[0] }),
      r('10.2.0.0/16', { VpcPeeringConnectionId: PCX[1] }),
      r('10.3.0.0/16', { TransitGatewayId: TGW }),
      r('10.4.0.0/16', { TransitGatewayId: TGW }),
    ];
  const toCluster = v <= 2 ? { VpcPeeringConnectionId: PCX[v - 1] } : { TransitGatewayId: TGW };
  const out = [
    local,
    r('0.0.0.0/0', v <= 2 ? { GatewayId: id('igw', 15, v) } : { NatGatewayId: id('nat', 9, v) }),
  ];
  // VPC 1: table 1 has no route back to the cluster, table 3 blackholes the third HSM subnet.
  if (!(v === 1 && t === 1)) out.push(r('10.0.0.0/16', toCluster));
  if (v === 1 && t === 3) out.push(r('10.0.3.0/24', { VpcPeeringConnectionId: PCX[0] }, 'blackhole'));
  return out;
}

export function routeTables(p: Plan): Obj[] {
  const out: Obj[] = [];
  const table = (RouteTableId: string, v: number, t: number, subnetIds: string[], main: boolean) => ({
    RouteTableId,
    VpcId: vpcId(v),
    OwnerId: OWNER,
    Routes: routesOf(v, t),
    Associations: [
      ...(main
        ? [
            {
              Main: true,
              RouteTableAssociationId: `${RouteTableId.replace('rtb', 'rtbassoc')}m`,
              RouteTableId,
              AssociationState: { State: 'associated' },
            },
          ]
        : []),
      ...subnetIds.map((SubnetId) => ({
        Main: false,
        RouteTableAssociationId: `rtbassoc-${SubnetId.slice(7)}`,
        RouteTableId,
        SubnetId,
        AssociationState: { State: 'associated' },
      })),
    ],
  });
  for (let v = 0; v < VPCS; v++) {
    const mine = p.subnets.filter((x) => x.vpc === v);
    const tables = Math.ceil(mine.length / 4);
    out.push(table(id('rtb', 7, v * 10000), v, -1, [], true));
    for (let t = 0; t < tables; t++) {
      // Every third table's subnets use the main table (no explicit association).
      const subs = t % 3 === 2 ? [] : mine.filter((x) => Math.floor(x.s / 4) === t).map((x) => x.id);
      out.push(table(id('rtb', 7, v * 10000 + t + 1), v, t, subs, false));
    }
  }
  out.push(table(id('rtb', 7, 99999), 0, -1, p.hsmSubnets, false));
  return out;
}

export function subnets(p: Plan): Obj[] {
  const subnet = (SubnetId: string, v: number, CidrBlock: string, az: number) => ({
    SubnetId,
    VpcId: vpcId(v),
    CidrBlock,
    AvailabilityZone: AZS[az],
    AvailabilityZoneId: `use1-az${az + 1}`,
    AvailableIpAddressCount: 200,
    State: 'available',
    OwnerId: OWNER,
    MapPublicIpOnLaunch: false,
    Ipv6CidrBlockAssociationSet: [],
    SubnetArn: `arn:aws:ec2:${REGION}:${OWNER}:subnet/${SubnetId}`,
  });
  return [
    ...p.subnets.map((x) => subnet(x.id, x.vpc, x.cidr, x.az)),
    ...p.hsmSubnets.map((s, a) => subnet(s, 0, `10.0.${a + 1}.0/24`, a)),
    ...[...p.tgwSubnets].flatMap(([v, ids]) =>
      ids.map((s, a) => subnet(s, v, `10.${v}.250.${a * 16}/28`, a)),
    ),
  ];
}
