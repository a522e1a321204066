// Writes test/scenarios/netpath/*.json: one VPC estate per semantic of the path evaluator, each with
// its expected path verdicts written out by hand (never computed by the evaluator).
// Run: node tools/gen-netpath-scenarios.mjs
import { mkdirSync, writeFileSync } from 'node:fs';

const OUT = new URL('../test/scenarios/netpath/', import.meta.url);
const PORTS = [2223, 2224, 2225];
const ACCOUNT = '111122223333';
const ALL_OUT = {
  IpProtocol: '-1',
  IpRanges: [{ CidrIp: '0.0.0.0/0' }],
  Ipv6Ranges: [],
  PrefixListIds: [],
  UserIdGroupPairs: [],
};
const tcp = (from, to, peer) => ({
  IpProtocol: 'tcp',
  FromPort: from,
  ToPort: to,
  IpRanges: [],
  Ipv6Ranges: [],
  PrefixListIds: [],
  UserIdGroupPairs: [],
  ...peer,
});
const sg = (id, vpc, ingress, egress = [ALL_OUT], owner = ACCOUNT) => ({
  GroupId: id,
  GroupName: id,
  Description: id,
  OwnerId: owner,
  VpcId: vpc,
  IpPermissions: ingress,
  IpPermissionsEgress: egress,
});
const entry = (n, egress, action, cidr, proto = '-1', range) => ({
  RuleNumber: n,
  Egress: egress,
  RuleAction: action,
  Protocol: proto,
  ...(cidr.includes(':') ? { Ipv6CidrBlock: cidr } : { CidrBlock: cidr }),
  ...(range ? { PortRange: { From: range[0], To: range[1] } } : {}),
});
const allowAll = (v6 = false) => [
  entry(100, false, 'allow', '0.0.0.0/0'),
  entry(100, true, 'allow', '0.0.0.0/0'),
  entry(32767, false, 'deny', '0.0.0.0/0'),
  entry(32767, true, 'deny', '0.0.0.0/0'),
  ...(v6
    ? [
        entry(101, false, 'allow', '::/0'),
        entry(101, true, 'allow', '::/0'),
        entry(32768, false, 'deny', '::/0'),
        entry(32768, true, 'deny', '::/0'),
      ]
    : []),
];
const nacl = (id, vpc, entries, subnets = [], isDefault = false) => ({
  NetworkAclId: id,
  VpcId: vpc,
  IsDefault: isDefault,
  OwnerId: ACCOUNT,
  Entries: entries,
  Associations: subnets.map((s, i) => ({
    NetworkAclAssociationId: `aclassoc-${id.slice(4)}${i}`,
    NetworkAclId: id,
    SubnetId: s,
  })),
});
const rtb = (id, vpc, routes, { main = false, subnets = [] } = {}) => ({
  RouteTableId: id,
  VpcId: vpc,
  OwnerId: ACCOUNT,
  Routes: routes,
  Associations: [
    ...(main
      ? [
          {
            Main: true,
            RouteTableAssociationId: `rtbassoc-${id.slice(4)}m`,
            RouteTableId: id,
            AssociationState: { State: 'associated' },
          },
        ]
      : []),
    ...subnets.map((s, i) => ({
      Main: false,
      RouteTableAssociationId: `rtbassoc-${id.slice(4)}${i}`,
      RouteTableId: id,
      SubnetId: s,
      AssociationState: { State: 'associated' },
    })),
  ],
});
const local = (cidr) => ({
  DestinationCidrBlock: cidr,
  GatewayId: 'local',
  Origin: 'CreateRouteTable',
  State: 'active',
});
const local6 = (cidr) => ({
  DestinationIpv6CidrBlock: cidr,
  GatewayId: 'local',
  Origin: 'CreateRouteTable',
  State: 'active',
});
const via = (cidr, key, id, state = 'active') => ({
  [cidr.includes(':') ? 'DestinationIpv6CidrBlock' : 'DestinationCidrBlock']: cidr,
  [key]: id,
  Origin: 'CreateRoute',
  State: state,
});

const VPC = 'vpc-0a0a0a0a0a0a0a0a0';
const VPC_B = 'vpc-0b0b0b0b0b0b0b0b0';
const CLUSTER_SG = 'sg-0c1a55e7000000001';
const CLIENT_SG = 'sg-0c11e47000000001';
const S_CLIENT = 'subnet-0c11e47000000001';
const S_HSM1 = 'subnet-0a5m000000000001';
const S_HSM2 = 'subnet-0a5m000000000002';

/** The base estate: one VPC 10.0.0.0/16, client 10.0.0.10, HSMs 10.0.1.12 and 10.0.2.12, all allowed. */
function base() {
  return {
    clientIp: '10.0.0.10',
    clientIp6: null,
    clientSubnet: S_CLIENT,
    clientVpc: VPC,
    clientSgs: [CLIENT_SG],
    hsms: [
      {
        id: 'hsm-aaaaaaaaaaa',
        ip: '10.0.1.12',
        ip6: null,
        subnet: S_HSM1,
        eni: 'eni-0h5m000000000001',
        az: 'us-east-1a',
      },
      {
        id: 'hsm-bbbbbbbbbbb',
        ip: '10.0.2.12',
        ip6: null,
        subnet: S_HSM2,
        eni: 'eni-0h5m000000000002',
        az: 'us-east-1b',
      },
    ],
    sgs: [
      sg(CLIENT_SG, VPC, []),
      sg(CLUSTER_SG, VPC, [tcp(2223, 2225, { UserIdGroupPairs: [{ GroupId: CLIENT_SG, UserId: ACCOUNT }] })]),
    ],
    subnets: [
      { SubnetId: S_CLIENT, VpcId: VPC, CidrBlock: '10.0.0.0/24', AvailabilityZone: 'us-east-1a' },
      { SubnetId: S_HSM1, VpcId: VPC, CidrBlock: '10.0.1.0/24', AvailabilityZone: 'us-east-1a' },
      { SubnetId: S_HSM2, VpcId: VPC, CidrBlock: '10.0.2.0/24', AvailabilityZone: 'us-east-1b' },
    ],
    nacls: [nacl('acl-0defau1t00000001', VPC, allowAll(), [], true)],
    routeTables: [rtb('rtb-0ma1n000000000001', VPC, [local('10.0.0.0/16')], { main: true })],
    peerings: [],
    prefixLists: undefined,
    extraVpcSubnets: [],
  };
}

