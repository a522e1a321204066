// Writes the transit-gateway demo (scenarios/transit-gateway.json) from the healthy one: the client in
// its own VPC (127.0.0.0/24), the cluster VPC with three CIDR blocks (127.0.1.0/24, 127.0.2.0/24,
// 127.0.3.0/24, one per HSM subnet), both attached to one transit gateway whose route table holds the
// propagated CIDRs both ways; the cluster security group admits the client security group by reference
// across the transit gateway, enabled on the gateway and both attachments. Every path is reachable,
// live and static. Run after tools/gen-demo-netpath.mjs: node tools/gen-demo-tgw.mjs
//
// AWS Transit Gateway guide, "How transit gateways work": one subnet per Availability Zone enables that
// zone for the attachment; a VPC attachment propagates the VPC's CIDR blocks into a route table; a packet
// from an attachment is routed by the route table associated with it. Security group references across
// a transit gateway: inbound rules, same Region, SecurityGroupReferencingSupport enabled (AWS
// Networking & Content Delivery blog, "Introducing security group referencing for AWS Transit Gateway").
import { readFileSync, writeFileSync } from 'node:fs';

const dir = new URL('../scenarios/', import.meta.url);
const healthy = JSON.parse(readFileSync(new URL('healthy.json', dir), 'utf8'));

const ACCOUNT = '111122223333';
const CLIENT_VPC = 'vpc-0d3m0c11e47000001';
const CLUSTER_VPC = 'vpc-0d3m0d3m0d3m00001';
const CLIENT_SG = 'sg-0c11e47c11e470001';
const CLUSTER_SG = 'sg-0c1a55e7c1a55e700';
const CLIENT_SUBNET = 'subnet-0c11e47000000001';
const TGW = 'tgw-0d3m0d3m0d3m00001';
const TGW_RTB = 'tgw-rtb-0d3m0d3m0d3m00001';
const ATT_CLIENT = 'tgw-attach-0d3m0c11e4700001';
const ATT_CLUSTER = 'tgw-attach-0d3m0c1a55e70001';
const CLUSTER_CIDRS = ['127.0.1.0/24', '127.0.2.0/24', '127.0.3.0/24'];

const s = structuredClone(healthy);
const aws = s.snapshot.aws;
const hsmSubnets = aws['cloudhsmv2:DescribeClusters'].Clusters[0].Hsms.map((h) => h.SubnetId);

// The client and its subnet move to their own VPC.
for (const r of aws['ec2:DescribeInstances'].Reservations)
  for (const i of r.Instances) {
    i.VpcId = CLIENT_VPC;
    for (const e of i.NetworkInterfaces) e.VpcId = CLIENT_VPC;
  }
for (const e of aws['ec2:DescribeNetworkInterfaces'].NetworkInterfaces)
  if (e.SubnetId === CLIENT_SUBNET) e.VpcId = CLIENT_VPC;
for (const n of aws['ec2:DescribeSubnets'].Subnets) if (n.SubnetId === CLIENT_SUBNET) n.VpcId = CLIENT_VPC;

const perm = (p) => ({ IpRanges: [], Ipv6Ranges: [], PrefixListIds: [], UserIdGroupPairs: [], ...p });
const groups = aws['ec2:DescribeSecurityGroups'].SecurityGroups.filter(
  (g) => g.GroupId !== 'sg-0adm1n000000000001',
);
for (const g of groups) {
  if (g.GroupId === CLIENT_SG) g.VpcId = CLIENT_VPC;
  if (g.GroupId === CLUSTER_SG)
    g.IpPermissions = [
      perm({
        IpProtocol: 'tcp',
        FromPort: 2223,
        ToPort: 2225,
        UserIdGroupPairs: [{ GroupId: CLIENT_SG, UserId: ACCOUNT, VpcId: CLIENT_VPC }],
      }),
    ];
}
aws['ec2:DescribeSecurityGroups'].SecurityGroups = groups;

const clusterAcl = aws['ec2:DescribeNetworkAcls'].NetworkAcls[0];
aws['ec2:DescribeNetworkAcls'].NetworkAcls = [
  clusterAcl,
  { ...structuredClone(clusterAcl), NetworkAclId: 'acl-0d3m0c11e47000001', VpcId: CLIENT_VPC },
];

