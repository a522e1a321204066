// bench:latency — are the connect times hsmwatch reports the network's, or its own event loop's?
// A slow link with a known delay (BENCH_DELAY_MS, default 2 ms each way) between two network
// namespaces made for this run (test/support/slow-link.ts; the kernel has no netem), 28 simulated HSMs
// × 3 ports (TLS on 2223) behind it. Side by side, in the same run: bare sequential connects from the
// client namespace, `hsmwatch diagnose --hsm-ip ×28` one-shot runs, and the agent's /report after a
// few reachability rounds. Targets (issue): reported median within 0.5 ms and p95 within 1.5 ms of
// bare; a miss is printed, not an exit status. Root, /dev/net/tun and python3 needed. Only addresses
// inside the two namespaces are contacted; no AWS call is made (IMDS disabled, no region, empty HOME).
// Bounded: fixed runs and rounds, every wait with a deadline.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { packageRoot } from '../../src/util/paths.js';
import {
  bareConnects,
  median,
  percentile,
  type SlowLink,
  slowLink,
  slowLinkRequired,
  startSlowLink,
} from '../support/slow-link.js';

const DELAY_MS = Number(process.env.BENCH_DELAY_MS ?? 2);
const HSMS = 28;
const PORTS = [2223, 2224, 2225];
const BARE_ROUNDS = Number(process.env.BENCH_BARE_ROUNDS ?? 3);
const DIAGNOSE_RUNS = Number(process.env.BENCH_RUNS ?? 3);
const AGENT_ROUNDS = Number(process.env.BENCH_AGENT_ROUNDS ?? 3);
const AGENT_DEADLINE_MS = 60_000;
const AGENT_PORT = 10223; // on the client namespace's own loopback
const TARGET_MEDIAN_MS = 0.5;
const TARGET_P95_MS = 1.5;

if (!slowLink.ok) {
  console.log(`bench:latency ${slowLinkRequired ? 'FAILED' : 'skipped'}: ${slowLink.reason}`);
  process.exit(slowLinkRequired ? 1 : 0);
}

const root = packageRoot();
const bin = join(root, 'bin/hsmwatch.js');
const home = mkdtempSync(join(tmpdir(), 'hsmwatch-bench-home-'));
// Overrides of this process's environment for every hsmwatch run: no AWS anything.
const env: NodeJS.ProcessEnv = {
  ...Object.fromEntries(
    Object.keys(process.env)
      .filter((k) => /^AWS_|_PROXY$|^NO_PROXY$/i.test(k))
      .map((k) => [k, undefined]),
  ),
  HOME: home,
  AWS_EC2_METADATA_DISABLED: 'true',
  NO_COLOR: '1',
};

interface PathLike {
  eniIp: string;
  port: number;
  live?: { state: string; connectMs: number };
}
interface ReportLike {
  paths: PathLike[];
  findings: Array<{ id: string; evidence?: { phasesMs?: { connect?: number } } }>;
}

const openConnects = (r: ReportLike) =>
  r.paths.filter((p) => p.live?.state === 'open').map((p) => p.live!.connectMs);
const tlsConnects = (r: ReportLike) =>
  r.findings
    .filter((f) => f.id === 'hsm.tls' && typeof f.evidence?.phasesMs?.connect === 'number')
    .map((f) => f.evidence!.phasesMs!.connect!);

async function diagnoseRuns(
  link: SlowLink,
  extra: string[] = [],
): Promise<{ reach: number[]; tls: number[] }> {
  const args = [
    bin,
    'diagnose',
    ...link.hsmAddresses.flatMap((ip) => ['--hsm-ip', ip]),
    '--output',
    'json',
    ...extra,
  ];
  const reach: number[] = [];
  const tls: number[] = [];
  for (let i = 0; i < DIAGNOSE_RUNS; i++) {
    const r = await link.runInClient(process.execPath, args, { env, timeoutMs: 60_000 });
    if (r.code !== 0 && r.code !== 1) throw new Error(`diagnose exited ${r.code}: ${r.stderr.trim()}`);
    const report = JSON.parse(r.stdout) as ReportLike;
    const open = openConnects(report);
    if (open.length !== HSMS * PORTS.length)
      throw new Error(`diagnose saw ${open.length} open ports, expected ${HSMS * PORTS.length}`);
    reach.push(...open);
    tls.push(...tlsConnects(report));
  }
  return { reach, tls };
}

