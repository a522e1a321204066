// The estate reads of `audit` and `snapshot --estate`: which VPCs can route to the clusters (the
// clusters' VPCs, those with an active peering to them, those attached to a transit gateway they are
// attached to: the rule of src/audit/scope.ts, applied to the answers read here), then every network
// interface of those VPCs. Always filtered by vpc-id, every page of at most 1,000: an unfiltered
// DescribeNetworkInterfaces fails in large accounts ("If you have a large number of network
// interfaces, the operation fails unless you use pagination or one of the following filters",
// https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DescribeNetworkInterfaces.html).
import {
  DescribeNetworkInterfacesCommand,
  DescribeVpcPeeringConnectionsCommand,
  type EC2Client,
} from '@aws-sdk/client-ec2';
import { snapshotKey } from '../aws/operations.js';
import type { AwsRead } from '../core/environment.js';
import type { ClusterInfo } from '../model/index.js';
import { factsFromSnapshot } from '../netpath/facts.js';
import { forwards } from '../netpath/transit-facts.js';
import { vpcsInScope } from '../netpath/vpc-scope.js';
import { type Ec2Reader, vpcAttachmentsPage } from './transit.js';

/** DescribeNetworkInterfaces answers at most 1,000 per page (MaxResults 5–1,000). */
export const ESTATE_PAGE_SIZE = 1000;
/** 50,000 interfaces even when EC2 answers pages of 100. */
export const ESTATE_MAX_PAGES = 500;
/** VPC ids per request: the filter values EC2 accepts in one filter. */
const VPCS_PER_REQUEST = 200;

const ENIS = snapshotKey('DescribeNetworkInterfaces');
const PEERINGS = snapshotKey('DescribeVpcPeeringConnections');
const VPC_ATTACHMENTS = snapshotKey('DescribeTransitGatewayVpcAttachments');

type Obj = Record<string, unknown>;
type Page = { NextToken?: string | undefined };

/** Discovery's EC2 reader (src/discovery/ec2.ts), with a page bound per read. */
export interface EstateReader extends Ec2Reader {
  readonly reads: Record<string, AwsRead>;
  read(
    name: Parameters<Ec2Reader['read']>[0],
    send: (token: string | undefined) => Promise<Page>,
    o?: { maxPages?: number },
  ): Promise<void>;
}

export interface EstateRead {
  /** The VPCs in scope of the clusters, sorted. */
  vpcs: string[];
  /** Every interface read in them, once each. */
  enis: Obj[];
  /** The VPCs whose every interface was read (their read succeeded), sorted. */
  covered: string[];
  /** The VPC attachments of the clusters' transit gateways (every VPC on them). */
  attachments: Obj[];
}

const listOf = (answer: unknown, field: string): Obj[] => {
  const l = answer && typeof answer === 'object' ? (answer as Obj)[field] : undefined;
  return Array.isArray(l) ? l.filter((x): x is Obj => typeof x === 'object' && x !== null) : [];
};
const unique = (xs: unknown[]): string[] => [
  ...new Set(xs.filter((x): x is string => typeof x === 'string' && x !== '')),
];
const next = (t: string | undefined) => (t ? { NextToken: t } : {});

export async function readEstate(
  api: EC2Client,
  r: EstateReader,
  clusters: readonly ClusterInfo[],
  opts: { abortSignal: AbortSignal },
): Promise<EstateRead> {
  const clusterVpcs = unique(clusters.map((c) => c.vpcId));
  // The path checks read every peering (unfiltered) anyway: read once, here, and kept.
  await r.read('DescribeVpcPeeringConnections', (t) =>
    api.send(new DescribeVpcPeeringConnectionsCommand({ ...next(t) }), opts),
  );
  const attachments = await clusterGatewayAttachments(api, r, clusterVpcs, opts);
  const facts = factsFromSnapshot(
    {
      ...(r.aws[PEERINGS] ? { [PEERINGS]: r.aws[PEERINGS] } : {}),
      [VPC_ATTACHMENTS]: { TransitGatewayVpcAttachments: attachments },
    },
    null,
  );
  const vpcs = unique(clusterVpcs.flatMap((v) => vpcsInScope(facts, v))).sort();
  return { vpcs, attachments, ...(await readInterfaces(api, r, vpcs, opts)) };
}

