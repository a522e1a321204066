// Table-driven tests of the evaluator's semantics: security groups, NACLs, routes, peering, IPv6.
import { describe, expect, it } from 'vitest';
import {
  cidrContains,
  DEFAULT_EPHEMERAL,
  type Endpoint,
  evaluatePair,
  factsFromSnapshot,
  naclDecide,
  parseCidr,
  parseIp,
  parseIpv6,
} from '../../src/netpath/index.js';

const VPC = 'vpc-a';
const VPC_B = 'vpc-b';
const client: Endpoint = {
  eniId: 'eni-c',
  ip: '10.0.0.10',
  subnetId: 'subnet-c',
  vpcId: VPC,
  groupIds: ['sg-client'],
};
const hsm: Endpoint = {
  eniId: 'eni-h',
  ip: '10.0.1.12',
  subnetId: 'subnet-h',
  vpcId: VPC,
  groupIds: ['sg-cluster'],
};
const ALL_OUT = { IpProtocol: '-1', IpRanges: [{ CidrIp: '0.0.0.0/0' }], Ipv6Ranges: [{ CidrIpv6: '::/0' }] };
const tcp = (from: number, to: number, peer: Record<string, unknown>) => ({
  IpProtocol: 'tcp',
  FromPort: from,
  ToPort: to,
  ...peer,
});
const sg = (
  id: string,
  ingress: unknown[],
  egress: unknown[] = [ALL_OUT],
  extra: Record<string, unknown> = {},
) => ({
  GroupId: id,
  VpcId: VPC,
  OwnerId: '111122223333',
  IpPermissions: ingress,
  IpPermissionsEgress: egress,
  ...extra,
});
const e = (
  n: number,
  egress: boolean,
  action: string,
  cidr: string,
  proto = '-1',
  range?: [number, number],
) => ({
  RuleNumber: n,
  Egress: egress,
  RuleAction: action,
  Protocol: proto,
  ...(cidr.includes(':') ? { Ipv6CidrBlock: cidr } : { CidrBlock: cidr }),
  ...(range ? { PortRange: { From: range[0], To: range[1] } } : {}),
});
const allowAll = [
  e(100, false, 'allow', '0.0.0.0/0'),
  e(100, true, 'allow', '0.0.0.0/0'),
  e(101, false, 'allow', '::/0'),
  e(101, true, 'allow', '::/0'),
];
const localRoutes = (vpc = VPC) => ({
  RouteTableId: `rtb-main-${vpc}`,
  VpcId: vpc,
  Associations: [{ Main: true }],
  Routes: [
    {
      DestinationCidrBlock: vpc === VPC ? '10.0.0.0/16' : '10.1.0.0/16',
      GatewayId: 'local',
      State: 'active',
    },
    {
      DestinationIpv6CidrBlock: vpc === VPC ? '2600:1f18::/56' : '2600:1f19::/56',
      GatewayId: 'local',
      State: 'active',
    },
  ],
});

interface World {
  sgs?: unknown[];
  nacls?: unknown[];
  routeTables?: unknown[];
  peerings?: unknown[];
  prefixLists?: Record<string, unknown>;
}

function facts(w: World = {}) {
  const aws: Record<string, unknown> = {
    'ec2:DescribeSecurityGroups': {
      SecurityGroups: w.sgs ?? [
        sg('sg-client', []),
        sg('sg-cluster', [tcp(2223, 2225, { UserIdGroupPairs: [{ GroupId: 'sg-client' }] })]),
      ],
    },
    'ec2:DescribeNetworkAcls': {
      NetworkAcls: w.nacls ?? [
        { NetworkAclId: 'acl-default', VpcId: VPC, IsDefault: true, Entries: allowAll, Associations: [] },
      ],
    },
    'ec2:DescribeRouteTables': { RouteTables: w.routeTables ?? [localRoutes()] },
    'ec2:DescribeVpcPeeringConnections': { VpcPeeringConnections: w.peerings ?? [] },
  };
  if (w.prefixLists) aws['ec2:GetManagedPrefixListEntries'] = w.prefixLists;
  return factsFromSnapshot(aws, 'us-east-1');
}