function snapshotOf(w) {
  const clientEni = {
    NetworkInterfaceId: 'eni-0c11e47000000001',
    MacAddress: '0a:1b:2c:3d:4e:01',
    SubnetId: w.clientSubnet,
    VpcId: w.clientVpc,
    PrivateIpAddress: w.clientIp,
    PrivateIpAddresses: [{ PrivateIpAddress: w.clientIp, Primary: true }],
    Ipv6Addresses: w.clientIp6 ? [{ Ipv6Address: w.clientIp6 }] : [],
    Groups: w.clientSgs.map((g) => ({ GroupId: g, GroupName: g })),
    Attachment: { DeviceIndex: 0, Status: 'attached' },
    Status: 'in-use',
  };
  const aws = {
    'cloudhsmv2:DescribeClusters': {
      Clusters: [
        {
          ClusterId: 'cluster-netpathtest',
          State: 'ACTIVE',
          SecurityGroup: CLUSTER_SG,
          VpcId: VPC,
          HsmType: 'hsm2m.medium',
          NetworkType: w.hsms.some((h) => h.ip6) ? 'DUALSTACK' : 'IPV4',
          SubnetMapping: Object.fromEntries(w.hsms.map((h) => [h.az, h.subnet])),
          Hsms: w.hsms.map((h) => ({
            AvailabilityZone: h.az,
            ClusterId: 'cluster-netpathtest',
            SubnetId: h.subnet,
            EniId: h.eni,
            EniIp: h.ip,
            ...(h.ip6 ? { EniIpV6: h.ip6 } : {}),
            HsmId: h.id,
            State: 'ACTIVE',
          })),
        },
      ],
    },
    'ec2:DescribeInstances': {
      Reservations: [
        {
          ReservationId: 'r-0c11e47000000001',
          OwnerId: ACCOUNT,
          Instances: [
            {
              InstanceId: 'i-0c11e47000000001',
              Placement: { AvailabilityZone: 'us-east-1a' },
              VpcId: w.clientVpc,
              SubnetId: w.clientSubnet,
              PrivateIpAddress: w.clientIp,
              NetworkInterfaces: [clientEni],
            },
          ],
        },
      ],
    },
    'ec2:DescribeNetworkInterfaces': {
      NetworkInterfaces: [
        { ...clientEni, Attachment: undefined, Attachment_: undefined },
        ...w.hsms.map((h) => ({
          NetworkInterfaceId: h.eni,
          SubnetId: h.subnet,
          VpcId: VPC,
          PrivateIpAddress: h.ip,
          Status: 'in-use',
          PrivateIpAddresses: [{ PrivateIpAddress: h.ip, Primary: true }],
          Ipv6Addresses: h.ip6 ? [{ Ipv6Address: h.ip6 }] : [],
          Groups: [{ GroupId: CLUSTER_SG, GroupName: 'cloudhsm-cluster-netpathtest-sg' }],
          InterfaceType: 'interface',
          Description: `CloudHSM ${h.id}`,
        })),
      ],
    },
    'ec2:DescribeSecurityGroups': { SecurityGroups: w.sgs },
    'ec2:DescribeSubnets': { Subnets: [...w.subnets, ...w.extraVpcSubnets] },
    'ec2:DescribeNetworkAcls': { NetworkAcls: w.nacls },
    'ec2:DescribeRouteTables': { RouteTables: w.routeTables },
    'ec2:DescribeVpcPeeringConnections': { VpcPeeringConnections: w.peerings },
  };
  if (w.prefixLists) aws['ec2:GetManagedPrefixListEntries'] = w.prefixLists;
  // Families of scenarios beyond one VPC add their own answers and interfaces.
  Object.assign(aws, w.extraAws ?? {});
  aws['ec2:DescribeNetworkInterfaces'].NetworkInterfaces.push(...(w.extraEnis ?? []));
  for (const k of w.drop ?? []) delete aws[k];
  const eni = aws['ec2:DescribeNetworkInterfaces']?.NetworkInterfaces?.[0];
  if (eni) {
    delete eni.Attachment;
    delete eni.Attachment_;
  }
  return {
    hsmwatchSnapshot: 1,
    capturedAt: '2026-11-30T10:00:00Z',
    region: 'us-east-1',
    client: { instanceId: 'i-0c11e47000000001', ...(w.client ?? {}) },
    ports: PORTS,
    aws,
  };
}

/** Expected verdicts: every path reachable unless `over` says otherwise ("ip" or "ip:port" → [verdict, components]). */
function expectPaths(w, over = {}) {
  const out = [];
  for (const h of w.hsms) {
    for (const ip of [h.ip, h.ip6].filter(Boolean)) {
      for (const port of PORTS) {
        const o = over[`${ip}:${port}`] ?? over[ip] ?? over['*'] ?? ['reachable', []];
        const clientEni = w.expectClientEni ?? 'eni-0c11e47000000001';
        out.push({ eniIp: ip, port, clientEni, verdict: o[0], components: o[1] });
      }
    }
  }
  return out;
}

const scenarios = [];
function add(name, description, mutate, over, extra = {}) {
  const w = base();
  mutate(w);
  const { sim, ...exp } = extra;
  scenarios.push({
    name,
    description,
    snapshot: snapshotOf(w),
    ...(sim ? { sim } : {}),
    expect: { paths: expectPaths(w, over), ...exp },
  });
}
const H1 = '10.0.1.12';
const H2 = '10.0.2.12';
const BLOCK = (...c) => ['blocked', c];
const UNKNOWN = (...c) => ['unknown', c];
const clusterSg = (w) => w.sgs.find((g) => g.GroupId === CLUSTER_SG);
const clientSg = (w) => w.sgs.find((g) => g.GroupId === CLIENT_SG);

