// The status page: plain server-rendered HTML, readable without JavaScript.
import type { Environment } from '../core/environment.js';
import type { Finding, PathRecord, Report } from '../model/index.js';
import { verdictOf } from '../report/verdict.js';
import type { AgentState } from './state.js';

const esc = (v: unknown) =>
  String(v ?? '').replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!,
  );

export function age(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 120) return `${s} s ago`;
  if (s < 7200) return `${Math.round(s / 60)} min ago`;
  return `${Math.round(s / 3600)} h ago`;
}

const STATUS_ORDER: Record<string, number> = { fail: 0, error: 1, warn: 2, skip: 3, pass: 4 };

export function renderStatusPage(
  state: AgentState,
  o: { version: string; now?: number; refreshSeconds?: number; telemetryPath?: string },
): string {
  const now = o.now ?? Date.now();
  const rep = state.report()?.report ?? null;
  const env = state.env;
  const d = state.discovery;
  const parts: string[] = [];
  parts.push(`<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
${o.refreshSeconds ? `<meta http-equiv="refresh" content="${o.refreshSeconds}">` : ''}
<title>hsmwatch agent</title>
<style>
body{font-family:system-ui,sans-serif;margin:1.5rem;color:#1b1f24;background:#fff}
h1{font-size:1.4rem;margin:0 0 .3rem}h2{font-size:1.1rem;margin:1.6rem 0 .5rem}
table{border-collapse:collapse;font-size:.9rem}th,td{border:1px solid #d0d7de;padding:.3rem .6rem;text-align:left;vertical-align:top}
th{background:#f6f8fa}.meta{color:#57606a}
.s-open,.s-pass,.s-reachable,.s-ok{background:#dafbe1}.s-refused,.s-timeout,.s-unreachable,.s-fail,.s-blocked,.s-error{background:#ffebe9}
.s-warn,.s-stale,.s-unknown,.s-skip,.s-skipped,.s-missing{background:#fff8c5}
code{font-size:.85rem}
.verdict{font-size:1.15rem;font-weight:600;margin:.4rem 0 .6rem;padding:.55rem .9rem;border-left:.45rem solid #8c959f;background:#f6f8fa}
.v-fail{background:#ffebe9;border-left-color:#cf222e;color:#82071e}.v-warn{background:#fff8c5;border-left-color:#bf8700;color:#633c01}
.v-pass{background:#dafbe1;border-left-color:#1a7f37;color:#116329}.verdict .meta{font-weight:400;font-size:.9rem}
</style></head><body>
<h1>hsmwatch agent</h1>
${verdictLine(rep, env, state.ready)}
<p class="meta">version ${esc(o.version)} · instance ${esc(env?.client?.instanceId ?? 'unknown')} · region ${esc(env?.region ?? 'unknown')} · ${state.ready ? 'ready' : 'first round in progress'} · page generated ${esc(new Date(now).toISOString())}</p>`);
  if (d) {
    const cls = d.staleSince === null ? 's-ok' : 's-stale';
    const txt =
      d.staleSince === null
        ? `discovery ok, ${age(now - d.at)}`
        : `discovery failing since ${new Date(d.staleSince).toISOString()} (${age(now - d.staleSince)}): probing the last known HSMs, listed ${d.lastSuccessAt ? age(now - d.lastSuccessAt) : 'never'}`;
    parts.push(`<p id="discovery" class="${cls}">${esc(txt)}</p>`);
  } else {
    parts.push('<p id="discovery" class="s-unknown">discovery has not finished yet</p>');
  }
  if (rep) {
    parts.push(matrix(rep, env?.settings.ports ?? []));
    parts.push(pathVerdicts(rep.paths));
    parts.push(tlsSummary(rep));
  }
  parts.push(probeTable(state, now));
  if (rep) parts.push(findingsTable(rep.findings));
  parts.push(
    `<p class="meta">Machine-readable: <a href="/report">/report</a> · <a href="${esc(o.telemetryPath ?? '/metrics')}">${esc(o.telemetryPath ?? '/metrics')}</a></p></body></html>\n`,
  );
  return parts.join('\n');
}

/** The verdict that leads the text report, coloured by its status: red fail, yellow warn, green pass. */
function verdictLine(rep: Report | null, env: Environment | null, ready: boolean): string {
  if (!rep || !env)
    return '<p id="verdict" class="verdict" data-status="pending">no results yet: discovery has not finished</p>';
  const v = verdictOf(rep, env.targets);
  const pending = ready ? '' : ' <span class="meta">(first round of probes still running)</span>';
  return `<p id="verdict" class="verdict v-${v.status}" data-status="${v.status}"><span class="mark">${esc(v.mark)}</span> <span class="text">${esc(v.text)}</span>${pending}</p>`;
}

function liveByAddress(paths: readonly PathRecord[]) {
  const m = new Map<string, PathRecord>();
  for (const p of paths) {
    const key = `${p.eniIp}|${p.port}`;
    if (!m.has(key) || (p.live && !m.get(key)!.live)) m.set(key, p);
  }
  return m;
}

