// The world of the exposure-probe tests: the healthy scenario (one cluster, three HSMs, the client
// instance in app-servers, which the cluster security group admits by reference) with four more
// interfaces in the client subnet. Their classes follow from AWS's rules:
// - security groups allow only what a rule allows, and a rule's source is a CIDR or a security group
//   ("Security group rules are always permissive; you can't create rules that deny access" and "The
//   source ... can be ... a security group ID", https://docs.aws.amazon.com/vpc/latest/userguide/security-group-rules.html);
// - CloudHSM's cluster group admits and reaches itself on TCP 2223-2225 ("must include inbound rules
//   and outbound rules that allow TCP traffic on ports 2223-2225. The Source in the inbound rules and
//   the Destination in the outbound rules must match the security group ID. These rules are set by
//   default when you create the CloudHSM cluster", CloudHsmClusterInvalidConfigurationException,
//   https://docs.aws.amazon.com/kms/latest/APIReference/API_CreateCustomKeyStore.html);
// - intended clients are, by default, those that carry the cluster group or a group it admits by
//   reference (the CloudHSM user guide's two ways in "Connect the client instance to the cluster":
//   attach the cluster group, or admit the client's group in it); an address rule admits addresses,
//   not intended clients.
import { loadScenario, type Scenario } from '../../src/sim/scenario.js';

export const CLUSTER = 'cluster-hsmwatchdemo';
export const CLUSTER_SG = 'sg-0c1a55e7c1a55e700';
const VPC = 'vpc-0d3m0d3m0d3m00001';
const SUBNET = 'subnet-0c11e47000000001';
const OWNER = '111122223333';

/** The classes of the world's interfaces, as the rules above decide them. */
export const EXPECTED = {
  // the instance in app-servers (admitted by reference) and the one in the cluster group itself
  'intended-reachable': 2,
  'intended-partial': 0,
  'intended-blocked': 0,
  'intended-unknown': 0,
  // 127.0.0.50, admitted on 2223-2225 by a /32 rule
  'unintended-reachable': 1,
  // 127.0.0.60, admitted on 2223 only
  'unintended-partial': 1,
  // admin-hosts: no rule of the cluster group admits it
  'unintended-blocked': 1,
  'unintended-unknown': 0,
} as const;

type Obj = Record<string, unknown>;
const perm = (p: Obj) => ({ IpRanges: [], Ipv6Ranges: [], PrefixListIds: [], UserIdGroupPairs: [], ...p });
const egressAll = [perm({ IpProtocol: '-1', IpRanges: [{ CidrIp: '0.0.0.0/0' }] })];
const group = (id: string) => ({
  GroupId: id,
  GroupName: id,
  Description: id,
  OwnerId: OWNER,
  VpcId: VPC,
  IpPermissions: [],
  IpPermissionsEgress: egressAll,
});
const eni = (id: string, ip: string, sg: string, description: string) => ({
  NetworkInterfaceId: id,
  SubnetId: SUBNET,
  VpcId: VPC,
  PrivateIpAddress: ip,
  PrivateIpAddresses: [{ PrivateIpAddress: ip, Primary: true }],
  Groups: [{ GroupId: sg, GroupName: sg }],
  Status: 'in-use',
  InterfaceType: 'interface',
  Description: description,
  OwnerId: OWNER,
});

export function exposureWorldScenario(): Scenario {
  const s = structuredClone(loadScenario('healthy'));
  s.name = 'exposure-probe';
  delete s.expect;
  const aws = s.snapshot.aws as Record<string, Record<string, Obj[]>>;
  const groups = aws['ec2:DescribeSecurityGroups']!.SecurityGroups!;
  groups.push(group('sg-0e0e0000000000001'), group('sg-0e0e0000000000002'));
  const cluster = groups.find((g) => g.GroupId === CLUSTER_SG)!;
  (cluster.IpPermissions as Obj[]).push(
    perm({
      IpProtocol: 'tcp',
      FromPort: 2223,
      ToPort: 2225,
      UserIdGroupPairs: [{ GroupId: CLUSTER_SG, UserId: OWNER }],
    }),
    perm({ IpProtocol: 'tcp', FromPort: 2223, ToPort: 2225, IpRanges: [{ CidrIp: '127.0.0.50/32' }] }),
    perm({ IpProtocol: 'tcp', FromPort: 2223, ToPort: 2223, IpRanges: [{ CidrIp: '127.0.0.60/32' }] }),
  );
  (cluster.IpPermissionsEgress as Obj[]).push(
    perm({
      IpProtocol: 'tcp',
      FromPort: 2223,
      ToPort: 2225,
      UserIdGroupPairs: [{ GroupId: CLUSTER_SG, UserId: OWNER }],
    }),
  );
  aws['ec2:DescribeNetworkInterfaces']!.NetworkInterfaces!.push(
    eni('eni-0e0e0000000000001', '127.0.0.40', CLUSTER_SG, 'in the cluster group'),
    eni('eni-0e0e0000000000002', '127.0.0.50', 'sg-0e0e0000000000001', 'admitted by a /32 rule'),
    eni('eni-0e0e0000000000003', '127.0.0.60', 'sg-0e0e0000000000002', 'admitted on 2223 only'),
    eni('eni-0e0e0000000000004', '127.0.0.70', 'sg-0adm1n000000000001', 'admin host'),
  );
  return s;
}