add(
  'np-healthy',
  'one VPC, cluster SG admits the client SG, default NACL allows all: every path reachable',
  () => {},
  {},
);
add(
  'np-sg-egress-missing',
  'the client SG has no egress rule at all',
  (w) => {
    clientSg(w).IpPermissionsEgress = [];
  },
  { '*': BLOCK('client-sg-egress') },
);
add(
  'np-sg-egress-wrong-port',
  'the client SG allows egress to TCP 443 only',
  (w) => {
    clientSg(w).IpPermissionsEgress = [tcp(443, 443, { IpRanges: [{ CidrIp: '0.0.0.0/0' }] })];
  },
  { '*': BLOCK('client-sg-egress') },
);
add(
  'np-sg-ingress-missing',
  'the cluster SG does not admit the client (no ingress rule)',
  (w) => {
    clusterSg(w).IpPermissions = [];
  },
  { '*': BLOCK('hsm-sg-ingress') },
);
add(
  'np-sg-ingress-partial-port',
  'the cluster SG admits TCP 2223-2224 but not 2225',
  (w) => {
    clusterSg(w).IpPermissions = [
      tcp(2223, 2224, { UserIdGroupPairs: [{ GroupId: CLIENT_SG, UserId: ACCOUNT }] }),
    ];
  },
  { [`${H1}:2225`]: BLOCK('hsm-sg-ingress'), [`${H2}:2225`]: BLOCK('hsm-sg-ingress') },
);
add(
  'np-sg-ingress-cidr',
  'the cluster SG admits the client subnet by CIDR',
  (w) => {
    clusterSg(w).IpPermissions = [tcp(2223, 2225, { IpRanges: [{ CidrIp: '10.0.0.0/24' }] })];
  },
  {},
);
add(
  'np-sg-ingress-wrong-cidr',
  'the cluster SG admits another subnet by CIDR, not the client',
  (w) => {
    clusterSg(w).IpPermissions = [tcp(2223, 2225, { IpRanges: [{ CidrIp: '10.0.9.0/24' }] })];
  },
  { '*': BLOCK('hsm-sg-ingress') },
);
add(
  'np-sg-udp-only',
  'the cluster SG admits UDP 2223-2225 only: TCP is not allowed',
  (w) => {
    clusterSg(w).IpPermissions = [
      { ...tcp(2223, 2225, { IpRanges: [{ CidrIp: '10.0.0.0/16' }] }), IpProtocol: 'udp' },
    ];
  },
  { '*': BLOCK('hsm-sg-ingress') },
);
add(
  'np-sg-protocol-all',
  'the cluster SG admits all protocols (-1) from the client SG',
  (w) => {
    clusterSg(w).IpPermissions = [
      {
        IpProtocol: '-1',
        IpRanges: [],
        Ipv6Ranges: [],
        PrefixListIds: [],
        UserIdGroupPairs: [{ GroupId: CLIENT_SG, UserId: ACCOUNT }],
      },
    ];
  },
  {},
);
add(
  'np-sg-prefix-list',
  'the cluster SG admits a managed prefix list that holds the client subnet',
  (w) => {
    clusterSg(w).IpPermissions = [
      tcp(2223, 2225, { PrefixListIds: [{ PrefixListId: 'pl-0c11e47000000001' }] }),
    ];
    w.prefixLists = {
      'pl-0c11e47000000001': {
        Entries: [{ Cidr: '192.168.0.0/16' }, { Cidr: '10.0.0.0/24', Description: 'app subnet' }],
      },
    };
  },
  {},
);
add(
  'np-sg-prefix-list-miss',
  'the cluster SG admits a prefix list that does not hold the client',
  (w) => {
    clusterSg(w).IpPermissions = [
      tcp(2223, 2225, { PrefixListIds: [{ PrefixListId: 'pl-0c11e47000000001' }] }),
    ];
    w.prefixLists = { 'pl-0c11e47000000001': { Entries: [{ Cidr: '192.168.0.0/16' }] } };
  },
  { '*': BLOCK('hsm-sg-ingress') },
);
add(
  'np-sg-prefix-list-unread',
  'the cluster SG admits a prefix list whose entries were not read: undecidable',
  (w) => {
    clusterSg(w).IpPermissions = [
      tcp(2223, 2225, { PrefixListIds: [{ PrefixListId: 'pl-0c11e47000000001' }] }),
    ];
  },
  { '*': UNKNOWN('hsm-sg-ingress') },
);
add(
  'np-sg-cross-account-ref',
  'the cluster SG references the client SG as 111122223333/sg-... (its owner)',
  (w) => {
    clusterSg(w).IpPermissions = [
      tcp(2223, 2225, { UserIdGroupPairs: [{ UserId: ACCOUNT, GroupId: CLIENT_SG }] }),
    ];
  },
  {},
);
add(
  'np-sg-cross-account-wrong-owner',
  'the cluster SG references 123456789012/sg-... but that group belongs to another account',
  (w) => {
    clusterSg(w).IpPermissions = [
      tcp(2223, 2225, { UserIdGroupPairs: [{ UserId: '123456789012', GroupId: CLIENT_SG }] }),
    ];
  },
  { '*': BLOCK('hsm-sg-ingress') },
);
const clientAcl = (w, entries) => {
  w.nacls.push(nacl('acl-0c11e47000000001', VPC, entries, [S_CLIENT]));
};
add(
  'np-nacl-client-outbound-deny',
  'the client subnet NACL denies TCP 2223-2225 to the first HSM subnet (rule 90) before allowing all',
  (w) => {
    clientAcl(w, [entry(90, true, 'deny', '10.0.1.0/24', '6', [2223, 2225]), ...allowAll()]);
  },
  { [H1]: BLOCK('client-nacl-outbound') },
);
add(
  'np-nacl-order-allow-first',
  'the client NACL allows all at 100 and denies the HSMs at 200: first match wins, allowed',
  (w) => {
    clientAcl(w, [...allowAll(), entry(200, true, 'deny', '10.0.0.0/16', '6', [2223, 2225])]);
  },
  {},
);
add(
  'np-nacl-order-deny-first',
  'the client NACL denies TCP 2224 at 50, allows everything at 100: 2224 blocked',
  (w) => {
    clientAcl(w, [entry(50, true, 'deny', '10.0.0.0/16', '6', [2224, 2224]), ...allowAll()]);
  },
  { [`${H1}:2224`]: BLOCK('client-nacl-outbound'), [`${H2}:2224`]: BLOCK('client-nacl-outbound') },
);
add(
  'np-nacl-return-partial',
  'the client NACL admits return traffic on 32768-65535 only: 1024-32767 uncovered',
  (w) => {
    clientAcl(w, [
      entry(100, true, 'allow', '0.0.0.0/0'),
      entry(100, false, 'allow', '10.0.0.0/16', '6', [32768, 65535]),
      entry(32767, false, 'deny', '0.0.0.0/0'),
      entry(32767, true, 'deny', '0.0.0.0/0'),
    ]);
  },
  { '*': BLOCK('client-nacl-inbound-return') },
  { ephemeralOverride: { range: '32768-60999', verdict: 'reachable' } },
);
add(
  'np-nacl-return-service-ports-only',
  'the client NACL admits inbound TCP 2223-2225 only (a classic mistake): return traffic blocked',
  (w) => {
    clientAcl(w, [
      entry(100, true, 'allow', '0.0.0.0/0'),
      entry(100, false, 'allow', '10.0.0.0/16', '6', [2223, 2225]),
      entry(32767, false, 'deny', '0.0.0.0/0'),
      entry(32767, true, 'deny', '0.0.0.0/0'),
    ]);
  },
  { '*': BLOCK('client-nacl-inbound-return') },
);
const hsmAcl = (w, entries) => {
  w.nacls.push(nacl('acl-0a5m000000000001', VPC, entries, [S_HSM1, S_HSM2]));
};
add(
  'np-nacl-hsm-inbound-catch-all',
  'the HSM subnet NACL has only the catch-all deny inbound (rule 32767)',
  (w) => {
    hsmAcl(w, [
      entry(100, true, 'allow', '0.0.0.0/0'),
      entry(32767, false, 'deny', '0.0.0.0/0'),
      entry(32767, true, 'deny', '0.0.0.0/0'),
    ]);
  },
  { '*': BLOCK('hsm-nacl-inbound') },
);
add(
  'np-nacl-hsm-outbound-return',
  'the HSM subnet NACL allows outbound only to 10.0.0.0/24 ports 1024-65535: allowed',
  (w) => {
    hsmAcl(w, [
      entry(100, false, 'allow', '0.0.0.0/0'),
      entry(100, true, 'allow', '10.0.0.0/24', '6', [1024, 65535]),
      entry(32767, false, 'deny', '0.0.0.0/0'),
      entry(32767, true, 'deny', '0.0.0.0/0'),
    ]);
  },
  {},
);
add(
  'np-nacl-hsm-outbound-return-blocked',
  'the HSM subnet NACL allows outbound only to another subnet: the return traffic is dropped',
  (w) => {
    hsmAcl(w, [
      entry(100, false, 'allow', '0.0.0.0/0'),
      entry(100, true, 'allow', '10.0.5.0/24'),
      entry(32767, false, 'deny', '0.0.0.0/0'),
      entry(32767, true, 'deny', '0.0.0.0/0'),
    ]);
  },
  { '*': BLOCK('hsm-nacl-outbound-return') },
);
add(
  'np-default-nacl-deny',
  'no subnet has its own NACL and the default NACL denies everything',
  (w) => {
    w.nacls = [
      nacl(
        'acl-0defau1t00000001',
        VPC,
        [entry(32767, false, 'deny', '0.0.0.0/0'), entry(32767, true, 'deny', '0.0.0.0/0')],
        [],
        true,
      ),
    ];
  },
  {
    '*': BLOCK(
      'client-nacl-outbound',
      'client-nacl-inbound-return',
      'hsm-nacl-inbound',
      'hsm-nacl-outbound-return',
    ),
  },
);
add(
  'np-same-subnet',
  'the client shares the first HSM subnet, whose NACL denies everything: no NACL applies within a subnet',
  (w) => {
    w.clientSubnet = S_HSM1;
    w.clientIp = '10.0.1.50';
    hsmAcl(w, [entry(32767, false, 'deny', '0.0.0.0/0'), entry(32767, true, 'deny', '0.0.0.0/0')]);
    w.nacls[1].Associations = w.nacls[1].Associations.filter((a) => a.SubnetId === S_HSM1);
    w.nacls[1].Associations.push({
      NetworkAclAssociationId: 'aclassoc-x',
      NetworkAclId: w.nacls[1].NetworkAclId,
      SubnetId: S_HSM2,
    });
  },
  {
    [H2]: BLOCK(
      'client-nacl-outbound',
      'client-nacl-inbound-return',
      'hsm-nacl-inbound',
      'hsm-nacl-outbound-return',
    ),
  },
);
add(
  'np-route-blackhole',
  "the client subnet's route table sends the first HSM subnet to a deleted peering (blackhole)",
  (w) => {
    w.routeTables.push(
      rtb(
        'rtb-0c11e47000000001',
        VPC,
        [
          local('10.0.0.0/16'),
          via('10.0.1.0/24', 'VpcPeeringConnectionId', 'pcx-0dead000000000001', 'blackhole'),
        ],
        { subnets: [S_CLIENT] },
      ),
    );
  },
  { [H1]: BLOCK('client-route') },
);
add(
  'np-route-main-fallback',
  'only the HSM subnets have their own table (with a blackhole to the client); the client uses the main table',
  (w) => {
    w.routeTables.push(
      rtb(
        'rtb-0a5m000000000001',
        VPC,
        [local('10.0.0.0/16'), via('10.0.0.0/24', 'NetworkInterfaceId', 'eni-0dead00000000001', 'blackhole')],
        { subnets: [S_HSM2] },
      ),
    );
  },
  { [H2]: BLOCK('hsm-return-route') },
);

