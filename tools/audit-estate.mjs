// Builders for the exposure-audit estates (tools/gen-audit-scenarios.mjs, tools/gen-demo-exposure.mjs):
// EC2 and CloudHSM answers in the SDK's output shape (PascalCase), as DescribeX returns them.
export const ACCOUNT = '111122223333';
export const REGION = 'us-east-1';
export const PORTS = [2223, 2224, 2225];

const perm = (p) => ({ IpRanges: [], Ipv6Ranges: [], PrefixListIds: [], UserIdGroupPairs: [], ...p });
/** A security group's default outbound rule: all traffic to anywhere (IPv4, and IPv6 with `v6`). */
export const allOut = (v6 = false) =>
  perm({
    IpProtocol: '-1',
    IpRanges: [{ CidrIp: '0.0.0.0/0' }],
    ...(v6 ? { Ipv6Ranges: [{ CidrIpv6: '::/0' }] } : {}),
  });
export const tcp = (from, to, peer) => perm({ IpProtocol: 'tcp', FromPort: from, ToPort: to, ...peer });
/** IpProtocol -1: all protocols, all ports. */
export const allTraffic = (peer) => perm({ IpProtocol: '-1', ...peer });
export const fromGroup = (groupId, extra = {}) => ({
  UserIdGroupPairs: [{ GroupId: groupId, UserId: ACCOUNT, ...extra }],
});
export const fromCidr = (cidr) =>
  cidr.includes(':') ? { Ipv6Ranges: [{ CidrIpv6: cidr }] } : { IpRanges: [{ CidrIp: cidr }] };

export const sg = (id, vpc, name, ingress, egress = [allOut()]) => ({
  GroupId: id,
  GroupName: name,
  Description: name,
  OwnerId: ACCOUNT,
  VpcId: vpc,
  IpPermissions: ingress,
  IpPermissionsEgress: egress,
});

/** The cluster group as CloudHSM creates it: TCP 2223-2225 in from and out to itself, plus `ingress`. */
export const clusterGroup = (id, vpc, name, ingress, { selfReference = true } = {}) =>
  sg(
    id,
    vpc,
    name,
    [...(selfReference ? [tcp(2223, 2225, fromGroup(id))] : []), ...ingress],
    selfReference ? [tcp(2223, 2225, fromGroup(id))] : [],
  );

