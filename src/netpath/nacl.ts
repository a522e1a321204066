// Network ACLs: stateless, rules in ascending RuleNumber, first match wins, deny when nothing
// matches (the API lists that catch-all as rule 32767). IPv4 and IPv6 entries are separate. Pure.
import { cidrContains, parseIp } from './cidr.js';
import type { Nacl, NaclEntry, NetFacts } from './facts.js';
import { intersect, type PortRange, subtract } from './ranges.js';

export interface NaclDecision {
  allowed: Array<{ range: PortRange; rule: number }>;
  /** `rule` null: no entry matched (the implicit deny). */
  denied: Array<{ range: PortRange; rule: number | null }>;
}

interface NaclIndex {
  length: number;
  /** Per subnet, the first ACL (in answer order) associated with it. */
  bySubnet: Map<string, Nacl>;
  /** Per VPC, its first default ACL. */
  defaults: Map<string, Nacl>;
}
const indexes = new WeakMap<readonly Nacl[], NaclIndex>();

/** Built once per list (rebuilt if the list grew or shrank): every path of an estate asks it twice. */
function naclIndex(nacls: readonly Nacl[]): NaclIndex {
  const known = indexes.get(nacls);
  if (known && known.length === nacls.length) return known;
  const index: NaclIndex = { length: nacls.length, bySubnet: new Map(), defaults: new Map() };
  for (const n of nacls) {
    for (const s of n.subnetIds) if (!index.bySubnet.has(s)) index.bySubnet.set(s, n);
    if (n.isDefault && n.vpcId !== null && !index.defaults.has(n.vpcId)) index.defaults.set(n.vpcId, n);
  }
  indexes.set(nacls, index);
  return index;
}

/** The subnet's explicitly associated NACL, else its VPC's default NACL. */
export function naclForSubnet(
  facts: NetFacts,
  subnetId: string,
  vpcId: string | null,
): { nacl: Nacl; implicit: boolean } | { nacl: null; why: string } {
  const nacls = facts.nacls ?? [];
  const index = naclIndex(nacls);
  const explicit = index.bySubnet.get(subnetId);
  if (explicit) return { nacl: explicit, implicit: false };
  const vpc = vpcId ?? facts.subnets?.get(subnetId)?.vpcId ?? null;
  if (!vpc)
    return { nacl: null, why: `the VPC of ${subnetId} is not known, so neither is its default network ACL` };
  const def = index.defaults.get(vpc);
  if (def) return { nacl: def, implicit: true };
  return {
    nacl: null,
    why: `no network ACL of ${subnetId} (nor a default one of ${vpc}) is in the snapshot`,
  };
}

function entryPorts(e: NaclEntry): PortRange | null {
  if (e.protocol === '-1' || e.protocol === 'all') return { from: 0, to: 65535 };
  if (e.protocol !== '6' && e.protocol !== 'tcp') return null;
  if (e.from === null || e.to === null) return { from: 0, to: 65535 };
  return { from: e.from, to: e.to };
}

/**
 * Decides TCP traffic in one direction between this subnet and `peerIp` for destination ports
 * `ports` (the service port outbound/inbound, the client's ephemeral range for return traffic).
 */
export function naclDecide(nacl: Nacl, egress: boolean, peerIp: string, ports: PortRange): NaclDecision {
  const ip = parseIp(peerIp);
  const out: NaclDecision = { allowed: [], denied: [] };
  let open: PortRange[] = [ports];
  if (ip) {
    for (const e of nacl.entries) {
      if (open.length === 0) break;
      if (e.egress !== egress || !cidrContains(e.cidr, ip)) continue;
      const range = entryPorts(e);
      if (!range) continue;
      for (const r of open) {
        const hit = intersect(r, range);
        if (!hit) continue;
        (e.allow ? out.allowed : out.denied).push({ range: hit, rule: e.ruleNumber });
      }
      open = subtract(open, range);
    }
  }
  for (const r of open) out.denied.push({ range: r, rule: null });
  return out;
}

/** The highest free rule number below `below` (a rule just before the one that denies). */
export function freeRuleNumber(
  nacl: Nacl,
  egress: boolean,
  below: number,
  taken: ReadonlySet<number> = new Set(),
): number | null {
  const used = new Set(nacl.entries.filter((e) => e.egress === egress).map((e) => e.ruleNumber));
  for (let n = Math.min(below, 32767) - 1; n >= 1; n--) if (!used.has(n) && !taken.has(n)) return n;
  return null;
}
