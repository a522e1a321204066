// bench:audit — `hsmwatch audit --snapshot FILE` on a synthetic estate (audit-estate.ts): 10,000
// network interfaces of every kind, 500 security groups, 50 network ACLs, a cluster VPC with two
// peered VPCs and two more on a transit gateway, 6 HSMs × 3 ports = 180,000 paths; then ×2 and ×4.
// (a) whole processes (text and JSON output to /dev/null) beside a bare `node -e 0`, with peak RSS;
// (b) in-process, the grouped evaluation against every interface evaluated on its own, beside the
// in-run JSON.parse of the snapshot; (c) their results compared path by path (verdict, components,
// resource ids): any difference fails the run; (d) growth ×2/×1 and ×4/×1.
// Bounded: BENCH_ROUNDS rounds (default 5) after one warm-up, each process with a 60 s deadline.
import { spawn } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { auditSnapshot } from '../../src/audit/audit.js';
import type { ExposureSection } from '../../src/audit/types.js';
import { resolveSettings } from '../../src/config/settings.js';
import { packageRoot } from '../../src/util/paths.js';
import { AUDIT_BASE, auditEstate, scaled } from './audit-estate.js';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const PER_PATH_ROUNDS = Math.max(1, Math.ceil(ROUNDS / 2));
const SIZES = [1, 2, 4];
const root = packageRoot();
const bin = join(root, 'bin/hsmwatch.js');
const dir = mkdtempSync(join(tmpdir(), 'hsmwatch-bench-audit-'));
const env: NodeJS.ProcessEnv = {
  PATH: process.env.PATH,
  HOME: dir,
  AWS_EC2_METADATA_DISABLED: 'true',
  NO_COLOR: '1',
};

const quantile = (xs: readonly number[], q: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))]!;
};

interface Run {
  ms: number;
  /** user + system CPU time of the process (steadier than wall time on a shared machine). */
  cpuMs: number;
  rssKb: number;
  code: number | null;
}

/** One whole process under /usr/bin/time (peak RSS, CPU time), its output to a file (default /dev/null). */
function runOnce(argv: string[], out = '/dev/null'): Promise<Run> {
  return new Promise((resolve, reject) => {
    const fd = openSync(out, 'w');
    const t0 = performance.now();
    const child = spawn('/usr/bin/time', ['-f', '%M %U %S', ...argv], { env, stdio: ['ignore', fd, 'pipe'] });
    let stderr = '';
    child.stderr!.on('data', (b: Buffer) => {
      stderr += b.toString();
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      closeSync(fd);
      const [rss, user, sys] = (stderr.trim().split('\n').pop() ?? '').split(' ').map(Number);
      resolve({
        ms: performance.now() - t0,
        cpuMs: ((user ?? 0) + (sys ?? 0)) * 1000,
        rssKb: rss ?? 0,
        code,
      });
    });
  });
}

interface Estate {
  k: number;
  file: string;
  bytes: number;
  interfaces: number;
  groups: number;
  nacls: number;
}

/** Writes each size's snapshot; the whole-process runs read it from there. */
function writeEstates(): Estate[] {
  return SIZES.map((k) => {
    const scale = scaled(k, AUDIT_BASE);
    const text = JSON.stringify(auditEstate(scale).snapshot);
    const file = join(dir, `estate-x${k}.json`);
    writeFileSync(file, text);
    return { k, file, bytes: text.length, ...scale };
  });
}

type Command = {
  name: string;
  argv: string[];
  times: number[];
  cpu: number[];
  rssKb: number;
  /** JSON runs: the warm-up's output is read back and checked against the in-process audit. */
  check?: (report: { exposure: ExposureSection }) => string | null;
};

/** Interleaved rounds (so load changes hit every command alike): bare node, then text and JSON per size. */
async function wholeProcesses(estates: readonly Estate[], ins: readonly InProcess[]): Promise<Command[]> {
  const node = process.execPath;
  const commands: Command[] = [
    { name: 'node -e 0 (bare)', argv: [node, '-e', '0'], times: [], cpu: [], rssKb: 0 },
    ...estates.flatMap((e, i) =>
      (['text', 'json'] as const).map((output) => ({
        name: `×${e.k} audit --snapshot${output === 'json' ? ' --output json' : ''}`,
        argv: [node, bin, 'audit', '--snapshot', e.file, ...(output === 'json' ? ['--output', 'json'] : [])],
        times: [] as number[],
        cpu: [] as number[],
        rssKb: 0,
        ...(output === 'json'
          ? { check: (r: { exposure: ExposureSection }) => sameSummary(e, ins[i]!, r) }
          : {}),
      })),
    ),
  ];
  const out = join(dir, 'out.json');
  for (let round = 0; round < ROUNDS + 1; round++) {
    for (const c of commands) {
      const check = round === 0 ? c.check : undefined;
      const r = await runOnce(c.argv, check ? out : '/dev/null');
      // 0: every check passed, 1: some failed (intended clients blocked): both are a finished audit.
      if (r.code !== 0 && r.code !== 1) throw new Error(`${c.name}: exit ${r.code}`);
      if (check) {
        const problem = check(JSON.parse(readFileSync(out, 'utf8')));
        rmSync(out);
        if (problem) throw new Error(problem);
      }
      if (round === 0) continue; // warm-up: page cache, compile cache
      c.times.push(r.ms);
      c.cpu.push(r.cpuMs);
      c.rssKb = Math.max(c.rssKb, r.rssKb);
    }
  }
  return commands;
}