// Cross-VPC: the client in VPC B (10.1.0.0/16), peered with the cluster's VPC.
const PCX = 'pcx-0b0b0a0a00000001';
function peered(
  w,
  {
    status = 'active',
    regions = ['us-east-1', 'us-east-1'],
    clientRoute = true,
    hsmRoute = true,
    sgByRef = false,
  } = {},
) {
  w.clientVpc = VPC_B;
  w.clientSubnet = 'subnet-0b0b0c11e4700001';
  w.clientIp = '10.1.0.10';
  w.extraVpcSubnets = [
    { SubnetId: w.clientSubnet, VpcId: VPC_B, CidrBlock: '10.1.0.0/24', AvailabilityZone: 'us-east-1a' },
  ];
  w.clientSgs = ['sg-0b0b0c11e4700001'];
  w.sgs = [
    sg('sg-0b0b0c11e4700001', VPC_B, []),
    sg(CLUSTER_SG, VPC, [
      sgByRef
        ? tcp(2223, 2225, {
            UserIdGroupPairs: [
              {
                GroupId: 'sg-0b0b0c11e4700001',
                UserId: ACCOUNT,
                VpcId: VPC_B,
                VpcPeeringConnectionId: PCX,
                PeeringStatus: 'active',
              },
            ],
          })
        : tcp(2223, 2225, { IpRanges: [{ CidrIp: '10.1.0.0/24' }] }),
    ]),
  ];
  w.nacls.push(nacl('acl-0b0b0defau1t0001', VPC_B, allowAll(), [], true));
  w.routeTables.push(
    rtb(
      'rtb-0b0b0ma1n0000001',
      VPC_B,
      [local('10.1.0.0/16'), ...(clientRoute ? [via('10.0.0.0/16', 'VpcPeeringConnectionId', PCX)] : [])],
      { main: true },
    ),
  );
  if (hsmRoute) w.routeTables[0].Routes.push(via('10.1.0.0/16', 'VpcPeeringConnectionId', PCX));
  w.peerings = [
    {
      VpcPeeringConnectionId: PCX,
      Status: { Code: status, Message: status },
      RequesterVpcInfo: { VpcId: VPC_B, OwnerId: ACCOUNT, Region: regions[0], CidrBlock: '10.1.0.0/16' },
      AccepterVpcInfo: { VpcId: VPC, OwnerId: ACCOUNT, Region: regions[1], CidrBlock: '10.0.0.0/16' },
    },
  ];
}
add(
  'np-peering-active',
  'the client is in a peered VPC: active peering, routes both ways, cluster SG admits its CIDR',
  (w) => peered(w),
  {},
);
add(
  'np-peering-no-route',
  'the client VPC is peered but its route table has no route to the cluster VPC',
  (w) => peered(w, { clientRoute: false }),
  { '*': BLOCK('client-route') },
);
add(
  'np-peering-no-return-route',
  'the cluster VPC has no route back to the client VPC',
  (w) => peered(w, { hsmRoute: false }),
  { '*': BLOCK('hsm-return-route') },
);
add(
  'np-peering-pending',
  'the peering connection is still pending acceptance',
  (w) => peered(w, { status: 'pending-acceptance' }),
  { '*': BLOCK('peering') },
);
add(
  'np-peering-sg-ref',
  'the cluster SG references the client SG across an active same-region peering',
  (w) => peered(w, { sgByRef: true }),
  {},
);
add(
  'np-peering-sg-ref-cross-region',
  'the cluster SG references the client SG across an inter-region peering: not supported by AWS',
  (w) => peered(w, { sgByRef: true, regions: ['us-west-2', 'us-east-1'] }),
  { '*': BLOCK('hsm-sg-ingress') },
);
// Was "undecided past the VPC" while hsmwatch read no transit gateway data. Now the attachments are
// read: neither VPC has one to the gateway its routes name, and "resources in Availability Zones where
// there is no transit gateway attachment cannot reach the transit gateway" (Transit Gateway guide,
// Amazon VPC attachments › Limits). A snapshot without these answers is still undecided.
add(
  'np-transit-gateway',
  'both VPCs route to a transit gateway, but the answers show no attachment of either VPC to it (nor the gateway): neither direction can reach it, so both are blocked',
  (w) => {
    peered(w);
    w.peerings = [];
    w.routeTables[1].Routes[1] = via('10.0.0.0/16', 'TransitGatewayId', 'tgw-0123456789abcdef0');
    w.routeTables[0].Routes[1] = via('10.1.0.0/16', 'TransitGatewayId', 'tgw-0123456789abcdef0');
    w.extraAws = {
      'ec2:DescribeTransitGateways': { TransitGateways: [] },
      'ec2:DescribeTransitGatewayAttachments': { TransitGatewayAttachments: [] },
      'ec2:DescribeTransitGatewayVpcAttachments': { TransitGatewayVpcAttachments: [] },
    };
  },
  { '*': BLOCK('client-route', 'hsm-return-route') },
);
add(
  'np-multi-block',
  'the cluster SG has no ingress and the client NACL denies outbound: both listed',
  (w) => {
    clusterSg(w).IpPermissions = [];
    clientAcl(w, [
      entry(100, false, 'allow', '0.0.0.0/0'),
      entry(32767, false, 'deny', '0.0.0.0/0'),
      entry(32767, true, 'deny', '0.0.0.0/0'),
    ]);
  },
  { '*': BLOCK('hsm-sg-ingress', 'client-nacl-outbound') },
);
add(
  'np-nacls-not-read',
  'the snapshot has no network ACLs (DescribeNetworkAcls denied): those checks are undecided',
  (w) => {
    w.drop = ['ec2:DescribeNetworkAcls'];
  },
  {
    '*': UNKNOWN(
      'client-nacl-outbound',
      'client-nacl-inbound-return',
      'hsm-nacl-inbound',
      'hsm-nacl-outbound-return',
    ),
  },
  {
    sim: { faults: { 'ec2:DescribeNetworkAcls': { code: 'UnauthorizedOperation', status: 403 } } },
  },
);
add(
  'np-cluster-subnet-public',
  'a cluster subnet routes 0.0.0.0/0 to an internet gateway: paths fine, subnet not private',
  (w) => {
    w.routeTables.push(
      rtb(
        'rtb-0a5m00000000pub1',
        VPC,
        [local('10.0.0.0/16'), via('0.0.0.0/0', 'GatewayId', 'igw-0123456789abcdef0')],
        { subnets: [S_HSM1] },
      ),
    );
  },
  {},
  { findings: { 'subnet.private': 'warn' } },
);
function dual(w) {
  w.clientIp6 = '2600:1f18:aaaa:a000::10';
  w.hsms[0].ip6 = '2600:1f18:aaaa:a001::12';
  w.hsms[1].ip6 = '2600:1f18:aaaa:a002::12';
  w.subnets[0].Ipv6CidrBlockAssociationSet = [
    {
      Ipv6CidrBlock: '2600:1f18:aaaa:a000::/64',
      AssociationId: 'subnet-cidr-assoc-1',
      Ipv6CidrBlockState: { State: 'associated' },
    },
  ];
  w.nacls = [nacl('acl-0defau1t00000001', VPC, allowAll(true), [], true)];
  w.routeTables[0].Routes.push(local6('2600:1f18:aaaa:a000::/56'));
  clientSg(w).IpPermissionsEgress = [{ ...ALL_OUT, Ipv6Ranges: [{ CidrIpv6: '::/0' }] }];
}
add(
  'np-dual-stack',
  'dual-stack cluster: IPv4 and IPv6 paths both allowed (SG by group, NACL entries for both families)',
  dual,
  {},
);
add(
  'np-dual-stack-v6-sg-missing',
  'dual-stack cluster: the cluster SG admits the client IPv4 CIDR only, so IPv6 is blocked',
  (w) => {
    dual(w);
    clusterSg(w).IpPermissions = [tcp(2223, 2225, { IpRanges: [{ CidrIp: '10.0.0.0/24' }] })];
  },
  { '2600:1f18:aaaa:a001::12': BLOCK('hsm-sg-ingress'), '2600:1f18:aaaa:a002::12': BLOCK('hsm-sg-ingress') },
);
add(
  'np-dual-stack-v6-nacl-missing',
  'dual-stack cluster: the client NACL has IPv4 entries only; IPv6 hits the implicit deny',
  (w) => {
    dual(w);
    clientAcl(w, allowAll(false));
  },
  {
    '2600:1f18:aaaa:a001::12': BLOCK('client-nacl-outbound', 'client-nacl-inbound-return'),
    '2600:1f18:aaaa:a002::12': BLOCK('client-nacl-outbound', 'client-nacl-inbound-return'),
  },
);

