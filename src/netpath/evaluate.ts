// The path evaluator: one client ENI address → one HSM address, every port, every component. Pure.
import { familyOf, hostCidr } from './cidr.js';
import type { NetFacts } from './facts.js';
import { type FarSide, farSide, NAT_PORTS, pastOpaque, seenThroughNat } from './middlebox.js';
import { naclCheck } from './nacl-check.js';
import { type PortRange, toRanges } from './ranges.js';
import { routeChecks } from './route.js';
import { type SgPorts, sgAllowedPorts } from './sg.js';
import { transitAclContext, withTransitAcls } from './transit-nacl.js';
import { type Check, COMPONENTS, type Component, type Endpoint, type PathVerdict } from './types.js';

export const DEFAULT_EPHEMERAL: PortRange = { from: 1024, to: 65535 };

export interface PairInput {
  client: Endpoint;
  hsm: Endpoint;
  ports: readonly number[];
  /** The client's ephemeral (source) port range: return traffic goes to these ports. */
  ephemeral: PortRange;
}

const inRange = (p: number, r: PortRange) => p >= r.from && p <= r.to;

function sgCheck(
  component: Component,
  direction: 'ingress' | 'egress',
  self: Endpoint,
  peer: Endpoint,
  sg: SgPorts,
  port: number,
): Check {
  const groups = self.groupIds ?? [];
  const allowed = sg.allowed.find((a) => inRange(port, a.range));
  if (allowed) {
    // One check per allowing rule, shared by the ports it covers (allocation is the hot path).
    allowed.check ??= {
      component,
      status: 'allow',
      resourceIds: [allowed.groupId],
      detail: `${allowed.groupId} allows TCP ${direction === 'egress' ? 'to' : 'from'} ${peer.ip} (${allowed.how})`,
    };
    return allowed.check;
  }
  const undecided = sg.undecided.find((u) => inRange(port, u.range));
  if (undecided) {
    return {
      component,
      status: 'unknown',
      resourceIds: groups,
      detail: undecided.why,
      ...(sg.missing ? { missing: sg.missing } : {}),
    };
  }
  const who = direction === 'egress' ? `to ${peer.ip}` : `from ${peer.ip}`;
  const notes = sg.notes.length ? `; ${sg.notes.join('; ')}` : '';
  const detail =
    groups.length === 0
      ? `${self.eniId ?? self.ip} has no security group, so nothing is allowed ${direction === 'egress' ? 'out' : 'in'}`
      : `no ${direction} rule of ${groups.join(', ')} allows TCP ${port} ${who}${peer.groupIds?.length ? ` (or its group ${peer.groupIds.join(', ')})` : ''}${notes}`;
  const target = groups[0];
  // Narrowest fix: reference the peer's group (same VPC), else its address alone.
  const peerGroup = peer.groupIds?.[0];
  const sameVpc = self.vpcId !== null && self.vpcId === peer.vpcId;
  return {
    component,
    status: 'block',
    resourceIds: groups,
    detail,
    ...(target
      ? {
          fix: {
            kind: 'sg-rule',
            direction,
            groupId: target,
            peer: sameVpc && peerGroup ? { groupId: peerGroup } : { cidr: hostCidr(peer.ip) },
            ports: [{ from: port, to: port }],
          },
        }
      : {}),
  };
}

const NOT_APPLICABLE = (component: Component, detail: string): Check => ({
  component,
  status: 'allow',
  resourceIds: [],
  detail,
});

function verdictOf(port: number, checks: Check[]): PathVerdict {
  const order = (c: Check) => COMPONENTS.indexOf(c.component);
  const blocked = checks.filter((c) => c.status === 'block').sort((a, b) => order(a) - order(b));
  const unknown = checks.filter((c) => c.status === 'unknown').sort((a, b) => order(a) - order(b));
  const list = blocked.length ? blocked : unknown;
  return {
    port,
    verdict: blocked.length ? 'blocked' : unknown.length ? 'unknown' : 'reachable',
    blockedBy: list.map((c) => ({ component: c.component, resourceIds: c.resourceIds, detail: c.detail })),
    checks,
  };
}

