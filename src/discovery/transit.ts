// Transit gateway reads, for the transit gateways the VPC route tables name: the gateways, the
// attachments of the VPCs on the path (always filtered by transit-gateway-id and vpc-id), and, for
// the route tables associated with those attachments that this account may read, their routes,
// associations and propagations, kept per tgw-rtb- id. Only the owner of a transit gateway can read
// its route tables (AWS Transit Gateway guide, "Transit gateway sharing considerations"): for a
// shared one DescribeTransitGatewayRouteTables lists none and nothing more is asked.
import {
  DescribeTransitGatewayAttachmentsCommand,
  DescribeTransitGatewayRouteTablesCommand,
  DescribeTransitGatewaysCommand,
  DescribeTransitGatewayVpcAttachmentsCommand,
  type EC2Client,
  type Filter,
  GetTransitGatewayRouteTableAssociationsCommand,
  GetTransitGatewayRouteTablePropagationsCommand,
  SearchTransitGatewayRoutesCommand,
} from '@aws-sdk/client-ec2';
import { type OperationOf, snapshotKey } from '../aws/operations.js';
import { captureRawBody } from '../aws/raw-capture.js';
import type { Finding } from '../model/index.js';
import { withReferencing } from './transit-raw.js';

type Page = { NextToken?: string | undefined };

/** What discovery's EC2 reader offers (src/discovery/ec2.ts). */
export interface Ec2Reader {
  readonly aws: Record<string, unknown>;
  readonly findings: Finding[];
  read(name: OperationOf<'ec2'>, send: (token: string | undefined) => Promise<Page>): Promise<void>;
}

/** A transit gateway has up to 20 route tables by default; a path needs the one or two associated. */
const MAX_ROUTE_TABLES = 20;
/** SearchTransitGatewayRoutes answers at most 1,000 routes and does not page. */
const MAX_ROUTES = 1000;

type Obj = Record<string, unknown>;
const listOf = (v: unknown, field: string): Obj[] => {
  const l = v && typeof v === 'object' ? (v as Obj)[field] : undefined;
  return Array.isArray(l) ? l.filter((x): x is Obj => typeof x === 'object' && x !== null) : [];
};
const unique = (xs: unknown[]): string[] => [
  ...new Set(xs.filter((x): x is string => typeof x === 'string' && x !== '')),
];

/** Transit gateways named by the routes of the VPCs' route tables. */
function routedGateways(aws: Obj, vpcs: readonly string[]): string[] {
  const tables = listOf(aws[snapshotKey('DescribeRouteTables')], 'RouteTables');
  return unique(
    tables
      .filter((t) => vpcs.includes(String(t.VpcId)))
      .flatMap((t) => listOf(t, 'Routes').map((r) => r.TransitGatewayId)),
  );
}

export async function readTransitGateways(
  r: Ec2Reader,
  api: EC2Client,
  vpcs: readonly string[],
  opts: { abortSignal: AbortSignal },
): Promise<void> {
  const tgwIds = routedGateways(r.aws, vpcs);
  if (!tgwIds.length) return;
  const next = (t: string | undefined) => (t ? { NextToken: t } : {});
  const byTgw: Filter = { Name: 'transit-gateway-id', Values: tgwIds };
  await r.read('DescribeTransitGateways', async (t) => {
    const command = new DescribeTransitGatewaysCommand({ Filters: [byTgw], ...next(t) });
    const raw = capture(command);
    const out = await api.send(command, opts);
    return withReferencing(out, raw.body, 'TransitGateways', 'TransitGatewayId', {
      set: 'transitGatewaySet',
      id: 'transitGatewayId',
    });
  });
  await r.read('DescribeTransitGatewayAttachments', (t) =>
    api.send(
      new DescribeTransitGatewayAttachmentsCommand({
        Filters: [byTgw, { Name: 'resource-id', Values: [...vpcs] }],
        ...next(t),
      }),
      opts,
    ),
  );
  await r.read('DescribeTransitGatewayVpcAttachments', (t) =>
    vpcAttachmentsPage(api, [byTgw, { Name: 'vpc-id', Values: [...vpcs] }], t, opts),
  );
  await readRouteTables(r, api, byTgw, opts);
}

/** One page of DescribeTransitGatewayVpcAttachments, with the options the SDK drops put back. */
export async function vpcAttachmentsPage(
  api: EC2Client,
  filters: Filter[],
  token: string | undefined,
  opts: { abortSignal: AbortSignal },
): Promise<Page> {
  const command = new DescribeTransitGatewayVpcAttachmentsCommand({
    Filters: filters,
    ...(token ? { NextToken: token } : {}),
  });
  const raw = capture(command);
  const out = await api.send(command, opts);
  return withReferencing(out, raw.body, 'TransitGatewayVpcAttachments', 'TransitGatewayAttachmentId', {
    set: 'transitGatewayVpcAttachments',
    id: 'transitGatewayAttachmentId',
  });
}

