// The human report: a per-HSM × port matrix, then findings grouped by status.

import { formatMs } from '../config/duration.js';
import type { Environment } from '../core/environment.js';
import type { EndpointRecord, Finding, PathRecord, Report, Status } from '../model/index.js';
import { summarise } from './build.js';

export interface Style {
  bold(s: string): string;
  dim(s: string): string;
  status(status: Status | 'open' | 'refused' | 'timeout' | 'unreachable' | 'error', s: string): string;
}

const CODES: Record<string, string> = {
  pass: '32',
  open: '32',
  warn: '33',
  fail: '31',
  refused: '31',
  timeout: '31',
  unreachable: '31',
  error: '35',
  skip: '36',
};

export function makeStyle(colour: boolean): Style {
  const wrap = (code: string, s: string) => (colour ? `\x1b[${code}m${s}\x1b[0m` : s);
  return {
    bold: (s) => wrap('1', s),
    dim: (s) => wrap('2', s),
    status: (st, s) => wrap(CODES[st] ?? '0', s),
  };
}

/** Colour only on a terminal, and never when NO_COLOR is set (https://no-color.org). */
export function wantColour(stream: NodeJS.WriteStream, env: NodeJS.ProcessEnv = process.env): boolean {
  return Boolean(stream.isTTY) && !('NO_COLOR' in env && env.NO_COLOR !== '') && env.TERM !== 'dumb';
}

