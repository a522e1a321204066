// bench:probe — one reachability round over 28 HSMs × 3 ports on loopback, against a bare
// net.connect loop with the same concurrency in the same run. Bounded: fixed rounds, 60 s cap.
import { connect } from 'node:net';
import { hsmReachability } from '../../probes/hsm-reachability.js';
import { resolveSettings } from '../../src/config/settings.js';
import type { Environment } from '../../src/core/environment.js';
import { runProbe } from '../../src/core/runner.js';
import { vpcEstate } from '../../src/discovery/vpc.js';
import type { HsmTarget } from '../../src/model/index.js';
import { SimulatedHsms } from '../../src/sim/hsm-listeners.js';
import { emptySnapshot } from '../../src/snapshot/format.js';
import { mapLimit } from '../../src/util/concurrency.js';

const HSMS = 28;
const PORTS = [2223, 2224, 2225];
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 60);
const WARMUP = 5;
const CAP_MS = 60_000;

const ips = Array.from({ length: HSMS }, (_, i) => `127.0.5.${i + 1}`);
const settings = resolveSettings();
const targets: HsmTarget[] = ips.map((ip, i) => ({
  clusterId: 'cluster-benchbenchbe',
  hsmId: `hsm-bench${String(i).padStart(6, 'a')}`,
  eniId: null,
  ip,
  family: 4,
  az: null,
  subnetId: null,
  state: 'ACTIVE',
}));
const env: Environment = {
  mode: 'live',
  settings,
  region: 'us-east-1',
  client: null,
  clusters: [],
  targets,
  vpc: vpcEstate(emptySnapshot(new Date(), 'us-east-1', null)),
  snapshot: emptySnapshot(new Date(), 'us-east-1', null),
  findings: [],
  discovery: { hsmsListed: true, reads: {}, apiErrors: [] },
  credentials: undefined,
};

function bareConnect(host: string, port: number): Promise<void> {
  return new Promise((resolve) => {
    const s = connect({ host, port });
    s.once('connect', () => {
      s.destroy();
      resolve();
    });
    s.once('error', () => {
      s.destroy();
      resolve();
    });
  });
}

const jobs = ips.flatMap((ip) => PORTS.map((port) => ({ ip, port })));
const bareRound = () => mapLimit(jobs, settings.concurrency, (j) => bareConnect(j.ip, j.port));
const hsmwatchRound = async () => {
  const run = await runProbe(hsmReachability, env, new Map());
  const open = (run.outcome.paths ?? []).filter((p) => p.live?.state === 'open').length;
  if (open !== jobs.length) throw new Error(`expected ${jobs.length} open ports, saw ${open}`);
};

const quantile = (xs: number[], q: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))]!;
};

async function measure(fn: () => Promise<unknown>, deadline: number): Promise<number[]> {
  const times: number[] = [];
  for (let i = 0; i < WARMUP + ROUNDS && Date.now() < deadline; i++) {
    const t0 = performance.now();
    await fn();
    if (i >= WARMUP) times.push(performance.now() - t0);
  }
  return times;
}

const hsms = await new SimulatedHsms().start(jobs);
try {
  const deadline = Date.now() + CAP_MS;
  // Interleave the two so drift in machine load hits both alike.
  const bare: number[] = [];
  const ours: number[] = [];
  for (let i = 0; i < 4; i++) {
    bare.push(...(await measure(bareRound, deadline)).slice(0, ROUNDS / 4));
    ours.push(...(await measure(hsmwatchRound, deadline)).slice(0, ROUNDS / 4));
  }
  const row = (name: string, xs: number[]) =>
    `${name.padEnd(28)} ${quantile(xs, 0.5).toFixed(2).padStart(8)} ${quantile(xs, 0.95).toFixed(2).padStart(8)} ${(quantile(xs, 0.5) / jobs.length).toFixed(3).padStart(12)}`;
  const m = quantile(ours, 0.5);
  const b = quantile(bare, 0.5);
  console.log(
    `bench:probe — ${HSMS} HSMs × ${PORTS.length} ports = ${jobs.length} connects per round, concurrency ${settings.concurrency}, ${ours.length} rounds each, node ${process.version}`,
  );
  console.log(
    `${'round'.padEnd(28)} ${'p50 ms'.padStart(8)} ${'p95 ms'.padStart(8)} ${'ms/connect'.padStart(12)}`,
  );
  console.log(row('bare net.connect loop', bare));
  console.log(row('hsmwatch reachability probe', ours));
  console.log(
    `ratio hsmwatch/bare (p50): ${(m / b).toFixed(2)}×; added overhead per connect: ${(((m - b) / jobs.length) * 1000).toFixed(1)} µs`,
  );
} finally {
  await hsms.stop();
}