function matrix(rep: Report, ports: readonly number[]): string {
  const live = liveByAddress(rep.paths);
  const hsms = [...new Map(rep.paths.map((p) => [p.eniIp, p])).values()];
  const rows = hsms.map((h) => {
    const cells = ports.map((port) => {
      const p = live.get(`${h.eniIp}|${port}`);
      const st = p?.live?.state ?? 'unknown';
      const detail = p?.live
        ? p.live.state === 'open'
          ? ` ${p.live.connectMs} ms`
          : p.live.errno
            ? ` ${p.live.errno}`
            : ''
        : '';
      return `<td class="s-${esc(st)}" data-port="${port}" data-state="${esc(st)}">${esc(st)}${esc(detail)}</td>`;
    });
    return `<tr data-ip="${esc(h.eniIp)}"><td>${esc(h.clusterId ?? '')}</td><td>${esc(h.hsmId ?? '')}</td><td><code>${esc(h.eniIp)}</code></td>${cells.join('')}</tr>`;
  });
  return `<h2>HSM × port</h2>
<table id="matrix"><thead><tr><th>cluster</th><th>HSM</th><th>address</th>${ports.map((p) => `<th>${p}</th>`).join('')}</tr></thead>
<tbody>${rows.join('\n') || `<tr><td colspan="${3 + ports.length}">no HSM address known</td></tr>`}</tbody></table>`;
}

function pathVerdicts(paths: readonly PathRecord[]): string {
  const withStatic = paths.filter((p) => p.static);
  if (withStatic.length === 0)
    return '<h2>Path verdicts</h2><p id="paths" class="meta">no static path analysis has run (no probe in this build provides it, or it has not run yet)</p>';
  const rows = withStatic.map((p) => {
    const v = p.static!.verdict;
    const by = p
      .static!.blockedBy.map((b) => `${b.component} ${b.resourceIds.join(',')}: ${b.detail}`)
      .join('; ');
    return `<tr><td>${esc(p.clientEni ?? '')}</td><td><code>${esc(p.eniIp)}</code></td><td>${p.port}</td><td class="s-${esc(v)}">${esc(v)}</td><td>${esc(by)}</td><td>${esc(p.live?.state ?? '')}</td></tr>`;
  });
  return `<h2>Path verdicts</h2><table id="paths"><thead><tr><th>client ENI</th><th>HSM address</th><th>port</th><th>static</th><th>blocked by</th><th>live</th></tr></thead><tbody>${rows.join('\n')}</tbody></table>`;
}

function tlsSummary(rep: Report): string {
  if (rep.endpoints.length === 0)
    return '<h2>TLS to AWS endpoints</h2><p id="tls" class="meta">no TLS results (no TLS probe in this build, or it has not run yet)</p>';
  const rows = rep.endpoints.map((e) => {
    const cert = (e.certificate ?? {}) as Record<string, unknown>;
    return `<tr><td>${esc(e.host)}:${e.port}</td><td>${esc(e.protocol ?? '')}</td><td>${esc(e.cipher ?? '')}</td><td class="s-${e.forwardSecrecy === false ? 'fail' : 'pass'}">${esc(e.forwardSecrecy ?? '')}</td><td>${esc(cert.daysLeft ?? '')}</td><td>${esc(cert.verified ?? '')}</td></tr>`;
  });
  return `<h2>TLS to AWS endpoints</h2><table id="tls"><thead><tr><th>endpoint</th><th>protocol</th><th>cipher</th><th>forward secrecy</th><th>cert days left</th><th>verified</th></tr></thead><tbody>${rows.join('\n')}</tbody></table>`;
}

function probeTable(state: AgentState, now: number): string {
  const rows = [...state.runs.values()].map(
    (r) =>
      `<tr><td>${esc(r.probe)}</td><td class="s-${esc(r.result)}">${esc(r.result)}</td><td>${esc(age(now - r.startedAt - r.durationMs))}</td><td>${Math.round(r.durationMs)} ms</td></tr>`,
  );
  return `<h2>Probes</h2><table id="probes"><thead><tr><th>probe</th><th>last result</th><th>finished</th><th>took</th></tr></thead><tbody>${rows.join('\n') || '<tr><td colspan="4">no probe has finished yet</td></tr>'}</tbody></table>`;
}

function findingsTable(findings: readonly Finding[]): string {
  const sorted = [...findings].sort((a, b) => (STATUS_ORDER[a.status] ?? 9) - (STATUS_ORDER[b.status] ?? 9));
  const rows = sorted.map(
    (f) =>
      `<tr><td class="s-${esc(f.status)}">${esc(f.status)}</td><td><code>${esc(f.id)}</code></td><td>${esc(f.target)}</td><td>${esc(f.message)}${f.remediation ? `<br><small>fix: <code>${esc(f.remediation)}</code></small>` : ''}</td></tr>`,
  );
  return `<h2>Findings</h2><table id="findings"><thead><tr><th>status</th><th>id</th><th>target</th><th>message</th></tr></thead><tbody>${rows.join('\n')}</tbody></table>`;
}
