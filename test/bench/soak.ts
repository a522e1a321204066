// bench:soak — the agent, every probe selected, against a world that flips faults (test/bench/
// soak-world.ts: the AWS API answering, 5xx, trickling, garbage, or misbehaving at the TLS level; HSM
// ports open, refused, reset or silent), for BENCH_SOAK_ROUNDS reachability rounds (default 10,000)
// and at least BENCH_SOAK_MIN_S seconds (default 180), at most BENCH_SOAK_MAX_S (default 900). It
// prints rounds, RSS at start/middle/end, open file descriptors, heap and the same of a bare idle
// `node` beside it, and exits 1 if the agent stopped answering, leaked, died or had an unhandled error.
//   npm run bench:soak
import { writeFileSync } from 'node:fs';
import {
  medianOf,
  SOAK_CREDENTIALS as PLANTED,
  SOAK_INTERVALS,
  type SoakResult,
  soak,
  soakEnv,
  startSoakWorld,
} from './soak-world.js';

const ROUNDS = Number(process.env.BENCH_SOAK_ROUNDS ?? 10_000);
const MIN_MS = Number(process.env.BENCH_SOAK_MIN_S ?? 180) * 1000;
const MAX_MS = Number(process.env.BENCH_SOAK_MAX_S ?? 900) * 1000;
const SEED = Number(process.env.BENCH_SOAK_SEED ?? 13);
const NODE_OPTIONS = process.env.BENCH_AGENT_NODE_OPTIONS ?? '--max-semi-space-size=2';

const mb = (b: number) => `${(b / 1024 / 1024).toFixed(1)} MB`;

