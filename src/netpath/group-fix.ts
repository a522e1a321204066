// One fix for many paths that fail on the same component: per-address, per-port fixes become the
// fewest rules that still cover every path (the HSM subnets instead of each HSM's /32, one port
// range instead of pieces). Exact: every widened rule sits before every rule that denied a path it
// covers, and only requested ports or the addresses' own subnets are added. Pure.
import { type Cidr, parseCidr } from './cidr.js';
import type { Nacl, NetFacts } from './facts.js';
import { freeRuleNumber } from './nacl.js';
import { type PortRange, subtract } from './ranges.js';
import { mergeFixes } from './remediation.js';
import type { Fix } from './types.js';

export interface GroupFixOptions {
  /** A peer's host CIDR (`10.0.1.12/32`) → the subnet CIDRs that replace it (same family). */
  widen: ReadonlyMap<string, readonly string[]>;
  /** The ports the traffic needs: a gap between two fixed ranges is closed only inside these. */
  requested: readonly PortRange[];
  nacls: readonly Nacl[] | null;
}

export function groupFixes(fixes: readonly Fix[], o: GroupFixOptions): Fix[] {
  const widened = fixes.flatMap((f) => widenFix(f, o.widen));
  const merged = mergeFixes(widened);
  const out: Fix[] = [];
  for (const f of merged) {
    if (f.kind === 'sg-rule') out.push({ ...f, ports: closeGaps(f.ports, o.requested) });
    else if (f.kind !== 'nacl-entry') out.push(f);
  }
  // NACL entries of one ACL and direction: one range set for all their CIDRs, numbered below every
  // number the per-path fixes chose (each of those is below the rule that denied its path).
  const byAcl = new Map<string, Array<Extract<Fix, { kind: 'nacl-entry' }>>>();
  for (const f of merged) {
    if (f.kind !== 'nacl-entry') continue;
    const k = `${f.naclId}|${f.egress}`;
    byAcl.set(k, [...(byAcl.get(k) ?? []), f]);
  }
  for (const group of byAcl.values()) out.push(...naclGroup(group, o));
  return out;
}

function widenFix(f: Fix, widen: GroupFixOptions['widen']): Fix[] {
  if (f.kind === 'nacl-entry') {
    const to = widen.get(f.cidr);
    return to?.length ? aggregate(to).map((cidr) => ({ ...f, cidr })) : [f];
  }
  if (f.kind === 'sg-rule' && 'cidr' in f.peer) {
    const to = widen.get(f.peer.cidr);
    return to?.length ? aggregate(to).map((cidr) => ({ ...f, peer: { cidr } })) : [f];
  }
  return [f];
}

function naclGroup(group: Array<Extract<Fix, { kind: 'nacl-entry' }>>, o: GroupFixOptions): Fix[] {
  const first = group[0]!;
  const nacl = o.nacls?.find((n) => n.id === first.naclId);
  const entries = group.flatMap((g) => g.entries);
  const below = Math.min(...entries.map((e) => e.ruleNumber)) + 1;
  const ranges = closeGaps(
    entries.map((e) => e.range),
    o.requested,
  );
  const cidrs = aggregate(group.map((g) => g.cidr));
  if (!nacl) return group;
  const taken = new Set<number>();
  const out: Fix[] = [];
  for (const cidr of cidrs) {
    const numbered: Array<{ ruleNumber: number; range: PortRange }> = [];
    for (const range of ranges) {
      const n = freeRuleNumber(nacl, first.egress, below, taken);
      if (n === null) return group; // no room before the denying rules: keep the per-path fixes
      taken.add(n);
      numbered.push({ ruleNumber: n, range });
    }
    out.push({ ...first, cidr, entries: numbered });
  }
  return out;
}

/** Sorted, overlapping and adjacent ranges joined, and gaps closed where every gap port is requested. */
export function closeGaps(ranges: readonly PortRange[], requested: readonly PortRange[]): PortRange[] {
  const sorted = [...ranges].sort((a, b) => a.from - b.from);
  const out: PortRange[] = [];
  for (const r of sorted) {
    const last = out[out.length - 1];
    if (last && (r.from <= last.to + 1 || gapRequested(last.to + 1, r.from - 1, requested)))
      last.to = Math.max(last.to, r.to);
    else out.push({ ...r });
  }
  return out;
}

/** Every port of the gap is one the traffic needs (so closing it opens nothing else). */
const gapRequested = (from: number, to: number, requested: readonly PortRange[]) =>
  requested.reduce<PortRange[]>((left, q) => subtract(left, q), [{ from, to }]).length === 0;

/** Exact CIDR aggregation: siblings that together are exactly their parent merge, repeatedly (IPv4). */
export function aggregate(cidrs: readonly string[]): string[] {
  const unique = [...new Set(cidrs)];
  const v4 = unique.map((c) => ({ text: c, cidr: parseCidr(c) })).filter((x) => x.cidr?.family === 4);
  if (v4.length < 2) return unique;
  const blocks = v4
    .map((x) => x.cidr!)
    .filter((c, _, all) => !all.some((o) => o !== c && o.prefix < c.prefix && contains(o, c)));
  let changed = true;
  while (changed) {
    changed = false;
    blocks.sort((a, b) => Number(a.base - b.base) || a.prefix - b.prefix);
    for (let i = 0; i + 1 < blocks.length; i++) {
      const a = blocks[i]!;
      const b = blocks[i + 1]!;
      if (a.prefix === b.prefix && a.prefix > 0) {
        const size = 1n << BigInt(32 - a.prefix);
        if (a.base % (size * 2n) === 0n && b.base === a.base + size) {
          blocks.splice(i, 2, v4Cidr(a.base, a.prefix - 1));
          changed = true;
          break;
        }
      }
    }
  }
  const others = unique.filter((c) => parseCidr(c)?.family !== 4);
  return [...blocks.map(formatV4), ...others];
}

const contains = (outer: Cidr, inner: Cidr) => inner.base >= outer.base && inner.last <= outer.last;

function v4Cidr(base: bigint, prefix: number): Cidr {
  return parseCidr(`${formatAddress(base)}/${prefix}`)!;
}

const formatAddress = (n: bigint) => [24n, 16n, 8n, 0n].map((s) => String((n >> s) & 255n)).join('.');
const formatV4 = (c: Cidr) => `${formatAddress(c.base)}/${c.prefix}`;

/**
 * NACL fixes of different findings must not propose the same rule number in one ACL (the second
 * command would fail): numbers are handed out once per ACL and direction, below the denying rule.
 */
export function ruleNumberAllocator(facts: NetFacts): (fix: Fix) => Fix {
  const taken = new Map<string, Set<number>>();
  return (fix) => {
    if (fix.kind !== 'nacl-entry') return fix;
    const nacl = facts.nacls?.find((n) => n.id === fix.naclId);
    const key = `${fix.naclId}|${fix.egress}`;
    const used = taken.get(key) ?? new Set<number>();
    taken.set(key, used);
    const entries = fix.entries.map((e) => {
      const n =
        nacl && used.has(e.ruleNumber)
          ? (freeRuleNumber(nacl, fix.egress, e.ruleNumber, used) ?? e.ruleNumber)
          : e.ruleNumber;
      used.add(n);
      return { ...e, ruleNumber: n };
    });
    return { ...fix, entries };
  };
}
