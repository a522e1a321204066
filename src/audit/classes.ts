// Interfaces that must share a verdict, evaluated once per class. Exact, not approximate: a path's
// checks read the source through its subnet, its security groups, its address family and its address;
// the address matters only where some rule, entry or route names a block inside the source's subnet
// (one containing the whole subnet, or none of it, treats every address there alike). Interfaces whose
// address falls in such a block are evaluated one by one. Pure.
import { type Cidr, cidrContains, parseCidr, parseIp } from '../netpath/cidr.js';
import { EC2_KEYS, type NetFacts, type NetworkInterface } from '../netpath/facts.js';

export interface SourceClass {
  /** The interface evaluated for all of them. */
  representative: NetworkInterface;
  members: NetworkInterface[];
}

// The answers that hold the sources' own addresses, not rules about them.
const NOT_RULES = new Set<string>([EC2_KEYS.enis, EC2_KEYS.instances, EC2_KEYS.subnets]);
const CIDR_TEXT = /^[0-9a-fA-F:.]+\/\d{1,3}$/;

/**
 * Every CIDR block any stored answer names (security group rules, network ACL entries, routes, prefix
 * lists, transit gateway routes), wherever it sits: what the evaluator could compare an address with.
 */
export function namedBlocks(aws: Record<string, unknown>): Cidr[] {
  const seen = new Set<string>();
  const stack: unknown[] = Object.entries(aws)
    .filter(([k]) => !NOT_RULES.has(k))
    .map(([, v]) => v);
  while (stack.length) {
    const v = stack.pop();
    if (typeof v === 'string') {
      if (CIDR_TEXT.test(v)) seen.add(v);
    } else if (Array.isArray(v)) {
      for (const x of v) stack.push(x);
    } else if (typeof v === 'object' && v !== null) {
      for (const x of Object.values(v)) stack.push(x);
    }
  }
  return [...seen].map(parseCidr).filter((c): c is Cidr => c !== null);
}

/** The named blocks strictly inside each subnet's CIDRs: the only ones that can tell its addresses apart. */
function splittingBlocks(facts: NetFacts, blocks: readonly Cidr[]): Map<string, Cidr[]> {
  // Per family, sorted by first address: a subnet's candidates are the run starting inside it.
  const sorted = { 4: [] as Cidr[], 6: [] as Cidr[] };
  for (const b of blocks) sorted[b.family].push(b);
  for (const list of Object.values(sorted))
    list.sort((a, b) => (a.base < b.base ? -1 : a.base > b.base ? 1 : 0));
  const bySubnet = new Map<string, Cidr[]>();
  for (const subnet of facts.subnets?.values() ?? []) {
    const inside: Cidr[] = [];
    for (const text of subnet.cidrs) {
      const s = parseCidr(text);
      if (!s) continue;
      const list = sorted[s.family];
      for (let i = firstAtOrAfter(list, s.base); i < list.length && list[i]!.base <= s.last; i++) {
        const b = list[i]!;
        if (b.prefix > s.prefix && b.last <= s.last) inside.push(b);
      }
    }
    bySubnet.set(subnet.id, inside);
  }
  return bySubnet;
}

/** The index of the first block whose first address is at or after `base` (binary search). */
function firstAtOrAfter(list: readonly Cidr[], base: bigint): number {
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (list[mid]!.base < base) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** The addresses a path from this interface uses: the primary IPv4 address and the first IPv6 one. */
export function pathAddresses(eni: NetworkInterface): string[] {
  return [eni.privateIps[0], eni.ipv6s[0]].filter((a): a is string => a !== undefined);
}

export function sourceClasses(
  facts: NetFacts,
  aws: Record<string, unknown>,
  sources: readonly NetworkInterface[],
): SourceClass[] {
  const splitting = splittingBlocks(facts, namedBlocks(aws));
  const classes = new Map<string, SourceClass>();
  const alone: SourceClass[] = [];
  for (const eni of sources) {
    const addresses = pathAddresses(eni);
    // An unknown subnet: no promise that its addresses are alike.
    const blocks = eni.subnetId ? splitting.get(eni.subnetId) : undefined;
    const specific =
      blocks === undefined ||
      addresses.some((a) => {
        const ip = parseIp(a);
        return ip === null || blocks.some((b) => cidrContains(b, ip));
      });
    if (specific) {
      alone.push({ representative: eni, members: [eni] });
      continue;
    }
    const key = `${eni.vpcId}|${eni.subnetId}|${eni.groupIds.join(',')}|${eni.privateIps.length > 0}|${eni.ipv6s.length > 0}`;
    const c = classes.get(key);
    if (c) c.members.push(eni);
    else classes.set(key, { representative: eni, members: [eni] });
  }
  return [...classes.values(), ...alone];
}
