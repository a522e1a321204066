// Adds the VPC data (security groups, subnets, NACLs, route tables) to the demo scenarios and writes
// the two path demos, sg-blocked and nacl-return-blocked. The demo VPC is 127.0.0.0/16 so the
// live probe (on loopback) and the static analysis talk about the same addresses.
// Run: node tools/gen-demo-netpath.mjs
import { readFileSync, writeFileSync } from 'node:fs';

const dir = new URL('../scenarios/', import.meta.url);
const read = (n) => JSON.parse(readFileSync(new URL(`${n}.json`, dir), 'utf8'));
const write = (s) => writeFileSync(new URL(`${s.name}.json`, dir), `${JSON.stringify(s, null, 2)}\n`);

const ACCOUNT = '111122223333';
const VPC = 'vpc-0d3m0d3m0d3m00001';
const CLIENT_SG = 'sg-0c11e47c11e470001';
const CLUSTER_SG = 'sg-0c1a55e7c1a55e700';
const CLIENT_SUBNET = 'subnet-0c11e47000000001';
const HSM_SUBNETS = ['subnet-0a1b2c3d4e5f60001', 'subnet-0a1b2c3d4e5f60002', 'subnet-0a1b2c3d4e5f60003'];
const perm = (p) => ({ IpRanges: [], Ipv6Ranges: [], PrefixListIds: [], UserIdGroupPairs: [], ...p });
const entry = (n, egress, action, cidr, proto = '-1', range) => ({
  RuleNumber: n,
  Egress: egress,
  RuleAction: action,
  Protocol: proto,
  CidrBlock: cidr,
  ...(range ? { PortRange: { From: range[0], To: range[1] } } : {}),
});
const catchAll = [entry(32767, false, 'deny', '0.0.0.0/0'), entry(32767, true, 'deny', '0.0.0.0/0')];

function vpcData(s, { clusterIngress, clientNacl, hsmNacl } = {}) {
  const aws = s.snapshot.aws;
  const hsms = aws['cloudhsmv2:DescribeClusters'].Clusters[0].Hsms;
  const client = aws['ec2:DescribeInstances'].Reservations[0].Instances[0].NetworkInterfaces[0];
  aws['ec2:DescribeNetworkInterfaces'] = {
    NetworkInterfaces: [
      {
        NetworkInterfaceId: client.NetworkInterfaceId,
        SubnetId: CLIENT_SUBNET,
        VpcId: VPC,
        PrivateIpAddress: client.PrivateIpAddress,
        PrivateIpAddresses: [{ PrivateIpAddress: client.PrivateIpAddress, Primary: true }],
        Groups: client.Groups,
        Status: 'in-use',
        InterfaceType: 'interface',
      },
      ...hsms.map((h) => ({
        NetworkInterfaceId: h.EniId,
        SubnetId: h.SubnetId,
        VpcId: VPC,
        PrivateIpAddress: h.EniIp,
        PrivateIpAddresses: [{ PrivateIpAddress: h.EniIp, Primary: true }],
        Groups: [{ GroupId: CLUSTER_SG, GroupName: 'cloudhsm-cluster-hsmwatchdemo-sg' }],
        Status: 'in-use',
        InterfaceType: 'interface',
        Description: `CloudHSM ${h.HsmId}`,
      })),
    ],
  };
  aws['ec2:DescribeSecurityGroups'] = {
    SecurityGroups: [
      {
        GroupId: CLIENT_SG,
        GroupName: 'app-servers',
        Description: 'application servers',
        OwnerId: ACCOUNT,
        VpcId: VPC,
        IpPermissions: [],
        IpPermissionsEgress: [perm({ IpProtocol: '-1', IpRanges: [{ CidrIp: '0.0.0.0/0' }] })],
      },
      {
        GroupId: 'sg-0adm1n000000000001',
        GroupName: 'admin-hosts',
        Description: 'admin bastions',
        OwnerId: ACCOUNT,
        VpcId: VPC,
        IpPermissions: [],
        IpPermissionsEgress: [perm({ IpProtocol: '-1', IpRanges: [{ CidrIp: '0.0.0.0/0' }] })],
      },
      {
        GroupId: CLUSTER_SG,
        GroupName: 'cloudhsm-cluster-hsmwatchdemo-sg',
        Description: 'Security group for CloudHSM cluster',
        OwnerId: ACCOUNT,
        VpcId: VPC,
        IpPermissions: clusterIngress ?? [
          perm({
            IpProtocol: 'tcp',
            FromPort: 2223,
            ToPort: 2225,
            UserIdGroupPairs: [{ GroupId: CLIENT_SG, UserId: ACCOUNT }],
          }),
        ],
        IpPermissionsEgress: [perm({ IpProtocol: '-1', IpRanges: [{ CidrIp: '0.0.0.0/0' }] })],
      },
    ],
  };
  aws['ec2:DescribeSubnets'] = {
    Subnets: [
      {
        SubnetId: CLIENT_SUBNET,
        VpcId: VPC,
        CidrBlock: '127.0.0.0/24',
        AvailabilityZone: 'us-east-1a',
        MapPublicIpOnLaunch: false,
      },
      ...HSM_SUBNETS.map((id, i) => ({
        SubnetId: id,
        VpcId: VPC,
        CidrBlock: `127.0.${i + 1}.0/24`,
        AvailabilityZone: `us-east-1${'abc'[i]}`,
        MapPublicIpOnLaunch: false,
      })),
    ],
  };
  const acls = [
    {
      NetworkAclId: 'acl-0d3m0defau1t0001',
      VpcId: VPC,
      IsDefault: true,
      OwnerId: ACCOUNT,
      Associations: [],
      Entries: [entry(100, false, 'allow', '0.0.0.0/0'), entry(100, true, 'allow', '0.0.0.0/0'), ...catchAll],
    },
  ];
  if (clientNacl)
    acls.push({
      NetworkAclId: 'acl-0c11e47000000001',
      VpcId: VPC,
      IsDefault: false,
      OwnerId: ACCOUNT,
      Associations: [
        {
          NetworkAclAssociationId: 'aclassoc-0c11e47000000001',
          NetworkAclId: 'acl-0c11e47000000001',
          SubnetId: CLIENT_SUBNET,
        },
      ],
      Entries: clientNacl,
    });
  if (hsmNacl)
    acls.push({
      NetworkAclId: 'acl-0a5m000000000003',
      VpcId: VPC,
      IsDefault: false,
      OwnerId: ACCOUNT,
      Associations: [
        {
          NetworkAclAssociationId: 'aclassoc-0a5m000000000003',
          NetworkAclId: 'acl-0a5m000000000003',
          SubnetId: hsmNacl.subnet,
        },
      ],
      Entries: hsmNacl.entries,
    });
  aws['ec2:DescribeNetworkAcls'] = { NetworkAcls: acls };
  aws['ec2:DescribeRouteTables'] = {
    RouteTables: [
      {
        RouteTableId: 'rtb-0d3m0ma1n0000001',
        VpcId: VPC,
        OwnerId: ACCOUNT,
        Associations: [
          {
            Main: true,
            RouteTableAssociationId: 'rtbassoc-0d3m0ma1n0000001',
            RouteTableId: 'rtb-0d3m0ma1n0000001',
            AssociationState: { State: 'associated' },
          },
        ],
        Routes: [
          {
            DestinationCidrBlock: '127.0.0.0/16',
            GatewayId: 'local',
            Origin: 'CreateRouteTable',
            State: 'active',
          },
        ],
      },
    ],
  };
  aws['ec2:DescribeVpcPeeringConnections'] = { VpcPeeringConnections: [] };
  return s;
}

