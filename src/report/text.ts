// The human report, for a terminal of `width` columns: the verdict first, then what failed or warns
// with its fix, the HSM matrix, what was skipped and why, the AWS endpoints, and a count of passes.

import { formatMs } from '../config/duration.js';
import type { Environment } from '../core/environment.js';
import type { EndpointRecord, Finding, PathRecord, Report, Status } from '../model/index.js';
import { summarise } from './build.js';
import { type Verdict, verdictOf } from './verdict.js';
import { visibleLength, wrapCommand, wrapText } from './wrap.js';

export interface Style {
  bold(s: string): string;
  dim(s: string): string;
  status(status: Status | 'open' | 'refused' | 'timeout' | 'unreachable' | 'error', s: string): string;
}

export interface TextOptions {
  /** Terminal columns; every line fits, except a word that cannot be broken (a long id or path). */
  width?: number;
  /** List the passing checks too, not only their count. */
  verbose?: boolean;
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

/** The width to render for: the terminal's, kept between 60 and 120; 80 when not a terminal. */
export function reportWidth(stream: { isTTY?: boolean; columns?: number }): number {
  return stream.isTTY && stream.columns ? Math.max(60, Math.min(120, stream.columns)) : 80;
}

const ORDER: Status[] = ['fail', 'error', 'warn', 'skip', 'pass'];
export const MARK: Record<Status, string> = { fail: '✗', error: '✗', warn: '!', skip: '-', pass: '✓' };
const pad = (s: string, n: number) => s + ' '.repeat(Math.max(0, n - visibleLength(s)));

export function renderText(report: Report, env: Environment, style: Style, o: TextOptions = {}): string {
  const width = o.width ?? 80;
  const out: string[] = [];
  out.push(...renderVerdict(verdictOf(report, env.targets), style, width));
  const c = env.client;
  const context = [
    ...(env.mode === 'offline' ? ['analysis of a snapshot (offline)'] : []),
    `client ${c?.instanceId ?? (c?.ecsTask ? `ECS task ${c.ecsTask.taskArn.split('/').pop()}` : 'not on EC2 (or IMDS unavailable)')}`,
    ...(env.region ? [env.region] : []),
    report.generatedAt.replace(/\.\d+Z$/, 'Z').replace('T', ' '),
  ];
  out.push(...wrapText(context.join(' · '), width, '  ', '  ').map(style.dim), '');
  const byStatus = (s: Status) => report.findings.filter((f) => f.status === s);
  for (const status of ['fail', 'error', 'warn'] as const)
    out.push(...renderGroup(byStatus(status), status, style, width));
  out.push(...renderMatrix(report.paths, env, style, width));
  out.push(...renderGroup(byStatus('skip'), 'skip', style, width));
  if (report.endpoints.length > 0) {
    out.push(style.bold('AWS endpoints'));
    out.push(...renderEndpoints(report.endpoints, style, width));
  }
  if (o.verbose) out.push(...renderGroup(byStatus('pass'), 'pass', style, width));
  out.push(renderSummary(report.findings, style, !o.verbose));
  return `${out.join('\n')}\n`;
}

/** The verdict, wrapped: its mark, then the text in bold on the first line. */
export function renderVerdict(v: Verdict, style: Style, width = 80): string[] {
  const lines = wrapText(v.text, width, '  ', '  ');
  lines[0] = `${style.status(v.status, v.mark)} ${style.bold(lines[0]!.slice(2))}`;
  return lines;
}

/** The closing count line; `hint` points at --verbose, which lists the passes. */
export function renderSummary(findings: readonly Finding[], style: Style, hint = false): string {
  const s = summarise(findings);
  const counts = ORDER.filter((k) => s[k] > 0 || k === 'fail').map((k) => style.status(k, `${s[k]} ${k}`));
  return `${style.bold('Summary:')} ${counts.join(', ')}${hint && s.pass > 0 ? style.dim(' (--verbose lists the passes)') : ''}`;
}

/** One block per endpoint: addresses, negotiation, accepted versions, certificate. */
export function renderEndpoints(endpoints: readonly EndpointRecord[], style: Style, width = 80): string[] {
  const out: string[] = [];
  const field = (name: string, text: string) => wrapText(text, width, ' '.repeat(14), `  ${name.padEnd(12)}`);
  for (const e of endpoints) {
    const c = e.certificate as Record<string, unknown> | null;
    out.push(`  ${style.bold(`${e.host}:${e.port}`)}`);
    out.push(
      ...field(
        'addresses',
        `${(e.addresses as string[]).join(', ') || '-'}${e.private === null ? '' : e.private ? ' (private)' : ' (public)'}${e.proxy ? `, via proxy ${e.proxy}` : ''}`,
      ),
    );
    out.push(
      ...field(
        'negotiated',
        e.protocol
          ? `${e.protocol} ${e.cipher} (${e.keyExchange}${e.forwardSecrecy ? ', forward secret' : ', NO forward secrecy'}) in ${e.handshakeMs} ms`
          : '-',
      ),
    );
    out.push(
      ...field(
        'accepts',
        `${(e.acceptedVersions as string[]).join(', ') || 'nothing'}${e.nonForwardSecretAccepted ? '; also a suite without forward secrecy' : ''}`,
      ),
    );
    if (c)
      out.push(
        ...field(
          'certificate',
          `${c.subject} from ${c.issuer}, ${c.daysLeft} days left, ${c.verified ? 'verified' : 'NOT verified'}, ${c.hostnameMatch ? 'name matches' : 'name MISMATCH'}${c.intercepted ? ', INTERCEPTED' : ''}`,
        ),
      );
  }
  if (endpoints.length) out.push('');
  return out;
}

/** Findings of one status: a heading, then each with its message and fix, wrapped to the width. */
export function renderFindings(findings: readonly Finding[], style: Style, width = 80): string[] {
  return ORDER.flatMap((s) =>
    renderGroup(
      findings.filter((f) => f.status === s),
      s,
      style,
      width,
    ),
  );
}

function renderGroup(group: readonly Finding[], status: Status, style: Style, width: number): string[] {
  if (group.length === 0) return [];
  const out = [style.bold(style.status(status, `${status.toUpperCase()} (${group.length})`))];
  for (const f of group) {
    const head = wrapText(`${f.id}  ${f.target}`, width, '      ', '  ');
    out.push(`${style.status(status, MARK[status])} ${style.bold(head[0]!.slice(2))}`, ...head.slice(1));
    out.push(...wrapText(f.message, width, '    ', '    '));
    if (f.remediation) out.push(...renderFix(f.remediation, width));
  }
  out.push('');
  return out;
}

/**
 * A fix: prose wrapped as text; each `aws …` command broken at word boundaries with `\` so it pastes
 * into a shell whole. Commands joined by `&&` keep the `&&`.
 */
function renderFix(fix: string, width: number): string[] {
  const out: string[] = [];
  const commandAt = fix.search(/(^|: |\(compare: |\()aws [a-z0-9-]+ [a-z-]+/);
  if (commandAt < 0) return wrapText(`fix: ${fix}`, width, '      ', '    ');
  const start = fix.indexOf('aws ', commandAt);
  const prose = fix
    .slice(0, start)
    .replace(/[:(]\s*$/, '')
    .trim();
  let rest = fix.slice(start);
  let tail = '';
  // A command inside parentheses or followed by prose: the prose after it goes on its own line.
  const close = closingParen(rest, fix.slice(0, start).trimEnd().endsWith('('));
  if (close >= 0) {
    tail = rest.slice(close + 1).trim();
    rest = rest.slice(0, close);
  }
  out.push(...wrapText(prose ? `fix: ${prose}:` : 'fix:', width, '      ', '    '));
  const commands = rest.split(' && ');
  commands.forEach((cmd, i) => {
    out.push(...wrapCommand(cmd.trim(), width, '      ', i < commands.length - 1 ? ' &&' : ''));
  });
  if (tail) out.push(...wrapText(tail, width, '      ', '      '));
  return out;
}

/** The index of the `)` that closes a command given in parentheses (outside shell quotes), else -1. */
function closingParen(text: string, opened: boolean): number {
  if (!opened) return -1;
  let quote: string | null = null;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (quote) {
      if (ch === quote) quote = null;
    } else if (ch === "'" || ch === '"') quote = ch;
    else if (ch === ')') return i;
  }
  return -1;
}

const LIVE_TEXT = (state: string, connectMs: number, errno: string | undefined, withTime: boolean) =>
  state === 'open'
    ? withTime
      ? `open ${formatMs(connectMs)}`
      : 'open'
    : state === 'error'
      ? `error ${errno ?? ''}`.trim()
      : state;

/**
 * Per cluster, one row per HSM address: the live state per port, then the static path verdict as a
 * word of its own (PATH), so a refused port on an allowed path reads as what it is. Columns that do
 * not fit the width are dropped: first the AZ, then the connect times.
 */
function renderMatrix(paths: readonly PathRecord[], env: Environment, style: Style, width: number): string[] {
  if (env.targets.length === 0) return [];
  const ports = env.settings.ports;
  const live = paths.some((p) => p.live);
  const hasStatic = paths.some((p) => p.static);
  const out: string[] = [];
  const groups = new Map<string, typeof env.targets>();
  for (const t of env.targets) {
    const k = t.clusterId ?? '(addresses given with --hsm-ip)';
    groups.set(k, [...(groups.get(k) ?? []), t]);
  }
  for (const [clusterId, targets] of groups) {
    const cluster = env.clusters.find((cl) => cl.clusterId === clusterId);
    const title = live ? 'HSM reachability' : 'HSM paths';
    out.push(style.bold(`${title} — ${clusterId}${cluster ? ` (${cluster.state})` : ''}`));
    const build = (withAz: boolean, withTime: boolean) => {
      const rows: string[][] = [
        [
          'HSM',
          ...(withAz ? ['AZ'] : []),
          'ADDRESS',
          ...(live ? ports.map(String) : []),
          ...(hasStatic ? [live ? 'PATH' : `PATH ${portsLabel(ports)}`] : []),
        ],
      ];
      for (const t of targets) {
        const here = paths.filter((x) => x.eniIp === t.ip);
        const cells = live
          ? ports.map((port) => {
              const p = here.find((x) => x.port === port && x.live);
              if (!p?.live) return style.dim('-');
              return style.status(
                p.live.state,
                LIVE_TEXT(p.live.state, p.live.connectMs, p.live.errno, withTime),
              );
            })
          : [];
        const state = t.state && t.state !== 'ACTIVE' ? ` ${style.status('warn', t.state)}` : '';
        rows.push([
          `${t.hsmId ?? '-'}${state}`,
          ...(withAz ? [t.az ?? '-'] : []),
          t.ip,
          ...cells,
          ...(hasStatic ? [pathCell(here, ports, style)] : []),
        ]);
      }
      return rows;
    };
    const fits = (rows: string[][]) => tableWidth(rows) <= width;
    let rows = build(true, true);
    if (!fits(rows)) rows = build(false, true);
    if (!fits(rows)) rows = build(false, false);
    const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => visibleLength(r[i]!))) + 2);
    rows.forEach((r, i) => {
      const line = `  ${r.map((cell, j) => pad(cell, widths[j]!)).join('')}`.trimEnd();
      out.push(i === 0 ? style.dim(line) : line);
    });
    out.push('');
  }
  if (hasStatic && live) {
    out.push(
      ...wrapText(
        'ports: the live TCP connect; PATH: what the security groups, network ACLs and routes allow',
        width,
        '  ',
        '  ',
      ).map(style.dim),
      '',
    );
  }
  return out;
}