export function evaluatePair(facts: NetFacts, input: PairInput): PathVerdict[] {
  const { client, hsm, ports, ephemeral } = input;
  const family = familyOf(hsm.ip);
  if (client.ip === '' || familyOf(client.ip) !== family) {
    const check: Check = {
      component: 'client-route',
      status: 'block',
      resourceIds: client.eniId ? [client.eniId] : [],
      detail: `the client ENI has no IPv${family} address, so it cannot reach ${hsm.ip}`,
      ...(family === 6 && client.eniId ? { fix: { kind: 'assign-ipv6' as const, eniId: client.eniId } } : {}),
    };
    return ports.map((p) => verdictOf(p, [check]));
  }
  // Port-independent parts first: groups' rules, routes, return traffic.
  const egress = sgAllowedPorts(facts, client, 'egress', hsm);
  const far = farSide(facts, client, hsm, ephemeral);
  // The source the HSM side sees: the client, or past a NAT gateway the NAT gateway's address(es).
  const sides = (far.kind === 'nat' ? far.sources : [client]).map((s) =>
    hsmSide(facts, hsm, s, far, ephemeral),
  );
  const sameSubnet = client.subnetId !== null && client.subnetId === hsm.subnetId;
  const routes = onePeeringCheck([
    ...routeChecks(facts, client, hsm, 'client-route'),
    ...(far.kind === 'direct' ? [] : far.checks),
    ...sides.flatMap((s) => s.returnRoute),
  ]);
  const clientReturn = sameSubnet
    ? NOT_APPLICABLE('client-nacl-inbound-return', SHARED_SUBNET)
    : naclCheck(facts, 'client-nacl-inbound-return', client, false, hsm.ip, ephemeral, true);
  // The route checks are the same for every port: so are the transit gateways they cross.
  const transit = far.kind === 'direct' ? transitAclContext(facts, client, hsm, routes) : null;
  return ports.map((port) => {
    const checks = [
      sgCheck('client-sg-egress', 'egress', client, hsm, egress, port),
      ...sides.map((s) => s.ingress(port)),
      sameSubnet
        ? NOT_APPLICABLE('client-nacl-outbound', SHARED_SUBNET)
        : naclCheck(facts, 'client-nacl-outbound', client, true, hsm.ip, { from: port, to: port }, false),
      ...sides.map((s) => s.naclInbound(port)),
      clientReturn,
      ...sides.map((s) => s.naclReturn),
      ...routes,
      ...(far.kind === 'nat' ? far.perPort(port) : []),
    ];
    const seen = far.kind === 'opaque' ? checks.map((c) => pastOpaque(c, far)) : checks;
    return verdictOf(
      port,
      far.kind === 'direct' ? withTransitAcls(facts, { client, hsm, port, ephemeral }, seen, transit) : seen,
    );
  });
}

const SHARED_SUBNET = 'client and HSM share a subnet: no network ACL applies';

/** Both directions may cross the same peering connection: report it once. */
function onePeeringCheck(routes: Check[]): Check[] {
  const seen = new Set<string>();
  return routes.filter((c) => {
    if (c.component !== 'peering') return true;
    const key = c.resourceIds.join(',');
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** The HSM's checks against one source address (its group rules, its subnet's ACL, its route back). */
interface HsmSide {
  ingress(port: number): Check;
  naclInbound(port: number): Check;
  naclReturn: Check;
  returnRoute: Check[];
}

function hsmSide(
  facts: NetFacts,
  hsm: Endpoint,
  source: Endpoint,
  far: FarSide,
  ephemeral: PortRange,
): HsmSide {
  const ingress = hsmIngress(facts, hsm, source);
  const note = far.kind === 'nat' ? (c: Check) => seenThroughNat(c, far.nat, source) : (c: Check) => c;
  // Network ACLs apply only where the traffic crosses into the HSM's subnet.
  const shared = source.subnetId !== null && source.subnetId === hsm.subnetId;
  const why =
    far.kind === 'nat' ? 'the NAT gateway and the HSM share a subnet: no network ACL applies' : SHARED_SUBNET;
  // The HSM answers the ports the source used: a NAT gateway's own, or the client's ephemeral range.
  const returnPorts = far.kind === 'nat' ? NAT_PORTS : ephemeral;
  return {
    ingress: (port) => note(sgCheck('hsm-sg-ingress', 'ingress', hsm, source, ingress, port)),
    naclInbound: (port) =>
      shared
        ? NOT_APPLICABLE('hsm-nacl-inbound', why)
        : note(naclCheck(facts, 'hsm-nacl-inbound', hsm, false, source.ip, { from: port, to: port }, false)),
    naclReturn: shared
      ? NOT_APPLICABLE('hsm-nacl-outbound-return', why)
      : note(naclCheck(facts, 'hsm-nacl-outbound-return', hsm, true, source.ip, returnPorts, true)),
    returnRoute: routeChecks(facts, hsm, source, 'hsm-return-route').map(note),
  };
}

/** Every HSM of a cluster shares its group: one source's ingress verdict holds for all of them. */
function hsmIngress(facts: NetFacts, hsm: Endpoint, source: Endpoint): SgPorts {
  const key =
    hsm.groupIds === null
      ? null
      : `ingress|${hsm.groupIds.join(',')}|${hsm.vpcId}|${source.ip}|${source.eniId}|${source.vpcId}|${source.groupIds?.join(',')}`;
  let ingress = key ? (facts.memo.get(key) as SgPorts | undefined) : undefined;
  if (!ingress) {
    ingress = sgAllowedPorts(facts, hsm, 'ingress', source);
    if (key) facts.memo.set(key, ingress);
  }
  return ingress;
}

export { toRanges };
