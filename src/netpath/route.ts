// Routing: longest-prefix match in the subnet's route table (or the VPC's main table). The local
// route covers the VPC's CIDRs; a pcx- route needs an active peering joining the two VPCs;
// blackhole routes drop; a transit gateway is followed through its route tables (transit.ts). Pure.
import { cidrContains, parseIp } from './cidr.js';
import { EC2_KEYS, type NetFacts, type Peering, type Route, type RouteTable } from './facts.js';
import { middleboxRouteChecks } from './middlebox-route.js';
import { activePeeringBetween, peeringBetween, peeringJoins } from './peering.js';
import { transitRouteChecks } from './transit.js';
import type { Check, Endpoint } from './types.js';

type RouteComponent = 'client-route' | 'hsm-return-route';

interface TableIndex {
  length: number;
  /** Per subnet, the first table (in answer order) associated with it. */
  bySubnet: Map<string, RouteTable>;
  /** Per VPC (null included), its first main table. */
  main: Map<string | null, RouteTable>;
}
const tableIndexes = new WeakMap<readonly RouteTable[], TableIndex>();

/** Built once per list (rebuilt if the list grew or shrank): every path of an estate asks it twice. */
function tableIndex(tables: readonly RouteTable[]): TableIndex {
  const known = tableIndexes.get(tables);
  if (known && known.length === tables.length) return known;
  const index: TableIndex = { length: tables.length, bySubnet: new Map(), main: new Map() };
  for (const t of tables) {
    for (const s of t.subnetIds) if (!index.bySubnet.has(s)) index.bySubnet.set(s, t);
    if (t.main && !index.main.has(t.vpcId)) index.main.set(t.vpcId, t);
  }
  tableIndexes.set(tables, index);
  return index;
}

export function routeTableFor(
  facts: NetFacts,
  subnetId: string | null,
  vpcId: string | null,
): RouteTable | null {
  const index = tableIndex(facts.routeTables ?? []);
  const explicit = subnetId ? index.bySubnet.get(subnetId) : undefined;
  if (explicit) return explicit;
  const vpc = vpcId ?? (subnetId ? (facts.subnets?.get(subnetId)?.vpcId ?? null) : null);
  return index.main.get(vpc) ?? null;
}

export function longestMatch(
  facts: NetFacts,
  table: RouteTable,
  ip: string,
): { route: Route | null; unresolved: string[] } {
  const addr = parseIp(ip);
  let best: Route | null = null;
  let bestLen = -1;
  const unresolved: string[] = [];
  if (!addr) return { route: null, unresolved };
  for (const r of table.routes) {
    if (r.cidr) {
      if (cidrContains(r.cidr, addr) && r.cidr.prefix > bestLen) {
        best = r;
        bestLen = r.cidr.prefix;
      }
    } else if (r.prefixListId) {
      const entries = facts.prefixLists?.get(r.prefixListId);
      if (!entries) {
        unresolved.push(r.prefixListId);
        continue;
      }
      for (const c of entries.cidrs) {
        if (cidrContains(c, addr) && c.prefix > bestLen) {
          best = r;
          bestLen = c.prefix;
        }
      }
    }
  }
  return { route: best, unresolved };
}

