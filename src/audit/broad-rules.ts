// The cluster security group's rules, read as a security team reads them: broader than the intended
// clients need (any address, CIDRs wider than their subnets, all protocols, all ports), each with the
// narrower rule that keeps every intended client working; and the self-references CloudHSM creates,
// which KMS custom key stores require ("inbound and outbound rules that allow TCP traffic on ports
// 2223-2225 ... must match the security group ID", KMS API reference, CloudHsmClusterInvalidConfiguration). Pure.
import { type Cidr, cidrContains, parseCidr, parseIp } from '../netpath/cidr.js';
import type { NetFacts, NetworkInterface } from '../netpath/facts.js';
import { formatRanges, intersect, type PortRange, subtract, toRanges } from '../netpath/ranges.js';

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown): string | null => (typeof v === 'string' && v !== '' ? v : null);
const list = (v: unknown): Obj[] => (Array.isArray(v) ? v.filter(isObj) : []);

/** One rule as AWS counts them: a permission with one peer. */
export interface SgRuleText {
  protocol: string;
  from: number | null;
  to: number | null;
  peer: { cidr: string } | { groupId: string } | { prefixListId: string };
}

export interface BroadRule {
  groupId: string;
  rule: SgRuleText;
  /** Why it is broader than needed, in words. */
  reasons: string[];
  /** The rules that would keep every intended client it admits working; empty: none needs it. */
  narrower: SgRuleText[];
}

const ALL = new Set(['-1', 'all']);
const TCP = new Set(['tcp', '6']);

export function ingressRules(group: Obj): SgRuleText[] {
  return rulesOf(group.IpPermissions);
}

function rulesOf(perms: unknown): SgRuleText[] {
  return list(perms).flatMap((p) => {
    const protocol = String(p.IpProtocol ?? '').toLowerCase();
    const from = typeof p.FromPort === 'number' ? p.FromPort : null;
    const to = typeof p.ToPort === 'number' ? p.ToPort : null;
    const peers: SgRuleText['peer'][] = [
      ...list(p.IpRanges).flatMap((r) => (str(r.CidrIp) ? [{ cidr: str(r.CidrIp)! }] : [])),
      ...list(p.Ipv6Ranges).flatMap((r) => (str(r.CidrIpv6) ? [{ cidr: str(r.CidrIpv6)! }] : [])),
      ...list(p.UserIdGroupPairs).flatMap((g) => (str(g.GroupId) ? [{ groupId: str(g.GroupId)! }] : [])),
      ...list(p.PrefixListIds).flatMap((l) =>
        str(l.PrefixListId) ? [{ prefixListId: str(l.PrefixListId)! }] : [],
      ),
    ];
    return peers.map((peer) => ({ protocol, from, to, peer }));
  });
}

/** The TCP ports a rule admits; null for all protocols; [] for another protocol. */
function tcpPorts(r: SgRuleText): PortRange[] | null {
  if (ALL.has(r.protocol)) return null;
  if (!TCP.has(r.protocol)) return [];
  return [{ from: r.from ?? 0, to: r.to ?? 65535 }];
}

function portReasons(r: SgRuleText, needed: PortRange[]): { reasons: string[]; ports: PortRange[] } {
  const ports = tcpPorts(r);
  if (ports === null) return { reasons: ['all protocols and ports'], ports: needed };
  if (ports.length === 0)
    return { reasons: [`protocol ${r.protocol}, which the HSMs do not serve`], ports: [] };
  const kept = needed.flatMap((n) =>
    ports.map((p) => intersect(n, p)).filter((x): x is PortRange => x !== null),
  );
  const extra = needed.reduce((rest, n) => subtract(rest, n), ports);
  const all = ports[0]!.from <= 1 && ports[0]!.to >= 65535;
  return extra.length
    ? {
        reasons: [
          all ? 'all TCP ports' : `TCP ${formatRanges(ports)}, beyond the HSM ports ${formatRanges(needed)}`,
        ],
        ports: kept,
      }
    : { reasons: [], ports: kept };
}

const size = (c: Cidr) => 1n << BigInt((c.family === 4 ? 32 : 128) - c.prefix);

/** A CIDR peer against the intended sources inside it: their subnets are what it needs to admit. */
function cidrReasons(
  text: string,
  facts: NetFacts,
  intended: readonly NetworkInterface[],
  /** The intended sources another kept rule admits are left out: none of them needs this one. */
  narrowedByOthers = false,
): { reasons: string[]; peers: string[] } {
  const c = parseCidr(text);
  if (!c) return { reasons: [], peers: [text] };
  const inside = intended.filter((e) =>
    [...e.privateIps, ...e.ipv6s].some((a) => {
      const ip = parseIp(a);
      return ip !== null && cidrContains(c, ip);
    }),
  );
  const subnets = [
    ...new Set(inside.flatMap((e) => (e.subnetId ? (facts.subnets?.get(e.subnetId)?.cidrs ?? []) : []))),
  ]
    .map((s) => [s, parseCidr(s)] as const)
    .filter((x): x is [string, Cidr] => x[1] !== null && x[1].family === c.family);
  const any = c.prefix === 0;
  if (inside.length === 0) {
    const none = narrowedByOthers
      ? `every intended source in ${text} is admitted by another rule`
      : `${text} holds no intended source`;
    return { reasons: [any ? 'any address' : none], peers: [] };
  }
  // Narrower than a subnet of the clients it admits already: nothing to take away.
  if (subnets.some(([, s]) => s.prefix <= c.prefix)) return { reasons: [], peers: [text] };
  const within = subnets.filter(([, s]) => s.base >= c.base && s.last <= c.last);
  const covered = within.reduce((n, [, s]) => n + size(s), 0n);
  if (covered >= size(c)) return { reasons: [], peers: [text] };
  const names = within
    .sort(([, a], [, b]) => (a.base < b.base ? -1 : a.base > b.base ? 1 : 0))
    .map(([s]) => s);
  return {
    reasons: [
      any
        ? 'any address'
        : `${text} is wider than the subnets of the intended sources it admits (${names.join(', ')})`,
    ],
    peers: names,
  };
}

