// One direction of a path over a transit gateway (AWS Transit Gateway guide): traffic enters by the
// source VPC's attachment, only from an Availability Zone where that attachment has a subnet ("How
// transit gateways work" › Availability Zones); the route table associated with that attachment
// decides, most specific route first, static before propagated on a tie ("Route evaluation order");
// a blackhole route drops; the route's attachment must be the far VPC's. Delivery into the far VPC
// may cross AZs ("Example: Appliance in a shared services VPC"), so only the entry side is zoned.
// What this account cannot read (the route tables of a shared gateway: "Transit gateway sharing
// considerations") or cannot follow (VPN, Connect, peering to another gateway) is unknown, saying
// which call, IAM action and account would decide it. Pure.
import { AWS_OPERATIONS, type OperationName } from '../aws/operations.js';
import { cidrContains, type Ip, parseIp } from './cidr.js';
import type { NetFacts, Route } from './facts.js';
import {
  forwards,
  type TgwRoute,
  type TgwVpcAttachment,
  type TransitFacts,
  vpcAttachmentOf,
} from './transit-facts.js';
import type { Check, Endpoint } from './types.js';

export interface TransitHop {
  facts: NetFacts;
  from: Endpoint;
  to: Endpoint;
  component: 'client-route' | 'hsm-return-route';
  /** The VPC route table whose route named the gateway. */
  tableId: string;
  /** How messages name the far end. */
  toWhat: string;
}

/** The call and the IAM action that would read what is missing. */
const call = (name: OperationName) => `${name} (IAM action ${AWS_OPERATIONS[name].action})`;

/** The transit gateway's owner, as the answers name it. */
function ownerOf(t: TransitFacts, tgwId: string, attachmentId?: string): string | null {
  return (
    t.gateways?.get(tgwId)?.ownerId ??
    (attachmentId ? (t.attachments?.get(attachmentId)?.tgwOwnerId ?? null) : null)
  );
}

export function transitRouteChecks(hop: TransitHop, route: Route, via: string): Check[] {
  const t = hop.facts.transit;
  const tgwId = route.targetId;
  const ids = [hop.tableId, tgwId];
  const done = (status: Check['status'], detail: string, more: string[] = []): Check[] => [
    { component: hop.component, status, resourceIds: [...ids, ...more], detail: `${via}: ${detail}` },
  ];
  if (t.vpcAttachments === null) {
    return done(
      'unknown',
      `the transit gateway's VPC attachments are not in the snapshot: ${call('DescribeTransitGatewayVpcAttachments')} for ${hop.from.vpcId ?? 'this VPC'} decides whether and where it enters ${tgwId}`,
    );
  }
  if (hop.from.vpcId === null) {
    return done(
      'unknown',
      `the VPC of ${hop.from.eniId ?? hop.from.ip} is not known, so neither is its attachment`,
    );
  }
  const entry = vpcAttachmentOf(t, tgwId, hop.from.vpcId);
  if (!entry) {
    return done(
      'block',
      `${hop.from.vpcId} has no attachment to ${tgwId}: resources in an Availability Zone without a transit gateway attachment cannot reach the transit gateway`,
    );
  }
  const entered = entryChecks(hop, t, entry);
  if (entered) return done(entered.status, entered.detail, [entry.id]);
  const rtb = associatedRouteTable(t, tgwId, entry);
  if ('why' in rtb) return done('unknown', rtb.why, [entry.id]);
  const decided = tgwRouteDecision(hop, t, tgwId, entry, rtb.id);
  const az = hop.from.subnetId ? t.subnetAz.get(hop.from.subnetId) : undefined;
  const detail =
    decided.status === 'allow' ? `enters ${tgwId} by ${entry.id} (${az}); ${decided.detail}` : decided.detail;
  return done(decided.status, detail, [entry.id, rtb.id, ...decided.more]);
}

type Decision = { status: Check['status']; detail: string };

/** The entry attachment: forwarding, and with a subnet in the source's Availability Zone. */
function entryChecks(hop: TransitHop, t: TransitFacts, entry: TgwVpcAttachment): Decision | null {
  if (!forwards(entry.state)) {
    return {
      status: 'unknown',
      detail: `${entry.id} is ${entry.state ?? 'in an unknown state'}: only an available attachment is known to forward traffic`,
    };
  }
  if (hop.to.ip.includes(':') && entry.ipv6Support !== 'enable') {
    return {
      status: 'unknown',
      detail: `${hop.to.ip} is IPv6 and IPv6 support of ${entry.id} is ${entry.ipv6Support ?? 'not in the answer'}: an attachment carries IPv6 when Ipv6Support is enabled`,
    };
  }
  const subnet = hop.from.subnetId;
  const az = subnet ? t.subnetAz.get(subnet) : undefined;
  const zones = entry.subnetIds.map((s) => ({ subnet: s, az: t.subnetAz.get(s) }));
  if (az && zones.some((z) => z.az === az)) return null;
  const unknownZone = !az || zones.some((z) => z.az === undefined);
  if (unknownZone) {
    return {
      status: 'unknown',
      detail: `the Availability Zone of ${subnet ?? hop.from.ip} or of the subnets of ${entry.id} (${entry.subnetIds.join(', ') || 'none'}) is not in the DescribeSubnets answer: traffic enters a transit gateway only where its attachment has a subnet in the same Availability Zone`,
    };
  }
  const where = zones.map((z) => `${z.subnet} in ${z.az}`).join(', ') || 'no subnet';
  return {
    status: 'block',
    detail: `${subnet} is in ${az}, but ${entry.id} has ${where}: resources in an Availability Zone where the attachment has no subnet cannot reach the transit gateway`,
  };
}