function verdicts(w: World, c: Endpoint = client, h: Endpoint = hsm, ports = [2223]) {
  return evaluatePair(facts(w), { client: c, hsm: h, ports, ephemeral: DEFAULT_EPHEMERAL }).map((v) => ({
    verdict: v.verdict,
    components: v.blockedBy.map((b) => b.component),
  }));
}
const one = (w: World, c?: Endpoint, h?: Endpoint) => verdicts(w, c, h)[0];
const OK = { verdict: 'reachable', components: [] };
const BLOCKED = (...components: string[]) => ({ verdict: 'blocked', components });
const UNKNOWN = (...components: string[]) => ({ verdict: 'unknown', components });

describe('addresses and CIDRs', () => {
  it.each([
    ['10.0.1.12', '10.0.0.0/16', true],
    ['10.1.0.1', '10.0.0.0/16', false],
    ['10.0.0.1', '0.0.0.0/0', true],
    ['10.0.0.1', '10.0.0.1/32', true],
    ['10.0.0.2', '10.0.0.1/32', false],
    ['2600:1f18::12', '2600:1f18::/56', true],
    ['2600:1f19::12', '2600:1f18::/56', false],
    ['2600:1f18::12', '::/0', true],
    ['10.0.0.1', '::/0', false],
    ['::ffff:10.0.0.1', '::ffff:0:0/96', true],
  ])('%s in %s: %s', (ip, cidr, want) => {
    expect(cidrContains(parseCidr(cidr)!, parseIp(ip)!)).toBe(want);
  });
  it.each(['10.0.0', '10.0.0.256', '1::2::3', '10.0.0.0/33', 'x'])('rejects %s', (bad) => {
    expect(bad.includes('/') ? parseCidr(bad) : parseIp(bad)).toBeNull();
  });
  it('reads :: forms', () => {
    expect(parseIpv6('::1')).toBe(1n);
    expect(parseIpv6('2600:1f18::')).toBe(0x26001f18n << 96n);
  });
});

