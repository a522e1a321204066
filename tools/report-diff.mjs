#!/usr/bin/env node
// Shows that a change leaves the reports alone: runs every built-in demo scenario (text and JSON),
// masks what legitimately differs between two runs (timestamps, timings, loopback ports, skews), and
// either stores the result (capture DIR) or compares it with a stored one (compare DIR).
//
//   node tools/report-diff.mjs capture /tmp/reports-before   # on the old commit
//   node tools/report-diff.mjs compare /tmp/reports-before   # on the new one: exit 1 on any difference
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const [mode, dir] = process.argv.slice(2);
if (!['capture', 'compare'].includes(mode) || !dir) {
  console.error('usage: node tools/report-diff.mjs capture|compare DIR');
  process.exit(2);
}

const scenarios = readdirSync(join(root, 'scenarios'))
  .filter((f) => f.endsWith('.json'))
  .map((f) => f.replace(/\.json$/, ''))
  .sort();

// Keys whose values are measurements or clocks, not verdicts.
const VARYING_KEY = /(Ms|Seconds|At|Time|time|Date|date|skew|Skew|rtt|Rtt|expiration)$/;

function maskText(s) {
  return s
    .replace(/\/tmp\/hsmwatch-demo-[A-Za-z0-9]+/g, '<tmp>')
    .replace(/\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z/g, '<time>')
    .replace(/\b(127\.0\.0\.1|localhost|\[::1\]):\d+/g, '$1:<port>')
    .replace(/[+-]?\d+(\.\d+)?\s?(ms|s)\b/g, '<dur>')
    .replace(/\b\d+ min\b/g, '<min>');
}

function maskJson(v, key = '') {
  if (Array.isArray(v)) return v.map((x) => maskJson(x));
  if (v && typeof v === 'object')
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, maskJson(x, k)]));
  if (typeof v === 'number' && VARYING_KEY.test(key)) return '<n>';
  // The simulated AWS endpoints listen on ports the kernel picks.
  if (key === 'port' && typeof v === 'number' && v >= 10000) return '<port>';
  if (typeof v === 'string') return maskText(v);
  return v;
}

function run(name, output) {
  const r = spawnSync(
    process.execPath,
    [join(root, 'bin/hsmwatch.js'), 'demo', '--scenario', name, '--output', output],
    { cwd: root, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1', COLUMNS: '100' }, timeout: 120_000 },
  );
  if (r.error) throw r.error;
  return { code: r.status, stdout: r.stdout };
}

function captureAll(out) {
  mkdirSync(out, { recursive: true });
  for (const name of scenarios) {
    const json = run(name, 'json');
    let masked;
    try {
      masked = JSON.stringify(maskJson(JSON.parse(json.stdout)), null, 2);
    } catch {
      masked = `not JSON:\n${json.stdout}`;
    }
    writeFileSync(join(out, `${name}.json`), `exit ${json.code}\n${masked}\n`);
    const text = run(name, 'text');
    writeFileSync(join(out, `${name}.txt`), `exit ${text.code}\n${maskText(text.stdout)}`);
    process.stderr.write(`${name}: json exit ${json.code}, text exit ${text.code}\n`);
  }
}

if (mode === 'capture') {
  captureAll(dir);
} else {
  const now = mkdtempSync(join(tmpdir(), 'hsmwatch-reports-'));
  captureAll(now);
  let differ = 0;
  for (const f of readdirSync(dir).sort()) {
    const before = readFileSync(join(dir, f), 'utf8');
    const after = readFileSync(join(now, f), 'utf8');
    if (before === after) continue;
    differ++;
    try {
      execFileSync('diff', ['-u', join(dir, f), join(now, f)], { stdio: 'inherit' });
    } catch {}
  }
  console.log(differ === 0 ? `all ${scenarios.length * 2} reports identical` : `${differ} report(s) differ`);
  process.exit(differ === 0 ? 0 : 1);
}
