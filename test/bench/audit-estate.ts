// The synthetic estate of bench:audit and of test/audit/grouping.test.ts, deterministic (seeded): one
// CloudHSM cluster (6 HSMs in 3 subnets) in a VPC peered with two VPCs and attached with two more to a
// transit gateway; network interfaces of every kind (instances, Lambda, EKS branch and trunk, ECS
// tasks, VPC endpoints, load balancers, NAT gateways) spread over /24 subnets, 50 per subnet, each
// carrying one of its subnet's three security-group sets; address-specific rules (/32 and /28 inside
// subnets, in security groups, network ACLs and a prefix list) that split those classes.
import type { Snapshot } from '../../src/snapshot/format.js';
import { cluster, natGateways, peerings, transitGateway } from './audit-estate-tgw.js';
import {
  type AuditScale,
  AZS,
  id,
  networkAcls,
  OWNER,
  PCX,
  PER_SUBNET,
  type Plan,
  REGION,
  rng,
  routeTables,
  type SubnetPlan,
  someAddress,
  subnets,
  VPCS,
  vpcId,
} from './audit-estate-vpc.js';

export type { AuditScale };

export const AUDIT_BASE: AuditScale = { interfaces: 10_000, groups: 500, nacls: 50, seed: 11 };

/** ×k: interfaces, security groups and network ACLs (and so subnets and route tables) k times. */
export const scaled = (k: number, base: AuditScale = AUDIT_BASE): AuditScale => ({
  ...base,
  interfaces: base.interfaces * k,
  groups: base.groups * k,
  nacls: base.nacls * k,
});

export interface AuditEstate {
  snapshot: Snapshot;
  clusterId: string;
  clusterSg: string;
  /** The interface a cluster-group /32 rule alone admits, beside subnet-mates with the same groups. */
  singled: { eniId: string; ip: string; subnetId: string; groupIds: string[]; mates: string[] };
}

type Obj = Record<string, unknown>;
const PORTS = { IpProtocol: 'tcp', FromPort: 2223, ToPort: 2225 };
const perm = (p: Obj): Obj => ({
  IpRanges: [],
  Ipv6Ranges: [],
  PrefixListIds: [],
  UserIdGroupPairs: [],
  ...p,
});
const cidrs = (...c: string[]) => c.map((CidrIp) => ({ CidrIp }));
const ALL_OUT = perm({ IpProtocol: '-1', IpRanges: cidrs('0.0.0.0/0') });