/** The route table associated with the attachment the traffic enters by, or why it is not known. */
function associatedRouteTable(
  t: TransitFacts,
  tgwId: string,
  entry: TgwVpcAttachment,
): { id: string } | { why: string } {
  const known = t.attachments?.get(entry.id);
  if (known?.routeTableId) return { id: known.routeTableId };
  const byAssociation = [...t.routeTables.values()].find((r) => r.associations?.includes(entry.id));
  if (byAssociation) return { id: byAssociation.id };
  if (known) {
    return {
      why: `${entry.id} is associated with no route table of ${tgwId} in the DescribeTransitGatewayAttachments answer: the transit gateway routes traffic from an attachment by its associated route table (its owner, account ${ownerOf(t, tgwId, entry.id) ?? 'unknown'}, can tell)`,
    };
  }
  return {
    why: `the route table associated with ${entry.id} is not known: ${call('DescribeTransitGatewayAttachments')} answers it`,
  };
}

/** Why a route table's routes are not in the snapshot, naming the account and call that read them. */
function unreadable(t: TransitFacts, tgwId: string, entry: TgwVpcAttachment, rtbId: string): string {
  const owner = ownerOf(t, tgwId, entry.id);
  const shared = owner !== null && entry.vpcOwnerId !== null && owner !== entry.vpcOwnerId;
  const who = owner ? `account ${owner}` : 'the account that owns it (DescribeTransitGateways names it)';
  const why =
    t.listedRouteTables === null
      ? `${call('DescribeTransitGatewayRouteTables')} is not in the snapshot`
      : !t.listedRouteTables.has(rtbId)
        ? `DescribeTransitGatewayRouteTables did not list it${shared ? `: ${tgwId} is shared with account ${entry.vpcOwnerId} (AWS RAM), and only the owner can read its route tables` : ''}`
        : `its ${call('SearchTransitGatewayRoutes')} answer is not in the snapshot`;
  return `the routes of ${rtbId} are not readable here (${why}); ${call('SearchTransitGatewayRoutes')} run with the credentials of ${who} decides this hop`;
}

/** Route priority on a tie (Route evaluation order): static, prefix-list references, propagated. */
function rank(r: TgwRoute): number {
  if (r.type === 'static') return r.prefixListId ? 1 : 0;
  return r.type === 'propagated' ? 2 : 3;
}

interface Match {
  best: TgwRoute | null;
  /** Routes whose prefix list entries were not read: one of them might match more specifically. */
  unresolved: string[];
  /** Equally good routes to different targets. */
  ambiguous: boolean;
}

function bestRoute(facts: NetFacts, routes: TgwRoute[], ip: Ip): Match {
  let bestLen = -1;
  let tied: TgwRoute[] = [];
  const unresolved: string[] = [];
  for (const r of routes) {
    if (r.state !== 'active' && r.state !== 'blackhole') continue;
    const cidrs = r.cidr
      ? [r.cidr]
      : r.prefixListId
        ? (facts.prefixLists?.get(r.prefixListId)?.cidrs ?? null)
        : [];
    if (cidrs === null) {
      unresolved.push(r.prefixListId!);
      continue;
    }
    for (const c of cidrs) {
      if (!cidrContains(c, ip) || c.prefix < bestLen) continue;
      if (c.prefix > bestLen) tied = [];
      bestLen = c.prefix;
      tied.push(r);
    }
  }
  const top = Math.min(...tied.map(rank));
  const winners = tied.filter((r) => rank(r) === top);
  const target = (r: TgwRoute) => `${r.state}|${r.targets.map((x) => x.attachmentId).join(',')}`;
  return {
    best: winners[0] ?? null,
    unresolved,
    ambiguous: new Set(winners.map(target)).size > 1,
  };
}

