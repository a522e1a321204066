// bench:agent — the agent (a child process) probing 4 clusters × 28 HSMs × 3 ports on loopback:
// resident memory idle and across many probe rounds, CPU per round, /metrics latency under 100
// concurrent scrapes; and the Debian prometheus-blackbox-exporter doing the same TCP probes (one
// target per /probe request, as Prometheus drives it) in the same run. Loopback only.
//   npm run bench:agent                  (BENCH_ROUNDS=10000, BENCH_BB_ROUNDS=300 by default)
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { Agent, get } from 'node:http';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { loadScenario, type Scenario } from '../../src/sim/scenario.js';
import { startWorld } from '../../src/sim/world.js';
import { packageRoot } from '../../src/util/paths.js';
import { worldConfig } from '../support/world.js';
import { sleep, waitFor } from './wait.js';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 10_000);
const BB_ROUNDS = Number(process.env.BENCH_BB_ROUNDS ?? 300);
const AGENT_NODE_OPTIONS = process.env.BENCH_AGENT_NODE_OPTIONS ?? '--max-semi-space-size=2';
const CLUSTERS = 4;
const HSMS = 28;
const PORTS = [2223, 2224, 2225];
const CONCURRENCY = 32;
const TICKS = 100; // clock ticks per second (getconf CLK_TCK on Linux)

function bigScenario(): Scenario {
  const base = loadScenario('healthy');
  const snapshot = structuredClone(base.snapshot);
  const clusters = (
    snapshot.aws['cloudhsmv2:DescribeClusters'] as { Clusters: Array<Record<string, unknown>> }
  ).Clusters;
  const template = clusters[0]!;
  const letters = 'abcdefghijklmnopqrstuvwxyz';
  snapshot.aws['cloudhsmv2:DescribeClusters'] = {
    Clusters: Array.from({ length: CLUSTERS }, (_, c) => ({
      ...template,
      ClusterId: `cluster-benchmark${letters[c]}`,
      Hsms: Array.from({ length: HSMS }, (_, h) => ({
        AvailabilityZone: `us-east-1${letters[h % 3]}`,
        ClusterId: `cluster-benchmark${letters[c]}`,
        SubnetId: 'subnet-0a1b2c3d4e5f60001',
        EniId: `eni-0b${String(c).padStart(2, '0')}${String(h).padStart(13, '0')}`,
        EniIp: `127.${110 + c}.${h + 1}.11`,
        HsmId: `hsm-b${letters[c]}${letters[Math.floor(h / 26)]}${letters[h % 26]}aaaaaaa`,
        State: 'ACTIVE',
      })),
    })),
  };
  snapshot.ports = PORTS;
  return { ...base, name: 'bench', snapshot, sim: { ...(base.sim ?? {}) } };
}

function procStats(pid: number) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const cpu = (Number(fields[11]) + Number(fields[12])) / TICKS; // utime + stime
  const rss = Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) * 1024;
  return { cpu, rss };
}

const mb = (b: number) => `${(b / 1024 / 1024).toFixed(1)} MB`;

function fetchText(url: string, agent?: Agent): Promise<{ ms: number; body: string; status: number }> {
  const t0 = performance.now();
  return new Promise((resolve, reject) => {
    const req = get(url, { ...(agent ? { agent } : {}), timeout: 10_000 }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (d: Buffer) => chunks.push(d));
      res.on('end', () =>
        resolve({
          ms: performance.now() - t0,
          body: Buffer.concat(chunks).toString('utf8'),
          status: res.statusCode ?? 0,
        }),
      );
    });
    req.on('error', reject);
    req.on('timeout', () => req.destroy(new Error('timeout')));
  });
}

/** 100 concurrent scrapers × 10 scrapes each, from a separate process (test/bench/scrape-load.ts). */
async function concurrentScrapes(url: string, clients = 100, each = 10) {
  const script = join(packageRoot(), 'dist', 'test', 'bench', 'scrape-load.js');
  const r = spawnSync(process.execPath, [script, url, String(clients), String(each)], {
    encoding: 'utf8',
    timeout: 300_000,
  });
  if (r.status !== 0) throw new Error(`scrape-load failed: ${r.stderr}`);
  return JSON.parse(r.stdout) as { p50: number; p99: number; n: number; bytes: number };
}

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

