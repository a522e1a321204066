// Permissions: each read-only IAM action hsmwatch uses — allowed, denied or unknown. EC2 actions are
// asked with DryRun (DryRunOperation = allowed, UnauthorizedOperation = denied, nothing is read);
// the others are judged by the outcome of the real call made by discovery or the identity check.

import { setMaxListeners } from 'node:events';
import type { EC2Client } from '@aws-sdk/client-ec2';
import { makeEc2Client } from '../src/aws/clients.js';
import { classifyAwsError, describeFailure } from '../src/aws/errors.js';
import { type DryRunOperation, OPERATIONS, type Operation } from '../src/aws/operations.js';
import type { Environment } from '../src/core/environment.js';
import type { Identity } from '../src/core/facts.js';
import { finding } from '../src/core/findings.js';
import { defineProbe, type ProbeFinding } from '../src/core/probe.js';
import { awsCallDeadlineMs } from '../src/discovery/deadlines.js';
import { mapLimit } from '../src/util/concurrency.js';

type Id = 'permissions.action';
type Verdict = { verdict: 'allowed' | 'denied' | 'unknown'; how: string; code?: string };

type Ec2Sdk = typeof import('@aws-sdk/client-ec2');
type DryRunRequests = Record<DryRunOperation, (c: EC2Client, signal: AbortSignal) => Promise<unknown>>;

/** One DryRun request per operation that allows it; the table's type makes the list complete. */
const dryRunRequests = (sdk: Ec2Sdk): DryRunRequests => ({
  DescribeInstances: (c, s) =>
    c.send(new sdk.DescribeInstancesCommand({ DryRun: true, MaxResults: 5 }), { abortSignal: s }),
  DescribeNetworkInterfaces: (c, s) =>
    c.send(new sdk.DescribeNetworkInterfacesCommand({ DryRun: true, MaxResults: 5 }), { abortSignal: s }),
  DescribeSecurityGroups: (c, s) =>
    c.send(new sdk.DescribeSecurityGroupsCommand({ DryRun: true, MaxResults: 5 }), { abortSignal: s }),
  DescribeSubnets: (c, s) =>
    c.send(new sdk.DescribeSubnetsCommand({ DryRun: true, MaxResults: 5 }), { abortSignal: s }),
  DescribeNetworkAcls: (c, s) =>
    c.send(new sdk.DescribeNetworkAclsCommand({ DryRun: true, MaxResults: 5 }), { abortSignal: s }),
  DescribeRouteTables: (c, s) =>
    c.send(new sdk.DescribeRouteTablesCommand({ DryRun: true, MaxResults: 5 }), { abortSignal: s }),
  DescribeVpcPeeringConnections: (c, s) =>
    c.send(new sdk.DescribeVpcPeeringConnectionsCommand({ DryRun: true, MaxResults: 5 }), { abortSignal: s }),
  DescribeNatGateways: (c, s) =>
    c.send(new sdk.DescribeNatGatewaysCommand({ DryRun: true, MaxResults: 5 }), { abortSignal: s }),
  DescribeTransitGateways: (c, s) =>
    c.send(new sdk.DescribeTransitGatewaysCommand({ DryRun: true, MaxResults: 5 }), { abortSignal: s }),
  DescribeTransitGatewayAttachments: (c, s) =>
    c.send(new sdk.DescribeTransitGatewayAttachmentsCommand({ DryRun: true, MaxResults: 5 }), {
      abortSignal: s,
    }),
  DescribeTransitGatewayVpcAttachments: (c, s) =>
    c.send(new sdk.DescribeTransitGatewayVpcAttachmentsCommand({ DryRun: true, MaxResults: 5 }), {
      abortSignal: s,
    }),
  DescribeTransitGatewayRouteTables: (c, s) =>
    c.send(new sdk.DescribeTransitGatewayRouteTablesCommand({ DryRun: true, MaxResults: 5 }), {
      abortSignal: s,
    }),
  GetTransitGatewayRouteTableAssociations: (c, s) =>
    c.send(
      new sdk.GetTransitGatewayRouteTableAssociationsCommand({
        DryRun: true,
        TransitGatewayRouteTableId: 'tgw-rtb-00000000000000000',
        MaxResults: 5,
      }),
      { abortSignal: s },
    ),
  GetTransitGatewayRouteTablePropagations: (c, s) =>
    c.send(
      new sdk.GetTransitGatewayRouteTablePropagationsCommand({
        DryRun: true,
        TransitGatewayRouteTableId: 'tgw-rtb-00000000000000000',
        MaxResults: 5,
      }),
      { abortSignal: s },
    ),
  SearchTransitGatewayRoutes: (c, s) =>
    c.send(
      new sdk.SearchTransitGatewayRoutesCommand({
        DryRun: true,
        TransitGatewayRouteTableId: 'tgw-rtb-00000000000000000',
        Filters: [{ Name: 'state', Values: ['active', 'blackhole'] }],
        MaxResults: 5,
      }),
      { abortSignal: s },
    ),
  GetManagedPrefixListEntries: (c, s) =>
    c.send(
      new sdk.GetManagedPrefixListEntriesCommand({
        DryRun: true,
        PrefixListId: 'pl-00000000000000000',
        MaxResults: 5,
      }),
      { abortSignal: s },
    ),
});

