// The path evaluator: one client ENI address → one HSM address, every port, every component. Pure.
import { familyOf, hostCidr } from './cidr.js';
import { EC2_KEYS, type NetFacts } from './facts.js';
import { freeRuleNumber, naclDecide, naclForSubnet } from './nacl.js';
import { formatRanges, type PortRange, toRanges } from './ranges.js';
import { routeChecks } from './route.js';
import { type SgPorts, sgAllowedPorts } from './sg.js';
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

/** One NACL direction; `ports` is the service port or the whole ephemeral range. */
function naclCheck(
  facts: NetFacts,
  component: Component,
  subnet: Endpoint,
  egress: boolean,
  peerIp: string,
  ports: PortRange,
  returnPath: boolean,
): Check {
  if (facts.nacls === null) {
    return {
      component,
      status: 'unknown',
      resourceIds: [],
      detail: `${EC2_KEYS.nacls} is not in the snapshot`,
      missing: EC2_KEYS.nacls,
    };
  }
  if (!subnet.subnetId)
    return {
      component,
      status: 'unknown',
      resourceIds: [],
      detail: `the subnet of ${subnet.eniId ?? subnet.ip} is not known`,
    };
  const found = naclForSubnet(facts, subnet.subnetId, subnet.vpcId);
  if (!found.nacl) return { component, status: 'unknown', resourceIds: [subnet.subnetId], detail: found.why };
  const { nacl } = found;
  const d = naclDecide(nacl, egress, peerIp, ports);
  const dir = egress ? 'outbound' : 'inbound';
  if (d.denied.length === 0) {
    // Kept short: an allowing check is on every reachable path and never printed in a finding.
    return {
      component,
      status: 'allow',
      resourceIds: [nacl.id],
      detail: `${nacl.id} allows ${dir} (rule ${d.allowed[0]?.rule})`,
    };
  }
  const what = `${dir} TCP ${egress ? 'to' : 'from'} ${peerIp} on ${returnPath ? `the return ports ${formatRanges([ports])}` : `port ${formatRanges([ports])}`}`;
  const which = `${nacl.id}${found.implicit ? ` (the VPC's default network ACL, used by ${subnet.subnetId})` : ''}`;
  const denials = d.denied.map(
    (x) =>
      `${formatRanges([x.range])} by ${x.rule === null ? 'the implicit deny' : `rule ${x.rule}${x.rule === 32767 ? ' (the catch-all *)' : ''}`}`,
  );
  const partial = d.allowed.length > 0;
  const detail = `${which} denies ${what}: ${partial ? `uncovered ports ${denials.join('; ')}` : denials.join('; ')}${returnPath && partial ? ' (connections fail whenever the client picks such a source port)' : ''}`;
  const taken = new Set<number>();
  const entries = d.denied.map((x) => {
    const n = freeRuleNumber(nacl, egress, x.rule ?? 32767, taken) ?? 1;
    taken.add(n);
    return { ruleNumber: n, range: x.range };
  });
  return {
    component,
    status: 'block',
    resourceIds: [nacl.id],
    detail,
    fix: { kind: 'nacl-entry', naclId: nacl.id, egress, cidr: hostCidr(peerIp), entries },
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
  // Every HSM of a cluster shares its group: one client's ingress verdict holds for all of them.
  const ingressKey =
    hsm.groupIds === null
      ? null
      : `ingress|${hsm.groupIds.join(',')}|${hsm.vpcId}|${client.ip}|${client.eniId}|${client.vpcId}|${client.groupIds?.join(',')}`;
  let ingress = ingressKey ? (facts.memo.get(ingressKey) as SgPorts | undefined) : undefined;
  if (!ingress) {
    ingress = sgAllowedPorts(facts, hsm, 'ingress', client);
    if (ingressKey) facts.memo.set(ingressKey, ingress);
  }
  const sameSubnet = client.subnetId !== null && client.subnetId === hsm.subnetId;
  const routes = [
    ...routeChecks(facts, client, hsm, 'client-route'),
    ...routeChecks(facts, hsm, client, 'hsm-return-route'),
  ];
  // Both directions may cross the same peering connection: report it once.
  const seen = new Set<string>();
  const dedupedRoutes = routes.filter((c) => {
    if (c.component !== 'peering') return true;
    const key = c.resourceIds.join(',');
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
  const returns = sameSubnet
    ? [
        NOT_APPLICABLE('client-nacl-inbound-return', 'client and HSM share a subnet: no network ACL applies'),
        NOT_APPLICABLE('hsm-nacl-outbound-return', 'client and HSM share a subnet: no network ACL applies'),
      ]
    : [
        naclCheck(facts, 'client-nacl-inbound-return', client, false, hsm.ip, ephemeral, true),
        naclCheck(facts, 'hsm-nacl-outbound-return', hsm, true, client.ip, ephemeral, true),
      ];
  return ports.map((port) => {
    const one = { from: port, to: port };
    const nacls = sameSubnet
      ? [
          NOT_APPLICABLE('client-nacl-outbound', 'client and HSM share a subnet: no network ACL applies'),
          NOT_APPLICABLE('hsm-nacl-inbound', 'client and HSM share a subnet: no network ACL applies'),
        ]
      : [
          naclCheck(facts, 'client-nacl-outbound', client, true, hsm.ip, one, false),
          naclCheck(facts, 'hsm-nacl-inbound', hsm, false, client.ip, one, false),
        ];
    const checks = [
      sgCheck('client-sg-egress', 'egress', client, hsm, egress, port),
      sgCheck('hsm-sg-ingress', 'ingress', hsm, client, ingress, port),
      ...nacls,
      ...returns,
      ...dedupedRoutes,
    ];
    return verdictOf(port, checks);
  });
}

export { toRanges };