describe('security groups: stateful, allow-only', () => {
  const cluster = (ingress: unknown[], extra: Record<string, unknown> = {}) => ({
    sgs: [sg('sg-client', []), sg('sg-cluster', ingress, [], extra)],
  });
  it.each<[string, World, object]>([
    [
      'ingress by client group',
      cluster([tcp(2223, 2225, { UserIdGroupPairs: [{ GroupId: 'sg-client' }] })]),
      OK,
    ],
    ['ingress by CIDR', cluster([tcp(2223, 2223, { IpRanges: [{ CidrIp: '10.0.0.0/24' }] })]), OK],
    ['ingress -1 ignores ports', cluster([{ IpProtocol: '-1', IpRanges: [{ CidrIp: '10.0.0.10/32' }] }]), OK],
    [
      'ingress protocol "6" is TCP',
      cluster([tcp(2223, 2223, { IpProtocol: '6', IpRanges: [{ CidrIp: '10.0.0.0/24' }] })]),
      OK,
    ],
    [
      'ingress UDP does not admit TCP',
      cluster([tcp(2223, 2223, { IpProtocol: 'udp', IpRanges: [{ CidrIp: '10.0.0.0/24' }] })]),
      BLOCKED('hsm-sg-ingress'),
    ],
    [
      'ingress port range excludes the port',
      cluster([tcp(2224, 2225, { IpRanges: [{ CidrIp: '10.0.0.0/24' }] })]),
      BLOCKED('hsm-sg-ingress'),
    ],
    [
      'ingress other CIDR',
      cluster([tcp(2223, 2225, { IpRanges: [{ CidrIp: '10.0.9.0/24' }] })]),
      BLOCKED('hsm-sg-ingress'),
    ],
    [
      'ingress IPv6 CIDR does not admit IPv4',
      cluster([tcp(2223, 2225, { Ipv6Ranges: [{ CidrIpv6: '::/0' }] })]),
      BLOCKED('hsm-sg-ingress'),
    ],
    [
      'ingress group the client is not in',
      cluster([tcp(2223, 2225, { UserIdGroupPairs: [{ GroupId: 'sg-other' }] })]),
      BLOCKED('hsm-sg-ingress'),
    ],
    ['no ingress rules', cluster([]), BLOCKED('hsm-sg-ingress')],
    [
      'prefix list holding the client',
      {
        ...cluster([tcp(2223, 2225, { PrefixListIds: [{ PrefixListId: 'pl-1' }] })]),
        prefixLists: { 'pl-1': { Entries: [{ Cidr: '10.0.0.0/28' }] } },
      },
      OK,
    ],
    [
      'prefix list without the client',
      {
        ...cluster([tcp(2223, 2225, { PrefixListIds: [{ PrefixListId: 'pl-1' }] })]),
        prefixLists: { 'pl-1': { Entries: [{ Cidr: '10.9.0.0/16' }] } },
      },
      BLOCKED('hsm-sg-ingress'),
    ],
    [
      'prefix list not read',
      cluster([tcp(2223, 2225, { PrefixListIds: [{ PrefixListId: 'pl-1' }] })]),
      UNKNOWN('hsm-sg-ingress'),
    ],
    [
      'a definite allow beats an undecidable rule',
      cluster([
        tcp(2223, 2225, { PrefixListIds: [{ PrefixListId: 'pl-1' }] }),
        tcp(2223, 2225, { IpRanges: [{ CidrIp: '10.0.0.10/32' }] }),
      ]),
      OK,
    ],
    [
      'cross-account reference 111122223333/sg-client (the owner)',
      cluster([tcp(2223, 2225, { UserIdGroupPairs: [{ UserId: '111122223333', GroupId: 'sg-client' }] })]),
      OK,
    ],
    [
      'cross-account reference naming the wrong owner',
      cluster([tcp(2223, 2225, { UserIdGroupPairs: [{ UserId: '123456789012', GroupId: 'sg-client' }] })]),
      BLOCKED('hsm-sg-ingress'),
    ],
    [
      'client egress restricted to another port',
      {
        sgs: [
          sg('sg-client', [], [tcp(443, 443, { IpRanges: [{ CidrIp: '0.0.0.0/0' }] })]),
          sg('sg-cluster', [tcp(2223, 2225, { UserIdGroupPairs: [{ GroupId: 'sg-client' }] })]),
        ],
      },
      BLOCKED('client-sg-egress'),
    ],
    [
      'client egress by reference to the cluster group',
      {
        sgs: [
          sg('sg-client', [], [tcp(2223, 2225, { UserIdGroupPairs: [{ GroupId: 'sg-cluster' }] })]),
          sg('sg-cluster', [tcp(2223, 2225, { UserIdGroupPairs: [{ GroupId: 'sg-client' }] })]),
        ],
      },
      OK,
    ],
    [
      'stateful: the cluster group needs no egress back to the client',
      {
        sgs: [
          sg('sg-client', [], [ALL_OUT]),
          sg('sg-cluster', [tcp(2223, 2225, { UserIdGroupPairs: [{ GroupId: 'sg-client' }] })], []),
        ],
      },
      OK,
    ],
    [
      'both groups block',
      { sgs: [sg('sg-client', [], []), sg('sg-cluster', [], [])] },
      BLOCKED('client-sg-egress', 'hsm-sg-ingress'),
    ],
    ['group missing from the data', { sgs: [sg('sg-client', [])] }, UNKNOWN('hsm-sg-ingress')],
  ])('%s', (_name, w, want) => {
    expect(one(w)).toEqual(want);
  });
  it('any of several client groups may allow', () => {
    const c = { ...client, groupIds: ['sg-none', 'sg-client'] };
    const w = {
      sgs: [
        sg('sg-none', [], []),
        sg('sg-client', []),
        sg('sg-cluster', [tcp(2223, 2225, { UserIdGroupPairs: [{ GroupId: 'sg-client' }] })]),
      ],
    };
    expect(one(w, c)).toEqual(OK);
  });
  it('lists each port on its own', () => {
    const w = {
      sgs: [
        sg('sg-client', []),
        sg('sg-cluster', [tcp(2223, 2224, { UserIdGroupPairs: [{ GroupId: 'sg-client' }] })]),
      ],
    };
    expect(verdicts(w, client, hsm, [2223, 2224, 2225]).map((v) => v.verdict)).toEqual([
      'reachable',
      'reachable',
      'blocked',
    ]);
  });
});

