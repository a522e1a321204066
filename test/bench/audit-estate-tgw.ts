// The routing side of the bench:audit estate (audit-estate.ts): the peering connections and the
// transit gateway (with its route table, associations and propagations) joining the VPCs to the
// cluster's, the NAT gateways, and the cluster with its HSMs.
import {
  AZS,
  attachmentOf,
  id,
  type Obj,
  OWNER,
  PCX,
  type Plan,
  REGION,
  TGW,
  TGW_RTB,
  vpcId,
} from './audit-estate-vpc.js';

const TGW_VPCS = [0, 3, 4];

/** The transit gateway, its attachments (one per VPC, a subnet per Availability Zone), SG referencing on. */
export function transitGateway(p: Plan): Obj {
  const vpcs = TGW_VPCS;
  const att = (v: number) => ({
    TransitGatewayAttachmentId: attachmentOf(v),
    ResourceId: vpcId(v),
    ResourceType: 'vpc',
  });
  return {
    'ec2:DescribeTransitGateways': {
      TransitGateways: [
        {
          TransitGatewayId: TGW,
          State: 'available',
          OwnerId: OWNER,
          Options: {
            AmazonSideAsn: 64512,
            DefaultRouteTableAssociation: 'enable',
            AssociationDefaultRouteTableId: TGW_RTB,
            SecurityGroupReferencingSupport: 'enable',
          },
        },
      ],
    },
    'ec2:DescribeTransitGatewayAttachments': {
      TransitGatewayAttachments: vpcs.map((v) => ({
        ...att(v),
        TransitGatewayId: TGW,
        TransitGatewayOwnerId: OWNER,
        ResourceOwnerId: OWNER,
        State: 'available',
        Association: { TransitGatewayRouteTableId: TGW_RTB, State: 'associated' },
      })),
    },
    'ec2:DescribeTransitGatewayVpcAttachments': {
      TransitGatewayVpcAttachments: vpcs.map((v) => ({
        TransitGatewayAttachmentId: attachmentOf(v),
        TransitGatewayId: TGW,
        VpcId: vpcId(v),
        VpcOwnerId: OWNER,
        State: 'available',
        SubnetIds: p.tgwSubnets.get(v),
        Options: {
          DnsSupport: 'enable',
          Ipv6Support: 'disable',
          ApplianceModeSupport: 'disable',
          SecurityGroupReferencingSupport: 'enable',
        },
      })),
    },
    ...transitRouteTables(),
  };
}

/** The transit gateway's one route table: what it is, its routes, associations and propagations. */
function transitRouteTables(): Obj {
  const vpcs = TGW_VPCS;
  const att = (v: number) => ({
    TransitGatewayAttachmentId: attachmentOf(v),
    ResourceId: vpcId(v),
    ResourceType: 'vpc',
  });
  return {
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
        Routes: vpcs.map((v) => ({
          DestinationCidrBlock: `10.${v}.0.0/16`,
          TransitGatewayAttachments: [att(v)],
          Type: 'propagated',
          State: 'active',
        })),
        AdditionalRoutesAvailable: false,
      },
    },
    'ec2:GetTransitGatewayRouteTableAssociations': {
      [TGW_RTB]: { Associations: vpcs.map((v) => ({ ...att(v), State: 'associated' })) },
    },
    'ec2:GetTransitGatewayRouteTablePropagations': {
      [TGW_RTB]: { TransitGatewayRouteTablePropagations: vpcs.map((v) => ({ ...att(v), State: 'enabled' })) },
    },
  };
}

export function peerings(): Obj[] {
  const side = (v: number) => ({
    CidrBlock: `10.${v}.0.0/16`,
    OwnerId: OWNER,
    VpcId: vpcId(v),
    Region: REGION,
  });
  return [
    {
      VpcPeeringConnectionId: PCX[0],
      Status: { Code: 'active', Message: 'Active' },
      RequesterVpcInfo: side(0),
      AccepterVpcInfo: side(1),
    },
    {
      VpcPeeringConnectionId: PCX[1],
      Status: { Code: 'active', Message: 'Active' },
      RequesterVpcInfo: side(2),
      AccepterVpcInfo: side(0),
    },
    // Pending: its VPC is not in scope.
    {
      VpcPeeringConnectionId: PCX[2],
      Status: { Code: 'pending-acceptance' },
      RequesterVpcInfo: side(0),
      AccepterVpcInfo: side(9),
    },
  ];
}

/** DescribeNatGateways for the interfaces of kind nat_gateway (named in their descriptions). */
export function natGateways(enis: readonly Obj[]): Obj[] {
  return enis
    .filter((e) => e.InterfaceType === 'nat_gateway')
    .map((e, k) => ({
      NatGatewayId: String(e.Description).split(' ').pop(),
      State: 'available',
      SubnetId: e.SubnetId,
      VpcId: e.VpcId,
      ConnectivityType: 'public',
      NatGatewayAddresses: [
        {
          NetworkInterfaceId: e.NetworkInterfaceId,
          PrivateIp: e.PrivateIpAddress,
          PublicIp: `198.51.100.${k + 1}`,
          IsPrimary: true,
          Status: 'succeeded',
        },
      ],
    }));
}

/** The cluster: 6 HSMs, two per HSM subnet, and their ENIs (with the cluster security group). */
export function cluster(p: Plan): { cluster: Obj; enis: Obj[] } {
  const clusterId = 'cluster-benchaudit01';
  const hsms = Array.from({ length: 6 }, (_, h) => ({
    AvailabilityZone: AZS[h % 3],
    ClusterId: clusterId,
    SubnetId: p.hsmSubnets[h % 3],
    EniId: id('eni', 5, h),
    EniIp: `10.0.${(h % 3) + 1}.${10 + h}`,
    HsmId: `hsm-bench${h}aaaaaa`,
    State: 'ACTIVE',
  }));
  const enis = hsms.map((h) => ({
    NetworkInterfaceId: h.EniId,
    SubnetId: h.SubnetId,
    VpcId: vpcId(0),
    AvailabilityZone: h.AvailabilityZone,
    Description: `CloudHSM ${h.HsmId}`,
    InterfaceType: 'interface',
    PrivateIpAddress: h.EniIp,
    PrivateIpAddresses: [{ Primary: true, PrivateIpAddress: h.EniIp }],
    Ipv6Addresses: [],
    Groups: [{ GroupId: p.clusterSg, GroupName: 'cloudhsm-cluster-bench-sg' }],
    RequesterManaged: true,
    SourceDestCheck: true,
    Status: 'in-use',
    OwnerId: OWNER,
  }));
  const SubnetMapping = Object.fromEntries(AZS.map((az, a) => [az, p.hsmSubnets[a]]));
  return {
    cluster: {
      ClusterId: clusterId,
      State: 'ACTIVE',
      SecurityGroup: p.clusterSg,
      VpcId: vpcId(0),
      HsmType: 'hsm2m.medium',
      NetworkType: 'IPV4',
      SubnetMapping,
      Hsms: hsms,
    },
    enis,
  };
}