/** The route(s) from `from`'s subnet to `to`'s address; may add a `peering` check. */
export function routeChecks(
  facts: NetFacts,
  from: Endpoint,
  to: Endpoint,
  component: RouteComponent,
): Check[] {
  if (facts.routeTables === null) {
    return [
      {
        component,
        status: 'unknown',
        resourceIds: [],
        detail: `${EC2_KEYS.routeTables} is not in the snapshot`,
        missing: EC2_KEYS.routeTables,
      },
    ];
  }
  const table = routeTableFor(facts, from.subnetId, from.vpcId);
  if (!table) {
    return [
      {
        component,
        status: 'unknown',
        resourceIds: from.subnetId ? [from.subnetId] : [],
        detail: `no route table of ${from.subnetId ?? from.ip} (nor a main table of its VPC) is in the snapshot`,
      },
    ];
  }
  const { route, unresolved } = longestMatch(facts, table, to.ip);
  // An unread prefix list might hold a longer match than anything seen: no route can be trusted.
  if (unresolved.length > 0) {
    return [
      {
        component,
        status: 'unknown',
        resourceIds: [table.id, ...unresolved],
        detail: `${table.id} routes through prefix list(s) ${unresolved.join(', ')} whose entries were not read`,
      },
    ];
  }
  const path: RoutePath = {
    facts,
    from,
    to,
    component,
    table,
    toWhat: component === 'client-route' ? 'the HSM' : 'the client',
    sameVpc: from.vpcId !== null && from.vpcId === to.vpcId,
  };
  return route ? matchedRouteChecks(path, route) : noRouteChecks(path);
}

/** One direction of one path, once its route table is known. */
interface RoutePath {
  facts: NetFacts;
  from: Endpoint;
  to: Endpoint;
  component: RouteComponent;
  table: RouteTable;
  /** How messages name the far end. */
  toWhat: string;
  sameVpc: boolean;
}

/** The table and the route's target (when it has one): what a finding points at. */
const routeIds = (path: RoutePath, r: Route) => [
  path.table.id,
  ...(r.targetId !== 'none' ? [r.targetId] : []),
];

function noRouteChecks(path: RoutePath): Check[] {
  const { component, table, to } = path;
  // Every VPC has a local route even when the table as read does not list it.
  if (path.sameVpc)
    return [
      {
        component,
        status: 'allow',
        resourceIds: [table.id],
        detail: `${to.ip} is in the VPC: the local route applies`,
      },
    ];
  return [
    {
      component,
      status: 'block',
      resourceIds: [table.id],
      detail: `${table.id} has no route to ${to.ip} (${path.toWhat}, in ${to.vpcId ?? 'another VPC'})`,
      ...peeringFix(path.facts, table, path.from, to, false),
    },
  ];
}

/** Decides by the kind of target the longest match sends traffic to. */
function matchedRouteChecks(path: RoutePath, route: Route): Check[] {
  const { component, table, to } = path;
  const via = `${table.id} routes ${to.ip} via ${route.destination} → ${route.targetId}`;
  if (route.blackhole) {
    return [
      {
        component,
        status: 'block',
        resourceIds: routeIds(path, route),
        detail: `${via}, a blackhole route (its target is gone)`,
        ...peeringFix(path.facts, table, path.from, to, true, route.destination),
      },
    ];
  }
  if (route.targetKind === 'GatewayId' && route.targetId === 'local') return localRouteChecks(path, via);
  if (route.targetKind === 'VpcPeeringConnectionId') return peeringRouteChecks(path, route, via);
  // Transit gateways: attachments, their route tables and Availability Zones, see transit.ts.
  if (route.targetKind === 'TransitGatewayId')
    return transitRouteChecks({ ...path, tableId: table.id }, route, via);
  // NAT gateways, appliances and Gateway Load Balancer endpoints: see middlebox-route.ts.
  const middlebox = middleboxRouteChecks({ ...path, route, via });
  if (middlebox) return middlebox;
  const id = route.targetId;
  if (/^(igw-|eigw-)/.test(id) || route.targetKind === 'EgressOnlyInternetGatewayId') {
    return [
      {
        component,
        status: 'block',
        resourceIds: routeIds(path, route),
        detail: `${via}: private traffic to ${path.toWhat} goes to an internet gateway and never arrives`,
        ...peeringFix(path.facts, table, path.from, to, false),
      },
    ];
  }
  return [
    {
      component,
      status: 'unknown',
      resourceIds: routeIds(path, route),
      detail: `${via} (${route.targetKind}): an appliance, VPN or endpoint whose forwarding hsmwatch cannot follow`,
    },
  ];
}