describe('security group references across peering', () => {
  const peerClient: Endpoint = {
    eniId: 'eni-c',
    ip: '10.1.0.10',
    subnetId: 'subnet-b',
    vpcId: VPC_B,
    groupIds: ['sg-b'],
  };
  const pcx = (status: string, r1 = 'us-east-1', r2 = 'us-east-1') => ({
    VpcPeeringConnectionId: 'pcx-1',
    Status: { Code: status },
    RequesterVpcInfo: { VpcId: VPC_B, Region: r1 },
    AccepterVpcInfo: { VpcId: VPC, Region: r2 },
  });
  const routes = [
    {
      ...localRoutes(),
      Routes: [
        ...localRoutes().Routes,
        { DestinationCidrBlock: '10.1.0.0/16', VpcPeeringConnectionId: 'pcx-1', State: 'active' },
      ],
    },
    {
      ...localRoutes(VPC_B),
      Routes: [
        ...localRoutes(VPC_B).Routes,
        { DestinationCidrBlock: '10.0.0.0/16', VpcPeeringConnectionId: 'pcx-1', State: 'active' },
      ],
    },
  ];
  const nacls = [
    { NetworkAclId: 'acl-a', VpcId: VPC, IsDefault: true, Entries: allowAll },
    { NetworkAclId: 'acl-b', VpcId: VPC_B, IsDefault: true, Entries: allowAll },
  ];
  const w = (status: string, r1?: string, r2?: string): World => ({
    sgs: [
      sg('sg-b', [], [ALL_OUT], { VpcId: VPC_B }),
      sg('sg-cluster', [
        tcp(2223, 2225, {
          UserIdGroupPairs: [{ GroupId: 'sg-b', VpcId: VPC_B, VpcPeeringConnectionId: 'pcx-1' }],
        }),
      ]),
    ],
    peerings: [pcx(status, r1, r2)],
    routeTables: routes,
    nacls,
  });
  it.each<[string, World, object]>([
    ['active, same region', w('active'), OK],
    [
      'active, across regions: references not supported',
      w('active', 'us-west-2', 'us-east-1'),
      BLOCKED('hsm-sg-ingress'),
    ],
    ['pending acceptance', w('pending-acceptance'), BLOCKED('hsm-sg-ingress', 'peering')],
    ['deleted', w('deleted'), BLOCKED('hsm-sg-ingress', 'peering')],
  ])('%s', (_n, world, want) => {
    expect(one(world, peerClient)).toEqual(want);
  });
});

