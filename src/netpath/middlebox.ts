// The far side of a path whose route crosses a middlebox (VPC User Guide, "Routing for a middlebox
// appliance"; Subnet route tables › Rules and considerations). A NAT gateway is decided exactly: it
// "maps the source private IPv4 address of the instances to the private IPv4 address of the NAT
// gateway" (NAT gateways), has no security group, sits behind its subnet's network ACL and sends
// from ports 1024-65535, so the HSM side is judged against the NAT gateway's address and the NAT
// subnet's route table and ACL join the path. An appliance or a Gateway Load Balancer endpoint may
// rewrite what it forwards: what the HSM side would deny to the client's own address is then
// undecided, not blocked. Pure.
import type { NetFacts } from './facts.js';
import type { NatGateway } from './middlebox-facts.js';
import { markHopEnd, middleboxKind, natGatewayOf } from './middlebox-route.js';
import { naclCheck } from './nacl-check.js';
import type { PortRange } from './ranges.js';
import { longestMatch, routeChecks, routeTableFor } from './route.js';
import type { Check, Component, Endpoint } from './types.js';

/** NAT gateways use ports 1024-65535 (NAT gateways › NAT gateway basics). */
export const NAT_PORTS: PortRange = { from: 1024, to: 65535 };

export type FarSide =
  | { kind: 'direct' }
  | {
      kind: 'nat';
      nat: NatGateway;
      /** The NAT gateway's addresses: what the HSM side sees as the source. */
      sources: Endpoint[];
      /** The NAT subnet's routes and return-traffic ACL checks. */
      checks: Check[];
      /** The NAT subnet's ACL checks for one service port. */
      perPort(port: number): Check[];
    }
  | {
      kind: 'opaque';
      /** Why the checks of `components` cannot be decided against the client's address. */
      why: string;
      components: ReadonlySet<Component>;
      checks: Check[];
    };

// Past a forwarding appliance, what the HSM receives and what returns to the client is its choice.
const PAST_FORWARD: ReadonlySet<Component> = new Set([
  'hsm-sg-ingress',
  'hsm-nacl-inbound',
  'hsm-nacl-outbound-return',
  'hsm-return-route',
  'client-nacl-inbound-return',
]);
const PAST_RETURN: ReadonlySet<Component> = new Set(['client-nacl-inbound-return']);

/** The route `from`'s table uses towards `to` when its target is a middlebox. */
function middleboxRoute(facts: NetFacts, from: Endpoint, to: Endpoint) {
  if (facts.routeTables === null) return null;
  const table = routeTableFor(facts, from.subnetId, from.vpcId);
  if (!table) return null;
  const { route, unresolved } = longestMatch(facts, table, to.ip);
  if (!route || route.blackhole || unresolved.length) return null;
  const kind = middleboxKind(route);
  return kind ? { kind, id: route.targetId } : null;
}