/** Path by path: every source's every port result, grouped against per-path. */
function compare(
  grouped: ExposureSection,
  perPath: ExposureSection,
): { paths: number; mismatches: string[] } {
  const mismatches: string[] = [];
  let paths = 0;
  const key = (r: ExposureSection['clusters'][0]['sources'][0]['ports'][0]) =>
    JSON.stringify([
      r.hsmId,
      r.address,
      r.port,
      r.verdict,
      r.blockedBy.map((b) => [b.component, b.resourceIds]),
    ]);
  if (grouped.clusters.length !== perPath.clusters.length) mismatches.push('cluster count');
  grouped.clusters.forEach((c, i) => {
    const other = new Map((perPath.clusters[i]?.sources ?? []).map((s) => [s.eniId, s]));
    if (other.size !== c.sources.length) mismatches.push(`${c.clusterId}: source count`);
    for (const s of c.sources) {
      const o = other.get(s.eniId);
      if (!o || o.ports.length !== s.ports.length) {
        mismatches.push(`${s.eniId}: ports`);
        continue;
      }
      if (o.verdict !== s.verdict || o.intended !== s.intended) mismatches.push(`${s.eniId}: verdict`);
      s.ports.forEach((p, j) => {
        paths++;
        if (key(p) !== key(o.ports[j]!)) mismatches.push(`${s.eniId} ${p.address}:${p.port}`);
      });
    }
  });
  return { paths, mismatches };
}

interface InProcess {
  k: number;
  sources: number;
  paths: number;
  evaluations: number;
  parse: number[];
  grouped: number[];
  perPath: number[];
  compared: number;
  mismatches: string[];
  classes: ExposureSection['summary']['classes'];
}

/** In-process: JSON.parse (the reference), grouped and per-path audits of the same estate, then compared. */
function inProcess(e: Estate): InProcess {
  const text = readFileSync(e.file, 'utf8');
  const snapshot = auditEstate(scaled(e.k, AUDIT_BASE)).snapshot;
  const settings = resolveSettings({});
  const out: InProcess = {
    k: e.k,
    sources: 0,
    paths: 0,
    evaluations: 0,
    parse: [],
    grouped: [],
    perPath: [],
    compared: 0,
    mismatches: [],
    classes: {} as InProcess['classes'],
  };
  let grouped: ReturnType<typeof auditSnapshot> | null = null;
  let perPath: ReturnType<typeof auditSnapshot> | null = null;
  for (let round = 0; round < ROUNDS + 1; round++) {
    let t = performance.now();
    JSON.parse(text);
    const parse = performance.now() - t;
    t = performance.now();
    grouped = auditSnapshot(snapshot, settings);
    const g = performance.now() - t;
    if (round > 0) {
      out.parse.push(parse);
      out.grouped.push(g);
    }
  }
  // No warm-up of its own: the grouped rounds ran the same evaluator code.
  for (let round = 0; round < PER_PATH_ROUNDS; round++) {
    const t = performance.now();
    perPath = auditSnapshot(snapshot, settings, { evaluation: 'per-path' });
    out.perPath.push(performance.now() - t);
  }
  const s = grouped!.exposure.summary;
  const c = compare(grouped!.exposure, perPath!.exposure);
  Object.assign(out, { sources: s.sources, evaluations: s.evaluations, classes: s.classes });
  out.paths = grouped!.exposure.clusters.reduce(
    (n, x) => n + x.sources.length * x.hsms.length * x.ports.length,
    0,
  );
  out.compared = c.paths;
  out.mismatches = c.mismatches;
  return out;
}