export function broadRules(
  facts: NetFacts,
  group: Obj,
  intended: readonly NetworkInterface[],
  ports: readonly number[],
): BroadRule[] {
  const groupId = str(group.GroupId) ?? '';
  const needed = toRanges(ports);
  const rules = ingressRules(group).map((rule) => ({
    rule,
    p: portReasons(rule, needed),
    c: 'cidr' in rule.peer ? cidrReasons(rule.peer.cidr, facts, intended) : null,
  }));
  // What still admits intended clients once every suggestion is applied: rules whose peer stays (a
  // narrowed port range still covers the HSM ports). A client one of them admits needs no other rule.
  const kept = rules.filter((r) => !r.c?.reasons.length && covers(r.p.ports, needed));
  const needs = (e: NetworkInterface) => !kept.some((k) => admits(k.rule, e, str(group.VpcId)));
  return rules.flatMap(({ rule, p, c: first }) => {
    const c =
      'cidr' in rule.peer && first?.reasons.length && first.peers.length
        ? cidrReasons(rule.peer.cidr, facts, intended.filter(needs), true)
        : first;
    const reasons = [...p.reasons, ...(c?.reasons ?? [])];
    if (reasons.length === 0) return [];
    const peers: SgRuleText['peer'][] = c === null ? [rule.peer] : c.peers.map((cidr) => ({ cidr }));
    const narrower = p.ports.flatMap((r) =>
      peers.map((peer) => ({ protocol: 'tcp', from: r.from, to: r.to, peer })),
    );
    return [{ groupId, rule, reasons, narrower }];
  });
}

const covers = (have: readonly PortRange[], needed: readonly PortRange[]) =>
  needed.every((n) => have.reduce((rest, h) => subtract(rest, h), [n]).length === 0);

/** Whether a rule's peer is this interface: its group (same VPC), or a CIDR holding its address. */
function admits(rule: SgRuleText, e: NetworkInterface, groupVpc: string | null): boolean {
  if ('groupId' in rule.peer) return e.groupIds.includes(rule.peer.groupId) && e.vpcId === groupVpc;
  if (!('cidr' in rule.peer)) return false;
  const c = parseCidr(rule.peer.cidr);
  return (
    c !== null &&
    [...e.privateIps, ...e.ipv6s].some((a) => {
      const ip = parseIp(a);
      return ip !== null && cidrContains(c, ip);
    })
  );
}

/** Whether the group admits itself (ingress) and reaches itself (egress) on every needed port. */
export function selfReference(group: Obj, ports: readonly number[]): { ingress: boolean; egress: boolean } {
  const id = str(group.GroupId);
  const needed = toRanges(ports);
  const covers = (rules: SgRuleText[]) => {
    const own = rules.filter((r) => 'groupId' in r.peer && r.peer.groupId === id);
    return needed.every(
      (n) =>
        own.reduce<PortRange[]>(
          (rest, r) => {
            const t = tcpPorts(r);
            return t === null ? [] : t.reduce((acc, x) => subtract(acc, x), rest);
          },
          [n],
        ).length === 0,
    );
  };
  return {
    ingress: covers(rulesOf(group.IpPermissions)),
    egress: covers(rulesOf(group.IpPermissionsEgress)),
  };
}

/** `IpProtocol=tcp,FromPort=2223,ToPort=2225,IpRanges=[{CidrIp=10.0.1.0/24}]`, as the AWS CLI takes it. */
export function permissionText(r: SgRuleText): string {
  const ports = ALL.has(r.protocol) ? '' : `,FromPort=${r.from ?? -1},ToPort=${r.to ?? -1}`;
  const peer =
    'groupId' in r.peer
      ? `UserIdGroupPairs=[{GroupId=${r.peer.groupId}}]`
      : 'prefixListId' in r.peer
        ? `PrefixListIds=[{PrefixListId=${r.peer.prefixListId}}]`
        : r.peer.cidr.includes(':')
          ? `Ipv6Ranges=[{CidrIpv6=${r.peer.cidr}}]`
          : `IpRanges=[{CidrIp=${r.peer.cidr}}]`;
  return `IpProtocol=${r.protocol}${ports},${peer}`;
}

export function ruleLabel(r: SgRuleText): string {
  const what = ALL.has(r.protocol)
    ? 'all traffic'
    : `${r.protocol} ${r.from === r.to ? r.from : `${r.from}-${r.to}`}`;
  const peer =
    'groupId' in r.peer ? r.peer.groupId : 'prefixListId' in r.peer ? r.peer.prefixListId : r.peer.cidr;
  return `${what} from ${peer}`;
}