describe('network ACLs: stateless, first match by rule number', () => {
  const acl = (entries: unknown[], subnets: string[] = ['subnet-c']) => ({
    NetworkAclId: 'acl-x',
    VpcId: VPC,
    Entries: entries,
    Associations: subnets.map((SubnetId) => ({ SubnetId })),
  });
  const dflt = { NetworkAclId: 'acl-default', VpcId: VPC, IsDefault: true, Entries: allowAll };
  const catchAll = [e(32767, false, 'deny', '0.0.0.0/0'), e(32767, true, 'deny', '0.0.0.0/0')];
  it.each<[string, unknown[], object]>([
    ['allow all', [dflt], OK],
    [
      'deny before allow wins',
      [dflt, acl([e(50, true, 'deny', '10.0.1.0/24', '6', [2223, 2223]), ...allowAll])],
      BLOCKED('client-nacl-outbound'),
    ],
    [
      'allow before deny wins',
      [dflt, acl([...allowAll, e(200, true, 'deny', '10.0.1.0/24', '6', [2223, 2223])])],
      OK,
    ],
    [
      'rule order is by number, not by list position',
      [dflt, acl([...allowAll, e(50, true, 'deny', '10.0.1.0/24')])],
      BLOCKED('client-nacl-outbound'),
    ],
    [
      'deny for another port does not matter',
      [dflt, acl([e(50, true, 'deny', '10.0.1.0/24', '6', [2224, 2225]), ...allowAll])],
      OK,
    ],
    [
      'deny for UDP does not matter',
      [dflt, acl([e(50, true, 'deny', '10.0.1.0/24', '17'), ...allowAll])],
      OK,
    ],
    [
      'only the catch-all',
      [dflt, acl(catchAll)],
      BLOCKED('client-nacl-outbound', 'client-nacl-inbound-return'),
    ],
    [
      'no entries at all: implicit deny',
      [dflt, acl([])],
      BLOCKED('client-nacl-outbound', 'client-nacl-inbound-return'),
    ],
    [
      'return traffic on 32768-65535 only: partial',
      [
        dflt,
        acl([
          e(100, true, 'allow', '0.0.0.0/0'),
          e(100, false, 'allow', '10.0.0.0/8', '6', [32768, 65535]),
          ...catchAll,
        ]),
      ],
      BLOCKED('client-nacl-inbound-return'),
    ],
    [
      'return traffic on 1024-65535: whole range',
      [
        dflt,
        acl([
          e(100, true, 'allow', '0.0.0.0/0'),
          e(100, false, 'allow', '10.0.0.0/8', '6', [1024, 65535]),
          ...catchAll,
        ]),
      ],
      OK,
    ],
    [
      'return range covered by two rules',
      [
        dflt,
        acl([
          e(100, true, 'allow', '0.0.0.0/0'),
          e(100, false, 'allow', '10.0.0.0/8', '6', [1024, 30000]),
          e(110, false, 'allow', '10.0.1.12/32', '6', [30001, 65535]),
          ...catchAll,
        ]),
      ],
      OK,
    ],
    [
      'HSM subnet inbound denied',
      [dflt, acl([e(100, true, 'allow', '0.0.0.0/0'), ...catchAll], ['subnet-h'])],
      BLOCKED('hsm-nacl-inbound'),
    ],
    [
      'HSM subnet outbound return denied',
      [dflt, acl([e(100, false, 'allow', '0.0.0.0/0'), ...catchAll], ['subnet-h'])],
      BLOCKED('hsm-nacl-outbound-return'),
    ],
    [
      'default NACL applies to a subnet with no association',
      [{ ...dflt, Entries: catchAll }],
      BLOCKED(
        'client-nacl-outbound',
        'client-nacl-inbound-return',
        'hsm-nacl-inbound',
        'hsm-nacl-outbound-return',
      ),
    ],
    [
      'IPv6 entries do not apply to IPv4',
      [dflt, acl([e(100, true, 'allow', '::/0'), e(100, false, 'allow', '::/0')])],
      BLOCKED('client-nacl-outbound', 'client-nacl-inbound-return'),
    ],
  ])('%s', (_n, nacls, want) => {
    expect(one({ nacls })).toEqual(want);
  });
  it('no NACL applies inside one subnet', () => {
    const same = { ...client, subnetId: 'subnet-h' };
    expect(
      one({ nacls: [{ NetworkAclId: 'acl-x', VpcId: VPC, IsDefault: true, Entries: catchAll }] }, same),
    ).toEqual(OK);
  });
  it('names the uncovered return ports', () => {
    const w = {
      nacls: [
        dflt,
        acl([
          e(100, true, 'allow', '0.0.0.0/0'),
          e(100, false, 'allow', '10.0.0.0/8', '6', [32768, 65535]),
          ...catchAll,
        ]),
      ],
    };
    const v = evaluatePair(facts(w), { client, hsm, ports: [2223], ephemeral: DEFAULT_EPHEMERAL })[0]!;
    expect(v.blockedBy[0]?.detail).toContain('1024-32767');
  });
  it('decides a range rule by rule', () => {
    const f = facts({
      nacls: [
        acl([e(10, false, 'deny', '10.0.1.0/24', '6', [2000, 3000]), e(20, false, 'allow', '0.0.0.0/0')]),
      ],
    });
    const d = naclDecide(f.nacls![0]!, false, '10.0.1.12', { from: 1024, to: 65535 });
    expect(d.denied).toEqual([{ range: { from: 2000, to: 3000 }, rule: 10 }]);
    expect(d.allowed.map((a) => a.range)).toEqual([
      { from: 1024, to: 1999 },
      { from: 3001, to: 65535 },
    ]);
  });
  it('an unknown subnet NACL is undecided', () => {
    expect(one({ nacls: [] })).toEqual(
      UNKNOWN(
        'client-nacl-outbound',
        'client-nacl-inbound-return',
        'hsm-nacl-inbound',
        'hsm-nacl-outbound-return',
      ),
    );
  });
});