// --- issue 10: transit gateways (helper "tgw" adds its scenarios below this line) ---
// The client in VPC B (10.1.0.0/16, us-east-1a) reaches the cluster VPC (10.0.0.0/16) through one
// transit gateway, each VPC routing the other's CIDR to it. AWS Transit Gateway guide, "How transit
// gateways work": a VPC attachment enables an Availability Zone with one subnet ("Resources that reside
// in Availability Zones where there is no transit gateway attachment will not be able to reach the
// transit gateway"); a VPC attachment propagates the VPC's CIDR blocks into a route table; a packet
// from an attachment is routed by the route table associated with that attachment; "Route evaluation
// order": the most specific route first, then static before propagated; a blackhole route drops.
const TGW = 'tgw-0123456789abcdef0';
const TGW_OTHER_OWNER = '444455556666';
const ATT_CLIENT = 'tgw-attach-0c11e47000000001';
const ATT_CLUSTER = 'tgw-attach-0c1a55e700000001';
const TGW_RTB = 'tgw-rtb-0aaaaaaaaaaaaaaa1';
const TGW_RTB_CLUSTER = 'tgw-rtb-0ccccccccccccccc1';
const S_TGW_B_1A = 'subnet-0b0b0a77ac000001a';
const S_TGW_B_1B = 'subnet-0b0b0a77ac000001b';
const S_TGW_A_1A = 'subnet-0a0a0a77ac000001a';
const S_TGW_A_1B = 'subnet-0a0a0a77ac000001b';
const tgwTarget = (id, type, resource) => ({
  ResourceId: resource,
  TransitGatewayAttachmentId: id,
  ResourceType: type,
});
const TO_CLUSTER = tgwTarget(ATT_CLUSTER, 'vpc', VPC);
const TO_CLIENT = tgwTarget(ATT_CLIENT, 'vpc', VPC_B);
const tgwRoute = (cidr, type, target, state = 'active') => ({
  DestinationCidrBlock: cidr,
  ...(target ? { TransitGatewayAttachments: [target] } : {}),
  Type: type,
  State: state,
});
const BOTH_WAYS = [
  tgwRoute('10.0.0.0/16', 'propagated', TO_CLUSTER),
  tgwRoute('10.1.0.0/16', 'propagated', TO_CLIENT),
];
const withOption = (options, name, value) => (value ? { ...options, [name]: value } : options);

/**
 * `tables`: tgw-rtb- id → its routes; `associated`: attachment → tgw-rtb- id; `readable: false` is a
 * transit gateway shared by another account (DescribeTransitGatewayRouteTables lists none of its
 * tables); `ref`: SecurityGroupReferencingSupport on the gateway and on each attachment.
 */
