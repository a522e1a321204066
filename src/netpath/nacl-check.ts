// One network ACL check of a path: a subnet's ACL in one direction towards one peer address. Pure.
import { hostCidr } from './cidr.js';
import { EC2_KEYS, type NetFacts } from './facts.js';
import { freeRuleNumber, naclDecide, naclForSubnet } from './nacl.js';
import { formatRanges, type PortRange } from './ranges.js';
import type { Check, Component, Endpoint } from './types.js';

/** One NACL direction; `ports` is the service port or the whole ephemeral range. */
export function naclCheck(
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
