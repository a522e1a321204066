// The estate of the live audit tests: np-tgw-reachable (the cluster's VPC A and a VPC B on the same
// transit gateway) plus a VPC P with an active peering to A and a VPC U that cannot route to A (its
// peering with A is still pending acceptance, and it is attached to another transit gateway). Each
// VPC gets `perVpc` interfaces; no instance (IMDS is off): the clusters alone decide the VPCs.
import { join } from 'node:path';
import { loadScenarioFile, type Scenario } from '../../src/sim/scenario.js';
import { NETPATH_DIR } from '../netpath/support.js';

export const VPC = {
  cluster: 'vpc-0a0a0a0a0a0a0a0a0',
  transit: 'vpc-0b0b0b0b0b0b0b0b0',
  peered: 'vpc-0c0c0c0c0c0c0c0c0',
  unrelated: 'vpc-0d0d0d0d0d0d0d0d0',
} as const;

const OWNER = '111122223333';
const CLUSTER_SG = 'sg-0c1a55e7000000001';
const ACTIVE_PCX = 'pcx-0a0a0c0c00000001';
const PENDING_PCX = 'pcx-0a0a0d0d00000001';
const OTHER_TGW = 'tgw-0fedcba9876543210';

type Obj = Record<string, unknown>;
const list = (aws: Obj, key: string, field: string) => (aws[key] as Record<string, Obj[]>)[field]!;

const allowAll = (egress: boolean, rule: number, action: 'allow' | 'deny') => ({
  RuleNumber: rule,
  Egress: egress,
  RuleAction: action,
  Protocol: '-1',
  CidrBlock: '0.0.0.0/0',
});
const defaultNacl = (id: string, vpc: string) => ({
  NetworkAclId: id,
  VpcId: vpc,
  IsDefault: true,
  OwnerId: OWNER,
  Entries: [
    allowAll(false, 100, 'allow'),
    allowAll(true, 100, 'allow'),
    allowAll(false, 32767, 'deny'),
    allowAll(true, 32767, 'deny'),
  ],
  Associations: [],
});
const perm = (p: Obj) => ({ IpRanges: [], Ipv6Ranges: [], PrefixListIds: [], UserIdGroupPairs: [], ...p });
const egressAll = [perm({ IpProtocol: '-1', IpRanges: [{ CidrIp: '0.0.0.0/0' }] })];
const group = (id: string, vpc: string) => ({
  GroupId: id,
  GroupName: id,
  Description: id,
  OwnerId: OWNER,
  VpcId: vpc,
  IpPermissions: [],
  IpPermissionsEgress: egressAll,
});
const route = (cidr: string, target: Obj) => ({
  DestinationCidrBlock: cidr,
  Origin: 'CreateRoute',
  State: 'active',
  ...target,
});
const mainTable = (id: string, vpc: string, local: string, routes: Obj[]) => ({
  RouteTableId: id,
  VpcId: vpc,
  OwnerId: OWNER,
  Routes: [
    { DestinationCidrBlock: local, GatewayId: 'local', Origin: 'CreateRouteTable', State: 'active' },
    ...routes,
  ],
  Associations: [
    {
      Main: true,
      RouteTableAssociationId: `rtbassoc-${id.slice(4)}m`,
      RouteTableId: id,
      AssociationState: { State: 'associated' },
    },
  ],
});
const peering = (id: string, requester: string, accepter: string, code: string, cidrs: [string, string]) => ({
  VpcPeeringConnectionId: id,
  Status: { Code: code, Message: code },
  RequesterVpcInfo: { VpcId: requester, OwnerId: OWNER, Region: 'us-east-1', CidrBlock: cidrs[0] },
  AccepterVpcInfo: { VpcId: accepter, OwnerId: OWNER, Region: 'us-east-1', CidrBlock: cidrs[1] },
});

/** The interfaces of one VPC: `n` of them in its client subnet, numbered from .20. */
function interfaces(vpc: string, subnet: string, prefix: string, sg: string, n: number): Obj[] {
  return Array.from({ length: n }, (_, i) => {
    const ip = `${prefix}.${20 + i}`;
    return {
      NetworkInterfaceId: `eni-0${vpc.slice(5, 7)}${String(i).padStart(14, '0')}`,
      SubnetId: subnet,
      VpcId: vpc,
      PrivateIpAddress: ip,
      PrivateIpAddresses: [{ PrivateIpAddress: ip, Primary: true }],
      Ipv6Addresses: [],
      Groups: [{ GroupId: sg, GroupName: sg }],
      Status: 'in-use',
      InterfaceType: i % 3 === 0 ? 'lambda' : 'interface',
      Description: i % 3 === 0 ? `AWS Lambda VPC ENI-fn-${i}` : `instance ${i}`,
      OwnerId: OWNER,
    };
  });
}