const healthy = read('healthy');
write(vpcData(healthy));
write(vpcData(read('hsm-down')));
// port-blocked: the drop of 127.0.3.11:2225 is a NACL of that HSM's subnet, so static and live agree.
write(
  vpcData(read('port-blocked'), {
    hsmNacl: {
      subnet: HSM_SUBNETS[2],
      entries: [
        entry(90, false, 'deny', '127.0.0.0/24', '6', [2225, 2225]),
        entry(100, false, 'allow', '0.0.0.0/0'),
        entry(100, true, 'allow', '0.0.0.0/0'),
        ...catchAll,
      ],
    },
  }),
);
const hsmIps = healthy.snapshot.aws['cloudhsmv2:DescribeClusters'].Clusters[0].Hsms.map((h) => h.EniIp);
const sgBlocked = vpcData(structuredClone(healthy), {
  clusterIngress: [
    perm({
      IpProtocol: 'tcp',
      FromPort: 2223,
      ToPort: 2225,
      UserIdGroupPairs: [{ GroupId: 'sg-0adm1n000000000001', UserId: ACCOUNT }],
    }),
  ],
});
write({
  ...sgBlocked,
  name: 'sg-blocked',
  description:
    'the cluster security group admits the admin hosts but not this client: every HSM port times out; the analysis names the rule to add',
  sim: { network: hsmIps.map((ip) => ({ ip, action: 'drop' })) },
  expect: { exitCode: 1, live: Object.fromEntries(hsmIps.map((ip) => [`${ip}:2223`, 'timeout'])) },
});
const naclBlocked = vpcData(structuredClone(healthy), {
  clientNacl: [
    entry(100, true, 'allow', '0.0.0.0/0'),
    entry(100, false, 'allow', '127.0.0.0/16', '6', [2223, 2225]),
    ...catchAll,
  ],
});
write({
  ...naclBlocked,
  name: 'nacl-return-blocked',
  description:
    "the client subnet's network ACL admits TCP 2223-2225 inbound but not the return traffic on the ephemeral ports: every connect times out",
  sim: { network: hsmIps.map((ip) => ({ ip, action: 'drop' })) },
  expect: { exitCode: 1, live: Object.fromEntries(hsmIps.map((ip) => [`${ip}:2223`, 'timeout'])) },
});
