// The one table of AWS operations hsmwatch calls, all read-only. The IAM policy (`hsmwatch
// iam-policy`), the permissions check, the snapshot's keys and their list fields, and the discovery
// reads are derived from it: an operation is added here or nowhere.

export type AwsService = 'cloudhsmv2' | 'ec2' | 'sts';

export interface OperationSpec {
  service: AwsService;
  /** The IAM action that grants it. */
  action: string;
  /** EC2 answers DryRun with DryRunOperation or UnauthorizedOperation: a permission check that reads nothing. */
  dryRun: boolean;
  /** The list field of its answer, kept in the snapshot under `service:Operation`; null: not stored. */
  listField: string | null;
  /** `hsmwatch audit` calls it too (its policy: `hsmwatch iam-policy --audit`). */
  audit: boolean;
  /** Which step calls it. */
  usedBy: 'discovery: clusters' | 'discovery: VPC' | 'discovery: transit gateway' | 'identity check';
  /** What hsmwatch reads with it, for the policy and for a denied call's finding. */
  why: string;
}

export const AWS_OPERATIONS = {
  DescribeClusters: {
    service: 'cloudhsmv2',
    action: 'cloudhsm:DescribeClusters',
    dryRun: false,
    listField: 'Clusters',
    audit: true,
    usedBy: 'discovery: clusters',
    why: 'clusters, HSMs and their ENIs',
  },
  DescribeInstances: {
    service: 'ec2',
    action: 'ec2:DescribeInstances',
    dryRun: true,
    listField: 'Reservations',
    audit: true,
    usedBy: 'discovery: VPC',
    why: "the client instance's ENIs",
  },
  DescribeNetworkInterfaces: {
    service: 'ec2',
    action: 'ec2:DescribeNetworkInterfaces',
    dryRun: true,
    listField: 'NetworkInterfaces',
    audit: true,
    usedBy: 'discovery: VPC',
    why: 'security groups of the client and HSM ENIs (audit: every interface of the VPCs in scope)',
  },
  DescribeSecurityGroups: {
    service: 'ec2',
    action: 'ec2:DescribeSecurityGroups',
    dryRun: true,
    listField: 'SecurityGroups',
    audit: true,
    usedBy: 'discovery: VPC',
    why: 'security group rules on the path',
  },
  DescribeSubnets: {
    service: 'ec2',
    action: 'ec2:DescribeSubnets',
    dryRun: true,
    listField: 'Subnets',
    audit: true,
    usedBy: 'discovery: VPC',
    why: 'subnets of the client and the HSMs',
  },
  DescribeNetworkAcls: {
    service: 'ec2',
    action: 'ec2:DescribeNetworkAcls',
    dryRun: true,
    listField: 'NetworkAcls',
    audit: true,
    usedBy: 'discovery: VPC',
    why: 'network ACLs on the path',
  },
  DescribeRouteTables: {
    service: 'ec2',
    action: 'ec2:DescribeRouteTables',
    dryRun: true,
    listField: 'RouteTables',
    audit: true,
    usedBy: 'discovery: VPC',
    why: 'routes both ways, private cluster subnets',
  },
  DescribeVpcPeeringConnections: {
    service: 'ec2',
    action: 'ec2:DescribeVpcPeeringConnections',
    dryRun: true,
    listField: 'VpcPeeringConnections',
    audit: true,
    usedBy: 'discovery: VPC',
    why: 'peering for cross-VPC clients',
  },
  GetManagedPrefixListEntries: {
    service: 'ec2',
    action: 'ec2:GetManagedPrefixListEntries',
    dryRun: true,
    // Kept per prefix list id: { "pl-…": { Entries: [...] } }.
    listField: 'Entries',
    audit: true,
    usedBy: 'discovery: VPC',
    why: 'prefix lists in rules and routes',
  },
  DescribeNatGateways: {
    service: 'ec2',
    action: 'ec2:DescribeNatGateways',
    dryRun: true,
    listField: 'NatGateways',
    audit: true,
    usedBy: 'discovery: VPC',
    why: 'NAT gateways a route sends HSM traffic through (their private addresses)',
  },
  DescribeTransitGateways: {
    service: 'ec2',
    action: 'ec2:DescribeTransitGateways',
    dryRun: true,
    listField: 'TransitGateways',
    audit: true,
    usedBy: 'discovery: transit gateway',
    why: 'transit gateways on the path: owner, security group referencing',
  },
  DescribeTransitGatewayAttachments: {
    service: 'ec2',
    action: 'ec2:DescribeTransitGatewayAttachments',
    dryRun: true,
    listField: 'TransitGatewayAttachments',
    audit: true,
    usedBy: 'discovery: transit gateway',
    why: 'attachments of the VPCs on the path and their associated route tables',
  },
  DescribeTransitGatewayVpcAttachments: {
    service: 'ec2',
    action: 'ec2:DescribeTransitGatewayVpcAttachments',
    dryRun: true,
    listField: 'TransitGatewayVpcAttachments',
    audit: true,
    usedBy: 'discovery: transit gateway',
    why: 'VPC attachments: their subnets per Availability Zone and options (audit: the VPCs on the gateway)',
  },
  DescribeTransitGatewayRouteTables: {
    service: 'ec2',
    action: 'ec2:DescribeTransitGatewayRouteTables',
    dryRun: true,
    listField: 'TransitGatewayRouteTables',
    audit: true,
    usedBy: 'discovery: transit gateway',
    why: 'transit gateway route tables (readable by the transit gateway owner only)',
  },
  GetTransitGatewayRouteTableAssociations: {
    service: 'ec2',
    action: 'ec2:GetTransitGatewayRouteTableAssociations',
    dryRun: true,
    // Kept per route table id: { "tgw-rtb-…": { Associations: [...] } }.
    listField: 'Associations',
    audit: true,
    usedBy: 'discovery: transit gateway',
    why: 'which attachments each transit gateway route table serves',
  },
  GetTransitGatewayRouteTablePropagations: {
    service: 'ec2',
    action: 'ec2:GetTransitGatewayRouteTablePropagations',
    dryRun: true,
    // Kept per route table id: { "tgw-rtb-…": { TransitGatewayRouteTablePropagations: [...] } }.
    listField: 'TransitGatewayRouteTablePropagations',
    audit: true,
    usedBy: 'discovery: transit gateway',
    why: 'which attachments propagate routes into each route table',
  },
  SearchTransitGatewayRoutes: {
    service: 'ec2',
    action: 'ec2:SearchTransitGatewayRoutes',
    dryRun: true,
    // Kept per route table id: { "tgw-rtb-…": { Routes: [...], AdditionalRoutesAvailable } }.
    listField: 'Routes',
    audit: true,
    usedBy: 'discovery: transit gateway',
    why: 'the routes of the transit gateway route tables on the path',
  },
  GetCallerIdentity: {
    service: 'sts',
    action: 'sts:GetCallerIdentity',
    dryRun: false,
    listField: null,
    audit: false,
    usedBy: 'identity check',
    why: 'which identity the credentials belong to (needs no grant, but an explicit deny blocks it)',
  },
} as const satisfies Record<string, OperationSpec>;

