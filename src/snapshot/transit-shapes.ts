// The transit gateway answers of a snapshot, as far as the path checks read them (SDK v3 output
// shapes; SecurityGroupReferencingSupport as EC2 answers it, which this SDK version drops and
// discovery recovers from the raw XML). DescribeTransitGatewayRouteTables is read for its ids only
// and kept unchecked. Every field optional, unknown fields allowed.
import { z } from 'zod';
import { type OperationName, snapshotKey } from '../aws/operations.js';

const str = z.string().nullish();
const bool = z.boolean().nullish();
const list = <T extends z.ZodType>(item: T) => z.array(item).nullish();
const obj = <T extends z.ZodRawShape>(shape: T) => z.looseObject(shape);
// enable | disable today; another value is read as unknown, not rejected.
const option = str;

// EC2: TransitGateway, TransitGatewayOptions.
const gateway = obj({
  TransitGatewayId: str,
  OwnerId: str,
  State: str,
  Options: obj({ SecurityGroupReferencingSupport: option }).nullish(),
});

// EC2: TransitGatewayAttachment, TransitGatewayAttachmentAssociation.
const attachment = obj({
  TransitGatewayAttachmentId: str,
  TransitGatewayId: str,
  TransitGatewayOwnerId: str,
  ResourceOwnerId: str,
  ResourceType: str,
  ResourceId: str,
  State: str,
  Association: obj({ TransitGatewayRouteTableId: str, State: str }).nullish(),
});

// EC2: TransitGatewayVpcAttachment, TransitGatewayVpcAttachmentOptions.
const vpcAttachment = obj({
  TransitGatewayAttachmentId: str,
  TransitGatewayId: str,
  VpcId: str,
  VpcOwnerId: str,
  State: str,
  SubnetIds: list(z.string()),
  Options: obj({ ApplianceModeSupport: option, SecurityGroupReferencingSupport: option }).nullish(),
});

/** The item of each stored list field, per operation. */
export const TRANSIT_ITEMS: Partial<Record<OperationName, z.ZodType>> = {
  DescribeTransitGateways: gateway,
  DescribeTransitGatewayAttachments: attachment,
  DescribeTransitGatewayVpcAttachments: vpcAttachment,
};

// EC2: TransitGatewayRoute, TransitGatewayRouteAttachment.
const route = obj({
  DestinationCidrBlock: str,
  PrefixListId: str,
  Type: str,
  State: str,
  TransitGatewayAttachments: list(
    obj({ TransitGatewayAttachmentId: str, ResourceType: str, ResourceId: str }),
  ),
});
const perTableAttachment = obj({ TransitGatewayAttachmentId: str, State: str });
const perTable = <T extends z.ZodRawShape>(shape: T) => z.record(z.string(), obj(shape));

/** Answers kept per tgw-rtb- id: { "tgw-rtb-…": { <list field>: [...] } }. */
export const TRANSIT_PER_TABLE: Record<string, z.ZodType> = {
  [snapshotKey('SearchTransitGatewayRoutes')]: perTable({
    Routes: list(route),
    AdditionalRoutesAvailable: bool,
  }),
  [snapshotKey('GetTransitGatewayRouteTableAssociations')]: perTable({
    Associations: list(perTableAttachment),
  }),
  [snapshotKey('GetTransitGatewayRouteTablePropagations')]: perTable({
    TransitGatewayRouteTablePropagations: list(perTableAttachment),
  }),
};
