// The labels of cloudhsm_finding_status. A finding's target is text written for people ("eni-0abc →
// cluster-1/hsm-2 10.0.1.12", a file path, "3 HSM addresses (…)"); its label is the ids that text
// names, so that the series of one component keep their identity when the wording changes, and no
// free text, space or arrow reaches Prometheus. Pure: the same text always gives the same label.
import { isIP, isIPv4, isIPv6 } from 'node:net';
import { type Finding, STATUSES, type Status } from '../model/index.js';

/** Longest label value; longer id lists keep their head and end in `+N~hash` (N ids left out). */
export const FINDING_TARGET_MAX = 120;
/** The label of a target that names no id and is not one plain word. */
export const NO_TARGET = '-';

/** How much attention a status needs: among findings that share their labels, the worst is exported. */
export const STATUS_SEVERITY: Readonly<Record<Status, number>> = {
  pass: 0,
  skip: 1,
  warn: 2,
  error: 3,
  fail: 4,
};

// Arrows in any spelling: ASCII, and the Unicode arrow blocks (→ ⇒ ⟶ ⤏ ...).
const ARROWS = /<->|<-|->|=>|[\u2190-\u21ff\u27f0-\u27ff\u2900-\u297f\u2b00-\u2b2f]/g;
const SEPARATORS = /[\s,;(){}"'`|<>]+/;
const PORT = String.raw`:\d{1,5}(?:-\d{1,5})?`;
// AWS and CloudHSM resource ids: cluster-, hsm-, eni-, sg-, acl-, subnet-, vpc-, rtb-, i-, pl-...
const RESOURCE_ID =
  /^(?:cluster|hsm|eni|sgr?|acl|subnet|vpc|vpce|rtb|pcx|tgw|tgw-attach|tgw-rtb|igw|eigw|nat|pl|i|ami|cgw|vgw|lgw|dopt)-[0-9a-z]+$/i;
const IAM_ACTION = /^[a-z][a-z0-9-]*:(?:[A-Z][A-Za-z0-9]*\*?|\*)$/;
const LABEL = '[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?';
const HOST_PORT = new RegExp(`^${LABEL}(?:\\.${LABEL})*${PORT}$`);
const DNS_NAME = new RegExp(`^(?:${LABEL}\\.)+[A-Za-z][A-Za-z0-9-]*[A-Za-z0-9]$`);
const IPV4_PORT = new RegExp(`^(\\d{1,3}(?:\\.\\d{1,3}){3})(${PORT})?$`);
const IPV6_BRACKETED = new RegExp(`^\\[([0-9A-Fa-f:.]+)\\](${PORT})?$`);
const ARN = /^arn:[a-z0-9-]+:[^\s]*$/;
const FILE_NAME = /^[A-Za-z0-9._@+=~-]+$/;
const PLAIN_WORD = /^[A-Za-z0-9][A-Za-z0-9._:@+=-]{0,63}$/;
const UNSAFE = /[^A-Za-z0-9._:/@+=~*[\]-]/g;

/**
 * The `target` label of a finding: the ids its target names, in order and without repeats, joined
 * with `/` — resource ids (cluster-, hsm-, eni-, sg-, acl-, subnet-...), IPv4/IPv6 addresses with
 * their port, host:port, DNS names, IAM actions (`ec2:DescribeSubnets`), ARNs, CIDRs, the host of a
 * URL (never its user or password), the base name of a file path. Counts and words between them
 * are dropped. A target that names no id is kept when it is one plain word (`clock`, a probe id),
 * else it is `-`.
 */
export function findingTargetLabel(target: string): string {
  const ids: string[] = [];
  for (const token of target.replace(ARROWS, ' ').split(SEPARATORS))
    for (const id of idsOf(token)) if (!ids.includes(id)) ids.push(id);
  if (ids.length === 0) {
    const word = target.trim();
    return PLAIN_WORD.test(word) ? word : NO_TARGET;
  }
  return bounded(ids.map((id) => id.replace(UNSAFE, '_')));
}

/** The ids of one token of a target (several for `cluster-1/hsm-2`), none for a plain word. */
function idsOf(raw: string): string[] {
  const t = trimToken(raw);
  if (t === '') return [];
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(t)) return urlHost(t);
  if (/^(?:\/|~\/|\.\.?\/)/.test(t)) return baseName(t);
  if (ARN.test(t)) return [t];
  // `cluster-1/hsm-2`, `cluster-1/?`, `10.0.0.0/16`: the ids in it; `etc/x.cfg`, `opt/cloudhsm`: a path.
  if (t.includes('/')) {
    const ids = slashIds(t.split('/'));
    return ids.length > 0 ? ids : baseName(t);
  }
  const a = atom(t);
  return a === null ? [] : [a];
}