export type OperationName = keyof typeof AWS_OPERATIONS;
type Spec<N extends OperationName> = (typeof AWS_OPERATIONS)[N];
/** The operations a DryRun request can check. */
export type DryRunOperation = {
  [N in OperationName]: Spec<N>['dryRun'] extends true ? N : never;
}[OperationName];
/** The operations of one service. */
export type OperationOf<S extends AwsService> = {
  [N in OperationName]: Spec<N>['service'] extends S ? N : never;
}[OperationName];
/** The snapshot key of an operation: `service:Operation`. */
export type SnapshotKey<N extends OperationName = OperationName> = `${Spec<N>['service']}:${N}`;

export interface Operation extends OperationSpec {
  name: OperationName;
  key: SnapshotKey;
}

export const OPERATIONS: readonly Operation[] = (Object.keys(AWS_OPERATIONS) as OperationName[]).map(
  (name) => ({
    name,
    key: snapshotKey(name),
    ...AWS_OPERATIONS[name],
  }),
);

export function snapshotKey<N extends OperationName>(name: N): SnapshotKey<N> {
  return `${AWS_OPERATIONS[name].service}:${name}` as SnapshotKey<N>;
}

/**
 * The least-privilege policy document: every action above, read-only; with `audit`, only the actions
 * `hsmwatch audit` (and `snapshot --estate`) calls.
 */
export function iamPolicy(o: { audit?: boolean } = {}): {
  Version: string;
  Statement: Array<Record<string, unknown>>;
} {
  const used = o.audit ? OPERATIONS.filter((op) => op.audit) : OPERATIONS;
  return {
    Version: '2012-10-17',
    Statement: [
      {
        Sid: o.audit ? 'HsmwatchAuditReadOnly' : 'HsmwatchReadOnly',
        Effect: 'Allow',
        Action: [...new Set(used.map((op) => op.action))].sort(),
        Resource: '*',
      },
    ],
  };
}