export function farSide(facts: NetFacts, client: Endpoint, hsm: Endpoint, ephemeral: PortRange): FarSide {
  const forward = middleboxRoute(facts, client, hsm);
  if (!forward) {
    const back = middleboxRoute(facts, hsm, client);
    return back
      ? {
          kind: 'opaque',
          why: `the HSM's replies reach the client through ${back.id}`,
          components: PAST_RETURN,
          checks: [],
        }
      : { kind: 'direct' };
  }
  const opaque = (why: string, checks: Check[] = []): FarSide => ({
    kind: 'opaque',
    why,
    components: PAST_FORWARD,
    checks,
  });
  if (forward.kind !== 'nat') {
    const dropped = facts.enis?.get(forward.id)?.sourceDestCheck === true;
    return opaque(
      dropped
        ? `nothing gets past ${forward.id} (its source/destination checking is enabled)`
        : `past ${forward.id}, what it forwards and from which address is its own choice`,
    );
  }
  const resolved = natGatewayOf(facts, forward.id);
  // The client route's own check says why (unread, unavailable, IPv6).
  if (!resolved.ok || resolved.nat.state !== 'available' || hsm.ip.includes(':'))
    return opaque(`the source address NAT gateway ${forward.id} gives this traffic is not known`);
  const nat = resolved.nat;
  const vpcId = nat.vpcId ?? (nat.subnetId ? (facts.subnets?.get(nat.subnetId)?.vpcId ?? null) : null);
  if (!nat.subnetId || vpcId === null || vpcId !== hsm.vpcId) {
    const check: Check = {
      component: 'client-route',
      status: 'unknown',
      resourceIds: [nat.id],
      detail: nat.subnetId
        ? `past NAT gateway ${nat.id} the traffic leaves its VPC (${vpcId ?? 'not known'}) for ${hsm.vpcId ?? 'the HSM'}; hsmwatch follows a NAT gateway within one VPC only`
        : `the subnet of NAT gateway ${nat.id} is not known, so neither is the route or network ACL past it`,
    };
    return opaque(`the traffic past NAT gateway ${nat.id} is not followed`, [check]);
  }
  return natSide(facts, nat, { subnetId: nat.subnetId, vpcId }, client, hsm, ephemeral);
}

function natSide(
  facts: NetFacts,
  nat: NatGateway,
  at: { subnetId: string | null; vpcId: string },
  client: Endpoint,
  hsm: Endpoint,
  ephemeral: PortRange,
): FarSide {
  // A NAT gateway cannot have a security group: no group reference matches its address.
  const sources = nat.privateIps.map((ip) => markHopEnd({ eniId: nat.eniId, ip, groupIds: [], ...at }));
  const self = sources[0]!;
  const past = (c: Check): Check =>
    c.status === 'allow'
      ? c
      : {
          ...c,
          resourceIds: [...c.resourceIds, nat.id],
          detail: `past NAT gateway ${nat.id} (${at.subnetId}): ${c.detail}`,
        };
  // Network ACLs apply where traffic crosses a subnet boundary.
  const fromClient = at.subnetId !== client.subnetId;
  const toHsm = at.subnetId !== hsm.subnetId;
  const checks = [
    ...routeChecks(facts, self, hsm, 'client-route'),
    ...routeChecks(facts, self, client, 'hsm-return-route'),
    ...(toHsm ? [naclCheck(facts, 'hsm-return-route', self, false, hsm.ip, NAT_PORTS, true)] : []),
    ...(fromClient ? [naclCheck(facts, 'hsm-return-route', self, true, client.ip, ephemeral, true)] : []),
  ].map(past);
  return {
    kind: 'nat',
    nat,
    sources,
    checks,
    perPort(port) {
      const one = { from: port, to: port };
      return [
        ...(fromClient ? [naclCheck(facts, 'client-route', self, false, client.ip, one, false)] : []),
        ...(toHsm ? [naclCheck(facts, 'client-route', self, true, hsm.ip, one, false)] : []),
      ].map(past);
    },
  };
}

/** A check of the HSM side judged against a NAT gateway's address, with the reason in its detail. */
export function seenThroughNat(c: Check, nat: NatGateway, source: Endpoint): Check {
  if (c.status === 'allow') return c;
  const groups =
    c.component === 'hsm-sg-ingress'
      ? ": a NAT gateway has no security group, so a rule referencing the client's group does not match it"
      : '';
  return {
    ...c,
    resourceIds: [...c.resourceIds, nat.id],
    detail: `${c.detail} (through NAT gateway ${nat.id} the HSM sees ${source.ip}, the NAT gateway's private address${groups})`,
  };
}

/** A check the middlebox makes undecidable: what would block the client's address may not apply. */
export function pastOpaque(c: Check, far: Extract<FarSide, { kind: 'opaque' }>): Check {
  if (c.status !== 'block' || !far.components.has(c.component)) return c;
  return {
    component: c.component,
    status: 'unknown',
    resourceIds: c.resourceIds,
    detail: `${c.detail}; undecided: ${far.why}`,
  };
}