// Runs in the client namespace: polls the agent's /report until AGENT_ROUNDS new rounds of the
// reachability probe and of the hsm-tls probe were seen after the first of each (a warm-up). A round
// is told apart from the one before by its vector of connect times.
const POLL_SCRIPT = `
const { url, rounds, deadlineMs } = JSON.parse(process.argv[1]);
const end = Date.now() + deadlineMs;
const reach = []; const tls = []; let lastReach = null; let lastTls = null;
(async () => {
  while (Date.now() < end && (reach.length < rounds + 1 || tls.length < rounds + 1)) {
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(5000) });
      if (res.status === 200) {
        const r = await res.json();
        const open = r.paths.filter((p) => p.live && p.live.state === 'open').map((p) => p.live.connectMs);
        const t = r.findings.filter((f) => f.id === 'hsm.tls' && f.evidence && f.evidence.phasesMs && typeof f.evidence.phasesMs.connect === 'number').map((f) => f.evidence.phasesMs.connect);
        const rk = JSON.stringify(open);
        if (open.length > 0 && open.length === r.paths.length && rk !== lastReach && reach.length < rounds + 1) { lastReach = rk; reach.push(open); }
        const tk = JSON.stringify(t);
        if (t.length > 0 && tk !== lastTls && tls.length < rounds + 1) { lastTls = tk; tls.push(t); }
      }
    } catch {}
    await new Promise((r) => setTimeout(r, 200));
  }
  process.stdout.write(JSON.stringify({ reach: reach.slice(1), tls: tls.slice(1) }));
})();
`;

async function agentRounds(link: SlowLink, dir: string): Promise<{ reach: number[]; tls: number[] }> {
  const cfg = join(dir, 'agent.yaml');
  writeFileSync(
    cfg,
    stringify({
      hsmIps: link.hsmAddresses,
      ports: PORTS,
      agent: { jitter: 0, intervals: { reachability: '1s', 'hsm-tls': '2s' } },
      web: { listenAddress: `127.0.0.1:${AGENT_PORT}` },
    }),
  );
  const agent = link.spawnInClient(
    process.execPath,
    [bin, 'agent', '--config', cfg, '--log.format', 'json'],
    {
      env,
    },
  );
  let log = '';
  const keep = (d: Buffer) => {
    log = (log + d.toString()).slice(-20_000);
  };
  agent.stdout?.on('data', keep);
  agent.stderr?.on('data', keep);
  try {
    const r = await link.runInClient(
      process.execPath,
      [
        '-e',
        POLL_SCRIPT,
        JSON.stringify({
          url: `http://127.0.0.1:${AGENT_PORT}/report`,
          rounds: AGENT_ROUNDS,
          deadlineMs: AGENT_DEADLINE_MS,
        }),
      ],
      { timeoutMs: AGENT_DEADLINE_MS + 10_000 },
    );
    const rounds = JSON.parse(r.stdout) as { reach: number[][]; tls: number[][] };
    if (rounds.reach.length < AGENT_ROUNDS)
      throw new Error(
        `the agent gave ${rounds.reach.length} of ${AGENT_ROUNDS} reachability rounds within ${AGENT_DEADLINE_MS} ms; its log:\n${log.slice(-3000)}`,
      );
    if (rounds.tls.length < AGENT_ROUNDS)
      console.log(`note: the agent gave only ${rounds.tls.length} of ${AGENT_ROUNDS} hsm-tls rounds in time`);
    return { reach: rounds.reach.flat(), tls: rounds.tls.flat() };
  } finally {
    agent.kill('SIGTERM');
  }
}

interface Row {
  name: string;
  xs: number[];
  target: boolean;
}

const f2 = (x: number) => (Number.isFinite(x) ? x.toFixed(2) : 'n/a');
const signed = (x: number) => (Number.isFinite(x) ? `${x >= 0 ? '+' : ''}${x.toFixed(2)}` : 'n/a');