const tableWidth = (rows: string[][]) =>
  2 + rows[0]!.reduce((sum, _, i) => sum + Math.max(...rows.map((r) => visibleLength(r[i]!))) + 2, 0) - 2;

const portsLabel = (ports: readonly number[]) =>
  ports.length > 1 && ports.every((p, i) => i === 0 || p === ports[i - 1]! + 1)
    ? `${ports[0]}-${ports[ports.length - 1]}`
    : ports.join(',');

/** The static verdict of an address over its ports: `allowed`, `blocked`, `blocked 2225`, `unknown`. */
function pathCell(here: readonly PathRecord[], ports: readonly number[], style: Style): string {
  const per = ports.map((port) => worstVerdict(here.filter((p) => p.port === port)));
  if (per.every((v) => v === null)) return style.dim('-');
  const blocked = ports.filter((_, i) => per[i] === 'blocked');
  const unknown = ports.filter((_, i) => per[i] === 'unknown');
  if (blocked.length === ports.length) return style.status('fail', 'blocked');
  if (blocked.length) return style.status('fail', `blocked ${blocked.join(',')}`);
  if (unknown.length === ports.length) return style.status('warn', 'unknown');
  if (unknown.length) return style.status('warn', `unknown ${unknown.join(',')}`);
  return style.status('pass', 'allowed');
}

/** Across the client ENIs' paths to one address and port: blocked beats unknown beats reachable. */
function worstVerdict(paths: readonly PathRecord[]): 'reachable' | 'blocked' | 'unknown' | null {
  const vs = paths.map((p) => p.static?.verdict).filter((v) => v !== undefined);
  if (vs.length === 0) return null;
  return vs.includes('blocked') ? 'blocked' : vs.includes('unknown') ? 'unknown' : 'reachable';
}