function localRouteChecks(path: RoutePath, via: string): Check[] {
  const { component, table, to } = path;
  if (path.sameVpc || to.vpcId === null)
    return [{ component, status: 'allow', resourceIds: [table.id], detail: `${via} (local)` }];
  // The far end's address matched our own CIDR, so the packet never leaves this VPC.
  return [
    {
      component,
      status: 'block',
      resourceIds: [table.id],
      detail: `${to.ip} falls inside this VPC's own CIDR (local route) but ${path.toWhat} is in ${to.vpcId}: overlapping CIDRs cannot be routed across VPCs`,
    },
  ];
}

/** A pcx- route: the connection must exist, join these two VPCs, and be active (its own check). */
function peeringRouteChecks(path: RoutePath, route: Route, via: string): Check[] {
  const { component, facts, from, to } = path;
  const resourceIds = routeIds(path, route);
  if (facts.peerings === null) {
    return [
      {
        component,
        status: 'unknown',
        resourceIds,
        detail: `${via}; ${EC2_KEYS.peerings} is not in the snapshot`,
        missing: EC2_KEYS.peerings,
      },
    ];
  }
  const p = facts.peerings.get(route.targetId);
  if (!p)
    return [
      {
        component,
        status: 'block',
        resourceIds,
        detail: `${via}, a peering connection that does not exist (any more)`,
      },
    ];
  if (from.vpcId && to.vpcId && !peeringJoins(p, from.vpcId, to.vpcId)) {
    return [
      {
        component,
        status: 'block',
        resourceIds,
        detail: `${via}, which joins ${p.requester.vpcId} and ${p.accepter.vpcId}, not ${to.vpcId}`,
      },
    ];
  }
  return [{ component, status: 'allow', resourceIds, detail: via }, peeringStatusCheck(p)];
}

/** The route itself is right; whether the peering carries traffic is reported on its own. */
function peeringStatusCheck(p: Peering): Check {
  if (p.status === 'active')
    return { component: 'peering', status: 'allow', resourceIds: [p.id], detail: `${p.id} is active` };
  return {
    component: 'peering',
    status: 'block',
    resourceIds: [p.id],
    detail: `${p.id} is ${p.status}, not active`,
    // A new peering needs both VPC ids; without them there is no complete command to offer.
    ...(p.status === 'pending-acceptance'
      ? { fix: { kind: 'accept-peering' as const, peeringId: p.id } }
      : p.requester.vpcId && p.accepter.vpcId
        ? { fix: { kind: 'create-peering' as const, vpcId: p.requester.vpcId, peerVpcId: p.accepter.vpcId } }
        : {}),
  };
}

/** Route through the active peering between the VPCs, if one exists; else create the peering. */
function peeringFix(
  facts: NetFacts,
  table: RouteTable,
  from: Endpoint,
  to: Endpoint,
  replace: boolean,
  destination?: string,
): Pick<Check, 'fix'> {
  if (!from.vpcId || !to.vpcId || from.vpcId === to.vpcId) return {};
  const dest =
    destination ??
    (to.subnetId
      ? facts.subnets?.get(to.subnetId)?.cidrs.find((c) => c.includes(':') === to.ip.includes(':'))
      : undefined) ??
    `${to.ip}/${to.ip.includes(':') ? 128 : 32}`;
  const active = activePeeringBetween(facts, from.vpcId, to.vpcId);
  if (active)
    return {
      fix: { kind: 'route', routeTableId: table.id, destination: dest, peeringId: active.id, replace },
    };
  const any = peeringBetween(facts, from.vpcId, to.vpcId);
  if (any?.status === 'pending-acceptance') return { fix: { kind: 'accept-peering', peeringId: any.id } };
  return { fix: { kind: 'create-peering', vpcId: from.vpcId, peerVpcId: to.vpcId } };
}