export const entry = (n, egress, action, cidr, proto = '-1', range) => ({
  RuleNumber: n,
  Egress: egress,
  RuleAction: action,
  Protocol: proto,
  ...(cidr.includes(':') ? { Ipv6CidrBlock: cidr } : { CidrBlock: cidr }),
  ...(range ? { PortRange: { From: range[0], To: range[1] } } : {}),
});
/** A default network ACL's entries: allow everything, then the catch-all deny (rule * = 32767). */
export const allowAll = (v6 = false) => [
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
export const nacl = (id, vpc, entries, subnets = [], isDefault = false) => ({
  NetworkAclId: id,
  VpcId: vpc,
  IsDefault: isDefault,
  OwnerId: ACCOUNT,
  Entries: entries,
  Associations: subnets.map((s, i) => ({
    NetworkAclAssociationId: `aclassoc-${id.slice(4, 19)}${i}`,
    NetworkAclId: id,
    SubnetId: s,
  })),
});

export const local = (cidr) => ({
  [cidr.includes(':') ? 'DestinationIpv6CidrBlock' : 'DestinationCidrBlock']: cidr,
  GatewayId: 'local',
  Origin: 'CreateRouteTable',
  State: 'active',
});
export const via = (cidr, key, id, state = 'active') => ({
  [cidr.includes(':') ? 'DestinationIpv6CidrBlock' : 'DestinationCidrBlock']: cidr,
  [key]: id,
  Origin: 'CreateRoute',
  State: state,
});
/** A VPC's main route table (used by every subnet without an explicit association). */
export const mainTable = (id, vpc, routes) => ({
  RouteTableId: id,
  VpcId: vpc,
  OwnerId: ACCOUNT,
  Associations: [
    {
      Main: true,
      RouteTableAssociationId: `rtbassoc-${id.slice(4)}`,
      RouteTableId: id,
      AssociationState: { State: 'associated' },
    },
  ],
  Routes: routes,
});

export const subnet = (id, vpc, cidr, az, ipv6) => ({
  SubnetId: id,
  VpcId: vpc,
  CidrBlock: cidr,
  AvailabilityZone: az,
  MapPublicIpOnLaunch: false,
  ...(ipv6
    ? {
        Ipv6CidrBlockAssociationSet: [
          {
            AssociationId: `subnet-cidr-assoc-${id.slice(7)}`,
            Ipv6CidrBlock: ipv6,
            Ipv6CidrBlockState: { State: 'associated' },
          },
        ],
      }
    : {}),
});

export const peering = (id, requester, accepter, status = 'active') => ({
  VpcPeeringConnectionId: id,
  Status: { Code: status, Message: status },
  RequesterVpcInfo: { OwnerId: ACCOUNT, Region: REGION, ...requester },
  AccepterVpcInfo: { OwnerId: ACCOUNT, Region: REGION, ...accepter },
});

/**
 * A network interface as DescribeNetworkInterfaces answers it. `instance`: attached to that instance
 * (device 0); `type`: InterfaceType (interface, lambda, branch, ...); `tags`: {key: value}.
 */
export function eni(o) {
  return {
    NetworkInterfaceId: o.id,
    SubnetId: o.subnet,
    VpcId: o.vpc,
    AvailabilityZone: o.az ?? 'us-east-1a',
    OwnerId: ACCOUNT,
    PrivateIpAddress: o.ip,
    PrivateIpAddresses: [{ PrivateIpAddress: o.ip, Primary: true }],
    Ipv6Addresses: o.ip6 ? [{ Ipv6Address: o.ip6 }] : [],
    Groups: o.groups.map((g) => ({ GroupId: g, GroupName: g })),
    InterfaceType: o.type ?? 'interface',
    Status: 'in-use',
    SourceDestCheck: true,
    ...(o.description ? { Description: o.description } : {}),
    ...(o.instance
      ? {
          Attachment: {
            AttachmentId: `eni-attach-${o.id.slice(4)}`,
            DeviceIndex: 0,
            InstanceId: o.instance,
            InstanceOwnerId: ACCOUNT,
            Status: 'attached',
          },
        }
      : {}),
    TagSet: Object.entries(o.tags ?? {}).map(([Key, Value]) => ({ Key, Value })),
  };
}

/**
 * One cluster: `hsms` [{id, ip, ip6?, subnet, eni, az}] in `vpc`, behind `securityGroup`. Returns the
 * DescribeClusters answer and the HSMs' own interfaces (which DescribeNetworkInterfaces lists too).
 */
export function cluster({ id, vpc, securityGroup, hsms, networkType = 'IPV4' }) {
  const answer = {
    Clusters: [
      {
        ClusterId: id,
        State: 'ACTIVE',
        HsmType: 'hsm2m.medium',
        SecurityGroup: securityGroup,
        VpcId: vpc,
        NetworkType: networkType,
        SubnetMapping: Object.fromEntries(hsms.map((h) => [h.az, h.subnet])),
        Hsms: hsms.map((h) => ({
          AvailabilityZone: h.az,
          ClusterId: id,
          SubnetId: h.subnet,
          EniId: h.eni,
          EniIp: h.ip,
          ...(h.ip6 ? { EniIpV6: h.ip6 } : {}),
          HsmId: h.id,
          State: 'ACTIVE',
        })),
      },
    ],
  };
  const enis = hsms.map((h) =>
    eni({
      id: h.eni,
      subnet: h.subnet,
      vpc,
      az: h.az,
      ip: h.ip,
      ip6: h.ip6,
      groups: [securityGroup],
      description: `CloudHSM ENI for HSM ${h.id}`,
    }),
  );
  return { answer, enis };
}

/** The snapshot of an estate: every interface of `estateVpcs` in DescribeNetworkInterfaces. */
export function estateSnapshot(w) {
  const c = cluster(w.cluster);
  return {
    hsmwatchSnapshot: 1,
    capturedAt: '2026-12-01T09:00:00Z',
    region: REGION,
    client: { instanceId: w.instanceId ?? null },
    ports: PORTS,
    estate: { vpcIds: [...w.estateVpcs].sort() },
    aws: {
      'cloudhsmv2:DescribeClusters': c.answer,
      ...(w.instances ? { 'ec2:DescribeInstances': { Reservations: w.instances } } : {}),
      'ec2:DescribeNetworkInterfaces': { NetworkInterfaces: [...w.enis, ...c.enis] },
      'ec2:DescribeSecurityGroups': { SecurityGroups: w.sgs },
      'ec2:DescribeSubnets': { Subnets: w.subnets },
      'ec2:DescribeNetworkAcls': { NetworkAcls: w.nacls },
      'ec2:DescribeRouteTables': { RouteTables: w.routeTables },
      'ec2:DescribeVpcPeeringConnections': { VpcPeeringConnections: w.peerings ?? [] },
    },
  };
}
