// bench:agent-memory — the agent with every probe on the healthy demo world (loopback only): its
// resident memory idle and across many rounds, beside a bare `node` process measured in the same
// run, and the peak of the short-lived AWS processes (discovery, credentials, permissions) it starts.
//   npm run bench:agent-memory       (BENCH_ROUNDS=10000 reachability rounds by default)
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { get } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { loadScenario } from '../../src/sim/scenario.js';
import { startWorld } from '../../src/sim/world.js';
import { packageRoot } from '../../src/util/paths.js';
import { worldConfig } from '../support/world.js';
import { sleep, waitFor } from './wait.js';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 10_000);
const NODE_OPTIONS = process.env.BENCH_AGENT_NODE_OPTIONS ?? '--max-semi-space-size=2';
const LIMIT_MS = 20 * 60_000;

const mb = (b: number) => `${(b / 1024 / 1024).toFixed(1)} MB`;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;

function rss(pid: number): number {
  return Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) * 1024;
}

function fetchText(url: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = get(url, { timeout: 10_000 }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.on('timeout', () => req.destroy(new Error('timeout')));
  });
}

/** A bare Node process that stays alive: the baseline, measured now, on this machine. */
async function bareNode(): Promise<number> {
  const c = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
  try {
    await sleep(1500);
    return rss(c.pid!);
  } finally {
    c.kill();
  }
}

const series = (body: string, re: RegExp) =>
  [...body.matchAll(re)].map((m) => ({ label: m[1]!, value: Number(m[2]) }));

async function main() {
  const dir = mkdtempSync(join(tmpdir(), 'hsmwatch-bench-'));
  const world = await startWorld(loadScenario('healthy'), { inPrivateNetns: false });
  const cfg = join(dir, 'agent.yaml');
  writeFileSync(
    cfg,
    stringify({
      ...worldConfig(world),
      timeout: '1s',
      agent: {
        jitter: 0,
        // The loopback probes as fast as the scheduler goes; the AWS processes every few seconds.
        intervals: {
          reachability: '1ms',
          'network-path': '50ms',
          'path-correlation': '50ms',
          'hsm-tls': '100ms',
          'client-config': '100ms',
          'tls-endpoints': '500ms',
          'clock-skew': '500ms',
          credentials: '5s',
          permissions: '5s',
          discovery: '10s',
        },
      },
      web: { listenAddress: '127.0.0.1:0' },
    }),
  );
  const bare = await bareNode();
  const before = process.env.BENCH_BEFORE;
  try {
    const now = await measureAgent(packageRoot(), cfg);
    const old = before ? await measureAgent(before, cfg) : null;
    console.log(
      `bench:agent-memory — every probe on the healthy demo world, Node ${process.versions.node}, NODE_OPTIONS ${NODE_OPTIONS}`,
    );
    console.log(
      `  rounds (ok): ${now.runs.map((r) => `${r.label} ${r.value}`).join(', ')} in ${now.seconds} s`,
    );
    if (old)
      console.log(
        `  before (${before}): ${old.runs.map((r) => `${r.label} ${r.value}`).join(', ')} in ${old.seconds} s`,
      );
    console.log('');
    console.log(`  | | RSS | × bare node |${old ? ' before | × bare |' : ''}`);
    console.log(`  |---|---|---|${old ? '---|---|' : ''}`);
    console.log(`  | bare \`node\` (same run) | ${mb(bare)} | 1.00 |${old ? ` ${mb(bare)} | 1.00 |` : ''}`);
    const row = (what: string, b: number, o?: number) =>
      console.log(
        `  | ${what} | ${mb(b)} | ${(b / bare).toFixed(2)} |${old ? (o === undefined ? ' – | – |' : ` ${mb(o)} | ${(o / bare).toFixed(2)} |`) : ''}`,
      );
    row('agent idle, after the first round', now.idle, old?.idle);
    row('agent steady (median after the first quarter)', now.steady, old?.steady);
    row('agent, first quarter (median)', now.early, old?.early);
    row('agent, last quarter (median)', now.late, old?.late);
    row('agent max seen', now.max, old?.max);
    for (const p of now.peaks) row(`AWS process peak: ${p.label}`, p.value);
    console.log('');
    console.log(`  growth last vs first quarter: ${mb(now.late - now.early)}`);
    console.log(
      `  target steady ≤ 1.5× bare: ${now.steady <= 1.5 * bare ? 'MET' : 'MISSED'} (${(now.steady / bare).toFixed(2)}×)`,
    );
  } finally {
    await world.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

async function measureAgent(root: string, cfg: string) {
  const child: ChildProcess = spawn(
    process.execPath,
    [join(root, 'bin', 'hsmwatch.js'), 'agent', '--config', cfg, '--log.format', 'json'],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
      env: {
        ...process.env,
        NODE_OPTIONS,
        AWS_ACCESS_KEY_ID: 'AKIDBENCHONLY0000000',
        AWS_SECRET_ACCESS_KEY: 'bench-secret-not-real',
        AWS_EC2_METADATA_DISABLED: 'true',
      },
    },
  );
  let out = '';
  child.stdout!.setEncoding('utf8').on('data', (d: string) => (out += d));
  try {
    const url = await waitFor('agent listening', async () => /"url":"(http:[^"]+)"/.exec(out)?.[1], 15_000);
    await waitFor('agent ready', async () => (await fetchText(`${url}/-/ready`)).status === 200, 60_000);
    const metrics = async () => (await fetchText(`${url}/metrics`)).body;
    const rounds = (body: string) =>
      Number(/^cloudhsm_probe_runs_total\{probe="reachability",result="ok"\} (\d+)/m.exec(body)?.[1] ?? 0);
    const idle = rss(child.pid!);
    const t0 = Date.now();
    const samples: Array<{ rounds: number; rss: number }> = [];
    let body = await metrics();
    while (rounds(body) < ROUNDS && Date.now() - t0 < LIMIT_MS) {
      await sleep(1000);
      body = await metrics();
      samples.push({ rounds: rounds(body), rss: rss(child.pid!) });
    }
    const q = Math.max(1, Math.floor(samples.length / 4));
    return {
      seconds: Math.round((Date.now() - t0) / 1000),
      idle,
      early: median(samples.slice(0, q).map((x) => x.rss)),
      late: median(samples.slice(-q).map((x) => x.rss)),
      steady: median(samples.slice(q).map((x) => x.rss)),
      max: Math.max(...samples.map((x) => x.rss)),
      runs: series(body, /^cloudhsm_probe_runs_total\{probe="([^"]+)",result="ok"\} (\d+)/gm),
      peaks: series(body, /^cloudhsm_agent_aws_process_peak_rss_bytes\{task="([^"]+)"\} (\d+)/gm),
    };
  } finally {
    child.kill('SIGTERM');
    await new Promise((res) => child.once('exit', res));
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