const route = (cidr, target) => ({
  DestinationCidrBlock: cidr,
  ...(target === 'local'
    ? { GatewayId: 'local', Origin: 'CreateRouteTable' }
    : { TransitGatewayId: target, Origin: 'CreateRoute' }),
  State: 'active',
});
const mainTable = (id, vpc, routes) => ({
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
aws['ec2:DescribeRouteTables'] = {
  RouteTables: [
    mainTable('rtb-0d3m0ma1n0000001', CLUSTER_VPC, [
      ...CLUSTER_CIDRS.map((c) => route(c, 'local')),
      route('127.0.0.0/24', TGW),
    ]),
    mainTable('rtb-0d3m0c11e47000001', CLIENT_VPC, [
      route('127.0.0.0/24', 'local'),
      ...CLUSTER_CIDRS.map((c) => route(c, TGW)),
    ]),
  ],
};

const target = (id, vpc) => ({ ResourceId: vpc, TransitGatewayAttachmentId: id, ResourceType: 'vpc' });
const attachment = (id, vpc) => ({
  TransitGatewayAttachmentId: id,
  TransitGatewayId: TGW,
  TransitGatewayOwnerId: ACCOUNT,
  ResourceOwnerId: ACCOUNT,
  ResourceType: 'vpc',
  ResourceId: vpc,
  State: 'available',
  Association: { TransitGatewayRouteTableId: TGW_RTB, State: 'associated' },
});
const vpcAttachment = (id, vpc, subnets) => ({
  TransitGatewayAttachmentId: id,
  TransitGatewayId: TGW,
  VpcId: vpc,
  VpcOwnerId: ACCOUNT,
  State: 'available',
  SubnetIds: subnets,
  Options: {
    DnsSupport: 'enable',
    Ipv6Support: 'disable',
    ApplianceModeSupport: 'disable',
    SecurityGroupReferencingSupport: 'enable',
  },
});
const ref = (id, vpc, state) => ({
  TransitGatewayAttachmentId: id,
  ResourceId: vpc,
  ResourceType: 'vpc',
  State: state,
});
Object.assign(aws, {
  'ec2:DescribeTransitGateways': {
    TransitGateways: [
      {
        TransitGatewayId: TGW,
        TransitGatewayArn: `arn:aws:ec2:us-east-1:${ACCOUNT}:transit-gateway/${TGW}`,
        State: 'available',
        OwnerId: ACCOUNT,
        Options: {
          AmazonSideAsn: 64512,
          DefaultRouteTableAssociation: 'enable',
          AssociationDefaultRouteTableId: TGW_RTB,
          DefaultRouteTablePropagation: 'enable',
          PropagationDefaultRouteTableId: TGW_RTB,
          DnsSupport: 'enable',
          SecurityGroupReferencingSupport: 'enable',
        },
      },
    ],
  },
  'ec2:DescribeTransitGatewayAttachments': {
    TransitGatewayAttachments: [attachment(ATT_CLIENT, CLIENT_VPC), attachment(ATT_CLUSTER, CLUSTER_VPC)],
  },
  'ec2:DescribeTransitGatewayVpcAttachments': {
    TransitGatewayVpcAttachments: [
      vpcAttachment(ATT_CLIENT, CLIENT_VPC, [CLIENT_SUBNET]),
      vpcAttachment(ATT_CLUSTER, CLUSTER_VPC, hsmSubnets),
    ],
  },
  'ec2:DescribeTransitGatewayRouteTables': {
    TransitGatewayRouteTables: [
      {
        TransitGatewayRouteTableId: TGW_RTB,
        TransitGatewayId: TGW,
        State: 'available',
        DefaultAssociationRouteTable: true,
        DefaultPropagationRouteTable: true,
      },
    ],
  },
  'ec2:SearchTransitGatewayRoutes': {
    [TGW_RTB]: {
      Routes: [
        ...CLUSTER_CIDRS.map((c) => ({
          DestinationCidrBlock: c,
          TransitGatewayAttachments: [target(ATT_CLUSTER, CLUSTER_VPC)],
          Type: 'propagated',
          State: 'active',
        })),
        {
          DestinationCidrBlock: '127.0.0.0/24',
          TransitGatewayAttachments: [target(ATT_CLIENT, CLIENT_VPC)],
          Type: 'propagated',
          State: 'active',
        },
      ],
      AdditionalRoutesAvailable: false,
    },
  },
  'ec2:GetTransitGatewayRouteTableAssociations': {
    [TGW_RTB]: {
      Associations: [ref(ATT_CLIENT, CLIENT_VPC, 'associated'), ref(ATT_CLUSTER, CLUSTER_VPC, 'associated')],
    },
  },
  'ec2:GetTransitGatewayRouteTablePropagations': {
    [TGW_RTB]: {
      TransitGatewayRouteTablePropagations: [
        ref(ATT_CLIENT, CLIENT_VPC, 'enabled'),
        ref(ATT_CLUSTER, CLUSTER_VPC, 'enabled'),
      ],
    },
  },
});

writeFileSync(
  new URL('transit-gateway.json', dir),
  `${JSON.stringify(
    {
      ...s,
      name: 'transit-gateway',
      description:
        'the client in its own VPC reaches the cluster VPC through a transit gateway (attachments in every AZ used, propagated routes both ways, the cluster security group referencing the client group across it): every path reachable',
    },
    null,
    2,
  )}\n`,
);