describe('routes: longest prefix, local, peering, blackhole, transit gateway', () => {
  const table = (
    routes: unknown[],
    assoc: Record<string, unknown> = { SubnetId: 'subnet-c' },
    id = 'rtb-c',
  ) => ({ RouteTableId: id, VpcId: VPC, Associations: [assoc], Routes: routes });
  const local = { DestinationCidrBlock: '10.0.0.0/16', GatewayId: 'local', State: 'active' };
  it.each<[string, unknown[], object]>([
    ['main table local route', [localRoutes()], OK],
    [
      'explicit table wins over main',
      [
        localRoutes(),
        table([local, { DestinationCidrBlock: '10.0.1.0/24', GatewayId: 'igw-1', State: 'active' }]),
      ],
      BLOCKED('client-route'),
    ],
    [
      'longest prefix: /24 blackhole beats local /16',
      [
        localRoutes(),
        table([
          local,
          { DestinationCidrBlock: '10.0.1.0/24', VpcPeeringConnectionId: 'pcx-gone', State: 'blackhole' },
        ]),
      ],
      BLOCKED('client-route'),
    ],
    [
      'longest prefix: a /24 elsewhere does not apply',
      [
        localRoutes(),
        table([local, { DestinationCidrBlock: '10.0.9.0/24', GatewayId: 'igw-1', State: 'active' }]),
      ],
      OK,
    ],
    [
      'more specific route to an appliance: undecided',
      [
        localRoutes(),
        table([
          local,
          { DestinationCidrBlock: '10.0.1.0/24', NetworkInterfaceId: 'eni-fw', State: 'active' },
        ]),
      ],
      UNKNOWN('client-route'),
    ],
    ['no table at all', [], UNKNOWN('client-route', 'hsm-return-route')],
    [
      'return route blackholed in the HSM subnet',
      [
        localRoutes(),
        table(
          [local, { DestinationCidrBlock: '10.0.0.0/24', GatewayId: 'vgw-1', State: 'blackhole' }],
          { SubnetId: 'subnet-h' },
          'rtb-h',
        ),
      ],
      BLOCKED('hsm-return-route'),
    ],
  ])('%s', (_n, routeTables, want) => {
    expect(one({ routeTables })).toEqual(want);
  });

  const peerClient: Endpoint = {
    eniId: 'eni-c',
    ip: '10.1.0.10',
    subnetId: 'subnet-b',
    vpcId: VPC_B,
    groupIds: ['sg-b'],
  };
  const sgs = [
    sg('sg-b', [], [ALL_OUT], { VpcId: VPC_B }),
    sg('sg-cluster', [tcp(2223, 2225, { IpRanges: [{ CidrIp: '10.1.0.0/16' }] })]),
  ];
  const nacls = [
    { NetworkAclId: 'acl-a', VpcId: VPC, IsDefault: true, Entries: allowAll },
    { NetworkAclId: 'acl-b', VpcId: VPC_B, IsDefault: true, Entries: allowAll },
  ];
  const toB = (target: Record<string, unknown>) => ({
    ...localRoutes(),
    Routes: [...localRoutes().Routes, { DestinationCidrBlock: '10.1.0.0/16', State: 'active', ...target }],
  });
  const toA = (target: Record<string, unknown>) => ({
    ...localRoutes(VPC_B),
    Routes: [
      ...localRoutes(VPC_B).Routes,
      { DestinationCidrBlock: '10.0.0.0/16', State: 'active', ...target },
    ],
  });
  const pcx = (status: string, a = VPC_B, b = VPC) => ({
    VpcPeeringConnectionId: 'pcx-1',
    Status: { Code: status },
    RequesterVpcInfo: { VpcId: a, Region: 'us-east-1' },
    AccepterVpcInfo: { VpcId: b, Region: 'us-west-2' },
  });
  it.each<[string, World, object]>([
    [
      'peering both ways, active (cross-region is fine for routes)',
      {
        routeTables: [toB({ VpcPeeringConnectionId: 'pcx-1' }), toA({ VpcPeeringConnectionId: 'pcx-1' })],
        peerings: [pcx('active')],
      },
      OK,
    ],
    [
      'no route in the client VPC',
      {
        routeTables: [toB({ VpcPeeringConnectionId: 'pcx-1' }), localRoutes(VPC_B)],
        peerings: [pcx('active')],
      },
      BLOCKED('client-route'),
    ],
    [
      'no route back',
      { routeTables: [localRoutes(), toA({ VpcPeeringConnectionId: 'pcx-1' })], peerings: [pcx('active')] },
      BLOCKED('hsm-return-route'),
    ],
    [
      'peering not active',
      {
        routeTables: [toB({ VpcPeeringConnectionId: 'pcx-1' }), toA({ VpcPeeringConnectionId: 'pcx-1' })],
        peerings: [pcx('pending-acceptance')],
      },
      BLOCKED('peering'),
    ],
    [
      'peering joins other VPCs',
      {
        routeTables: [toB({ VpcPeeringConnectionId: 'pcx-1' }), toA({ VpcPeeringConnectionId: 'pcx-1' })],
        peerings: [pcx('active', 'vpc-z', VPC)],
      },
      BLOCKED('client-route', 'hsm-return-route'),
    ],
    [
      'peering connection gone',
      {
        routeTables: [toB({ VpcPeeringConnectionId: 'pcx-1' }), toA({ VpcPeeringConnectionId: 'pcx-1' })],
        peerings: [],
      },
      BLOCKED('client-route', 'hsm-return-route'),
    ],
    [
      'transit gateway: unknown past the VPC',
      { routeTables: [toB({ TransitGatewayId: 'tgw-1' }), toA({ TransitGatewayId: 'tgw-1' })] },
      UNKNOWN('client-route', 'hsm-return-route'),
    ],
    [
      'internet gateway for a private address',
      {
        routeTables: [toB({ VpcPeeringConnectionId: 'pcx-1' }), toA({ GatewayId: 'igw-1' })],
        peerings: [pcx('active')],
      },
      BLOCKED('client-route'),
    ],
  ])('%s', (_n, w, want) => {
    expect(one({ sgs, nacls, ...w }, peerClient)).toEqual(want);
  });
});