async function benchAgent(world: Awaited<ReturnType<typeof startWorld>>, dir: string) {
  const cfgPath = join(dir, 'agent.yaml');
  const config = (reachability: string) =>
    stringify({
      ...worldConfig(world),
      timeout: '1s',
      concurrency: CONCURRENCY,
      // Only the TCP probe: the comparison with blackbox_exporter is about the same work.
      probes: { only: ['reachability'] },
      agent: { jitter: 0, intervals: { reachability, discovery: '10m' } },
      web: { listenAddress: '127.0.0.1:0' },
    });
  writeFileSync(cfgPath, config('1h'));
  const child: ChildProcess = spawn(
    process.execPath,
    [join(packageRoot(), 'bin', 'hsmwatch.js'), 'agent', '--config', cfgPath, '--log.format', 'json'],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
      // As deployed (Dockerfile, systemd unit): a small young generation keeps RSS down.
      env: {
        ...process.env,
        NODE_OPTIONS: AGENT_NODE_OPTIONS,
        AWS_ACCESS_KEY_ID: 'AKIDBENCHONLY0000000',
        AWS_SECRET_ACCESS_KEY: 'bench-secret-not-real',
        AWS_EC2_METADATA_DISABLED: 'true',
      },
    },
  );
  let out = '';
  child.stdout!.setEncoding('utf8').on('data', (d: string) => {
    out += d;
  });
  try {
    const url = await waitFor('agent listening', async () => /"url":"(http:[^"]+)"/.exec(out)?.[1], 15_000);
    await waitFor('agent ready', async () => (await fetchText(`${url}/-/ready`)).status === 200, 30_000);
    const runs = async () => {
      const b = (await fetchText(`${url}/metrics`)).body;
      return Number(
        /^cloudhsm_probe_runs_total\{probe="reachability",result="ok"\} (\d+)/m.exec(b)?.[1] ?? 0,
      );
    };
    const up = (await fetchText(`${url}/metrics`)).body
      .split('\n')
      .filter((l) => l.startsWith('cloudhsm_hsm_port_up{') && l.endsWith(' 1')).length;
    await sleep(3000);
    const idle = procStats(child.pid!);
    // Now probe as fast as the scheduler goes: reload with a 1 ms interval.
    writeFileSync(cfgPath, config('1ms'));
    child.kill('SIGHUP');
    const t0 = Date.now();
    await waitFor('1000 rounds', async () => (await runs()) >= 1000, 600_000);
    const warm = { ...procStats(child.pid!), rounds: await runs(), at: Date.now() };
    const rssSamples: number[] = [];
    let r = warm.rounds;
    while (r < ROUNDS) {
      await sleep(1000);
      r = await runs();
      rssSamples.push(procStats(child.pid!).rss);
      if (Date.now() - t0 > 3_000_000) throw new Error('benchmark took longer than 50 minutes');
    }
    const end = { ...procStats(child.pid!), rounds: r, at: Date.now() };
    const cpuPerRound = ((end.cpu - warm.cpu) / (end.rounds - warm.rounds)) * 1000;
    const roundsPerSecond = ((end.rounds - warm.rounds) / (end.at - warm.at)) * 1000;
    // Scrapes while the agent keeps probing, then with probing idle again.
    const busy = await concurrentScrapes(`${url}/metrics`);
    writeFileSync(cfgPath, config('1h'));
    child.kill('SIGHUP');
    await sleep(1500);
    const quiet = await concurrentScrapes(`${url}/metrics`);
    const single = await concurrentScrapes(`${url}/metrics`, 1, 300);
    const after = procStats(child.pid!);
    return {
      single,
      up,
      idle,
      warm,
      end,
      cpuPerRound,
      roundsPerSecond,
      busy,
      quiet,
      after,
      rssMax: Math.max(...rssSamples),
      rssMid: rssSamples[Math.floor(rssSamples.length / 2)] ?? 0,
    };
  } finally {
    child.kill('SIGTERM');
    await new Promise((res) => child.once('exit', res));
  }
}