const isDryRun = (op: Operation & { name: string }): op is Operation & { name: DryRunOperation } => op.dryRun;

async function byDryRun(
  requests: DryRunRequests,
  ec2: EC2Client,
  name: DryRunOperation,
  signal: AbortSignal,
): Promise<Verdict> {
  try {
    // Only a well-formed answer of the operation gets here (src/aws/decode.ts): garbage is an error.
    await requests[name](ec2, signal);
    return { verdict: 'allowed', how: 'DryRun (the endpoint ran the request)' };
  } catch (e) {
    const f = classifyAwsError(e);
    if (f.code === 'DryRunOperation') return { verdict: 'allowed', how: 'DryRun', code: f.code };
    if (f.code === 'UnauthorizedOperation' || f.code === 'AccessDenied')
      return { verdict: 'denied', how: 'DryRun', code: f.code };
    return { verdict: 'unknown', how: `DryRun: ${describeFailure(f)}`, code: f.code };
  }
}

/** Judged by the real call: discovery's read of the operation, or the identity check's. */
function byRealCall(op: Operation, env: Environment, identity: Identity | undefined): Verdict {
  if (op.usedBy === 'identity check') {
    if (identity?.ok)
      return { verdict: 'allowed', how: 'the GetCallerIdentity call of the credentials probe' };
    if (identity?.kind === 'denied')
      return { verdict: 'denied', how: 'GetCallerIdentity', code: identity.code };
    return { verdict: 'unknown', how: identity ? identity.detail : 'not called' };
  }
  const read = env.discovery.reads[op.key];
  const how = `the ${op.name} call of discovery`;
  if (read?.result === 'ok') return { verdict: 'allowed', how };
  if (read?.result === 'denied' && read.deniedAction === op.action)
    return { verdict: 'denied', how, code: String(read.code) };
  return { verdict: 'unknown', how: read ? `discovery: ${read.detail}` : 'not called' };
}

function verdictFinding(op: Operation, v: Verdict, noCredentials: boolean): ProbeFinding<Id> {
  const a = op.action;
  const evidence = {
    action: a,
    verdict: v.verdict,
    how: v.how,
    ...(v.code ? { code: v.code } : {}),
    neededFor: op.why,
  };
  if (v.verdict === 'allowed')
    return finding('permissions.action', 'pass', a, `${a} allowed (${v.how})`, evidence);
  if (v.verdict === 'denied')
    return finding(
      'permissions.action',
      'fail',
      a,
      `${a} denied (${v.code}): hsmwatch cannot read ${op.why}`,
      evidence,
      `add ${a} to the role's policy (see \`hsmwatch iam-policy\`)`,
    );
  return finding(
    'permissions.action',
    'skip',
    a,
    `${a}: unknown (${noCredentials ? 'no credentials' : v.how}${v.code ? `, ${v.code}` : ''})`,
    evidence,
  );
}

export const permissions = defineProbe({
  id: 'permissions',
  title: 'IAM permissions',
  needs: ['region', 'live-network'],
  usesAwsSdk: true,
  consumes: ['identity'],
  findings: {
    'permissions.action': {
      summary: 'A read-only IAM action hsmwatch needs is allowed (DryRun or the real call).',
    },
  },
  deadlineMs: (settings) => awsCallDeadlineMs(settings) + 2000,
  async run(ctx): Promise<{ findings: ProbeFinding<Id>[] }> {
    const { settings, env } = ctx;
    const requests = dryRunRequests(await import('@aws-sdk/client-ec2'));
    const ec2 = await makeEc2Client({
      settings,
      region: env.region!,
      ...(env.credentials ? { credentials: env.credentials } : {}),
    });
    const identity = ctx.facts.identity;
    const noCredentials = identity?.ok === false && identity.kind === 'credentials';
    try {
      // All DryRuns at once: each is one small request, and the probe's deadline is one call's. Each
      // listens on the probe's signal: more than Node's default of 10 is expected, not a leak.
      setMaxListeners(OPERATIONS.length + 10, ctx.signal);
      const verdicts = await mapLimit(OPERATIONS, OPERATIONS.length, async (op) =>
        isDryRun(op) ? await byDryRun(requests, ec2, op.name, ctx.signal) : byRealCall(op, env, identity),
      );
      return { findings: OPERATIONS.map((op, i) => verdictFinding(op, verdicts[i]!, noCredentials)) };
    } finally {
      ec2.destroy();
    }
  },
});