describe('dual stack', () => {
  const c6: Endpoint = { ...client, ip: '2600:1f18::10' };
  const h6: Endpoint = { ...hsm, ip: '2600:1f18::1:12' };
  it('IPv6 paths use IPv6 rules', () => {
    expect(one({}, c6, h6)).toEqual(OK);
    const v4only = {
      sgs: [
        sg('sg-client', []),
        sg('sg-cluster', [tcp(2223, 2225, { IpRanges: [{ CidrIp: '0.0.0.0/0' }] })]),
      ],
    };
    expect(one(v4only, c6, h6)).toEqual(BLOCKED('hsm-sg-ingress'));
    expect(one(v4only)).toEqual(OK);
  });
  it('a client without an IPv6 address cannot reach an IPv6 HSM address', () => {
    expect(one({}, { ...client, ip: '' }, h6)).toEqual(BLOCKED('client-route'));
  });
  it('IPv4 NACL entries do not admit IPv6', () => {
    const nacls = [
      { NetworkAclId: 'acl-default', VpcId: VPC, IsDefault: true, Entries: allowAll.slice(0, 2) },
    ];
    expect(one({ nacls }, c6, h6)).toEqual(
      BLOCKED(
        'client-nacl-outbound',
        'client-nacl-inbound-return',
        'hsm-nacl-inbound',
        'hsm-nacl-outbound-return',
      ),
    );
  });
});

describe('missing data is unknown, never guessed', () => {
  it('without security groups, NACLs and routes', () => {
    const f = factsFromSnapshot({}, 'us-east-1');
    const v = evaluatePair(f, { client, hsm, ports: [2223], ephemeral: DEFAULT_EPHEMERAL })[0]!;
    expect(v.verdict).toBe('unknown');
    expect(v.checks.filter((c) => c.status === 'unknown').every((c) => c.missing)).toBe(true);
  });
  it('ignores values of the wrong type', () => {
    const f = factsFromSnapshot(
      { 'ec2:DescribeSecurityGroups': { SecurityGroups: [{ GroupId: 5 }, null, 'x'] } },
      null,
    );
    expect(f.sgs?.size).toBe(0);
  });
});
