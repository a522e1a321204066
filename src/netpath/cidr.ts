// IPv4/IPv6 addresses and CIDR blocks as bigints. Pure; no node:net (the evaluator has no I/O imports).

export interface Cidr {
  family: 4 | 6;
  /** Network address with host bits cleared. */
  base: bigint;
  prefix: number;
  /** First and last address, as numbers (exact for IPv4; IPv6 compares the bigints). */
  lo: number;
  hi: number;
  last: bigint;
}

export interface Ip {
  family: 4 | 6;
  value: bigint;
  /** The value as a number: exact for IPv4, for fast comparisons. */
  num: number;
}

const V4_BITS = 32;
const V6_BITS = 128;

export function parseIpv4(text: string): bigint | null {
  const n = ipv4Number(text);
  return n === null ? null : BigInt(n);
}

/** Dotted quad → 32-bit value, without regular expressions or bigints (the hot path). */
function ipv4Number(text: string): number | null {
  let n = 0;
  let part = 0;
  let digits = 0;
  let dots = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 48 && c <= 57) {
      part = part * 10 + (c - 48);
      if (++digits > 3 || part > 255) return null;
    } else if (c === 46) {
      if (digits === 0 || ++dots > 3) return null;
      n = n * 256 + part;
      part = 0;
      digits = 0;
    } else return null;
  }
  if (dots !== 3 || digits === 0) return null;
  return n * 256 + part;
}

export function parseIpv6(text: string): bigint | null {
  let s = text.toLowerCase();
  const zone = s.indexOf('%');
  if (zone >= 0) s = s.slice(0, zone);
  // An embedded IPv4 tail (::ffff:10.0.0.1) becomes two groups.
  const v4tail = /(\d+\.\d+\.\d+\.\d+)$/.exec(s);
  if (v4tail) {
    const v4 = parseIpv4(v4tail[1]!);
    if (v4 === null) return null;
    s = `${s.slice(0, -v4tail[1]!.length)}${(v4 >> 16n).toString(16)}:${(v4 & 0xffffn).toString(16)}`;
  }
  const halves = s.split('::');
  if (halves.length > 2) return null;
  const head = halves[0] ? halves[0].split(':') : [];
  const tail = halves.length === 2 && halves[1] ? halves[1].split(':') : [];
  const missing = 8 - head.length - tail.length;
  if (halves.length === 1 ? missing !== 0 : missing < 1) return null;
  const groups = [...head, ...Array<string>(halves.length === 2 ? missing : 0).fill('0'), ...tail];
  let n = 0n;
  for (const g of groups) {
    if (!/^[0-9a-f]{1,4}$/.test(g)) return null;
    n = (n << 16n) | BigInt(Number.parseInt(g, 16));
  }
  return n;
}

export function familyOf(ip: string): 4 | 6 | null {
  if (parseIpv4(ip) !== null) return 4;
  if (parseIpv6(ip) !== null) return 6;
  return null;
}

const parsed = new Map<string, Ip | null>();
const MAX_MEMO = 100_000;

/** Parsed once per distinct address (the same few addresses are asked about for every rule). */
export function parseIp(ip: string): Ip | null {
  const hit = parsed.get(ip);
  if (hit !== undefined) return hit;
  let r: Ip | null;
  const v4 = ipv4Number(ip);
  if (v4 !== null) r = { family: 4, value: BigInt(v4), num: v4 };
  else {
    const v6 = parseIpv6(ip);
    r = v6 === null ? null : { family: 6, value: v6, num: Number(v6) };
  }
  if (parsed.size >= MAX_MEMO) parsed.clear();
  parsed.set(ip, r);
  return r;
}

export function parseCidr(text: string): Cidr | null {
  const slash = text.indexOf('/');
  if (slash < 0) return null;
  // Not through parseIp's memo: a prefix list's thousands of entries would only churn it.
  const head = text.slice(0, slash);
  const v4 = ipv4Number(head);
  const v6 = v4 === null ? parseIpv6(head) : null;
  const ip: Ip | null =
    v4 !== null
      ? { family: 4, value: 0n, num: v4 }
      : v6 !== null
        ? { family: 6, value: v6, num: Number(v6) }
        : null;
  const prefixText = text.slice(slash + 1);
  if (!ip || !/^\d{1,3}$/.test(prefixText)) return null;
  const bits = ip.family === 4 ? V4_BITS : V6_BITS;
  const prefix = Number(prefixText);
  if (prefix > bits) return null;
  if (ip.family === 4) {
    // Plain numbers for IPv4: exact below 2^53 and much cheaper than bigints.
    const size = 2 ** (V4_BITS - prefix);
    const lo = Math.floor(ip.num / size) * size;
    return { family: 4, base: BigInt(lo), prefix, lo, hi: lo + size - 1, last: BigInt(lo + size - 1) };
  }
  const hostBits = BigInt(bits - prefix);
  const base = (ip.value >> hostBits) << hostBits;
  const last = base + (1n << hostBits) - 1n;
  return { family: ip.family, base, prefix, lo: Number(base), hi: Number(last), last };
}

export function cidrContains(cidr: Cidr, ip: Ip): boolean {
  if (cidr.family !== ip.family) return false;
  if (cidr.family === 4) return ip.num >= cidr.lo && ip.num <= cidr.hi;
  // Doubles round IPv6 values: a cheap pre-check, then the exact bigint comparison.
  if (ip.num < cidr.lo || ip.num > cidr.hi) return false;
  return ip.value >= cidr.base && ip.value <= cidr.last;
}

/** Many CIDRs (a prefix list) as sorted, merged intervals: membership by binary search. */
export interface CidrSet {
  cidrs: Cidr[];
  has(ip: Ip): boolean;
}

export function cidrSet(cidrs: Cidr[]): CidrSet {
  const byFamily = (family: 4 | 6) => {
    const sorted = cidrs
      .filter((c) => c.family === family)
      .sort((a, b) => (a.base < b.base ? -1 : a.base > b.base ? 1 : 0));
    const merged: Array<{ lo: bigint; hi: bigint }> = [];
    for (const c of sorted) {
      const last = merged[merged.length - 1];
      if (last && c.base <= last.hi + 1n) {
        if (c.last > last.hi) last.hi = c.last;
      } else merged.push({ lo: c.base, hi: c.last });
    }
    return merged;
  };
  const v4 = byFamily(4).map((r) => ({ lo: Number(r.lo), hi: Number(r.hi) }));
  const v6 = byFamily(6);
  return {
    cidrs,
    has(ip) {
      if (ip.family === 4) {
        let a = 0;
        let b = v4.length - 1;
        while (a <= b) {
          const m = (a + b) >> 1;
          const r = v4[m]!;
          if (ip.num < r.lo) b = m - 1;
          else if (ip.num > r.hi) a = m + 1;
          else return true;
        }
        return false;
      }
      let a = 0;
      let b = v6.length - 1;
      while (a <= b) {
        const m = (a + b) >> 1;
        const r = v6[m]!;
        if (ip.value < r.lo) b = m - 1;
        else if (ip.value > r.hi) a = m + 1;
        else return true;
      }
      return false;
    },
  };
}

/** The narrowest CIDR for one address: /32 or /128. */
export function hostCidr(ip: string): string {
  return `${ip}/${familyOf(ip) === 6 ? V6_BITS : V4_BITS}`;
}
