// Security groups: stateful and allow-only. A path needs one egress rule on any of the client ENI's
// groups and one ingress rule on any of the HSM ENI's groups; return traffic is then allowed. Pure.
import { cidrContains, type Ip, parseIp } from './cidr.js';
import { EC2_KEYS, type GroupRef, type NetFacts, type SgRule } from './facts.js';
import { activePeeringBetween, peeringBetween } from './peering.js';
import { ALL_PORTS, type PortRange } from './ranges.js';
import { transitGroupRef } from './transit-sg.js';
import type { Check, Endpoint } from './types.js';

const NO: Match = { kind: 'no' };

export type Match =
  | { kind: 'yes'; how: string }
  | { kind: 'no'; why?: string }
  | { kind: 'unknown'; why: string };

export interface SgPorts {
  /** Ports some rule allows to/from the peer, with the rule that does. */
  allowed: Array<{ range: PortRange; groupId: string; how: string; check?: Check }>;
  /** Ports a rule might allow, undecidable from the data. */
  undecided: Array<{ range: PortRange; why: string }>;
  /** Why rules that look relevant do not apply (e.g. a reference across inter-region peering). */
  notes: string[];
  missing?: typeof EC2_KEYS.sgs;
}

function protocolRange(rule: SgRule): PortRange | null {
  if (rule.protocol === '-1' || rule.protocol === 'all') return ALL_PORTS;
  if (rule.protocol !== 'tcp' && rule.protocol !== '6') return null;
  if (rule.fromPort === null || rule.toPort === null || rule.fromPort === -1) return ALL_PORTS;
  return { from: rule.fromPort, to: rule.toPort };
}

/** Does a group reference in a rule of `self`'s group match the ENI at the other end? */
function groupRefMatches(
  ref: GroupRef,
  facts: NetFacts,
  selfVpc: string | null,
  peer: Endpoint,
  direction?: 'ingress' | 'egress',
): Match {
  if (peer.groupIds === null)
    return { kind: 'unknown', why: `the groups of ${peer.eniId ?? peer.ip} are not known` };
  if (!peer.groupIds.includes(ref.groupId)) return NO;
  const label = ref.userId ? `${ref.userId}/${ref.groupId}` : ref.groupId;
  const known = facts.sgs?.get(ref.groupId);
  if (ref.userId && known?.ownerId && known.ownerId !== ref.userId) {
    return {
      kind: 'no',
      why: `${label} names account ${ref.userId} but ${ref.groupId} belongs to ${known.ownerId}`,
    };
  }
  if (ref.peeringStatus === 'deleted') {
    return { kind: 'no', why: `the reference to ${label} is stale: its peering connection was deleted` };
  }
  if (selfVpc === null || peer.vpcId === null) {
    return {
      kind: 'unknown',
      why: `the VPC of the group or the ENI is not known for the reference to ${label}`,
    };
  }
  if (selfVpc === peer.vpcId) return { kind: 'yes', how: `group ${label}` };
  // Across a transit gateway (inbound rules only, when enabled): see transit-sg.ts.
  const viaTgw = transitGroupRef(facts, label, selfVpc, peer.vpcId, direction);
  if (viaTgw) return viaTgw;
  // Across VPCs a reference holds only over an active peering connection in the same region.
  if (facts.peerings === null) {
    return { kind: 'unknown', why: `${label} is in another VPC and the peering connections were not read` };
  }
  const active = activePeeringBetween(facts, selfVpc, peer.vpcId);
  if (!active) {
    const any = peeringBetween(facts, selfVpc, peer.vpcId);
    return {
      kind: 'no',
      why: any
        ? `${label} is referenced across ${any.id}, which is ${any.status}, not active`
        : `${label} is in ${peer.vpcId}, not peered with ${selfVpc}: a group reference needs an active peering`,
    };
  }
  const r1 = active.requester.region;
  const r2 = active.accepter.region;
  if (r1 === null || r2 === null) {
    return {
      kind: 'unknown',
      why: `the regions of ${active.id} are not known; a group reference needs a same-region peering`,
    };
  }
  if (r1 !== r2) {
    return {
      kind: 'no',
      why: `${label} is referenced across inter-region peering ${active.id} (${r1} ↔ ${r2}); AWS does not support security group references across regions: use the peer's CIDR`,
    };
  }
  return { kind: 'yes', how: `group ${label} across ${active.id}` };
}

export function ruleMatchesPeer(
  rule: SgRule,
  facts: NetFacts,
  selfVpc: string | null,
  peer: Endpoint,
  /** The peer's parsed address, when the caller has it already. */
  peerIp?: Ip | null,
  /** Whether the rule is inbound or outbound (references across a transit gateway hold inbound only). */
  direction?: 'ingress' | 'egress',
): Match {
  const ip = peerIp === undefined ? parseIp(peer.ip) : peerIp;
  if (!ip) return NO;
  const cidr = rule.cidrs.find((c) => cidrContains(c, ip));
  if (cidr) return { kind: 'yes', how: 'CIDR' };
  let unknown: Match | null = null;
  let why: string | undefined;
  for (const plId of rule.prefixListIds) {
    const entries = facts.prefixLists?.get(plId);
    if (!entries) {
      unknown ??= { kind: 'unknown', why: `the entries of prefix list ${plId} were not read` };
      continue;
    }
    if (entries.has(ip)) return { kind: 'yes', how: `prefix list ${plId}` };
  }
  for (const ref of rule.groups) {
    const m = groupRefMatches(ref, facts, selfVpc, peer, direction);
    if (m.kind === 'yes') return m;
    if (m.kind === 'unknown') unknown ??= m;
    if (m.kind === 'no' && m.why) why ??= m.why;
  }
  return unknown ?? (why ? { kind: 'no', why } : { kind: 'no' });
}

/** Which ports the groups' rules in one direction allow between this ENI and the peer. */
export function sgAllowedPorts(
  facts: NetFacts,
  self: Endpoint,
  direction: 'ingress' | 'egress',
  peer: Endpoint,
): SgPorts {
  const out: SgPorts = { allowed: [], undecided: [], notes: [] };
  if (facts.sgs === null) {
    out.undecided.push({ range: ALL_PORTS, why: `${EC2_KEYS.sgs} is not in the snapshot` });
    out.missing = EC2_KEYS.sgs;
    return out;
  }
  if (self.groupIds === null) {
    out.undecided.push({
      range: ALL_PORTS,
      why: `the security groups of ${self.eniId ?? self.ip} are not known`,
    });
    return out;
  }
  const peerIp = parseIp(peer.ip);
  for (const groupId of self.groupIds) {
    const g = facts.sgs.get(groupId);
    if (!g) {
      out.undecided.push({ range: ALL_PORTS, why: `${groupId} is not in the snapshot` });
      continue;
    }
    for (const rule of direction === 'ingress' ? g.ingress : g.egress) {
      const range = protocolRange(rule);
      if (!range) continue;
      const m = ruleMatchesPeer(rule, facts, g.vpcId ?? self.vpcId, peer, peerIp, direction);
      if (m.kind === 'yes') out.allowed.push({ range, groupId, how: m.how });
      else if (m.kind === 'unknown') out.undecided.push({ range, why: `${groupId}: ${m.why}` });
      else if (m.why) out.notes.push(`${groupId}: ${m.why}`);
    }
  }
  return out;
}