/** The transit gateways the clusters' VPCs are attached to, and every VPC attachment on them. */
async function clusterGatewayAttachments(
  api: EC2Client,
  r: EstateReader,
  clusterVpcs: readonly string[],
  opts: { abortSignal: AbortSignal },
): Promise<Obj[]> {
  if (!clusterVpcs.length) return [];
  const own = await readAttachments(api, r, [{ Name: 'vpc-id', Values: [...clusterVpcs] }], opts);
  const gateways = unique(own.filter((a) => forwards(stateOf(a))).map((a) => a.TransitGatewayId));
  if (!gateways.length) return own;
  const onGateways = await readAttachments(api, r, [{ Name: 'transit-gateway-id', Values: gateways }], opts);
  return mergeById([own, onGateways], 'TransitGatewayAttachmentId');
}

const stateOf = (a: Obj) => (typeof a.State === 'string' ? a.State : null);

async function readAttachments(
  api: EC2Client,
  r: EstateReader,
  filters: Array<{ Name: string; Values: string[] }>,
  opts: { abortSignal: AbortSignal },
): Promise<Obj[]> {
  await r.read('DescribeTransitGatewayVpcAttachments', (t) => vpcAttachmentsPage(api, filters, t, opts));
  const got = listOf(r.aws[VPC_ATTACHMENTS], 'TransitGatewayVpcAttachments');
  delete r.aws[VPC_ATTACHMENTS];
  return got;
}

/** Every interface of `vpcs`, by vpc-id, in requests of at most VPCS_PER_REQUEST VPCs. */
async function readInterfaces(
  api: EC2Client,
  r: EstateReader,
  vpcs: readonly string[],
  opts: { abortSignal: AbortSignal },
): Promise<{ enis: Obj[]; covered: string[] }> {
  const lists: Obj[][] = [];
  const covered: string[] = [];
  for (let i = 0; i < vpcs.length; i += VPCS_PER_REQUEST) {
    const chunk = vpcs.slice(i, i + VPCS_PER_REQUEST);
    await r.read(
      'DescribeNetworkInterfaces',
      (t) =>
        api.send(
          new DescribeNetworkInterfacesCommand({
            Filters: [{ Name: 'vpc-id', Values: chunk }],
            MaxResults: ESTATE_PAGE_SIZE,
            ...next(t),
          }),
          opts,
        ),
      { maxPages: ESTATE_MAX_PAGES },
    );
    if (r.reads[ENIS]?.result === 'ok') {
      lists.push(listOf(r.aws[ENIS], 'NetworkInterfaces'));
      covered.push(...chunk);
    }
    // Kept aside: discovery's other interface reads use the key too (src/discovery/ec2.ts merges).
    delete r.aws[ENIS];
  }
  return { enis: mergeById(lists, 'NetworkInterfaceId'), covered: covered.sort() };
}

/** The items of several answers, once each by `idField` (the first seen kept). */
export function mergeById(lists: readonly Obj[][], idField: string): Obj[] {
  const seen = new Set<unknown>();
  const out: Obj[] = [];
  for (const item of lists.flat()) {
    const id = item[idField];
    if (id !== undefined && seen.has(id)) continue;
    seen.add(id);
    out.push(item);
  }
  return out;
}

/**
 * Puts the attachments of the clusters' gateways beside those the path checks read (for the routed
 * gateways), so that an audit of the snapshot finds the same VPCs in scope.
 */
export function keepAttachments(r: EstateReader, attachments: readonly Obj[]): void {
  if (!attachments.length) return;
  const read = r.reads[VPC_ATTACHMENTS];
  if (read && read.result !== 'ok') return;
  const merged = mergeById(
    [listOf(r.aws[VPC_ATTACHMENTS], 'TransitGatewayVpcAttachments'), [...attachments]],
    'TransitGatewayAttachmentId',
  );
  r.aws[VPC_ATTACHMENTS] = { TransitGatewayVpcAttachments: merged };
}