const ORDER: Status[] = ['fail', 'error', 'warn', 'skip', 'pass'];
const pad = (s: string, n: number) => s + ' '.repeat(Math.max(0, n - visibleLength(s)));
const visibleLength = (s: string) => s.replace(/\x1b\[[0-9;]*m/g, '').length;

export function renderText(report: Report, env: Environment, style: Style): string {
  const out: string[] = [];
  const c = env.client;
  out.push(
    style.bold(env.mode === 'offline' ? 'hsmwatch analysis of a snapshot (offline)' : 'hsmwatch diagnosis'),
  );
  out.push(
    `  client: ${c?.instanceId ?? 'not on EC2 (or IMDS unavailable)'}${env.region ? `   region: ${env.region}` : ''}   generated: ${report.generatedAt}`,
  );
  out.push('');
  out.push(...renderMatrix(report.paths, env, style));
  if (report.endpoints.length > 0) {
    out.push(style.bold('AWS endpoints'), '');
    out.push(...renderEndpoints(report.endpoints, style));
  }
  out.push(...renderFindings(report.findings, style));
  out.push(renderSummary(report.findings, style));
  return `${out.join('\n')}\n`;
}

export function renderSummary(findings: readonly Finding[], style: Style): string {
  const s = summarise(findings);
  return style.bold('Summary: ') + ORDER.map((k) => style.status(k, `${s[k]} ${k}`)).join(', ');
}

/** One block per endpoint: addresses, negotiation, accepted versions, certificate. */
export function renderEndpoints(endpoints: readonly EndpointRecord[], style: Style): string[] {
  const out: string[] = [];
  for (const e of endpoints) {
    const c = e.certificate as Record<string, unknown> | null;
    out.push(style.bold(`${e.host}:${e.port}`));
    out.push(
      `  addresses   ${(e.addresses as string[]).join(', ') || '-'}${e.private === null ? '' : e.private ? ' (private)' : ' (public)'}${e.proxy ? `   via proxy ${e.proxy}` : ''}`,
    );
    out.push(
      e.protocol
        ? `  negotiated  ${e.protocol} ${e.cipher} (${e.keyExchange}${e.forwardSecrecy ? ', forward secret' : ', NO forward secrecy'}) in ${e.handshakeMs} ms`
        : '  negotiated  -',
    );
    out.push(
      `  accepts     ${(e.acceptedVersions as string[]).join(', ') || 'nothing'}${e.nonForwardSecretAccepted ? '; also a suite without forward secrecy' : ''}`,
    );
    if (c)
      out.push(
        `  certificate ${c.subject} from ${c.issuer}, ${c.daysLeft} days left, ${c.verified ? 'verified' : 'NOT verified'}, ${c.hostnameMatch ? 'name matches' : 'name MISMATCH'}${c.intercepted ? ', INTERCEPTED' : ''}`,
      );
    out.push('');
  }
  return out;
}

function renderMatrix(paths: readonly PathRecord[], env: Environment, style: Style): string[] {
  if (env.targets.length === 0) return [];
  const ports = env.settings.ports;
  const out: string[] = [];
  const groups = new Map<string, typeof env.targets>();
  for (const t of env.targets) {
    const k = t.clusterId ?? '(addresses given with --hsm-ip)';
    groups.set(k, [...(groups.get(k) ?? []), t]);
  }
  for (const [clusterId, targets] of groups) {
    const cluster = env.clusters.find((cl) => cl.clusterId === clusterId);
    const title = env.mode === 'offline' ? 'HSM paths' : 'HSM reachability';
    out.push(style.bold(`${title} — ${clusterId}${cluster ? ` (${cluster.state})` : ''}`));
    const rows: string[][] = [['HSM', 'AZ', 'STATE', 'ADDRESS', ...ports.map(String)]];
    for (const t of targets) {
      const cells = ports.map((port) => {
        const here = paths.filter((x) => x.eniIp === t.ip && x.port === port);
        const p = here.find((x) => x.live) ?? here[0];
        const verdict = worstVerdict(here);
        const mark = verdict ? `${style.status(VERDICT_STYLE[verdict], VERDICT_MARK[verdict])} ` : '';
        if (!p?.live) return verdict ? `${mark}${verdict}` : style.dim('-');
        const l = p.live;
        const text =
          l.state === 'open'
            ? `open ${formatMs(l.connectMs)}`
            : l.state === 'error' || l.state === 'unreachable'
              ? `${l.state} ${l.errno ?? ''}`.trim()
              : l.state;
        return mark + style.status(l.state, text);
      });
      const state = t.state ?? '-';
      rows.push([
        t.hsmId ?? '-',
        t.az ?? '-',
        state === 'ACTIVE' || state === '-' ? state : style.status('warn', state),
        t.ip,
        ...cells,
      ]);
    }
    const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => visibleLength(r[i]!))) + 2);
    rows.forEach((r, i) => {
      const line = `  ${r.map((cell, j) => pad(cell, widths[j]!)).join('')}`.trimEnd();
      out.push(i === 0 ? style.dim(line) : line);
    });
    out.push('');
  }
  if (paths.some((p) => p.static)) {
    out.push(
      style.dim(
        '  ✓ ✗ ?  static path verdict (security groups, network ACLs, routes): reachable, blocked, unknown',
      ),
      '',
    );
  }
  return out;
}

const VERDICT_MARK = { reachable: '✓', blocked: '✗', unknown: '?' } as const;
const VERDICT_STYLE = { reachable: 'pass', blocked: 'fail', unknown: 'warn' } as const;

/** Across the client ENIs' paths to one address and port: blocked beats unknown beats reachable. */
function worstVerdict(paths: readonly PathRecord[]): keyof typeof VERDICT_MARK | null {
  const vs = paths.map((p) => p.static?.verdict).filter((v) => v !== undefined);
  if (vs.length === 0) return null;
  return vs.includes('blocked') ? 'blocked' : vs.includes('unknown') ? 'unknown' : 'reachable';
}

export function renderFindings(findings: readonly Finding[], style: Style): string[] {
  const out: string[] = [];
  for (const status of ORDER) {
    const group = findings.filter((f) => f.status === status);
    if (group.length === 0) continue;
    out.push(style.bold(style.status(status, `${status.toUpperCase()} (${group.length})`)));
    for (const f of group) {
      out.push(`  ${style.status(status, status.padEnd(5))} ${f.id}  ${style.dim(f.target)}`);
      out.push(`        ${f.message}`);
      if (f.remediation) out.push(`        fix: ${f.remediation}`);
    }
    out.push('');
  }
  return out;
}