/** The whole process audits what the in-process run audits: the same sources, the same classes. */
function sameSummary(e: Estate, expected: InProcess, report: { exposure: ExposureSection }): string | null {
  const s = report.exposure.summary;
  if (s.sources !== e.interfaces || JSON.stringify(s.classes) !== JSON.stringify(expected.classes))
    return `×${e.k}: the CLI's summary ${JSON.stringify(s)} differs from the in-process one`;
  return null;
}

const f1 = (x: number) => x.toFixed(1);
const mb = (kb: number) => (kb / 1024).toFixed(1);

function print(estates: readonly Estate[], commands: readonly Command[], ins: readonly InProcess[]): void {
  const bare = commands[0]!;
  const p50 = (c: Command) => quantile(c.times, 0.5);
  console.log(
    `bench:audit — ${ROUNDS} rounds after 1 warm-up (per-path in-process: ${PER_PATH_ROUNDS}, no warm-up of its own), Node ${process.version}, load average ${loadavg()[0]!.toFixed(2)}`,
  );
  console.log('\n(a) whole process, output to /dev/null');
  console.log(
    '| command | min ms | p50 ms | p95 ms | ×bare node | CPU p50 ms | peak RSS MB | RSS ×bare node |',
  );
  console.log('| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
  for (const c of commands)
    console.log(
      `| ${c.name} | ${f1(Math.min(...c.times))} | ${f1(p50(c))} | ${f1(quantile(c.times, 0.95))} | ${(p50(c) / p50(bare)).toFixed(2)} | ${f1(quantile(c.cpu, 0.5))} | ${mb(c.rssKb)} | ${(c.rssKb / bare.rssKb).toFixed(2)} |`,
    );
  console.log('\n(b, c) in-process: grouped against per-path evaluation of the same estate');
  console.log(
    '| estate | interfaces | SGs | NACLs | snapshot MB | paths | evaluations | JSON.parse p50 ms | grouped p50 ms | grouped p95 ms | per-path p50 ms | speed-up | compared paths | mismatches |',
  );
  console.log(
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  );
  ins.forEach((x, i) => {
    const e = estates[i]!;
    console.log(
      `| ×${x.k} | ${x.sources} | ${e.groups} | ${e.nacls} | ${(e.bytes / 1e6).toFixed(1)} | ${x.paths} | ${x.evaluations} | ${f1(quantile(x.parse, 0.5))} | ${f1(quantile(x.grouped, 0.5))} | ${f1(quantile(x.grouped, 0.95))} | ${f1(quantile(x.perPath, 0.5))} | ${(quantile(x.perPath, 0.5) / quantile(x.grouped, 0.5)).toFixed(2)}× | ${x.compared} | ${x.mismatches.length} |`,
    );
  });
  const text = (k: number) => commands.find((c) => c.name === `×${k} audit --snapshot`)!;
  const json = (k: number) => commands.find((c) => c.name === `×${k} audit --snapshot --output json`)!;
  const at = (k: number) => ins.find((x) => x.k === k)!;
  const g = (k: number, what: 'grouped' | 'perPath') => quantile(at(k)[what], 0.5);
  console.log('\n(d) growth (p50 against ×1)');
  for (const k of [2, 4])
    console.log(
      `×${k}/×1: whole text ×${(p50(text(k)) / p50(text(1))).toFixed(2)}, whole JSON ×${(p50(json(k)) / p50(json(1))).toFixed(2)}, in-process grouped ×${(g(k, 'grouped') / g(1, 'grouped')).toFixed(2)}, per-path ×${(g(k, 'perPath') / g(1, 'perPath')).toFixed(2)}, JSON.parse ×${(quantile(at(k).parse, 0.5) / quantile(at(1).parse, 0.5)).toFixed(2)}`,
    );
  const t1 = p50(text(1));
  console.log(
    `\ntarget: ×1 whole process under 1 s: ${t1 < 1000 ? 'met' : 'MISSED'} (${f1(t1)} ms text, ${f1(p50(json(1)))} ms JSON)`,
  );
  console.log(
    `verdict classes ×1: ${JSON.stringify(at(1).classes)}; load average at the end ${loadavg()[0]!.toFixed(2)}`,
  );
}

try {
  const estates = writeEstates();
  const ins = estates.map(inProcess);
  const problems = ins.flatMap((x) => x.mismatches.slice(0, 5).map((m) => `×${x.k}: mismatch ${m}`));
  const commands = await wholeProcesses(estates, ins);
  print(estates, commands, ins);
  const mismatches = ins.reduce((n, x) => n + x.mismatches.length, 0);
  console.log(
    `compared ${ins.reduce((n, x) => n + x.compared, 0)} paths grouped against per-path: ${mismatches} mismatch(es)`,
  );
  if (problems.length) {
    console.error(problems.join('\n'));
    process.exitCode = 1;
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