/** Keeps the raw body of the command's answer. */
function capture(command: Parameters<typeof captureRawBody>[0]): { body: Buffer | undefined } {
  const raw: { body: Buffer | undefined } = { body: undefined };
  captureRawBody(command, (b) => {
    raw.body = b;
  });
  return raw;
}

/** The route tables associated with the path's attachments (all of the gateway's when that is unknown). */
async function readRouteTables(
  r: Ec2Reader,
  api: EC2Client,
  byTgw: Filter,
  opts: { abortSignal: AbortSignal },
): Promise<void> {
  const attachmentsKey = snapshotKey('DescribeTransitGatewayAttachments');
  const associated = unique(
    listOf(r.aws[attachmentsKey], 'TransitGatewayAttachments').map((a) =>
      a.Association && typeof a.Association === 'object'
        ? (a.Association as Obj).TransitGatewayRouteTableId
        : undefined,
    ),
  );
  // Without the attachments, the associations of each table say which one serves them.
  if (r.aws[attachmentsKey] !== undefined && !associated.length) return;
  const filters: Filter[] = [
    byTgw,
    ...(associated.length ? [{ Name: 'transit-gateway-route-table-id', Values: associated }] : []),
  ];
  await r.read('DescribeTransitGatewayRouteTables', (t) =>
    api.send(
      new DescribeTransitGatewayRouteTablesCommand({ Filters: filters, ...(t ? { NextToken: t } : {}) }),
      opts,
    ),
  );
  const readable = unique(
    listOf(r.aws[snapshotKey('DescribeTransitGatewayRouteTables')], 'TransitGatewayRouteTables').map(
      (t) => t.TransitGatewayRouteTableId,
    ),
  ).slice(0, MAX_ROUTE_TABLES);
  if (!readable.length) return;
  await perTable(r, 'SearchTransitGatewayRoutes', readable, async (id) => {
    const out = await api.send(
      new SearchTransitGatewayRoutesCommand({
        TransitGatewayRouteTableId: id,
        // Filters are required; these two states are the ones that decide a packet's fate.
        Filters: [{ Name: 'state', Values: ['active', 'blackhole'] }],
        MaxResults: MAX_ROUTES,
      }),
      opts,
    );
    // It does not page (no NextToken): AdditionalRoutesAvailable says the answer stopped at its limit.
    return { page: out as Page, extra: { AdditionalRoutesAvailable: out.AdditionalRoutesAvailable } };
  });
  await perTable(r, 'GetTransitGatewayRouteTableAssociations', readable, async (id, t) => ({
    page: await api.send(
      new GetTransitGatewayRouteTableAssociationsCommand({
        TransitGatewayRouteTableId: id,
        ...(t ? { NextToken: t } : {}),
      }),
      opts,
    ),
  }));
  await perTable(r, 'GetTransitGatewayRouteTablePropagations', readable, async (id, t) => ({
    page: await api.send(
      new GetTransitGatewayRouteTablePropagationsCommand({
        TransitGatewayRouteTableId: id,
        ...(t ? { NextToken: t } : {}),
      }),
      opts,
    ),
  }));
}

/** One per-route-table operation for each table, stored per id; the first failure ends its reads. */
async function perTable(
  r: Ec2Reader,
  name:
    | 'SearchTransitGatewayRoutes'
    | 'GetTransitGatewayRouteTableAssociations'
    | 'GetTransitGatewayRouteTablePropagations',
  ids: readonly string[],
  send: (id: string, token: string | undefined) => Promise<{ page: Page; extra?: Obj }>,
): Promise<void> {
  const key = snapshotKey(name);
  const entries: Record<string, unknown> = {};
  for (const id of ids) {
    let extra: Obj = {};
    delete r.aws[key];
    await r.read(name, async (t) => {
      const got = await send(id, t);
      extra = got.extra ?? {};
      return got.page;
    });
    // Denied, failed or not asked: what is unread stays out of the snapshot.
    const answer = r.aws[key] as Obj | undefined;
    if (answer === undefined) break;
    const kept = Object.fromEntries(Object.entries(extra).filter(([, v]) => v !== undefined));
    entries[id] = { ...answer, ...kept };
  }
  if (Object.keys(entries).length) r.aws[key] = entries;
  else delete r.aws[key];
}