function transit(w, o = {}) {
  const {
    owner = ACCOUNT,
    clientSubnets = [S_TGW_B_1A],
    tables = { [TGW_RTB]: BOTH_WAYS },
    associated = { [ATT_CLIENT]: TGW_RTB, [ATT_CLUSTER]: TGW_RTB },
    readable = true,
    ref = {},
    truncated = [],
  } = o;
  peered(w);
  w.peerings = [];
  w.routeTables[1].Routes[1] = via('10.0.0.0/16', 'TransitGatewayId', TGW);
  w.routeTables[0].Routes[1] = via('10.1.0.0/16', 'TransitGatewayId', TGW);
  w.extraVpcSubnets.push(
    { SubnetId: S_TGW_B_1A, VpcId: VPC_B, CidrBlock: '10.1.255.0/28', AvailabilityZone: 'us-east-1a' },
    { SubnetId: S_TGW_B_1B, VpcId: VPC_B, CidrBlock: '10.1.255.16/28', AvailabilityZone: 'us-east-1b' },
  );
  w.subnets.push(
    { SubnetId: S_TGW_A_1A, VpcId: VPC, CidrBlock: '10.0.255.0/28', AvailabilityZone: 'us-east-1a' },
    { SubnetId: S_TGW_A_1B, VpcId: VPC, CidrBlock: '10.0.255.16/28', AvailabilityZone: 'us-east-1b' },
  );
  const vpcOf = { [ATT_CLIENT]: VPC_B, [ATT_CLUSTER]: VPC };
  const attachment = (id) => ({
    TransitGatewayAttachmentId: id,
    TransitGatewayId: TGW,
    TransitGatewayOwnerId: owner,
    ResourceOwnerId: ACCOUNT,
    ResourceType: 'vpc',
    ResourceId: vpcOf[id],
    State: 'available',
    ...(associated[id]
      ? { Association: { TransitGatewayRouteTableId: associated[id], State: 'associated' } }
      : {}),
  });
  const vpcAttachment = (id, subnets, sgRef) => ({
    TransitGatewayAttachmentId: id,
    TransitGatewayId: TGW,
    VpcId: vpcOf[id],
    VpcOwnerId: ACCOUNT,
    State: 'available',
    SubnetIds: subnets,
    Options: withOption(
      { DnsSupport: 'enable', Ipv6Support: 'disable', ApplianceModeSupport: 'disable' },
      'SecurityGroupReferencingSupport',
      sgRef,
    ),
  });
  const ids = Object.keys(tables);
  const perTable = (f) => Object.fromEntries(ids.map((id) => [id, f(id)]));
  const servedBy = (id) => Object.keys(associated).filter((a) => associated[a] === id);
  const propagating = (id) => [
    ...new Set(
      tables[id]
        .filter((r) => r.Type === 'propagated')
        .map((r) => r.TransitGatewayAttachments[0].TransitGatewayAttachmentId),
    ),
  ];
  const attachmentRef = (a, state) => ({
    TransitGatewayAttachmentId: a,
    ResourceId: vpcOf[a],
    ResourceType: 'vpc',
    State: state,
  });
  w.extraAws = {
    'ec2:DescribeTransitGateways': {
      TransitGateways: [
        {
          TransitGatewayId: TGW,
          TransitGatewayArn: `arn:aws:ec2:us-east-1:${owner}:transit-gateway/${TGW}`,
          State: 'available',
          OwnerId: owner,
          Options: withOption(
            {
              AmazonSideAsn: 64512,
              AutoAcceptSharedAttachments: 'disable',
              DefaultRouteTableAssociation: 'enable',
              AssociationDefaultRouteTableId: TGW_RTB,
              DefaultRouteTablePropagation: 'enable',
              PropagationDefaultRouteTableId: TGW_RTB,
              VpnEcmpSupport: 'enable',
              DnsSupport: 'enable',
            },
            'SecurityGroupReferencingSupport',
            ref.tgw,
          ),
        },
      ],
    },
    'ec2:DescribeTransitGatewayAttachments': {
      TransitGatewayAttachments: [attachment(ATT_CLIENT), attachment(ATT_CLUSTER)],
    },
    'ec2:DescribeTransitGatewayVpcAttachments': {
      TransitGatewayVpcAttachments: [
        vpcAttachment(ATT_CLIENT, clientSubnets, ref.client),
        vpcAttachment(ATT_CLUSTER, [S_TGW_A_1A, S_TGW_A_1B], ref.cluster),
      ],
    },
    // Only the owner reads a gateway's route tables ("Transit gateway sharing considerations").
    'ec2:DescribeTransitGatewayRouteTables': {
      TransitGatewayRouteTables: readable
        ? ids.map((id) => ({
            TransitGatewayRouteTableId: id,
            TransitGatewayId: TGW,
            State: 'available',
            DefaultAssociationRouteTable: id === TGW_RTB,
            DefaultPropagationRouteTable: id === TGW_RTB,
          }))
        : [],
    },
    ...(readable
      ? {
          'ec2:SearchTransitGatewayRoutes': perTable((id) => ({
            Routes: tables[id],
            AdditionalRoutesAvailable: truncated.includes(id),
          })),
          'ec2:GetTransitGatewayRouteTableAssociations': perTable((id) => ({
            Associations: servedBy(id).map((a) => attachmentRef(a, 'associated')),
          })),
          'ec2:GetTransitGatewayRouteTablePropagations': perTable((id) => ({
            TransitGatewayRouteTablePropagations: propagating(id).map((a) => attachmentRef(a, 'enabled')),
          })),
        }
      : {}),
  };
}
const CLIENT_SG_B = 'sg-0b0b0c11e4700001';
const refClientSg = () =>
  tcp(2223, 2225, { UserIdGroupPairs: [{ GroupId: CLIENT_SG_B, UserId: ACCOUNT, VpcId: VPC_B }] });
const ALL_ON = { tgw: 'enable', client: 'enable', cluster: 'enable' };

