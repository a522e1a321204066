// EC2 reads for the path checks: every page of each answer, stored in the snapshot under the
// contract's keys in the SDK's output shape. A denied call is a `skip` naming the IAM action.
import {
  DescribeInstancesCommand,
  DescribeNetworkAclsCommand,
  DescribeNetworkInterfacesCommand,
  DescribeRouteTablesCommand,
  DescribeSecurityGroupsCommand,
  DescribeSubnetsCommand,
  DescribeVpcPeeringConnectionsCommand,
  type EC2Client,
  type Filter,
  GetManagedPrefixListEntriesCommand,
} from '@aws-sdk/client-ec2';
import { type AwsFailure, classifyAwsError, describeFailure } from '../aws/errors.js';
import { actionFor } from '../aws/iam-actions.js';
import type { AwsRead } from '../core/environment.js';
import { finding } from '../core/findings.js';
import type { ClientInfo, ClusterInfo, Finding, HsmTarget } from '../model/index.js';

const MAX_PAGES = 100;
const MAX_PREFIX_LISTS = 50;

type Page = { NextToken?: string | undefined };

export interface Ec2DiscoveryInput {
  client: ClientInfo | null;
  clusters: readonly ClusterInfo[];
  targets: readonly HsmTarget[];
  signal: AbortSignal;
}

export interface Ec2Discovery {
  aws: Record<string, unknown>;
  findings: Finding[];
  reads: Record<string, AwsRead>;
}

/** Every page of one operation, the list field concatenated. */
async function allPages(
  send: (token: string | undefined) => Promise<Page>,
  field: string,
): Promise<{ ok: true; value: Record<string, unknown[]> } | { ok: false; failure: AwsFailure }> {
  const items: unknown[] = [];
  const seen = new Set<string>();
  let token: string | undefined;
  try {
    for (let pages = 1; ; pages++) {
      const page = await send(token);
      const list = (page as Record<string, unknown>)[field];
      if (Array.isArray(list)) items.push(...list);
      token = page.NextToken || undefined;
      if (token === undefined) break;
      if (seen.has(token) || pages >= MAX_PAGES) {
        return {
          ok: false,
          failure: { kind: 'client', code: 'PagingLoop', message: `paging did not end after ${pages} pages` },
        };
      }
      seen.add(token);
    }
  } catch (e) {
    return { ok: false, failure: classifyAwsError(e) };
  }
  // Plain JSON (Dates as ISO strings, no SDK metadata): the snapshot is a file.
  return { ok: true, value: JSON.parse(JSON.stringify({ [field]: items })) };
}

