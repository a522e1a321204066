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
    client: { instanceId: 'i-0c11e47000000001' },
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
        out.push({ eniIp: ip, port, clientEni: 'eni-0c11e47000000001', verdict: o[0], components: o[1] });
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
add(
  'np-transit-gateway',
  'the client VPC reaches the cluster VPC through a transit gateway: undecided past the VPC',
  (w) => {
    peered(w);
    w.peerings = [];
    w.routeTables[1].Routes[1] = via('10.0.0.0/16', 'TransitGatewayId', 'tgw-0123456789abcdef0');
    w.routeTables[0].Routes[1] = via('10.1.0.0/16', 'TransitGatewayId', 'tgw-0123456789abcdef0');
  },
  { '*': UNKNOWN('client-route', 'hsm-return-route') },
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

mkdirSync(OUT, { recursive: true });
for (const s of scenarios) writeFileSync(new URL(`${s.name}.json`, OUT), `${JSON.stringify(s, null, 2)}\n`);
console.log(`${scenarios.length} scenarios`);
