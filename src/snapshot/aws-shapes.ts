// The shapes of the AWS answers a snapshot holds, as far as hsmwatch reads them: every field that
// discovery (src/discovery/from-snapshot.ts, clusters.ts) and the path checks (src/netpath/facts.ts)
// use, with the type the SDK v3 output shape gives it. A field of the wrong type is rejected with
// its JSON path instead of being read as absent, which would turn a typo into a "blocked" path with
// a fix that is not needed. Every field stays optional (AWS omits empty ones; null counts as absent)
// and unknown fields are allowed: AWS adds fields over time.
import { z } from 'zod';
import { AWS_OPERATIONS, type OperationName, snapshotKey } from '../aws/operations.js';
import { parseCidr } from '../netpath/cidr.js';
import { TRANSIT_ITEMS, TRANSIT_PER_TABLE } from './transit-shapes.js';

const str = z.string().nullish();
const int = z.number().int().nullish();
const bool = z.boolean().nullish();
const list = <T extends z.ZodType>(item: T) => z.array(item).nullish();
const obj = <T extends z.ZodRawShape>(shape: T) => z.looseObject(shape);

const CIDR_MESSAGE = {
  4: 'must be an IPv4 CIDR block such as 10.0.0.0/16',
  6: 'must be an IPv6 CIDR block such as 2001:db8::/56',
  any: 'must be a CIDR block such as 10.0.0.0/16 or 2001:db8::/56',
} as const;
// A block the evaluator cannot parse would silently match nothing.
const cidr = (family: 4 | 6 | 'any') =>
  z
    .string()
    .refine(
      (s) => {
        const c = parseCidr(s);
        return c !== null && (family === 'any' || c.family === family);
      },
      { message: CIDR_MESSAGE[family] },
    )
    .nullish();

// CloudHSM DescribeClusters: Cluster, Hsm (API reference, "Data Types").
const hsm = obj({
  HsmId: str,
  EniId: str,
  EniIp: str,
  EniIpV6: str,
  AvailabilityZone: str,
  SubnetId: str,
  State: str,
  StateMessage: str,
});
const cluster = obj({
  ClusterId: str,
  State: str,
  StateMessage: str,
  SecurityGroup: str,
  VpcId: str,
  SubnetMapping: z.record(z.string(), z.string()).nullish(),
  NetworkType: str,
  Hsms: list(hsm),
  Certificates: obj({ ClusterCertificate: str }).nullish(),
});

// EC2: Instance, InstanceNetworkInterface.
const instanceEni = obj({
  NetworkInterfaceId: str,
  MacAddress: str,
  SubnetId: str,
  VpcId: str,
  PrivateIpAddress: str,
  PrivateIpAddresses: list(obj({ PrivateIpAddress: str, Primary: bool })),
  Ipv6Addresses: list(obj({ Ipv6Address: str })),
  Groups: list(obj({ GroupId: str })),
  Attachment: obj({ DeviceIndex: int }).nullish(),
});
const reservation = obj({
  Instances: list(
    obj({
      InstanceId: str,
      Placement: obj({ AvailabilityZone: str }).nullish(),
      NetworkInterfaces: list(instanceEni),
    }),
  ),
});

// EC2: NetworkInterface.
const networkInterface = obj({
  NetworkInterfaceId: str,
  SubnetId: str,
  VpcId: str,
  Groups: list(obj({ GroupId: str })),
  // false on an appliance that forwards; true makes a route to it drop the forwarded traffic.
  SourceDestCheck: bool,
});

// EC2: SecurityGroup, IpPermission, UserIdGroupPair.
const ipPermission = obj({
  IpProtocol: str,
  FromPort: int,
  ToPort: int,
  IpRanges: list(obj({ CidrIp: cidr(4) })),
  Ipv6Ranges: list(obj({ CidrIpv6: cidr(6) })),
  PrefixListIds: list(obj({ PrefixListId: str })),
  UserIdGroupPairs: list(
    obj({ GroupId: str, UserId: str, VpcId: str, VpcPeeringConnectionId: str, PeeringStatus: str }),
  ),
});
const securityGroup = obj({
  GroupId: str,
  OwnerId: str,
  VpcId: str,
  IpPermissions: list(ipPermission),
  IpPermissionsEgress: list(ipPermission),
});