/** The ids among the parts of `a/b/c`, an address followed by a prefix length being one CIDR. */
function slashIds(parts: readonly string[]): string[] {
  const ids: string[] = [];
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i]!;
    const next = parts[i + 1] ?? '';
    if (isIP(part) && /^\d{1,3}$/.test(next) && Number(next) <= (isIPv4(part) ? 32 : 128)) {
      ids.push(`${part.toLowerCase()}/${next}`);
      i++;
    } else {
      const a = atom(part);
      if (a !== null) ids.push(a);
    }
  }
  return ids;
}

/** Punctuation around a token (`cluster-1:`, `10.0.1.12.`, `[a`), but not an IPv6 literal's brackets. */
function trimToken(t: string): string {
  const s = t.replace(/[.:!?]+$/, '');
  if (IPV6_BRACKETED.test(s)) return s;
  return s
    .replace(/\]+$/, '')
    .replace(/^\[+/, '')
    .replace(/[.:!?]+$/, '');
}

/** One id, normalised (addresses and host names in lower case), or null when the token is not one. */
function atom(t: string): string | null {
  const v4 = IPV4_PORT.exec(t);
  if (v4) return isIPv4(v4[1]!) && portsOk(v4[2]) ? t : null;
  const v6 = IPV6_BRACKETED.exec(t);
  if (v6) return isIPv6(v6[1]!) && portsOk(v6[2]) ? t.toLowerCase() : null;
  if (isIPv6(t)) return t.toLowerCase();
  if (RESOURCE_ID.test(t) || IAM_ACTION.test(t)) return t;
  if (HOST_PORT.test(t)) return portsOk(t.slice(t.indexOf(':'))) ? t.toLowerCase() : null;
  if (DNS_NAME.test(t)) return t;
  return null;
}

function portsOk(ports: string | undefined): boolean {
  if (ports === undefined) return true;
  return ports
    .slice(1)
    .split('-')
    .every((p) => Number(p) <= 65535);
}

/** The host (and port) of a URL: never its user, password, path or query. */
function urlHost(t: string): string[] {
  try {
    const host = new URL(t).host.toLowerCase();
    return host === '' ? [] : [host];
  } catch {
    return [];
  }
}

function baseName(path: string): string[] {
  const last = path
    .split('/')
    .filter((p) => p !== '' && p !== '.' && p !== '..' && p !== '~')
    .pop();
  return last !== undefined && FILE_NAME.test(last) ? [last] : [];
}

/** The ids joined; past FINDING_TARGET_MAX, the head that fits and `+N~hash` of the whole list. */
function bounded(ids: readonly string[]): string {
  const joined = ids.join('/');
  if (joined.length <= FINDING_TARGET_MAX) return joined;
  const hash = fnv1a(joined);
  for (let keep = ids.length - 1; keep > 0; keep--) {
    const label = `${ids.slice(0, keep).join('/')}/+${ids.length - keep}~${hash}`;
    if (label.length <= FINDING_TARGET_MAX) return label;
  }
  return `${joined.slice(0, FINDING_TARGET_MAX - hash.length - 1)}~${hash}`;
}

/** 32-bit FNV-1a as 8 hex digits: a short, stable fingerprint (not a security measure). */
function fnv1a(s: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h.toString(16).padStart(8, '0');
}

/** One exported finding: its labels, its worst status, and how many findings share the labels. */
export interface FindingSeries {
  id: string;
  target: string;
  status: Status;
  findings: number;
}

/**
 * The series of cloudhsm_finding_status for a set of findings: one per id and target label. Findings
 * whose labels coincide (one component named in several wordings, two findings about one HSM) are
 * exported once, with the worst of their statuses, and counted in `findings`.
 */
export function findingSeries(
  findings: readonly Pick<Finding, 'id' | 'status' | 'target'>[],
): FindingSeries[] {
  const byLabels = new Map<string, FindingSeries>();
  for (const f of findings) {
    const target = findingTargetLabel(f.target);
    const key = `${f.id}\u0000${target}`;
    const prev = byLabels.get(key);
    if (!prev) byLabels.set(key, { id: f.id, target, status: f.status, findings: 1 });
    else {
      prev.findings++;
      if (STATUS_SEVERITY[f.status] > STATUS_SEVERITY[prev.status]) prev.status = f.status;
    }
  }
  return [...byLabels.values()];
}

/** The state set of one series: every status, 1 for the current one and 0 for the others. */
export function stateSet(status: Status): Array<{ status: Status; value: 0 | 1 }> {
  return STATUSES.map((s) => ({ status: s, value: s === status ? 1 : 0 }));
}
