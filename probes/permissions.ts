// Permissions: each read-only IAM action hsmwatch uses — allowed, denied or unknown. EC2 actions are
// asked with DryRun (DryRunOperation = allowed, UnauthorizedOperation = denied, nothing is read);
// the others are judged by the outcome of the real call made by discovery or another probe.
import {
  DescribeInstancesCommand,
  DescribeNetworkAclsCommand,
  DescribeNetworkInterfacesCommand,
  DescribeRouteTablesCommand,
  DescribeSecurityGroupsCommand,
  DescribeSubnetsCommand,
  DescribeVpcPeeringConnectionsCommand,
  type EC2Client,
  GetManagedPrefixListEntriesCommand,
} from '@aws-sdk/client-ec2';
import { makeEc2Client } from '../src/aws/clients.js';
import { classifyAwsError } from '../src/aws/errors.js';
import { IAM_ACTIONS, type IamAction } from '../src/aws/iam-actions.js';
import { finding } from '../src/core/findings.js';
import { defineProbe, type ProbeFinding } from '../src/core/probe.js';
import { mapLimit } from '../src/util/concurrency.js';

type Id = 'permissions.action';
type Verdict = { verdict: 'allowed' | 'denied' | 'unknown'; how: string; code?: string };

const DRY_RUN: Record<string, (c: EC2Client, signal: AbortSignal) => Promise<unknown>> = {
  'ec2:DescribeInstances': (c, s) =>
    c.send(new DescribeInstancesCommand({ DryRun: true, MaxResults: 5 }), { abortSignal: s }),
  'ec2:DescribeNetworkInterfaces': (c, s) =>
    c.send(new DescribeNetworkInterfacesCommand({ DryRun: true, MaxResults: 5 }), {
      abortSignal: s,
    }),
  'ec2:DescribeSecurityGroups': (c, s) =>
    c.send(new DescribeSecurityGroupsCommand({ DryRun: true, MaxResults: 5 }), { abortSignal: s }),
  'ec2:DescribeSubnets': (c, s) =>
    c.send(new DescribeSubnetsCommand({ DryRun: true, MaxResults: 5 }), { abortSignal: s }),
  'ec2:DescribeNetworkAcls': (c, s) =>
    c.send(new DescribeNetworkAclsCommand({ DryRun: true, MaxResults: 5 }), { abortSignal: s }),
  'ec2:DescribeRouteTables': (c, s) =>
    c.send(new DescribeRouteTablesCommand({ DryRun: true, MaxResults: 5 }), { abortSignal: s }),
  'ec2:DescribeVpcPeeringConnections': (c, s) =>
    c.send(new DescribeVpcPeeringConnectionsCommand({ DryRun: true, MaxResults: 5 }), {
      abortSignal: s,
    }),
  'ec2:GetManagedPrefixListEntries': (c, s) =>
    c.send(
      new GetManagedPrefixListEntriesCommand({
        DryRun: true,
        PrefixListId: 'pl-00000000000000000',
        MaxResults: 5,
      }),
      { abortSignal: s },
    ),
};

export const permissions = defineProbe({
  id: 'permissions',
  title: 'IAM permissions',
  needs: ['region', 'live-network'],
  consumes: ['identity'],
  findings: {
    'permissions.action': {
      summary: 'A read-only IAM action hsmwatch needs is allowed (DryRun or the real call).',
    },
  },
  deadlineMs: (settings) => settings.aws.timeoutMs * (settings.aws.maxAttempts + 1) + 2000,
  async run(ctx): Promise<{ findings: ProbeFinding<Id>[] }> {
    const { settings, env } = ctx;
    const ec2 = makeEc2Client({
      settings,
      region: env.region!,
      ...(env.credentials ? { credentials: env.credentials } : {}),
    });
    const identity = ctx.facts.identity;
    const noCredentials = identity?.ok === false && identity.kind === 'credentials';
    try {
      const verdicts = await mapLimit(IAM_ACTIONS, 4, async (a: IamAction): Promise<[IamAction, Verdict]> => {
        const dry = DRY_RUN[a.action];
        if (dry) {
          try {
            await dry(ec2, ctx.signal);
            return [a, { verdict: 'allowed', how: 'DryRun (the endpoint ran the request)' }];
          } catch (e) {
            const f = classifyAwsError(e);
            if (f.code === 'DryRunOperation') return [a, { verdict: 'allowed', how: 'DryRun', code: f.code }];
            if (f.code === 'UnauthorizedOperation' || f.code === 'AccessDenied')
              return [a, { verdict: 'denied', how: 'DryRun', code: f.code }];
            return [a, { verdict: 'unknown', how: `DryRun: ${f.kind}`, code: f.code }];
          }
        }
        if (a.action === 'cloudhsm:DescribeClusters') {
          const d = env.discovery.reads[a.operation];
          const how = 'the DescribeClusters call of discovery';
          if (d?.result === 'ok') return [a, { verdict: 'allowed', how }];
          if (d?.result === 'denied' && d.deniedAction === a.action)
            return [a, { verdict: 'denied', how, code: String(d.code) }];
          return [a, { verdict: 'unknown', how: d ? `discovery: ${d.detail}` : 'not called' }];
        }
        if (a.action === 'sts:GetCallerIdentity') {
          if (identity?.ok)
            return [a, { verdict: 'allowed', how: 'the GetCallerIdentity call of the credentials probe' }];
          if (identity?.kind === 'denied')
            return [a, { verdict: 'denied', how: 'GetCallerIdentity', code: identity.code }];
          return [a, { verdict: 'unknown', how: identity ? identity.detail : 'not called' }];
        }
        return [a, { verdict: 'unknown', how: 'no way to check this action without calling it' }];
      });
      const findings = verdicts.map(([a, v]): ProbeFinding<Id> => {
        const evidence = {
          action: a.action,
          verdict: v.verdict,
          how: v.how,
          ...(v.code ? { code: v.code } : {}),
          neededFor: a.why,
        };
        if (v.verdict === 'allowed')
          return finding('permissions.action', 'pass', a.action, `${a.action} allowed (${v.how})`, evidence);
        if (v.verdict === 'denied')
          return finding(
            'permissions.action',
            'fail',
            a.action,
            `${a.action} denied (${v.code}): hsmwatch cannot read ${a.why}`,
            evidence,
            `add ${a.action} to the role's policy (see \`hsmwatch iam-policy\`)`,
          );
        return finding(
          'permissions.action',
          'skip',
          a.action,
          `${a.action}: unknown (${noCredentials ? 'no credentials' : v.how}${v.code ? `, ${v.code}` : ''})`,
          evidence,
        );
      });
      return { findings };
    } finally {
      ec2.destroy();
    }
  },
});
