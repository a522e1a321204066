// Writes the exposure-audit demo (scenarios/exposure.json): a simulated estate on loopback addresses
// that `hsmwatch demo --scenario exposure` audits live (the simulated EC2 API read as `hsmwatch audit`
// reads AWS). Run: node tools/gen-demo-exposure.mjs
//
// The cluster VPC (127.0.0.0/16) holds three HSMs behind the cluster group as CloudHSM creates it
// (self-referencing TCP 2223-2225), which admits app-clients, batch-jobs and payments-fn by reference,
// reporting (in a peered VPC, 127.1.0.0/16) by reference across the peering, and, left over from a
// migration, TCP 2223-2225 from 127.0.0.0/8. Expected, from AWS semantics (security groups allow-only
// and stateful, referenced groups admit the interfaces that carry them; network ACLs stateless, lowest
// rule first; peering needs a route each way):
//   intended    4 reachable (two app servers, the Lambda function's ENI, the peered reporting host),
//               1 blocked (the batch host: its subnet's ACL denies outbound TCP 2223-2225 at rule 100);
//   unintended  1 reachable (legacy-tools, admitted only by 127.0.0.0/8),
//               1 blocked (the admin bastion: its group allows outbound HTTPS only);
//   findings    exposure.intended-blocked (fail, client-nacl-outbound, with the ACL entries to add),
//               exposure.unintended-reachable (warn), exposure.broad-rule (warn: 127.0.0.0/8 is wider
//               than the intended sources' subnets, which are the narrower rules).
import { writeFileSync } from 'node:fs';
import {
  ACCOUNT,
  allowAll,
  clusterGroup,
  eni,
  entry,
  estateSnapshot,
  fromCidr,
  fromGroup,
  local,
  mainTable,
  nacl,
  peering,
  sg,
  subnet,
  tcp,
  via,
} from './audit-estate.mjs';

const hid = (prefix, tag, n = 1) => `${prefix}-0${tag}${String(n).padStart(16 - tag.length, '0')}`;
const VPC = hid('vpc', 'e0');
const VPC_B = hid('vpc', 'e0b');
const PCX = hid('pcx', 'e0');
const CLUSTER = 'cluster-hsmwatchexpo';
const CLUSTER_SG = hid('sg', 'c1a55e7e');
const SG = {
  app: hid('sg', 'a99'),
  batch: hid('sg', 'ba7c'),
  lambda: hid('sg', 'f00d'),
  legacy: hid('sg', '1e9'),
  admin: hid('sg', 'ad'),
  reporting: hid('sg', 'e0b'),
};
const S = {
  hsm: [1, 2, 3].map((n) => hid('subnet', 'a5e', n)),
  app: hid('subnet', 'a99'),
  batch: hid('subnet', 'ba7c'),
  lambda: hid('subnet', 'f00d'),
  legacy: hid('subnet', '1e9'),
  admin: hid('subnet', 'ad'),
  b: hid('subnet', 'e0b'),
};
const AZ = ['us-east-1a', 'us-east-1b', 'us-east-1c'];
const HSMS = [
  ['hsm-q7ruxmlbxwa', '127.0.1.11'],
  ['hsm-f3kzyjwvnde', '127.0.2.11'],
  ['hsm-tpgc5hs2eno', '127.0.3.11'],
].map(([id, ip], i) => ({ id, ip, subnet: S.hsm[i], eni: hid('eni', 'a5e', i + 1), az: AZ[i] }));

const ref = (groupId, extra) => fromGroup(groupId, extra);
const clusterSg = clusterGroup(CLUSTER_SG, VPC, `cloudhsm-${CLUSTER}-sg`, [
  tcp(2223, 2225, ref(SG.app)),
  tcp(2223, 2225, ref(SG.batch)),
  tcp(2223, 2225, ref(SG.lambda)),
  tcp(2223, 2225, ref(SG.reporting, { VpcId: VPC_B, VpcPeeringConnectionId: PCX, PeeringStatus: 'active' })),
  tcp(2223, 2225, fromCidr('127.0.0.0/8')),
]);
const httpsOnly = [tcp(443, 443, fromCidr('0.0.0.0/0'))];