export function estateScenario(perVpc: number, sim: Scenario['sim'] = {}): Scenario {
  const s = structuredClone(loadScenarioFile(join(NETPATH_DIR, 'np-tgw-reachable.json')));
  s.name = 'live-estate';
  s.description = 'a cluster VPC, a TGW-attached VPC, a peered VPC and an unrelated VPC';
  delete s.expect;
  s.sim = { imds: { absent: true }, ...sim };
  s.snapshot.client = { instanceId: null };
  const aws = s.snapshot.aws as Obj;
  delete aws['ec2:DescribeInstances'];
  aws['ec2:DescribeVpcPeeringConnections'] = {
    VpcPeeringConnections: [
      peering(ACTIVE_PCX, VPC.cluster, VPC.peered, 'active', ['10.0.0.0/16', '10.2.0.0/16']),
      peering(PENDING_PCX, VPC.unrelated, VPC.cluster, 'pending-acceptance', ['10.3.0.0/16', '10.0.0.0/16']),
    ],
  };
  const tables = list(aws, 'ec2:DescribeRouteTables', 'RouteTables');
  (tables.find((t) => t.VpcId === VPC.cluster)!.Routes as Obj[]).push(
    route('10.2.0.0/16', { VpcPeeringConnectionId: ACTIVE_PCX }),
  );
  tables.push(
    mainTable('rtb-0c0cma1n0000001', VPC.peered, '10.2.0.0/16', [
      route('10.0.0.0/16', { VpcPeeringConnectionId: ACTIVE_PCX }),
    ]),
    mainTable('rtb-0d0dma1n0000001', VPC.unrelated, '10.3.0.0/16', [
      route('10.0.0.0/16', { TransitGatewayId: OTHER_TGW }),
    ]),
  );
  list(aws, 'ec2:DescribeSubnets', 'Subnets').push(
    {
      SubnetId: 'subnet-0c0c0c11e4700001',
      VpcId: VPC.peered,
      CidrBlock: '10.2.0.0/24',
      AvailabilityZone: 'us-east-1a',
    },
    {
      SubnetId: 'subnet-0d0d0c11e4700001',
      VpcId: VPC.unrelated,
      CidrBlock: '10.3.0.0/24',
      AvailabilityZone: 'us-east-1a',
    },
  );
  list(aws, 'ec2:DescribeNetworkAcls', 'NetworkAcls').push(
    defaultNacl('acl-0c0cdefau1t0001', VPC.peered),
    defaultNacl('acl-0d0ddefau1t0001', VPC.unrelated),
  );
  const groups = list(aws, 'ec2:DescribeSecurityGroups', 'SecurityGroups');
  groups.push(
    group('sg-0a0ac11e47000001', VPC.cluster),
    group('sg-0c0cc11e47000001', VPC.peered),
    group('sg-0d0dc11e47000001', VPC.unrelated),
  );
  // The cluster SG admits the client subnets of B (already), P and U.
  (groups.find((g) => g.GroupId === CLUSTER_SG)!.IpPermissions as Obj[]).push(
    perm({ IpProtocol: 'tcp', FromPort: 2223, ToPort: 2225, IpRanges: [{ CidrIp: '10.2.0.0/24' }] }),
    perm({ IpProtocol: 'tcp', FromPort: 2223, ToPort: 2225, IpRanges: [{ CidrIp: '10.3.0.0/24' }] }),
  );
  list(aws, 'ec2:DescribeTransitGatewayVpcAttachments', 'TransitGatewayVpcAttachments').push({
    TransitGatewayAttachmentId: 'tgw-attach-0d0d0d0d00000001',
    TransitGatewayId: OTHER_TGW,
    VpcId: VPC.unrelated,
    VpcOwnerId: OWNER,
    State: 'available',
    SubnetIds: ['subnet-0d0d0c11e4700001'],
    Options: { DnsSupport: 'enable', Ipv6Support: 'disable', ApplianceModeSupport: 'disable' },
  });
  list(aws, 'ec2:DescribeNetworkInterfaces', 'NetworkInterfaces').push(
    ...interfaces(VPC.cluster, 'subnet-0c11e47000000001', '10.0.0', 'sg-0a0ac11e47000001', perVpc),
    ...interfaces(VPC.transit, 'subnet-0b0b0c11e4700001', '10.1.0', 'sg-0b0b0c11e4700001', perVpc),
    ...interfaces(VPC.peered, 'subnet-0c0c0c11e4700001', '10.2.0', 'sg-0c0cc11e47000001', perVpc),
    ...interfaces(VPC.unrelated, 'subnet-0d0d0c11e4700001', '10.3.0', 'sg-0d0dc11e47000001', perVpc),
  );
  return s;
}