const dir = mkdtempSync(join(tmpdir(), 'hsmwatch-bench-latency-'));
// Interrupted: exit normally, so the slow link's exit hook deletes the namespaces, and ours the folders.
const removeDirs = () => {
  rmSync(dir, { recursive: true, force: true });
  rmSync(home, { recursive: true, force: true });
};
process.on('exit', removeDirs);
process.once('SIGINT', () => process.exit(130));
process.once('SIGTERM', () => process.exit(143));
const link = await startSlowLink({ delayMs: DELAY_MS, hsmCount: HSMS, ports: PORTS, tlsPort: 2223 });
try {
  const targets = link.hsmAddresses.flatMap((ip) => PORTS.map((port) => ({ ip, port })));
  await link.relayStats(); // resets the relay's lateness counters
  const bare = await bareConnects(link, targets, BARE_ROUNDS);
  const bare32 = await bareConnects(link, targets, BARE_ROUNDS, { concurrency: 32 });
  const diagnose = await diagnoseRuns(link);
  const diagnose1 = await diagnoseRuns(link, ['--concurrency', '1']);
  const agent = await agentRounds(link, dir);
  const relay = await link.relayStats();

  const rows: Row[] = [
    { name: 'bare net.connect, sequential', xs: bare, target: false },
    { name: 'bare net.connect, 32 in flight (reference)', xs: bare32, target: false },
    { name: 'diagnose paths[].live.connectMs', xs: diagnose.reach, target: true },
    { name: 'diagnose hsm.tls phasesMs.connect', xs: diagnose.tls, target: false },
    { name: 'diagnose --concurrency 1 (reference)', xs: diagnose1.reach, target: false },
    { name: 'diagnose --concurrency 1 hsm.tls connect', xs: diagnose1.tls, target: false },
    { name: 'agent /report paths[].live.connectMs', xs: agent.reach, target: true },
    { name: 'agent /report hsm.tls phasesMs.connect', xs: agent.tls, target: false },
  ];
  const bm = median(bare);
  const bp = percentile(bare, 95);
  console.log(
    `bench:latency — slow link ${DELAY_MS} ms each way (RTT ${2 * DELAY_MS} ms), ${HSMS} HSMs × ${PORTS.length} ports; ` +
      `relay ${link.realtime ? 'at real-time priority (chrt -f 50)' : 'at NORMAL priority (chrt failed)'}; ` +
      `bare ${BARE_ROUNDS} rounds, diagnose ${DIAGNOSE_RUNS} runs, agent ${AGENT_ROUNDS} rounds after 1 warm-up; ` +
      `Node ${process.version}, load average ${loadavg()[0]!.toFixed(2)}`,
  );
  console.log('| source | n | median ms | p95 ms | median − bare | p95 − bare | median ×bare | p95 ×bare |');
  console.log('| --- | --- | --- | --- | --- | --- | --- | --- |');
  for (const r of rows) {
    const m = median(r.xs);
    const p = percentile(r.xs, 95);
    console.log(
      `| ${r.name} | ${r.xs.length} | ${f2(m)} | ${f2(p)} | ${signed(m - bm)} | ${signed(p - bp)} | ${f2(m / bm)} | ${f2(p / bp)} |`,
    );
  }
  console.log(
    `relay (the link itself): ${relay.clientToHsm} packets client→HSM, ${relay.hsmToClient} HSM→client, ` +
      `${relay.dropped} dropped; latest delivery ${relay.maxLateUs} µs after due, ${relay.lateOver100Us} packets over 100 µs late`,
  );
  console.log(
    `targets: reported median within ${TARGET_MEDIAN_MS} ms and p95 within ${TARGET_P95_MS} ms of bare sequential`,
  );
  for (const r of rows.filter((x) => x.target)) {
    const dm = median(r.xs) - bm;
    const dp = percentile(r.xs, 95) - bp;
    console.log(
      `  ${r.name}: median ${signed(dm)} ms ${Math.abs(dm) <= TARGET_MEDIAN_MS ? 'PASS' : 'MISS'}, ` +
        `p95 ${signed(dp)} ms ${Math.abs(dp) <= TARGET_P95_MS ? 'PASS' : 'MISS'}`,
    );
  }
} finally {
  await link.stop();
  removeDirs();
}
