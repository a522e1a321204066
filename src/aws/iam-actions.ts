// The one list of read-only IAM actions hsmwatch calls, by the operation that needs them.
// `hsmwatch iam-policy` prints it; a denied call is reported naming the action from here.

export interface IamAction {
  /** The IAM action, e.g. ec2:DescribeSecurityGroups. */
  action: string;
  /** The snapshot key / operation that needs it (service:Operation). */
  operation: string;
  why: string;
}

export const IAM_ACTIONS: readonly IamAction[] = [
  {
    action: 'cloudhsm:DescribeClusters',
    operation: 'cloudhsmv2:DescribeClusters',
    why: 'clusters, HSMs and their ENIs',
  },
  { action: 'ec2:DescribeInstances', operation: 'ec2:DescribeInstances', why: "the client instance's ENIs" },
  {
    action: 'ec2:DescribeNetworkInterfaces',
    operation: 'ec2:DescribeNetworkInterfaces',
    why: 'security groups of the client and HSM ENIs',
  },
  {
    action: 'ec2:DescribeSecurityGroups',
    operation: 'ec2:DescribeSecurityGroups',
    why: 'security group rules on the path',
  },
  {
    action: 'ec2:DescribeSubnets',
    operation: 'ec2:DescribeSubnets',
    why: 'subnets of the client and the HSMs',
  },
  {
    action: 'ec2:DescribeNetworkAcls',
    operation: 'ec2:DescribeNetworkAcls',
    why: 'network ACLs on the path',
  },
  {
    action: 'ec2:DescribeRouteTables',
    operation: 'ec2:DescribeRouteTables',
    why: 'routes both ways, private cluster subnets',
  },
  {
    action: 'ec2:DescribeVpcPeeringConnections',
    operation: 'ec2:DescribeVpcPeeringConnections',
    why: 'peering for cross-VPC clients',
  },
  {
    action: 'ec2:GetManagedPrefixListEntries',
    operation: 'ec2:GetManagedPrefixListEntries',
    why: 'prefix lists in rules and routes',
  },
  {
    action: 'sts:GetCallerIdentity',
    operation: 'sts:GetCallerIdentity',
    why: 'which identity the credentials belong to (needs no grant, but an explicit deny blocks it)',
  },
];

export function actionFor(operation: string): string | undefined {
  return IAM_ACTIONS.find((a) => a.operation === operation)?.action;
}

/** The least-privilege policy document: every action above, read-only. */
export function iamPolicy(): { Version: string; Statement: Array<Record<string, unknown>> } {
  return {
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'HsmwatchReadOnly',
        Effect: 'Allow',
        Action: [...new Set(IAM_ACTIONS.map((a) => a.action))].sort(),
        Resource: '*',
      },
    ],
  };
}
