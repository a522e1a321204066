// A route whose target is a middlebox: a NAT gateway, an appliance's network interface (or instance)
// or a Gateway Load Balancer endpoint. The VPC User Guide allows such routes more specific than the
// local route (Subnet route tables › Rules and considerations: "The target must be a NAT gateway,
// network interface, or Gateway Load Balancer endpoint"): the traffic is forwarded to the target, so
// such a route never blocks by itself. What hsmwatch can decide of the target, it decides; an
// appliance's own rules and forwarding it cannot see. Pure.
import { EC2_KEYS, type NetFacts, type Route, type RouteTable } from './facts.js';
import type { NatGateway } from './middlebox-facts.js';
import type { Check, Endpoint } from './types.js';

export interface MiddleboxRoute {
  facts: NetFacts;
  from: Endpoint;
  to: Endpoint;
  component: 'client-route' | 'hsm-return-route';
  table: RouteTable;
  route: Route;
  /** `rtb-… routes <ip> via <destination> → <target>`. */
  via: string;
}

// The far ends of a path's hops past a NAT gateway (its own address as a path end): a route from or
// to one of them that reaches a second middlebox is not followed.
const hopEnds = new WeakSet<Endpoint>();
export const markHopEnd = (e: Endpoint): Endpoint => {
  hopEnds.add(e);
  return e;
};

export type MiddleboxKind = 'nat' | 'appliance' | 'gwlb';

/** The kind of middlebox a route sends traffic to; null for every other target. */
export function middleboxKind(route: Route): MiddleboxKind | null {
  if (route.targetKind === 'NatGatewayId') return 'nat';
  if (route.targetKind === 'NetworkInterfaceId' || route.targetKind === 'InstanceId') return 'appliance';
  if (route.targetKind === 'GatewayId' && route.targetId.startsWith('vpce-')) return 'gwlb';
  return null;
}

/** The checks of a middlebox route, or null when the route's target is no middlebox. */
export function middleboxRouteChecks(m: MiddleboxRoute): Check[] | null {
  const kind = middleboxKind(m.route);
  if (kind === null) return null;
  const { component, via } = m;
  const resourceIds = [m.table.id, m.route.targetId];
  const check = (status: Check['status'], detail: string, extra: Partial<Check> = {}): Check[] => [
    { component, status, resourceIds, detail, ...extra },
  ];
  const where = moreSpecificThanLocal(m.table, m.route) ? ', a route more specific than the local route' : '';
  if (hopEnds.has(m.from) || hopEnds.has(m.to)) {
    return check(
      'unknown',
      `${via}${where}: a second middlebox on a path that already crosses a NAT gateway; hsmwatch follows one`,
    );
  }
  if (kind === 'gwlb') {
    return check(
      'unknown',
      `${via}${where}: Gateway Load Balancer endpoint ${m.route.targetId}; hsmwatch cannot see inside the appliances behind it: their own rules and forwarding decide`,
    );
  }
  if (kind === 'appliance') return applianceChecks(m, where, check);
  if (component === 'hsm-return-route') {
    // The HSM's replies would leave with the NAT gateway's address, to a client that never wrote to it.
    return check(
      'unknown',
      `${via}${where}: the HSM's replies to ${m.to.ip} go through NAT gateway ${m.route.targetId}, which rewrites their source address; the VPC documentation does not say what becomes of replies to a connection the NAT gateway did not carry`,
    );
  }
  const nat = natGatewayOf(m.facts, m.route.targetId);
  if (!nat.ok)
    return check('unknown', `${via}${where}: ${nat.why}`, nat.missing ? { missing: nat.missing } : {});
  const n = nat.nat;
  if (n.state !== 'available')
    return check(
      'block',
      `${via}${where}: NAT gateway ${n.id} is ${n.state ?? 'in no known state'}, not available, so it forwards nothing`,
    );
  if (m.to.ip.includes(':'))
    return check(
      'unknown',
      `${via}${where}: NAT gateway ${n.id} translates IPv6 only to IPv4 destinations (NAT64), not to ${m.to.ip}`,
    );
  return check(
    'allow',
    `${via}${where}: NAT gateway ${n.id} forwards the traffic with its own private address ${n.privateIps.join(', ')} as the source`,
  );
}

type Resolved =
  | { ok: true; nat: NatGateway }
  | { ok: false; why: string; missing?: typeof EC2_KEYS.natGateways };

/** The NAT gateway a route names, with an address to send from (else why it cannot be decided). */
export function natGatewayOf(facts: NetFacts, id: string): Resolved {
  if (facts.natGateways === null)
    return {
      ok: false,
      why: `NAT gateway ${id}: ${EC2_KEYS.natGateways} is not in the snapshot, so neither its state nor the address it sends from is known`,
      missing: EC2_KEYS.natGateways,
    };
  const nat = facts.natGateways.get(id);
  if (!nat) return { ok: false, why: `NAT gateway ${id} is not in the ${EC2_KEYS.natGateways} answer` };
  if (nat.state === 'available' && nat.privateIps.length === 0)
    return { ok: false, why: `the answer gives no private IPv4 address of NAT gateway ${id}` };
  return { ok: true, nat };
}

function applianceChecks(
  m: MiddleboxRoute,
  where: string,
  check: (status: Check['status'], detail: string) => Check[],
): Check[] {
  const id = m.route.targetId;
  // EC2: with source/destination checking on, an interface must be the source or the destination of
  // any traffic it sends or receives; packets addressed to the HSM (or the client) are neither.
  if (m.route.targetKind === 'NetworkInterfaceId' && m.facts.enis?.get(id)?.sourceDestCheck === true) {
    return check(
      'block',
      `${m.via}${where}: appliance ${id} has source/destination checking enabled, so it drops traffic it is neither the source nor the destination of, such as this traffic to ${m.to.ip}; an appliance must have the check disabled`,
    );
  }
  const what = m.route.targetKind === 'InstanceId' ? 'instance' : '';
  return check(
    'unknown',
    `${m.via}${where}: hsmwatch cannot see inside appliance ${what ? `${what} ` : ''}${id}: its own rules and forwarding decide`,
  );
}

/** A local route of the table holds the destination: the route overrides it for part of the VPC. */
function moreSpecificThanLocal(table: RouteTable, route: Route): boolean {
  const c = route.cidr;
  if (!c) return false;
  return table.routes.some(
    (r) =>
      r.targetId === 'local' &&
      r.cidr !== null &&
      r.cidr.family === c.family &&
      r.cidr.prefix < c.prefix &&
      r.cidr.base <= c.base &&
      r.cidr.last >= c.last,
  );
}