async function benchBlackbox(targets: string[], dir: string) {
  const port = await freePort();
  writeFileSync(
    join(dir, 'blackbox.yml'),
    stringify({
      modules: { tcp_connect: { prober: 'tcp', timeout: '1s', tcp: { preferred_ip_protocol: 'ip4' } } },
    }),
  );
  const child = spawn(
    'prometheus-blackbox-exporter',
    [
      `--config.file=${join(dir, 'blackbox.yml')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--log.level=warn',
    ],
    {
      stdio: ['ignore', 'ignore', 'inherit'],
    },
  );
  const url = `http://127.0.0.1:${port}`;
  try {
    await waitFor(
      'blackbox exporter',
      async () => (await fetchText(`${url}/metrics`)).status === 200,
      15_000,
    );
    await sleep(3000);
    const idle = procStats(child.pid!);
    const agent = new Agent({ keepAlive: true, maxSockets: CONCURRENCY });
    let failures = 0;
    const round = async () => {
      let next = 0;
      await Promise.all(
        Array.from({ length: CONCURRENCY }, async () => {
          while (next < targets.length) {
            const t = targets[next++]!;
            const r = await fetchText(`${url}/probe?module=tcp_connect&target=${t}`, agent);
            if (!/^probe_success 1$/m.test(r.body)) failures++;
          }
        }),
      );
    };
    for (let i = 0; i < Math.min(50, BB_ROUNDS); i++) await round();
    const warm = { ...procStats(child.pid!), at: Date.now() };
    for (let i = 50; i < BB_ROUNDS; i++) await round();
    const end = { ...procStats(child.pid!), at: Date.now() };
    const measured = BB_ROUNDS - Math.min(50, BB_ROUNDS);
    agent.destroy();
    const scrapes = await concurrentScrapes(`${url}/metrics`);
    const single = await concurrentScrapes(`${url}/metrics`, 1, 300);
    return {
      idle,
      end,
      failures,
      cpuPerRound: ((end.cpu - warm.cpu) / measured) * 1000,
      roundsPerSecond: (measured / (end.at - warm.at)) * 1000,
      scrapes,
      single,
    };
  } finally {
    child.kill('SIGTERM');
    await new Promise((res) => child.once('exit', res));
  }
}

async function main() {
  const dir = mkdtempSync(join(tmpdir(), 'hsmwatch-bench-'));
  const scenario = bigScenario();
  const world = await startWorld(scenario, { inPrivateNetns: false });
  const targets = world.hsmAddresses.flatMap((ip) => PORTS.map((p) => `${ip}:${p}`));
  console.log(`agent NODE_OPTIONS: ${AGENT_NODE_OPTIONS || '(none)'}`);
  console.log(
    `bench:agent — ${CLUSTERS} clusters × ${HSMS} HSMs × ${PORTS.length} ports = ${targets.length} TCP probes per round, Node ${process.versions.node}`,
  );
  try {
    const a = await benchAgent(world, dir);
    console.log(`hsmwatch agent: ${a.up}/${targets.length} ports up in its first round`);
    console.log(`  RSS idle (after the first round):       ${mb(a.idle.rss)}`);
    console.log(`  RSS after ${a.warm.rounds} rounds:              ${mb(a.warm.rss)}`);
    console.log(
      `  RSS after ${a.end.rounds} rounds:             ${mb(a.end.rss)} (max seen ${mb(a.rssMax)}, midway ${mb(a.rssMid)})`,
    );
    console.log(
      `  CPU per round (${a.end.rounds - a.warm.rounds} rounds):         ${a.cpuPerRound.toFixed(2)} ms (${a.roundsPerSecond.toFixed(1)} rounds/s)`,
    );
    console.log(
      `  /metrics, 100 concurrent × 10 while probing: p50 ${a.busy.p50.toFixed(2)} ms, p99 ${a.busy.p99.toFixed(2)} ms (${(a.busy.bytes / 1024).toFixed(0)} KiB gzipped)`,
    );
    console.log(
      `  /metrics, 100 concurrent × 10 when idle:     p50 ${a.quiet.p50.toFixed(2)} ms, p99 ${a.quiet.p99.toFixed(2)} ms`,
    );
    console.log(
      `  /metrics, 1 client × 300 sequential:        p50 ${a.single.p50.toFixed(2)} ms, p99 ${a.single.p99.toFixed(2)} ms`,
    );
    console.log(`  RSS at the end:                         ${mb(a.after.rss)}`);
    if (spawnSync('sh', ['-c', 'command -v prometheus-blackbox-exporter']).status === 0) {
      const b = await benchBlackbox(targets, dir);
      console.log(
        `prometheus-blackbox-exporter (${BB_ROUNDS} rounds of ${targets.length} /probe requests, ${CONCURRENCY} in flight):`,
      );
      console.log(`  RSS idle:                               ${mb(b.idle.rss)}`);
      console.log(`  RSS after ${BB_ROUNDS} rounds:                ${mb(b.end.rss)}`);
      console.log(
        `  CPU per round:                          ${b.cpuPerRound.toFixed(2)} ms (${b.roundsPerSecond.toFixed(1)} rounds/s; failed probes ${b.failures})`,
      );
      console.log(
        `  /metrics, 100 concurrent × 10:          p50 ${b.scrapes.p50.toFixed(2)} ms, p99 ${b.scrapes.p99.toFixed(2)} ms (${(b.scrapes.bytes / 1024).toFixed(0)} KiB gzipped)`,
      );
      console.log(
        `  /metrics, 1 client × 300 sequential:    p50 ${b.single.p50.toFixed(2)} ms, p99 ${b.single.p99.toFixed(2)} ms`,
      );
    } else {
      console.log(
        'prometheus-blackbox-exporter: not installed (apt-get install prometheus-blackbox-exporter)',
      );
    }
  } finally {
    await world.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
