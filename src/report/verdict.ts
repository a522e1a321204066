// The one-line answer that leads every report (text, status page): can this client use its HSMs,
// and if not, the first cause. Pure: built from the report and the targets alone.
import type { Finding, HsmTarget, PathRecord } from '../model/index.js';
import { formatRanges, toRanges } from '../netpath/ranges.js';

export interface Verdict {
  status: 'pass' | 'warn' | 'fail';
  mark: '✓' | '!' | '✗';
  text: string;
}

// Findings that say *why* a path fails, before the live symptom (hsm.reachable) does.
const CAUSE_PREFIXES = ['sg.', 'nacl.', 'route.', 'discovery.', 'config.', 'hsm.state'];

export function verdictOf(
  report: { paths: readonly PathRecord[]; findings: readonly Finding[] },
  targets: readonly HsmTarget[],
): Verdict {
  const fails = report.findings.filter((f) => f.status === 'fail');
  const errors = report.findings.filter((f) => f.status === 'error');
  const warns = report.findings.filter((f) => f.status === 'warn');
  const hsms = hsmHealth(report.paths, targets);
  const unit = new Set(targets.map((t) => t.hsmId ?? t.ip)).size < targets.length ? 'HSM address' : 'HSM';
  const fixBelow = [...fails, ...errors].some((f) => f.remediation) ? ' — fix below' : '';
  const down = hsms.filter((h) => h.badPorts.length > 0 && h.goodPorts.length === 0);
  const partly = hsms.filter((h) => h.badPorts.length > 0 && h.goodPorts.length > 0);
  const cause = firstCause(fails);
  const more = (shown: number, total: number, what: string) =>
    total > shown ? `; ${total - shown} more ${what}${total - shown > 1 ? 's' : ''}` : '';

  if (down.length + partly.length > 0) {
    const parts: string[] = [];
    if (down.length)
      parts.push(`${down.length} of ${hsms.length} ${unit}${es(unit, hsms.length)} unreachable`);
    // e.g. "1 of 3 HSMs unreachable, 1 more on port 2225"
    if (partly.length) {
      const ports = formatRanges(toRanges([...new Set(partly.flatMap((h) => h.badPorts))]));
      const many = ports.includes('-') || ports.includes(',');
      parts.push(
        down.length
          ? `${partly.length} more on port${many ? 's' : ''} ${ports}`
          : `${partly.length} of ${hsms.length} ${unit}${es(unit, hsms.length)} unreachable on port${many ? 's' : ''} ${ports}`,
      );
    }
    const clientEnis = [...new Set(report.paths.map((p) => p.clientEni).filter((e) => e !== null))];
    const from = clientEnis.length === 1 ? ` from ${clientEnis[0]}` : '';
    const pathCause = cause && CAUSE_PREFIXES.some((p) => cause.id.startsWith(p));
    const symptom = liveSymptom(report.paths);
    const why = pathCause ? `: ${short(cause)}` : symptom ? `: ${symptom}` : cause ? `: ${short(cause)}` : '';
    return { status: 'fail', mark: '✗', text: `${parts.join(', ')}${from}${why}${fixBelow}` };
  }
  if (fails.length + errors.length > 0) {
    const first = cause ?? fails[0] ?? errors[0]!;
    const n = fails.length + errors.length;
    const lead =
      fails.length > 0
        ? `${fails.length} check${plural(fails.length)} failed`
        : `${errors.length} check${plural(errors.length)} could not run`;
    const tail = fails.length > 0 && errors.length > 0 ? more(fails.length, n, 'error') : '';
    return { status: 'fail', mark: '✗', text: `${lead}${tail}: ${short(first)}${fixBelow}` };
  }
  const reach =
    hsms.length > 0 ? `${hsms.length === 1 ? 'the HSM is' : `all ${hsms.length} HSMs are`} reachable` : '';
  if (warns.length > 0) {
    const lead = reach ? `${reach}, but ` : '';
    return {
      status: 'warn',
      mark: '!',
      text: `${lead}${warns.length} warning${plural(warns.length)}: ${short(warns[0]!)}`,
    };
  }
  const passed = report.findings.filter((f) => f.status === 'pass').length;
  return {
    status: 'pass',
    mark: '✓',
    text: `${reach ? `${reach}; ` : ''}${passed} check${plural(passed)} passed, nothing failed`,
  };
}

interface HsmHealth {
  key: string;
  goodPorts: number[];
  badPorts: number[];
}

/** Per HSM (both addresses of a dual-stack one): ports that work and ports that do not. */
function hsmHealth(paths: readonly PathRecord[], targets: readonly HsmTarget[]): HsmHealth[] {
  const byHsm = new Map<string, HsmHealth>();
  // A dual-stack HSM has two addresses that can fail apart: then each address counts on its own.
  const dualStack = new Set(targets.map((t) => t.hsmId ?? t.ip)).size < targets.length;
  const keyOf = (clusterId: string | null, hsmId: string | null, ip: string) =>
    hsmId && !dualStack ? `${clusterId}/${hsmId}` : ip;
  for (const t of targets) {
    const k = keyOf(t.clusterId, t.hsmId, t.ip);
    if (!byHsm.has(k)) byHsm.set(k, { key: k, goodPorts: [], badPorts: [] });
  }
  const seen = new Map<string, Map<number, boolean>>();
  for (const p of paths) {
    const k = keyOf(p.clusterId, p.hsmId, p.eniIp);
    if (!byHsm.has(k)) continue;
    // The live answer is the truth where there is one; else the static verdict, if it decided.
    const ok = p.live ? p.live.state === 'open' : p.static ? p.static.verdict !== 'blocked' : null;
    if (ok === null) continue;
    const ports = seen.get(k) ?? new Map<number, boolean>();
    seen.set(k, ports);
    ports.set(p.port, (ports.get(p.port) ?? true) && ok);
  }
  for (const [k, ports] of seen) {
    const h = byHsm.get(k)!;
    for (const [port, ok] of [...ports].sort((a, b) => a[0] - b[0]))
      (ok ? h.goodPorts : h.badPorts).push(port);
  }
  return [...byHsm.values()];
}

const SYMPTOM: Record<string, string> = {
  refused: 'connections refused (TCP reset): nothing listens, the HSM is down or being replaced',
  timeout: 'connects time out: packets are dropped silently (a security group or network ACL)',
  unreachable: 'no route to the address (ICMP unreachable): the ENI is gone or routing is wrong',
  error: 'the connect fails on this host',
};

/** What the failed live connects have in common, when they all failed the same way. */
function liveSymptom(paths: readonly PathRecord[]): string | null {
  const states = new Set(paths.map((p) => p.live?.state).filter((s) => s !== undefined && s !== 'open'));
  return states.size === 1 ? (SYMPTOM[[...states][0]!] ?? null) : null;
}

function firstCause(fails: readonly Finding[]): Finding | undefined {
  return fails.find((f) => CAUSE_PREFIXES.some((p) => f.id.startsWith(p))) ?? fails[0];
}

/** The finding's message up to its first explanation (`a blocks b: because …` → `a blocks b`). */
function short(f: Finding): string {
  const head = f.message.split(': ')[0]!;
  const ids = (f.evidence as { resourceIds?: unknown }).resourceIds;
  const id = Array.isArray(ids) && typeof ids[0] === 'string' && !head.includes(ids[0]) ? ` (${ids[0]})` : '';
  return `${head}${id}`;
}

const plural = (n: number) => (n === 1 ? '' : 's');
const es = (noun: string, n: number) => (n === 1 ? '' : noun.endsWith('s') ? 'es' : 's');