function plan(scale: AuditScale): Plan {
  const rand = rng(scale.seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
  const subnetCount = Math.max(VPCS, Math.ceil(scale.interfaces / PER_SUBNET));
  const groupsByVpc: string[][] = Array.from({ length: VPCS }, () => []);
  const clusterSg = id('sg', 12, 0);
  const egressKind = new Map<string, 'all' | 'web' | 'hsm-2223'>();
  for (let g = 1; g < scale.groups; g++) {
    const sg = id('sg', 12, g);
    groupsByVpc[g % VPCS]!.push(sg);
    const r = rand();
    egressKind.set(sg, r < 0.75 ? 'all' : r < 0.9 ? 'web' : 'hsm-2223');
  }
  const subnets: SubnetPlan[] = Array.from({ length: subnetCount }, (_, j) => {
    const vpc = j % VPCS;
    const s = Math.floor(j / VPCS);
    const octet = 10 + s;
    const combos = Array.from({ length: 3 }, () => {
      const set = new Set([pick(groupsByVpc[vpc]!)]);
      if (rand() < 0.4) set.add(pick(groupsByVpc[vpc]!));
      if (rand() < 0.15) set.add(pick(groupsByVpc[vpc]!));
      if (vpc === 0 && rand() < 0.1) set.add(clusterSg);
      return [...set];
    });
    return { id: id('subnet', 3, j), vpc, s, cidr: `10.${vpc}.${octet}.0/24`, octet, az: s % 3, combos };
  });
  // The singled interface's subnet (the first of VPC 4, on the default ACL): its first set is one
  // group that allows all egress and that no cluster rule names.
  const home = subnets[4]!;
  const plain = groupsByVpc[4]!.find((g) => egressKind.get(g) === 'all') ?? groupsByVpc[4]![0]!;
  egressKind.set(plain, 'all');
  home.combos[0] = [plain];
  const tgwSubnets = new Map([0, 3, 4].map((v) => [v, AZS.map((_, a) => id('subnet', 4, v * 3 + a))]));
  return {
    scale,
    rand,
    pick,
    subnets,
    hsmSubnets: AZS.map((_, a) => id('subnet', 5, a)),
    tgwSubnets,
    groupsByVpc,
    egressKind,
    clusterSg,
    ips: [],
    enis: [],
    reserved: new Set(),
  };
}

// Per kind: [cumulative share, InterfaceType, Description, RequesterId, attached to an instance] as
// DescribeNetworkInterfaces answers them; ECS task ENIs are InterfaceType interface, named by attachment.
type Kind = [number, string, (i: number, uuid: string) => string, string | null, boolean];
const KINDS: Kind[] = [
  [0.45, 'interface', () => 'Primary network interface', null, true],
  [0.55, 'lambda', (i, u) => `AWS Lambda VPC ENI-orders-${i % 40}-${u}`, 'AROAEXAMPLE:orders', false],
  [0.67, 'branch', () => 'aws-k8s-branch-eni', 'eks-vpc-resource-controller', false],
  [0.7, 'trunk', () => 'aws-k8s-trunk-eni', null, true],
  [0.85, 'interface', (_, u) => `arn:aws:ecs:${REGION}:${OWNER}:attachment/${u}`, '578734482556', false],
  [0.92, 'vpc_endpoint', (i) => `VPC Endpoint Interface ${id('vpce', 7, i)}`, 'AROAEXAMPLE', false],
  [0.97, 'interface', (i) => `ELB app/web-${i % 30}/${(i * 2654435761).toString(16)}`, null, false],
  [1, 'network_load_balancer', (i) => `ELB net/api-${i % 20}/${(i * 2654435761).toString(16)}`, null, false],
];
const NAT_KIND = (natId: string): Kind => [
  1,
  'nat_gateway',
  () => `Interface for NAT Gateway ${natId}`,
  null,
  false,
];

function networkInterface(p: Plan, i: number, sub: SubnetPlan, host: number, kind: Kind): Obj {
  const ip = `10.${sub.vpc}.${sub.octet}.${host}`;
  const dns = (a: string) => `ip-${a.replaceAll('.', '-')}.ec2.internal`;
  const groups = sub.combos[i === 4 || p.reserved.has(i) ? 0 : Math.floor(p.rand() * 3)]!;
  const [, InterfaceType, description, requester, attached] = kind;
  const uuid = `${i.toString(16).padStart(8, '0')}-4a1b-4c2d-9e3f-${(i * 7919).toString(16).padStart(12, '0')}`;
  const instance = attached ? id('i', 6, i) : undefined;
  const secondary = attached && p.rand() < 0.1 ? [`10.${sub.vpc}.${sub.octet}.${host + 150}`] : [];
  const eniId = id('eni', 11, i);
  p.ips[i] = ip;
  return {
    Attachment: {
      AttachTime: '2026-11-01T08:00:00.000Z',
      AttachmentId: id('eni-attach', 11, i),
      DeleteOnTermination: instance !== undefined,
      DeviceIndex: instance !== undefined ? 0 : 1,
      NetworkCardIndex: 0,
      ...(instance ? { InstanceId: instance, InstanceOwnerId: OWNER } : { InstanceOwnerId: 'amazon-aws' }),
      Status: 'attached',
    },
    AvailabilityZone: AZS[sub.az],
    Description: description(i, uuid),
    InterfaceType,
    ...(requester ? { RequesterId: requester } : {}),
    Groups: groups.map((GroupId) => ({ GroupId, GroupName: `g-${GroupId.slice(-5)}` })),
    Ipv6Addresses: [],
    MacAddress: `0e:${[i >> 16, i >> 8, i, sub.vpc, sub.octet].map((b) => (b & 255).toString(16).padStart(2, '0')).join(':')}`,
    NetworkInterfaceId: eniId,
    OwnerId: OWNER,
    PrivateDnsName: dns(ip),
    PrivateIpAddress: ip,
    PrivateIpAddresses: [ip, ...secondary].map((a, k) => ({
      Primary: k === 0,
      PrivateDnsName: dns(a),
      PrivateIpAddress: a,
    })),
    Ipv4Prefixes: [],
    Ipv6Prefixes: [],
    RequesterManaged: requester !== null && InterfaceType !== 'branch',
    SourceDestCheck: InterfaceType !== 'nat_gateway',
    Status: 'in-use',
    SubnetId: sub.id,
    TagSet: instance ? [{ Key: 'team', Value: `t${sub.s % 7}` }] : [],
    VpcId: vpcId(sub.vpc),
  };
}

/** NAT gateway ids: the first of VPC v is nat-…v (its VPC's default route), the second nat-…(100 + v). */
const natIdOf = (p: Plan, i: number) => {
  const j = i % p.subnets.length;
  return id('nat', 9, j < VPCS ? j : 100 + j);
};

/** The interfaces: ENI i in subnet i mod T at host 4 + ⌊i/T⌋; the last host of the first 10 subnets: NAT gateways. */
function interfaces(p: Plan): void {
  const t = p.subnets.length;
  const nat = new Set(Array.from({ length: Math.min(10, t) }, (_, j) => (PER_SUBNET - 1) * t + j));
  for (let k = 0; k < 3; k++) p.reserved.add(4 + k * t); // the singled interface and two mates
  for (let i = 0; i < p.scale.interfaces; i++) {
    const sub = p.subnets[i % t]!;
    const r = p.rand();
    const kind = nat.has(i) ? NAT_KIND(natIdOf(p, i)) : KINDS.find(([x]) => r < x)!;
    p.enis.push(networkInterface(p, i, sub, 4 + Math.floor(i / t), kind));
  }
  for (let i = 0; i < p.scale.interfaces; i++) if (i % t === 4) p.reserved.add(i);
}

function clusterGroup(p: Plan, singledIp: string): Obj {
  const ref = (v: number, share: number) =>
    p.groupsByVpc[v]!.slice(0, Math.max(1, Math.round(p.groupsByVpc[v]!.length * share))).map((GroupId) => ({
      GroupId,
      UserId: OWNER,
      ...(v === 1 ? { VpcId: vpcId(1), VpcPeeringConnectionId: PCX[0], PeeringStatus: 'active' } : {}),
    }));
  const n = Math.max(1, Math.round(p.scale.interfaces / 500));
  const hosts = [singledIp, ...Array.from({ length: n - 1 }, () => someAddress(p))].map((a) => `${a}/32`);
  const blocks = Array.from({ length: Math.max(1, Math.round(n / 20)) }, () => {
    const sub = p.pick(p.subnets.filter((x) => x.vpc !== 4 || x.s !== 0));
    return `10.${sub.vpc}.${sub.octet}.16/28`;
  });
  return {
    GroupId: p.clusterSg,
    GroupName: 'cloudhsm-cluster-bench-sg',
    Description: 'Security group for CloudHSM cluster',
    OwnerId: OWNER,
    VpcId: vpcId(0),
    IpPermissions: [
      perm({ ...PORTS, UserIdGroupPairs: [{ GroupId: p.clusterSg, UserId: OWNER }] }),
      perm({ ...PORTS, UserIdGroupPairs: [...ref(0, 0.1), ...ref(1, 0.04), ...ref(3, 0.03)] }),
      perm({ ...PORTS, IpRanges: cidrs('10.2.16.0/20') }),
      perm({ IpProtocol: 'tcp', FromPort: 2223, ToPort: 2223, IpRanges: cidrs('10.3.11.0/24') }),
      perm({ IpProtocol: '-1', IpRanges: cidrs('10.4.12.0/24') }),
      perm({ ...PORTS, IpRanges: cidrs(...hosts, ...blocks) }),
      perm({ ...PORTS, PrefixListIds: [{ PrefixListId: id('pl', 13, 1) }] }),
    ],
    // As CloudHSM creates it: TCP 2223-2225 to itself (the group is stateful; replies need no rule).
    IpPermissionsEgress: [perm({ ...PORTS, UserIdGroupPairs: [{ GroupId: p.clusterSg, UserId: OWNER }] })],
  };
}

function otherGroup(p: Plan, sg: string, v: number): Obj {
  const kind = p.egressKind.get(sg)!;
  const egress =
    kind === 'all'
      ? [ALL_OUT]
      : [
          perm({ IpProtocol: 'tcp', FromPort: 443, ToPort: 443, IpRanges: cidrs('0.0.0.0/0') }),
          ...(kind === 'hsm-2223'
            ? [perm({ IpProtocol: 'tcp', FromPort: 2223, ToPort: 2223, IpRanges: cidrs('10.0.0.0/16') })]
            : []),
        ];
  const ingress = [
    perm({ IpProtocol: 'tcp', FromPort: 22, ToPort: 22, IpRanges: cidrs(`10.${v}.0.0/16`) }),
    perm({
      IpProtocol: 'tcp',
      FromPort: 443,
      ToPort: 443,
      UserIdGroupPairs: [{ GroupId: p.pick(p.groupsByVpc[v]!) }],
    }),
    perm({ IpProtocol: 'tcp', FromPort: 80, ToPort: 80, PrefixListIds: [{ PrefixListId: id('pl', 13, 2) }] }),
    perm({ IpProtocol: 'udp', FromPort: 53, ToPort: 53, IpRanges: cidrs('10.0.0.0/8') }),
    perm({
      IpProtocol: 'tcp',
      FromPort: 8080,
      ToPort: 8090,
      IpRanges: cidrs(`172.16.${v}.0/24`, '192.168.0.0/16'),
    }),
  ];
  if (p.rand() < 0.2)
    ingress.push(
      perm({ IpProtocol: 'tcp', FromPort: 5432, ToPort: 5432, IpRanges: cidrs(`${someAddress(p)}/32`) }),
    );
  if (p.rand() < 0.1) ingress.push(perm({ IpProtocol: '-1', IpRanges: cidrs(`${someAddress(p)}/32`) }));
  return {
    GroupId: sg,
    GroupName: `g-${sg.slice(-5)}`,
    Description: 'app',
    OwnerId: OWNER,
    VpcId: vpcId(v),
    IpPermissions: ingress,
    IpPermissionsEgress: egress,
  };
}

export function auditEstate(scale: AuditScale = AUDIT_BASE): AuditEstate {
  const p = plan(scale);
  interfaces(p);
  const singledIp = p.ips[4]!;
  const groups = [
    clusterGroup(p, singledIp),
    ...p.groupsByVpc.flatMap((gs, v) => gs.map((sg) => otherGroup(p, sg, v))),
  ];
  const prefix = {
    [id('pl', 13, 1)]: {
      Entries: [`10.1.${10 + 1}.0/24`, ...Array.from({ length: 8 }, () => `${someAddress(p, 3)}/32`)].map(
        (Cidr) => ({ Cidr }),
      ),
    },
    [id('pl', 13, 2)]: {
      Entries: Array.from({ length: 200 }, (_, k) => ({ Cidr: `172.${16 + (k >> 8)}.${k & 255}.0/24` })),
    },
  };
  const hsm = cluster(p);
  const client = p.enis.find((e) => (e.Attachment as Obj).InstanceId)!;
  const snapshot: Snapshot = {
    hsmwatchSnapshot: 1,
    capturedAt: '2026-12-02T10:00:00Z',
    region: REGION,
    client: { instanceId: (client.Attachment as Obj).InstanceId as string },
    ports: [2223, 2224, 2225],
    estate: { vpcIds: Array.from({ length: VPCS }, (_, v) => vpcId(v)) },
    aws: {
      'cloudhsmv2:DescribeClusters': { Clusters: [hsm.cluster] },
      'ec2:DescribeInstances': {
        Reservations: [
          {
            ReservationId: id('r', 6, 0),
            OwnerId: OWNER,
            Instances: [
              {
                InstanceId: (client.Attachment as Obj).InstanceId,
                Placement: { AvailabilityZone: client.AvailabilityZone },
                VpcId: client.VpcId,
                SubnetId: client.SubnetId,
                PrivateIpAddress: client.PrivateIpAddress,
                NetworkInterfaces: [client],
              },
            ],
          },
        ],
      },
      'ec2:DescribeNetworkInterfaces': { NetworkInterfaces: [...p.enis, ...hsm.enis] },
      'ec2:DescribeSecurityGroups': { SecurityGroups: groups },
      'ec2:DescribeSubnets': { Subnets: subnets(p) },
      'ec2:DescribeNetworkAcls': { NetworkAcls: networkAcls(p) },
      'ec2:DescribeRouteTables': { RouteTables: routeTables(p) },
      'ec2:DescribeVpcPeeringConnections': { VpcPeeringConnections: peerings() },
      'ec2:GetManagedPrefixListEntries': prefix,
      'ec2:DescribeNatGateways': { NatGateways: natGateways(p.enis) },
      ...transitGateway(p),
    },
  };
  const t = p.subnets.length;
  const mates = [4 + t, 4 + 2 * t]
    .filter((i) => i < scale.interfaces)
    .map((i) => String(p.enis[i]!.NetworkInterfaceId));
  const singled = p.enis[4]!;
  return {
    snapshot,
    clusterId: hsm.cluster.ClusterId as string,
    clusterSg: p.clusterSg,
    singled: {
      eniId: String(singled.NetworkInterfaceId),
      ip: singledIp,
      subnetId: String(singled.SubnetId),
      groupIds: p.subnets[4]!.combos[0]!,
      mates,
    },
  };
}