add(
  'np-tgw-reachable',
  "the client VPC and the cluster VPC are attached to one transit gateway whose route table (associated with both attachments) holds both VPCs' propagated CIDRs; each attachment has a subnet in the Availability Zones it serves: reachable (Transit Gateway guide, How transit gateways work › Route propagation, Route table association)",
  (w) => transit(w),
  {},
);
add(
  'np-tgw-blackhole',
  'the transit gateway route table has a static blackhole route for 10.0.1.0/24 (the first HSM subnet) beside the propagated 10.0.0.0/16: the more specific blackhole drops traffic to that HSM only (Transit Gateway guide, Route evaluation order; Route tables: "a blackhole route ... drops traffic that matches the route")',
  (w) =>
    transit(w, {
      tables: { [TGW_RTB]: [...BOTH_WAYS, tgwRoute('10.0.1.0/24', 'static', null, 'blackhole')] },
    }),
  { [H1]: BLOCK('client-route') },
);
add(
  'np-tgw-static-over-propagated',
  'on-premises advertises 10.0.0.0/16 over a VPN attachment (propagated) and a static 10.0.0.0/16 points at the cluster VPC attachment: on a tie the static route wins, so traffic goes to the cluster VPC and the path is reachable (Transit Gateway guide, Route evaluation order: "Static routes have a higher precedence than propagated routes"); had the VPN route won it would be undecided',
  (w) =>
    transit(w, {
      tables: {
        [TGW_RTB]: [
          tgwRoute(
            '10.0.0.0/16',
            'propagated',
            tgwTarget('tgw-attach-0f0e0d0c0b0a09081', 'vpn', 'vpn-0123456789abcdef0'),
          ),
          tgwRoute('10.0.0.0/16', 'static', TO_CLUSTER),
          tgwRoute('10.1.0.0/16', 'propagated', TO_CLIENT),
        ],
      },
    }),
  {},
);
add(
  'np-tgw-longest-prefix',
  'the transit gateway route table has a static blackhole default route 0.0.0.0/0 and the propagated VPC CIDRs: the more specific /16 routes decide, so the path is reachable (Transit Gateway guide, Route evaluation order: "The most specific route for the destination address")',
  (w) =>
    transit(w, { tables: { [TGW_RTB]: [tgwRoute('0.0.0.0/0', 'static', null, 'blackhole'), ...BOTH_WAYS] } }),
  {},
);
add(
  'np-tgw-attachment-acl',
  "the cluster VPC's transit gateway attachment subnets have their own network ACL that denies everything: AWS evaluates an attachment subnet's ACL for traffic to and from the transit gateway (Transit Gateway guide, Network ACLs for transit gateways), but which attachment ENI carries a flow is not modelled, so the hop is not decided — never reachable",
  (w) => {
    transit(w);
    w.nacls.push(
      nacl(
        'acl-0a77ac4d3e7000001',
        VPC,
        [entry(32767, false, 'deny', '0.0.0.0/0'), entry(32767, true, 'deny', '0.0.0.0/0')],
        [S_TGW_A_1A, S_TGW_A_1B],
      ),
    );
  },
  { '*': UNKNOWN('hsm-return-route') },
);
add(
  'np-tgw-wrong-az',
  'the client subnet is in us-east-1a but the client VPC attachment has its only subnet in us-east-1b: traffic is forwarded to a transit gateway only when it has an attachment subnet in the same Availability Zone (Transit Gateway guide, Amazon VPC attachments › Limits)',
  (w) => transit(w, { clientSubnets: [S_TGW_B_1B] }),
  { '*': BLOCK('client-route') },
);
add(
  'np-tgw-no-return',
  "isolated route tables: the client attachment's table holds the cluster CIDR, but the table associated with the cluster attachment has no route back to 10.1.0.0/16 (the client attachment does not propagate into it): the return traffic is dropped (Transit Gateway guide, Route table association: packets from an attachment are routed by its associated table)",
  (w) =>
    transit(w, {
      tables: { [TGW_RTB]: [BOTH_WAYS[0]], [TGW_RTB_CLUSTER]: [] },
      associated: { [ATT_CLIENT]: TGW_RTB, [ATT_CLUSTER]: TGW_RTB_CLUSTER },
    }),
  { '*': BLOCK('hsm-return-route') },
);
add(
  'np-tgw-unreadable',
  `the transit gateway belongs to account ${TGW_OTHER_OWNER} and is shared with this one (AWS RAM): DescribeTransitGatewayRouteTables lists none of its tables, since only the owner can run the route table APIs (Transit Gateway guide, Transit gateway sharing considerations): both directions undecided, naming that account and SearchTransitGatewayRoutes`,
  (w) => transit(w, { owner: TGW_OTHER_OWNER, readable: false }),
  { '*': UNKNOWN('client-route', 'hsm-return-route') },
);
// 999 routes to an on-premises VPN and a static /32 to the client: the answer stops at 1,000 routes
// and says AdditionalRoutesAvailable (EC2 API reference, SearchTransitGatewayRoutes).
const VPN_TARGET = tgwTarget('tgw-attach-0f0e0d0c0b0a09081', 'vpn', 'vpn-0123456789abcdef0');
const onPremises = Array.from({ length: 999 }, (_, i) =>
  tgwRoute(`172.${16 + (i >> 8)}.${i & 255}.0/24`, 'propagated', VPN_TARGET),
);
add(
  'np-tgw-truncated',
  'SearchTransitGatewayRoutes answered 1,000 routes and AdditionalRoutesAvailable: none of them matches the HSM addresses, so a route not returned may decide (undecided); the way back matches a static /32 for the client, which no unseen route can beat (most specific, static first: Transit Gateway guide, Route evaluation order)',
  (w) =>
    transit(w, {
      tables: { [TGW_RTB]: [...onPremises, tgwRoute('10.1.0.10/32', 'static', TO_CLIENT)] },
      truncated: [TGW_RTB],
    }),
  { '*': UNKNOWN('client-route') },
);
add(
  'np-tgw-peering-attachment',
  'the transit gateway route table sends 10.0.0.0/16 (static, winning over the propagated route) to a peering attachment with another transit gateway: its route tables are not read, so the forward path is undecided (Transit Gateway guide, Routes for peering attachments)',
  (w) =>
    transit(w, {
      tables: {
        [TGW_RTB]: [
          ...BOTH_WAYS,
          tgwRoute(
            '10.0.0.0/16',
            'static',
            tgwTarget('tgw-attach-0bee0000000000001', 'peering', 'tgw-0fedcba9876543210'),
          ),
        ],
      },
    }),
  { '*': UNKNOWN('client-route') },
);
// Security group referencing across a transit gateway (AWS Networking & Content Delivery blog,
// "Introducing security group referencing for AWS Transit Gateway", 2024): inbound rules may reference
// groups of other VPCs attached to the transit gateway in the same Region; outbound references are not
// supported; the SecurityGroupReferencingSupport option of the transit gateway (disabled by default)
// and of the VPC attachments turns it on (EC2 API reference, TransitGatewayOptions,
// TransitGatewayVpcAttachmentOptions).
add(
  'np-tgw-sg-ref',
  'the cluster security group admits the client security group of the other VPC by reference, across a transit gateway with security group referencing enabled on the gateway and both attachments: reachable',
  (w) => {
    transit(w, { ref: ALL_ON });
    clusterSg(w).IpPermissions = [refClientSg()];
  },
  {},
);
add(
  'np-tgw-sg-ref-disabled',
  'the cluster security group admits the client security group by reference across the transit gateway, but security group referencing is disabled on the cluster VPC attachment: the reference does not apply',
  (w) => {
    transit(w, { ref: { ...ALL_ON, cluster: 'disable' } });
    clusterSg(w).IpPermissions = [refClientSg()];
  },
  { '*': BLOCK('hsm-sg-ingress') },
);
add(
  'np-tgw-sg-ref-egress',
  'the client security group allows egress only to the cluster security group by reference across the transit gateway (enabled everywhere): outbound references across a transit gateway are not supported, so nothing allows the egress',
  (w) => {
    transit(w, { ref: ALL_ON });
    clusterSg(w).IpPermissions = [refClientSg()];
    w.sgs.find((g) => g.GroupId === CLIENT_SG_B).IpPermissionsEgress = [
      tcp(2223, 2225, { UserIdGroupPairs: [{ GroupId: CLUSTER_SG, UserId: ACCOUNT, VpcId: VPC }] }),
    ];
  },
  { '*': BLOCK('client-sg-egress') },
);

// --- issue 10: middleboxes (helper "middlebox" adds its scenarios below this line) ---