const APP1 = { id: hid('eni', 'a99', 1), ip: '127.0.0.1', instance: hid('i', 'a99', 1) };
const enis = [
  eni({ ...APP1, subnet: S.app, vpc: VPC, groups: [SG.app], tags: { Name: 'app-1' } }),
  eni({
    id: hid('eni', 'a99', 2),
    subnet: S.app,
    vpc: VPC,
    ip: '127.0.0.12',
    groups: [SG.app],
    instance: hid('i', 'a99', 2),
  }),
  eni({
    id: hid('eni', 'ba7c'),
    subnet: S.batch,
    vpc: VPC,
    az: 'us-east-1b',
    ip: '127.0.4.10',
    groups: [SG.batch],
    instance: hid('i', 'ba7c'),
  }),
  eni({
    id: hid('eni', 'f00d'),
    subnet: S.lambda,
    vpc: VPC,
    ip: '127.0.5.20',
    groups: [SG.lambda],
    type: 'lambda',
    description: 'AWS Lambda VPC ENI-payments-fn',
  }),
  eni({
    id: hid('eni', '1e9'),
    subnet: S.legacy,
    vpc: VPC,
    ip: '127.0.6.10',
    groups: [SG.legacy],
    instance: hid('i', '1e9'),
  }),
  eni({
    id: hid('eni', 'ad'),
    subnet: S.admin,
    vpc: VPC,
    ip: '127.0.7.10',
    groups: [SG.admin],
    instance: hid('i', 'ad'),
  }),
  eni({
    id: hid('eni', 'e0b'),
    subnet: S.b,
    vpc: VPC_B,
    ip: '127.1.0.10',
    groups: [SG.reporting],
    instance: hid('i', 'e0b'),
  }),
];
// This host is app-1: IMDS and DescribeInstances describe it.
const [app1Eni] = enis;
const instances = [
  {
    ReservationId: hid('r', 'a99'),
    OwnerId: ACCOUNT,
    Instances: [
      {
        InstanceId: APP1.instance,
        Placement: { AvailabilityZone: 'us-east-1a' },
        VpcId: VPC,
        SubnetId: S.app,
        PrivateIpAddress: APP1.ip,
        NetworkInterfaces: [
          {
            ...app1Eni,
            MacAddress: '0a:1b:2c:3d:4e:5f',
            Attachment: { DeviceIndex: 0, Status: 'attached' },
          },
        ],
      },
    ],
  },
];

const snapshot = estateSnapshot({
  instanceId: APP1.instance,
  estateVpcs: [VPC, VPC_B],
  cluster: { id: CLUSTER, vpc: VPC, securityGroup: CLUSTER_SG, hsms: HSMS },
  instances,
  enis,
  sgs: [
    clusterSg,
    sg(SG.app, VPC, 'app-clients', []),
    sg(SG.batch, VPC, 'batch-jobs', []),
    sg(SG.lambda, VPC, 'payments-fn', []),
    sg(SG.legacy, VPC, 'legacy-tools', []),
    sg(SG.admin, VPC, 'admin-bastion', [], httpsOnly),
    sg(SG.reporting, VPC_B, 'reporting', []),
  ],
  subnets: [
    ...HSMS.map((h, i) => subnet(h.subnet, VPC, `127.0.${i + 1}.0/24`, h.az)),
    subnet(S.app, VPC, '127.0.0.0/24', 'us-east-1a'),
    subnet(S.batch, VPC, '127.0.4.0/24', 'us-east-1b'),
    subnet(S.lambda, VPC, '127.0.5.0/24', 'us-east-1a'),
    subnet(S.legacy, VPC, '127.0.6.0/24', 'us-east-1c'),
    subnet(S.admin, VPC, '127.0.7.0/24', 'us-east-1a'),
    subnet(S.b, VPC_B, '127.1.0.0/24', 'us-east-1a'),
  ],
  nacls: [
    nacl(hid('acl', 'def'), VPC, allowAll(), [], true),
    nacl(
      hid('acl', 'ba7c'),
      VPC,
      [
        entry(100, true, 'deny', '127.0.0.0/16', '6', [2223, 2225]),
        entry(200, true, 'allow', '0.0.0.0/0'),
        entry(32767, true, 'deny', '0.0.0.0/0'),
        entry(100, false, 'allow', '0.0.0.0/0'),
        entry(32767, false, 'deny', '0.0.0.0/0'),
      ],
      [S.batch],
    ),
    nacl(hid('acl', 'e0b'), VPC_B, allowAll(), [], true),
  ],
  routeTables: [
    mainTable(hid('rtb', 'e0'), VPC, [
      local('127.0.0.0/16'),
      via('127.1.0.0/16', 'VpcPeeringConnectionId', PCX),
    ]),
    mainTable(hid('rtb', 'e0b'), VPC_B, [
      local('127.1.0.0/16'),
      via('127.0.0.0/16', 'VpcPeeringConnectionId', PCX),
    ]),
  ],
  peerings: [
    peering(PCX, { VpcId: VPC_B, CidrBlock: '127.1.0.0/16' }, { VpcId: VPC, CidrBlock: '127.0.0.0/16' }),
  ],
});

writeFileSync(
  new URL('../scenarios/exposure.json', import.meta.url),
  `${JSON.stringify(
    {
      name: 'exposure',
      description:
        'an estate audited live (hsmwatch audit): intended clients (instances, a Lambda ENI, a peered VPC), one blocked by its network ACL, an unintended instance reachable through a broad 127.0.0.0/8 rule',
      snapshot,
      sim: { audit: true },
      expect: { exitCode: 1 },
    },
    null,
    2,
  )}\n`,
);