export async function discoverEc2(api: EC2Client, input: Ec2DiscoveryInput): Promise<Ec2Discovery> {
  const aws: Record<string, unknown> = {};
  const findings: Finding[] = [];
  const reads: Record<string, AwsRead> = {};
  const opts = { abortSignal: input.signal };
  const vpcs = [
    ...new Set(
      [...(input.client?.enis.map((e) => e.vpcId) ?? []), ...input.clusters.map((c) => c.vpcId)].filter(
        (v): v is string => !!v,
      ),
    ),
  ];
  const eniIds = [
    ...new Set(
      [...(input.client?.enis.map((e) => e.eniId) ?? []), ...input.targets.map((t) => t.eniId)].filter(
        (v): v is string => !!v,
      ),
    ),
  ];
  const byVpc: Filter[] = [{ Name: 'vpc-id', Values: vpcs }];
  // Once the endpoint proved unreachable, the other reads would only wait out their own deadlines.
  let unreachable: string | null = null;
  const notAsked: string[] = [];
  const read = async (operation: string, field: string, send: (t: string | undefined) => Promise<Page>) => {
    if (unreachable !== null) {
      notAsked.push(operation);
      reads[operation] = { result: 'not-called', detail: `not asked: ${unreachable}` };
      return;
    }
    const r = await allPages(send, field);
    if (!r.ok && (r.failure.kind === 'network' || r.failure.kind === 'timeout')) {
      unreachable = `${operation}: ${describeFailure(r.failure)}`;
    }
    if (r.ok) {
      aws[operation] = r.value;
      reads[operation] = { result: 'ok', detail: `${operation} read` };
      return;
    }
    const action = actionFor(operation) ?? operation;
    const evidence = { operation, code: r.failure.code, kind: r.failure.kind };
    if (r.failure.kind === 'denied') {
      const f = finding(
        'discovery.ec2',
        'skip',
        operation,
        `cannot read ${operation}: ${describeFailure(r.failure)}; the IAM action ${action} is missing, so the checks that need it are skipped`,
        { ...evidence, missingAction: action },
        `grant ${action} (see \`hsmwatch iam-policy\`)`,
      );
      findings.push(f);
      reads[operation] = { result: 'denied', deniedAction: action, code: r.failure.code, detail: f.message };
    } else {
      const f = finding(
        'discovery.ec2',
        // The live probes still ran: a missing VPC read weakens the diagnosis, it does not void it.
        'warn',
        operation,
        `cannot read ${operation}: ${describeFailure(r.failure)}; the path checks that need it are skipped`,
        evidence,
      );
      findings.push(f);
      reads[operation] = { result: 'failed', code: r.failure.code, detail: f.message };
    }
  };
  const instanceId = input.client?.instanceId;
  if (instanceId) {
    await read('ec2:DescribeInstances', 'Reservations', (t) =>
      api.send(
        new DescribeInstancesCommand({ InstanceIds: [instanceId], ...(t ? { NextToken: t } : {}) }),
        opts,
      ),
    );
  }
  if (eniIds.length) {
    await read('ec2:DescribeNetworkInterfaces', 'NetworkInterfaces', (t) =>
      api.send(
        new DescribeNetworkInterfacesCommand({
          Filters: [{ Name: 'network-interface-id', Values: eniIds }],
          ...(t ? { NextToken: t } : {}),
        }),
        opts,
      ),
    );
  }
  if (vpcs.length) {
    await read('ec2:DescribeSecurityGroups', 'SecurityGroups', (t) =>
      api.send(new DescribeSecurityGroupsCommand({ Filters: byVpc, ...(t ? { NextToken: t } : {}) }), opts),
    );
    await read('ec2:DescribeSubnets', 'Subnets', (t) =>
      api.send(new DescribeSubnetsCommand({ Filters: byVpc, ...(t ? { NextToken: t } : {}) }), opts),
    );
    await read('ec2:DescribeNetworkAcls', 'NetworkAcls', (t) =>
      api.send(new DescribeNetworkAclsCommand({ Filters: byVpc, ...(t ? { NextToken: t } : {}) }), opts),
    );
    await read('ec2:DescribeRouteTables', 'RouteTables', (t) =>
      api.send(new DescribeRouteTablesCommand({ Filters: byVpc, ...(t ? { NextToken: t } : {}) }), opts),
    );
    await read('ec2:DescribeVpcPeeringConnections', 'VpcPeeringConnections', (t) =>
      api.send(new DescribeVpcPeeringConnectionsCommand({ ...(t ? { NextToken: t } : {}) }), opts),
    );
  }
  const lists = [...referencedPrefixLists(aws)].slice(0, MAX_PREFIX_LISTS);
  if (lists.length) {
    const entries: Record<string, unknown> = {};
    for (const id of lists) {
      const before = findings.length;
      await read('ec2:GetManagedPrefixListEntries', 'Entries', (t) =>
        api.send(
          new GetManagedPrefixListEntriesCommand({ PrefixListId: id, ...(t ? { NextToken: t } : {}) }),
          opts,
        ),
      );
      if (findings.length > before) break;
      entries[id] = aws['ec2:GetManagedPrefixListEntries'];
    }
    if (Object.keys(entries).length) aws['ec2:GetManagedPrefixListEntries'] = entries;
    else delete aws['ec2:GetManagedPrefixListEntries'];
  }
  if (notAsked.length) {
    findings.push(
      finding(
        'discovery.ec2',
        'skip',
        'ec2',
        `not asked, the EC2 endpoint did not answer (${unreachable}): ${notAsked.join(', ')}`,
        { notAsked },
      ),
    );
  }
  const done = Object.keys(aws);
  if (done.length > 0 || findings.length === 0) {
    findings.push(
      finding(
        'discovery.ec2',
        findings.some((f) => f.status === 'warn') ? 'warn' : 'pass',
        'ec2',
        `read ${done.length} EC2 answer(s) for the path checks (${vpcs.length} VPC(s))`,
        { operations: done, vpcs },
      ),
    );
  }
  return { aws, findings, reads };
}

/** Prefix lists named by security group rules and routes. */
function referencedPrefixLists(aws: Record<string, unknown>): Set<string> {
  const ids = new Set<string>();
  const sgs = (
    aws['ec2:DescribeSecurityGroups'] as { SecurityGroups?: Array<Record<string, unknown>> } | undefined
  )?.SecurityGroups;
  for (const g of sgs ?? []) {
    for (const perm of [
      ...((g.IpPermissions as unknown[]) ?? []),
      ...((g.IpPermissionsEgress as unknown[]) ?? []),
    ] as Array<{ PrefixListIds?: Array<{ PrefixListId?: string }> }>) {
      for (const p of perm.PrefixListIds ?? []) if (p.PrefixListId) ids.add(p.PrefixListId);
    }
  }
  const tables = (
    aws['ec2:DescribeRouteTables'] as
      | { RouteTables?: Array<{ Routes?: Array<{ DestinationPrefixListId?: string }> }> }
      | undefined
  )?.RouteTables;
  for (const t of tables ?? [])
    for (const r of t.Routes ?? []) if (r.DestinationPrefixListId) ids.add(r.DestinationPrefixListId);
  return ids;
}

/** The client's ephemeral port range as the kernel hands it out. */
export async function readEphemeralRange(
  path = '/proc/sys/net/ipv4/ip_local_port_range',
): Promise<{ from: number; to: number; source: string } | undefined> {
  try {
    const { readFile } = await import('node:fs/promises');
    const m = /^\s*(\d+)\s+(\d+)\s*$/.exec(await readFile(path, 'utf8'));
    if (!m) return undefined;
    const from = Number(m[1]);
    const to = Number(m[2]);
    return from >= 1 && to <= 65535 && from <= to ? { from, to, source: path } : undefined;
  } catch {
    return undefined;
  }
}