/** The decisive route of the associated table, and whether it delivers to the far VPC. */
function tgwRouteDecision(
  hop: TransitHop,
  t: TransitFacts,
  tgwId: string,
  entry: TgwVpcAttachment,
  rtbId: string,
): Decision & { more: string[] } {
  const table = t.routeTables.get(rtbId);
  const ip = parseIp(hop.to.ip);
  if (!table?.routes || !ip)
    return { status: 'unknown', detail: unreadable(t, tgwId, entry, rtbId), more: [] };
  const m = bestRoute(hop.facts, table.routes, ip);
  const maxPrefix = ip.family === 4 ? 32 : 128;
  // Nothing unseen can beat a static host route; anything less may be beaten by a route not returned.
  const settled = m.best?.cidr?.prefix === maxPrefix && rank(m.best) === 0;
  if (m.unresolved.length || (table.truncated && !settled)) {
    const why = m.unresolved.length
      ? `it routes through prefix list(s) ${m.unresolved.join(', ')} whose entries were not read`
      : `SearchTransitGatewayRoutes stopped at its 1,000-route limit (AdditionalRoutesAvailable) and ${m.best ? `the best route returned, ${m.best.destination}, may be beaten by one not returned` : 'no returned route matches'}`;
    return {
      status: 'unknown',
      detail: `${rtbId} decides ${hop.to.ip} but ${why}; the routes for ${hop.to.ip} alone (SearchTransitGatewayRoutes with the filter route-search.longest-prefix-match, in the account owning ${tgwId}) would decide it`,
      more: [],
    };
  }
  if (!m.best) return { status: 'block', detail: noRoute(hop, t, tgwId, rtbId), more: [] };
  if (m.ambiguous) {
    return {
      status: 'unknown',
      detail: `${rtbId} has equally specific routes to ${m.best.destination} with different targets (equal-cost paths): which one carries a flow is not decided`,
      more: [],
    };
  }
  return deliveryDecision(hop, t, rtbId, m.best);
}

function noRoute(hop: TransitHop, t: TransitFacts, tgwId: string, rtbId: string): string {
  const far = hop.to.vpcId ? vpcAttachmentOf(t, tgwId, hop.to.vpcId) : undefined;
  const props = t.routeTables.get(rtbId)?.propagations;
  const hint =
    far && props && !props.includes(far.id)
      ? ` (${far.id} of ${hop.to.vpcId} does not propagate into it, and no static route covers ${hop.to.ip})`
      : '';
  return `${rtbId}, the route table associated with the attachment the traffic enters by, has no route to ${hop.to.ip} (${hop.toWhat})${hint}`;
}

const NOT_FOLLOWED: Record<string, string> = {
  peering: 'a peering attachment to another transit gateway, whose route tables are not read',
  'tgw-peering': 'a peering attachment to another transit gateway, whose route tables are not read',
  vpn: 'a Site-to-Site VPN attachment',
  connect: 'a Connect attachment (an SD-WAN or third-party appliance)',
  'direct-connect-gateway': 'a Direct Connect gateway attachment',
  'network-function': 'a network function (firewall) attachment',
};

/** The route's attachment must be the far VPC's, and available. */
function deliveryDecision(
  hop: TransitHop,
  t: TransitFacts,
  rtbId: string,
  r: TgwRoute,
): Decision & { more: string[] } {
  const via = `${rtbId} routes ${hop.to.ip} via ${r.destination} (${r.type ?? 'route'})`;
  if (r.state === 'blackhole') {
    return { status: 'block', detail: `${via}, a blackhole route: the transit gateway drops it`, more: [] };
  }
  const targets = r.targets.filter((x) => x.attachmentId);
  const more = targets.map((x) => x.attachmentId!);
  const first = targets[0];
  if (!first) return { status: 'unknown', detail: `${via} to no attachment named in the answer`, more };
  const other = targets.find((x) => x.resourceType !== 'vpc' || x.resourceId !== hop.to.vpcId);
  if (other) {
    const kind = NOT_FOLLOWED[other.resourceType ?? ''];
    const what =
      kind ??
      `the attachment of ${other.resourceId ?? 'another resource'} (${other.resourceType ?? 'unknown type'}), not of ${hop.to.vpcId ?? 'the far VPC'}: an inspection or shared-services VPC forwards on its own routes, which are not followed`;
    return {
      status: 'unknown',
      detail: `${via} → ${other.attachmentId}, ${kind ? `${kind}: forwarding past it is not followed` : what}`,
      more,
    };
  }
  const exit = (t.vpcAttachments ?? []).find((a) => a.id === first.attachmentId);
  if (exit && !forwards(exit.state)) {
    return {
      status: 'unknown',
      detail: `${via} → ${exit.id}, which is ${exit.state ?? 'in an unknown state'}: only an available attachment is known to forward traffic`,
      more,
    };
  }
  const appliance =
    exit?.applianceMode === 'enable' ? ' (appliance mode: one Availability Zone per flow)' : '';
  return { status: 'allow', detail: `${via} → ${first.attachmentId} (${hop.to.vpcId})${appliance}`, more };
}