// EC2: Subnet.
const subnet = obj({
  SubnetId: str,
  VpcId: str,
  AvailabilityZone: str,
  AvailabilityZoneId: str,
  CidrBlock: cidr(4),
  Ipv6CidrBlockAssociationSet: list(obj({ Ipv6CidrBlock: cidr(6) })),
});

// EC2: NetworkAcl, NetworkAclEntry (RuleAction is allow | deny).
const naclEntry = obj({
  RuleNumber: int,
  Egress: bool,
  Protocol: str,
  RuleAction: z.enum(['allow', 'deny']).nullish(),
  CidrBlock: cidr(4),
  Ipv6CidrBlock: cidr(6),
  PortRange: obj({ From: int, To: int }).nullish(),
});
const networkAcl = obj({
  NetworkAclId: str,
  VpcId: str,
  IsDefault: bool,
  Associations: list(obj({ SubnetId: str })),
  Entries: list(naclEntry),
});

// EC2: RouteTable, Route, RouteTableAssociation.
const route = obj({
  DestinationCidrBlock: cidr(4),
  DestinationIpv6CidrBlock: cidr(6),
  DestinationPrefixListId: str,
  GatewayId: str,
  VpcPeeringConnectionId: str,
  TransitGatewayId: str,
  NatGatewayId: str,
  EgressOnlyInternetGatewayId: str,
  NetworkInterfaceId: str,
  InstanceId: str,
  LocalGatewayId: str,
  CarrierGatewayId: str,
  CoreNetworkArn: str,
  State: str,
});
const routeTable = obj({
  RouteTableId: str,
  VpcId: str,
  Associations: list(obj({ SubnetId: str, Main: bool })),
  Routes: list(route),
});

// EC2: VpcPeeringConnection.
const peeringSide = obj({ VpcId: str, OwnerId: str, Region: str }).nullish();
const peering = obj({
  VpcPeeringConnectionId: str,
  Status: obj({ Code: str }).nullish(),
  RequesterVpcInfo: peeringSide,
  AccepterVpcInfo: peeringSide,
});

// EC2: NatGateway, NatGatewayAddress (State is pending | failed | available | deleting | deleted).
const natGateway = obj({
  NatGatewayId: str,
  State: str,
  SubnetId: str,
  VpcId: str,
  ConnectivityType: str,
  NatGatewayAddresses: list(
    obj({ NetworkInterfaceId: str, PrivateIp: str, PublicIp: str, IsPrimary: bool, Status: str }),
  ),
});

/** The item of each stored list field, per operation. */
const ITEMS: Partial<Record<OperationName, z.ZodType>> = {
  DescribeClusters: cluster,
  DescribeInstances: reservation,
  DescribeNetworkInterfaces: networkInterface,
  DescribeSecurityGroups: securityGroup,
  DescribeSubnets: subnet,
  DescribeNetworkAcls: networkAcl,
  DescribeRouteTables: routeTable,
  DescribeVpcPeeringConnections: peering,
  DescribeNatGateways: natGateway,
  ...TRANSIT_ITEMS,
};

const answers: Record<string, z.ZodType> = Object.fromEntries(
  Object.entries(ITEMS).map(([name, item]) => {
    const field = AWS_OPERATIONS[name as OperationName].listField!;
    return [snapshotKey(name as OperationName), obj({ [field]: z.array(item!).nullish() })];
  }),
);
// Kept per prefix-list id: { "pl-…": { Entries: [{ Cidr }] } }.
answers[snapshotKey('GetManagedPrefixListEntries')] = z.record(
  z.string(),
  obj({ Entries: z.array(obj({ Cidr: cidr('any') })) }),
);
// Transit gateway route tables' routes, associations and propagations: kept per tgw-rtb- id.
Object.assign(answers, TRANSIT_PER_TABLE);

/** The `aws` object: known keys checked, answers of operations hsmwatch does not read kept as they are. */
export const awsAnswers = z.looseObject(
  Object.fromEntries(Object.entries(answers).map(([k, v]) => [k, v.optional()])),
);
