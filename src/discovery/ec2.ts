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
import { AWS_OPERATIONS, type OperationOf, snapshotKey } from '../aws/operations.js';
import type { AwsRead } from '../core/environment.js';
import { finding } from '../core/findings.js';
import type { ClientInfo, ClusterInfo, Finding, HsmTarget } from '../model/index.js';
import { keepAttachments, readEstate } from './estate-reads.js';
import { readMiddleboxes } from './middlebox.js';
import { mergeSourceEnis, readSourceEnis } from './source-enis.js';
import { readTransitGateways } from './transit.js';

const MAX_PAGES = 100;
const MAX_PREFIX_LISTS = 50;

type Page = { NextToken?: string | undefined };

export interface Ec2DiscoveryInput {
  client: ClientInfo | null;
  clusters: readonly ClusterInfo[];
  targets: readonly HsmTarget[];
  signal: AbortSignal;
  /** The kernel's source addresses and an ECS task's addresses, whose ENIs are looked up by address. */
  sourceAddresses?: readonly string[];
  /** The VPC those addresses are in, when known (an ECS task on EC2 says it). */
  sourceVpcIds?: readonly string[];
  /** Read every interface of the clusters' VPCs and of the VPCs routing to them (`audit`). */
  estate?: boolean;
  /** Called after each page read (an estate's deadline grows with it). */
  onPage?: () => void;
}

export interface Ec2Discovery {
  aws: Record<string, unknown>;
  findings: Finding[];
  reads: Record<string, AwsRead>;
  /** With `estate`: the VPCs whose every interface was read. */
  estate?: { vpcIds: string[] };
}