// Routes more specific than the local route may target "a NAT gateway, network interface, or Gateway
// Load Balancer endpoint" (VPC User Guide, Subnet route tables › Rules and considerations); the
// traffic then goes to that target (VPC User Guide, Middlebox scenarios › Inspect traffic between
// subnets: subnet A routes "Subnet B CIDR → appliance-eni", subnet B routes "Subnet A CIDR →
// appliance-eni"). The middlebox sits in its own subnet, 10.0.3.0/24.
const S_MBOX = 'subnet-0mb0x000000000001';
const APPLIANCE = 'eni-0a9911a9ce0000001';
const NAT = 'nat-0a7a7a7a7a7a7a7a1';
const NAT_IP = '10.0.3.5';
const GWLBE = 'vpce-0c1c1c1c1c1c1c1c1';
function mboxSubnet(w) {
  w.subnets.push({ SubnetId: S_MBOX, VpcId: VPC, CidrBlock: '10.0.3.0/24', AvailabilityZone: 'us-east-1a' });
}
/** The client subnet sends the HSM subnets to `id` (one route per subnet CIDR, as the docs require). */
function clientVia(w, key, id) {
  w.routeTables.push(
    rtb(
      'rtb-0c11e47000000mb1',
      VPC,
      [local('10.0.0.0/16'), via('10.0.1.0/24', key, id), via('10.0.2.0/24', key, id)],
      {
        subnets: [S_CLIENT],
      },
    ),
  );
}
/** The HSM subnets send the client subnet to `id`. */
function hsmVia(w, key, id) {
  w.routeTables.push(
    rtb('rtb-0a5m0000000000mb1', VPC, [local('10.0.0.0/16'), via('10.0.0.0/24', key, id)], {
      subnets: [S_HSM1, S_HSM2],
    }),
  );
}
function appliance(w, sourceDestCheck) {
  mboxSubnet(w);
  clientVia(w, 'NetworkInterfaceId', APPLIANCE);
  hsmVia(w, 'NetworkInterfaceId', APPLIANCE);
  if (sourceDestCheck === undefined) return; // the appliance's interface is not in the snapshot
  w.extraEnis = [
    {
      NetworkInterfaceId: APPLIANCE,
      SubnetId: S_MBOX,
      VpcId: VPC,
      PrivateIpAddress: '10.0.3.20',
      PrivateIpAddresses: [{ PrivateIpAddress: '10.0.3.20', Primary: true }],
      Ipv6Addresses: [],
      Groups: [{ GroupId: 'sg-0a9911a9ce0000001', GroupName: 'firewall' }],
      SourceDestCheck: sourceDestCheck,
      InterfaceType: 'interface',
      Status: 'in-use',
      Description: 'firewall appliance',
    },
  ];
}
/** A NAT gateway in the middlebox subnet; the client subnet routes the HSM subnets through it. */
function natPath(w, { state = 'available', read = true } = {}) {
  mboxSubnet(w);
  clientVia(w, 'NatGatewayId', NAT);
  if (!read) return;
  w.extraAws = {
    'ec2:DescribeNatGateways': {
      NatGateways: [
        {
          NatGatewayId: NAT,
          State: state,
          SubnetId: S_MBOX,
          VpcId: VPC,
          ConnectivityType: 'private',
          NatGatewayAddresses: [
            {
              NetworkInterfaceId: 'eni-0a7a7a7a7a7a7a7a1',
              PrivateIp: NAT_IP,
              IsPrimary: true,
              Status: 'succeeded',
            },
          ],
        },
      ],
    },
  };
}
// NAT gateways: "Both private and public NAT gateways map the source private IPv4 address of the
// instances to the private IPv4 address of the NAT gateway"; "You cannot associate a security group
// with a NAT gateway"; "You can use a network ACL to control the traffic to and from the subnet for
// your NAT gateway. NAT gateways use ports 1024–65535" (VPC User Guide, NAT gateways and NAT gateway
// basics). Security group referencing: "Incoming traffic is allowed based on the private IP
// addresses of the network interfaces that are associated with the source security group" (VPC User
// Guide, Security group rules).
const admitNat = (w) => {
  clusterSg(w).IpPermissions.push(tcp(2223, 2225, { IpRanges: [{ CidrIp: `${NAT_IP}/32` }] }));
};
add(
  'np-mbox-appliance',
  'both sides route each other through a firewall appliance ENI (more specific than local; VPC User Guide, Middlebox scenarios › Inspect traffic between subnets) whose interface was not read: hsmwatch cannot see inside it, so both routes are unknown',
  (w) => appliance(w),
  { '*': UNKNOWN('client-route', 'hsm-return-route') },
);
add(
  'np-mbox-appliance-return',
  'only the HSM subnets route the client subnet through an appliance ENI: the forward path is local, the return path unknown (the appliance decides; VPC User Guide, Subnet route tables › Rules and considerations)',
  (w) => {
    mboxSubnet(w);
    hsmVia(w, 'NetworkInterfaceId', APPLIANCE);
  },
  { '*': UNKNOWN('hsm-return-route') },
);
add(
  'np-mbox-appliance-forwarding',
  'both sides route through an appliance ENI with source/destination checking disabled, as the VPC User Guide requires (Middlebox routing wizard considerations): it can forward, but its own rules decide: unknown',
  (w) => appliance(w, false),
  { '*': UNKNOWN('client-route', 'hsm-return-route') },
);
add(
  'np-mbox-source-dest-check',
  'both sides route through an appliance ENI whose source/destination checking is still enabled: "the instance must be the source or destination of any traffic it sends or receives" (VPC User Guide, NAT instances › Disable source/destination checks), so it drops the forwarded traffic: client-route blocked (the return past it is undecided)',
  (w) => appliance(w, true),
  { '*': BLOCK('client-route') },
);
add(
  'np-mbox-gwlb',
  'both sides route each other through a Gateway Load Balancer endpoint (an allowed target of a route more specific than local; VPC User Guide, Subnet route tables): hsmwatch cannot see the appliances behind it, so both routes are unknown',
  (w) => {
    mboxSubnet(w);
    clientVia(w, 'GatewayId', GWLBE);
    hsmVia(w, 'GatewayId', GWLBE);
  },
  { '*': UNKNOWN('client-route', 'hsm-return-route') },
);
add(
  'np-mbox-nat-reachable',
  'the client subnet routes the HSM subnets through a private NAT gateway (an allowed target of a route more specific than local); the HSM sees the NAT gateway private address 10.0.3.5 (VPC User Guide, NAT gateways), which the cluster SG admits by CIDR: reachable',
  (w) => {
    natPath(w);
    admitNat(w);
  },
  {},
);
add(
  'np-mbox-nat-sg-ref',
  'through a NAT gateway the HSM sees its private address, not the client: the cluster SG rule that references the client SG matches only addresses of interfaces in that group (VPC User Guide, Security group rules) and a NAT gateway has no security group: hsm-sg-ingress blocked, fixed by admitting 10.0.3.5/32',
  (w) => natPath(w),
  { '*': BLOCK('hsm-sg-ingress') },
);
add(
  'np-mbox-nat-nacl',
  'through a NAT gateway, the HSM subnet NACL admits the client subnet 10.0.0.0/24 but not the NAT gateway address 10.0.3.5 the traffic now comes from (VPC User Guide, NAT gateways): hsm-nacl-inbound blocked',
  (w) => {
    natPath(w);
    admitNat(w);
    hsmAcl(w, [
      entry(100, false, 'allow', '10.0.0.0/24'),
      entry(100, true, 'allow', '0.0.0.0/0'),
      entry(32767, false, 'deny', '0.0.0.0/0'),
      entry(32767, true, 'deny', '0.0.0.0/0'),
    ]);
  },
  { '*': BLOCK('hsm-nacl-inbound') },
);
add(
  'np-mbox-nat-subnet-nacl',
  "the NAT gateway's own subnet NACL (which applies to it: VPC User Guide, NAT gateway basics) admits the HSM replies on 1024-65535 but not the client's traffic to the HSM ports: blocked on the client-route hop through the NAT subnet",
  (w) => {
    natPath(w);
    admitNat(w);
    w.nacls.push(
      nacl(
        'acl-0mb0x000000000001',
        VPC,
        [
          entry(100, false, 'allow', '10.0.1.0/24', '6', [1024, 65535]),
          entry(110, false, 'allow', '10.0.2.0/24', '6', [1024, 65535]),
          entry(100, true, 'allow', '0.0.0.0/0'),
          entry(32767, false, 'deny', '0.0.0.0/0'),
          entry(32767, true, 'deny', '0.0.0.0/0'),
        ],
        [S_MBOX],
      ),
    );
  },
  { '*': BLOCK('client-route') },
);
add(
  'np-mbox-nat-unread',
  'the client subnet routes the HSM subnets through a NAT gateway but DescribeNatGateways was denied: the address the HSM sees is not known, so the path is undecided',
  (w) => natPath(w, { read: false }),
  { '*': UNKNOWN('client-route') },
  {
    findings: { 'path.data': 'skip' },
    sim: { faults: { 'ec2:DescribeNatGateways': { code: 'UnauthorizedOperation', status: 403 } } },
  },
);
add(
  'np-mbox-nat-pending',
  'the client subnet routes the HSM subnets through a NAT gateway that is still pending: it is ready for use only once its state is Available (VPC User Guide, NAT gateways › Create a NAT gateway): client-route blocked',
  (w) => {
    natPath(w, { state: 'pending' });
    admitNat(w);
  },
  { '*': BLOCK('client-route') },
);

// --- issue 10: source interfaces (helper "source" adds its scenarios below this line) ---
const { sourceScenarios } = await import('./gen-netpath-source.mjs');
scenarios.push(
  ...sourceScenarios({
    base,
    snapshotOf,
    expectPaths,
    sg,
    tcp,
    ALL_OUT,
    CLUSTER_SG,
    CLIENT_SG,
    ACCOUNT,
    VPC,
    S_CLIENT,
  }),
);

mkdirSync(OUT, { recursive: true });
for (const s of scenarios) writeFileSync(new URL(`${s.name}.json`, OUT), `${JSON.stringify(s, null, 2)}\n`);
console.log(`${scenarios.length} scenarios`);