function report(r: SoakResult): boolean {
  const s = r.samples;
  const at = (key: 'rss' | 'fds' | 'heap' | 'bareRss' | 'bareFds' | 'bareHeap', from: number, to: number) =>
    medianOf(s, key, from, to);
  const rss = [at('rss', 0.05, 0.15), at('rss', 0.45, 0.55), at('rss', 0.85, 1)];
  const bare = [at('bareRss', 0.05, 0.15), at('bareRss', 0.45, 0.55), at('bareRss', 0.85, 1)];
  const heap = [at('heap', 0.05, 0.15), at('heap', 0.45, 0.55), at('heap', 0.85, 1)];
  const bareHeap = [at('bareHeap', 0.05, 0.15), at('bareHeap', 0.45, 0.55), at('bareHeap', 0.85, 1)];
  const fds = [at('fds', 0.05, 0.15), at('fds', 0.85, 1)];
  const bareFds = [at('bareFds', 0.05, 0.15), at('bareFds', 0.85, 1)];
  const maxRss = Math.max(...s.map((x) => x.rss));
  const maxFds = Math.max(...s.map((x) => x.fds));
  const maxChildren = Math.max(...s.map((x) => x.children));
  const total = Object.values(r.runs).reduce(
    (n, byResult) => n + Object.values(byResult).reduce((a, b) => a + b, 0),
    0,
  );
  console.log(
    `bench:soak — every probe against a flipping world, Node ${process.versions.node}, NODE_OPTIONS ${NODE_OPTIONS}, seed ${SEED}`,
  );
  console.log(
    `  ${r.rounds} reachability rounds, ${total} probe runs in all, ${r.flips} flips, ${r.awsRequests} AWS API requests answered by the simulation, ${r.seconds} s`,
  );
  console.log(
    `  runs by probe: ${Object.entries(r.runs)
      .map(
        ([p, byResult]) =>
          `${p} ${Object.entries(byResult)
            .map(([k, v]) => `${k}=${v}`)
            .join('/')}`,
      )
      .join(', ')}`,
  );
  console.log('');
  console.log('  | | start (5–15 %) | middle (45–55 %) | end (85–100 %) | max |');
  console.log('  |---|---|---|---|---|');
  console.log(`  | agent RSS | ${mb(rss[0]!)} | ${mb(rss[1]!)} | ${mb(rss[2]!)} | ${mb(maxRss)} |`);
  console.log(`  | bare \`node\` RSS | ${mb(bare[0]!)} | ${mb(bare[1]!)} | ${mb(bare[2]!)} | |`);
  console.log(`  | agent heap used | ${mb(heap[0]!)} | ${mb(heap[1]!)} | ${mb(heap[2]!)} | |`);
  console.log(
    `  | bare \`node\` heap used | ${mb(bareHeap[0]!)} | ${mb(bareHeap[1]!)} | ${mb(bareHeap[2]!)} | |`,
  );
  console.log(`  | agent open fds | ${fds[0]} | | ${fds[1]} | ${maxFds} |`);
  console.log(`  | bare \`node\` open fds | ${bareFds[0]} | | ${bareFds[1]} | |`);
  console.log('');
  const list = (o: Record<string, number>) =>
    Object.entries(o)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ');
  console.log(`  modes drawn: ${list(r.modes)}`);
  console.log(
    `  the agent counted: failed HSM connects ${list(r.hsmFailures)}; AWS API errors ${list(r.awsApiErrors)}`,
  );
  console.log(`  runs that timed out or failed (log warnings): ${list(r.incomplete) || 'none'}`);
  console.log(`  AWS processes alive at once: at most ${maxChildren}`);
  console.log(
    `  /-/healthy and /metrics: ${r.polls} polls, ${r.pollFailures.length} failed, slowest ${r.slowestPollMs.toFixed(0)} ms`,
  );
  console.log(`  unhandled errors: ${r.unhandled.length}${r.exitedEarly ? `; ${r.exitedEarly}` : ''}`);
  const leaked = [PLANTED.accessKeyId, PLANTED.secretAccessKey, PLANTED.sessionToken].filter(
    (x) => r.stdout.includes(x) || r.stderr.includes(x),
  );
  const problems = [
    r.rounds < ROUNDS ? `only ${r.rounds} of ${ROUNDS} rounds` : '',
    r.pollFailures.length ? `polls failed: ${r.pollFailures.slice(0, 5).join('; ')}` : '',
    r.unhandled.length ? `unhandled: ${r.unhandled.slice(0, 3).join(' | ')}` : '',
    r.exitedEarly ?? '',
    leaked.length ? 'a planted credential appeared in the agent output' : '',
    // Flat: the end within 10 descriptors and 1.5× the RSS of the start.
    fds[1]! > fds[0]! + 10 ? `fds grew ${fds[0]} → ${fds[1]}` : '',
    rss[2]! > rss[0]! * 1.5 ? `RSS grew ${mb(rss[0]!)} → ${mb(rss[2]!)}` : '',
  ].filter(Boolean);
  console.log(
    problems.length ? `  PROBLEMS: ${problems.join('; ')}` : '  verdict: flat, answering, no unhandled error',
  );
  return problems.length === 0;
}

async function main() {
  const w = await startSoakWorld(240, SOAK_INTERVALS);
  try {
    const r = await soak(w, {
      rounds: ROUNDS,
      minMs: MIN_MS,
      maxMs: MAX_MS,
      flipMs: 500,
      seed: SEED,
      nodeOptions: NODE_OPTIONS,
      env: soakEnv(),
      onSample: (x) => {
        if (x.at % 30_000 < 1000)
          console.error(
            `  … ${Math.round(x.at / 1000)} s: ${x.rounds} rounds, RSS ${mb(x.rss)}, ${x.fds} fds`,
          );
      },
    });
    // BENCH_SOAK_LOG=FILE keeps the agent's log lines (the last 4 MB) for a closer look.
    if (process.env.BENCH_SOAK_LOG) writeFileSync(process.env.BENCH_SOAK_LOG, r.stdout);
    process.exitCode = report(r) ? 0 : 1;
  } finally {
    await w.stop();
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