/** Every page of one operation, the list field concatenated. */
async function allPages(
  send: (token: string | undefined) => Promise<Page>,
  field: string,
  o: { maxPages: number; onPage: (() => void) | undefined },
): Promise<{ ok: true; value: Record<string, unknown[]> } | { ok: false; failure: AwsFailure }> {
  const items: unknown[] = [];
  const seen = new Set<string>();
  let token: string | undefined;
  try {
    for (let pages = 1; ; pages++) {
      const page = await send(token);
      const list = (page as Record<string, unknown>)[field];
      if (Array.isArray(list)) items.push(...list);
      o.onPage?.();
      token = page.NextToken || undefined;
      if (token === undefined) break;
      if (seen.has(token) || pages >= o.maxPages) {
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

type Ec2Operation = OperationOf<'ec2'>;

/** Reads one operation at a time into the snapshot, recording how each went. */
class Ec2Reads {
  readonly aws: Record<string, unknown> = {};
  readonly findings: Finding[] = [];
  readonly reads: Record<string, AwsRead> = {};
  // Once the endpoint proved unreachable, the other reads would only wait out their own deadlines.
  private unreachable: string | null = null;
  private readonly notAsked: string[] = [];

  constructor(private readonly onPage?: () => void) {}

  async read(
    name: Ec2Operation,
    send: (token: string | undefined) => Promise<Page>,
    o: { maxPages?: number } = {},
  ): Promise<void> {
    const key = snapshotKey(name);
    if (this.unreachable !== null) {
      this.notAsked.push(key);
      this.reads[key] = { result: 'not-called', detail: `not asked: ${this.unreachable}` };
      return;
    }
    const r = await allPages(send, AWS_OPERATIONS[name].listField, {
      maxPages: o.maxPages ?? MAX_PAGES,
      onPage: this.onPage,
    });
    if (!r.ok && (r.failure.kind === 'network' || r.failure.kind === 'timeout')) {
      this.unreachable = `${key}: ${describeFailure(r.failure)}`;
    }
    if (r.ok) {
      this.aws[key] = r.value;
      this.reads[key] = { result: 'ok', detail: `${key} read` };
      return;
    }
    this.failed(key, AWS_OPERATIONS[name].action, r.failure);
  }

  private failed(key: string, action: string, failure: AwsFailure): void {
    const evidence = { operation: key, code: failure.code, kind: failure.kind };
    if (failure.kind === 'denied') {
      const f = finding(
        'discovery.ec2',
        'skip',
        key,
        `cannot read ${key}: ${describeFailure(failure)}; the IAM action ${action} is missing, so the checks that need it are skipped`,
        { ...evidence, missingAction: action },
        `grant ${action} (see \`hsmwatch iam-policy\`)`,
      );
      this.findings.push(f);
      this.reads[key] = { result: 'denied', deniedAction: action, code: failure.code, detail: f.message };
      return;
    }
    const f = finding(
      'discovery.ec2',
      // The live probes still ran: a missing VPC read weakens the diagnosis, it does not void it.
      'warn',
      key,
      `cannot read ${key}: ${describeFailure(failure)}; the path checks that need it are skipped`,
      evidence,
    );
    this.findings.push(f);
    this.reads[key] = { result: 'failed', code: failure.code, detail: f.message };
  }

  /** The closing findings: what was not asked, and what was read. */
  summary(vpcs: readonly string[]): Ec2Discovery {
    if (this.notAsked.length) {
      this.findings.push(
        finding(
          'discovery.ec2',
          'skip',
          'ec2',
          `not asked, the EC2 endpoint did not answer (${this.unreachable}): ${this.notAsked.join(', ')}`,
          { notAsked: this.notAsked },
        ),
      );
    }
    const done = Object.keys(this.aws);
    if (done.length > 0 || this.findings.length === 0) {
      this.findings.push(
        finding(
          'discovery.ec2',
          this.findings.some((f) => f.status === 'warn') ? 'warn' : 'pass',
          'ec2',
          `read ${done.length} EC2 answer(s) for the path checks (${vpcs.length} VPC(s))`,
          { operations: done, vpcs },
        ),
      );
    }
    return { aws: this.aws, findings: this.findings, reads: this.reads };
  }
}

const unique = (xs: ReadonlyArray<string | null | undefined>): string[] => [
  ...new Set(xs.filter((v): v is string => !!v)),
];

export async function discoverEc2(api: EC2Client, input: Ec2DiscoveryInput): Promise<Ec2Discovery> {
  const opts = { abortSignal: input.signal };
  const r = new Ec2Reads(input.onPage);
  // With `estate`, every interface of the VPCs in scope first: the other interface reads skip those.
  const estate = input.estate ? await readEstate(api, r, input.clusters, opts) : null;
  const inEstate = new Set(estate?.enis.map((e) => e.NetworkInterfaceId));
  const owned = new Set(estate?.enis.flatMap(addressesOf));
  // Then the ENIs owning the source addresses (a pod's, a task's): their VPCs join the reads below.
  const source = await readSourceEnis(
    api,
    r,
    {
      client: input.client,
      addresses: (input.sourceAddresses ?? []).filter((ip) => !owned.has(ip)),
      vpcIds: [...(input.sourceVpcIds ?? []), ...(estate?.vpcs ?? [])],
    },
    opts,
  );
  const enis = input.client?.enis ?? [];
  const vpcs = unique([
    ...enis.map((e) => e.vpcId),
    ...source.vpcs,
    ...input.clusters.map((c) => c.vpcId),
    ...(estate?.vpcs ?? []),
  ]);
  const eniIds = unique([...enis.map((e) => e.eniId), ...input.targets.map((t) => t.eniId)]).filter(
    (id) => !inEstate.has(id),
  );
  const next = (t: string | undefined) => (t ? { NextToken: t } : {});
  const instanceId = input.client?.instanceId;
  if (instanceId) {
    await r.read('DescribeInstances', (t) =>
      api.send(new DescribeInstancesCommand({ InstanceIds: [instanceId], ...next(t) }), opts),
    );
  }
  if (eniIds.length) {
    await r.read('DescribeNetworkInterfaces', (t) =>
      api.send(
        new DescribeNetworkInterfacesCommand({
          Filters: [{ Name: 'network-interface-id', Values: eniIds }],
          ...next(t),
        }),
        opts,
      ),
    );
  }
  mergeSourceEnis(r, [...source.found, ...(estate?.enis ?? [])]);
  if (vpcs.length) await readVpcs(r, api, vpcs, opts);
  if (estate) keepAttachments(r, estate.attachments);
  await readPrefixLists(r, (id, t) =>
    api.send(new GetManagedPrefixListEntriesCommand({ PrefixListId: id, ...next(t) }), opts),
  );
  const out = r.summary(vpcs);
  return estate?.covered.length ? { ...out, estate: { vpcIds: estate.covered } } : out;
}

const addressesOf = (e: Record<string, unknown>): string[] =>
  [
    ...((e.PrivateIpAddresses as Array<{ PrivateIpAddress?: unknown }> | undefined) ?? []).map(
      (a) => a.PrivateIpAddress,
    ),
    ...((e.Ipv6Addresses as Array<{ Ipv6Address?: unknown }> | undefined) ?? []).map((a) => a.Ipv6Address),
  ].filter((ip): ip is string => typeof ip === 'string');

/** The reads by vpc-id, and what their answers name (peerings, middleboxes, transit gateways). */
async function readVpcs(
  r: Ec2Reads,
  api: EC2Client,
  vpcs: string[],
  opts: { abortSignal: AbortSignal },
): Promise<void> {
  const byVpc: Filter[] = [{ Name: 'vpc-id', Values: vpcs }];
  const next = (t: string | undefined) => (t ? { NextToken: t } : {});
  await r.read('DescribeSecurityGroups', (t) =>
    api.send(new DescribeSecurityGroupsCommand({ Filters: byVpc, ...next(t) }), opts),
  );
  await r.read('DescribeSubnets', (t) =>
    api.send(new DescribeSubnetsCommand({ Filters: byVpc, ...next(t) }), opts),
  );
  await r.read('DescribeNetworkAcls', (t) =>
    api.send(new DescribeNetworkAclsCommand({ Filters: byVpc, ...next(t) }), opts),
  );
  await r.read('DescribeRouteTables', (t) =>
    api.send(new DescribeRouteTablesCommand({ Filters: byVpc, ...next(t) }), opts),
  );
  // An estate read has read them already (every peering, unfiltered, as here).
  if (!(snapshotKey('DescribeVpcPeeringConnections') in r.reads)) {
    await r.read('DescribeVpcPeeringConnections', (t) =>
      api.send(new DescribeVpcPeeringConnectionsCommand({ ...next(t) }), opts),
    );
  }
  await readMiddleboxes(r, api, vpcs, opts);
  await readTransitGateways(r, api, vpcs, opts);
}

/** Each prefix list a rule or route names, stored per id; the first failure ends the reads. */
async function readPrefixLists(
  r: Ec2Reads,
  send: (id: string, token: string | undefined) => Promise<Page>,
): Promise<void> {
  const key = snapshotKey('GetManagedPrefixListEntries');
  const lists = [...referencedPrefixLists(r.aws)].slice(0, MAX_PREFIX_LISTS);
  if (!lists.length) return;
  const entries: Record<string, unknown> = {};
  for (const id of lists) {
    const before = r.findings.length;
    await r.read('GetManagedPrefixListEntries', (t) => send(id, t));
    if (r.findings.length > before) break;
    entries[id] = r.aws[key];
  }
  if (Object.keys(entries).length) r.aws[key] = entries;
  else delete r.aws[key];
}

/** Prefix lists named by security group rules and routes. */
function referencedPrefixLists(aws: Record<string, unknown>): Set<string> {
  const ids = new Set<string>();
  const sgs = (
    aws[snapshotKey('DescribeSecurityGroups')] as
      | { SecurityGroups?: Array<Record<string, unknown>> }
      | undefined
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
    aws[snapshotKey('DescribeRouteTables')] as
      | { RouteTables?: Array<{ Routes?: Array<{ DestinationPrefixListId?: string }> }> }
      | undefined
  )?.RouteTables;
  for (const t of tables ?? [])
    for (const r of t.Routes ?? []) if (r.DestinationPrefixListId) ids.add(r.DestinationPrefixListId);
  return ids;
}
