// bench:cli — what the user waits for: whole processes, start-up included, each beside its peer in
// the same run (bare `node`, `nmap -sT` over the same targets), with peak RSS beside a bare node.
// 28 simulated HSMs × 3 ports on loopback (TLS on 2223 as an HSM does); nothing else is contacted:
// IMDS is disabled, no region is known (HOME points at an empty folder), so no AWS call is made.
// Bounded: RUNS runs per command, each with a 30 s deadline.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SimulatedHsms } from '../../src/sim/hsm-listeners.js';
import { packageRoot } from '../../src/util/paths.js';

const RUNS = Number(process.env.BENCH_RUNS ?? 15);
const HSMS = 28;
const PORTS = [2223, 2224, 2225];
const root = packageRoot();
const bin = join(root, 'bin/hsmwatch.js');
// BENCH_BEFORE=<checkout with a build>: the same commands of an earlier build, in the same run.
const before = process.env.BENCH_BEFORE ? join(process.env.BENCH_BEFORE, 'bin/hsmwatch.js') : null;
const ips = Array.from({ length: HSMS }, (_, i) => `127.0.7.${i + 1}`);

const env: NodeJS.ProcessEnv = {
  PATH: process.env.PATH,
  HOME: mkdtempSync(join(tmpdir(), 'hsmwatch-bench-home-')),
  AWS_EC2_METADATA_DISABLED: 'true',
  NO_COLOR: '1',
};

interface Figure {
  name: string;
  p50: number;
  p95: number;
  rssKb: number;
}

/** One whole process under /usr/bin/time (for its peak RSS); asynchronous, so the simulated HSMs of this process keep answering. */
function runOnce(argv: string[]): Promise<{ ms: number; rssKb: number }> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn('/usr/bin/time', ['-f', '%M', ...argv], { env, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (b: Buffer) => {
      stderr += b.toString();
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.on('error', reject);
    child.on('close', () => {
      clearTimeout(timer);
      resolve({ ms: performance.now() - t0, rssKb: Number(stderr.trim().split('\n').pop()) });
    });
  });
}

/** Runs a command RUNS times after 2 warm-up runs, timing each whole process. */
async function measure(name: string, argv: string[]): Promise<Figure> {
  const times: number[] = [];
  let rssKb = 0;
  for (let i = 0; i < RUNS + 2; i++) {
    const { ms, rssKb: rss } = await runOnce(argv);
    if (i < 2) continue; // warm the page cache
    times.push(ms);
    rssKb = Math.max(rssKb, rss);
  }
  times.sort((a, b) => a - b);
  const at = (q: number) => times[Math.min(times.length - 1, Math.floor(q * times.length))]!;
  return { name, p50: at(0.5), p95: at(0.95), rssKb };
}

const hasNmap = spawnSync('nmap', ['--version'], { encoding: 'utf8' }).status === 0;
const hsmIps = ips.flatMap((ip) => ['--hsm-ip', ip]);
const pki = join(root, 'scenarios/pki');
const hsms = await new SimulatedHsms({
  port: 2223,
  key: readFileSync(join(pki, 'hsm.key'), 'utf8'),
  cert: readFileSync(join(pki, 'hsm.crt'), 'utf8'),
}).start(ips.flatMap((ip) => PORTS.map((port) => ({ ip, port }))));
try {
  const node = process.execPath;
  const figures: Figure[] = [
    await measure('node -e 0 (bare)', [node, '-e', '0']),
    await measure('hsmwatch --version', [node, bin, '--version']),
    await measure('hsmwatch --help', [node, bin, '--help']),
    await measure(`diagnose --hsm-ip ×${HSMS}, reachability only`, [
      node,
      bin,
      'diagnose',
      ...hsmIps,
      '--probe',
      'reachability',
    ]),
    await measure(`diagnose --hsm-ip ×${HSMS}, every probe`, [node, bin, 'diagnose', ...hsmIps]),
    await measure('analyze np-healthy.json', [
      node,
      bin,
      'analyze',
      join(root, 'test/scenarios/netpath/np-healthy.json'),
    ]),
    // As the README says it: the build check, then the healthy demo (its own simulated world).
    await measure('npm run demo (healthy, build up to date)', [
      'npm',
      '--prefix',
      root,
      'run',
      '--silent',
      'demo',
    ]),
  ];
  if (before) {
    figures.push(await measure('before: hsmwatch --version', [node, before, '--version']));
    figures.push(
      await measure(`before: diagnose --hsm-ip ×${HSMS}, reachability only`, [
        node,
        before,
        'diagnose',
        ...hsmIps,
        '--probe',
        'reachability',
      ]),
    );
    figures.push(
      await measure(`before: diagnose --hsm-ip ×${HSMS}, every probe`, [node, before, 'diagnose', ...hsmIps]),
    );
    figures.push(
      await measure('before: analyze np-healthy.json', [
        node,
        before,
        'analyze',
        join(root, 'test/scenarios/netpath/np-healthy.json'),
      ]),
    );
  }
  if (hasNmap)
    figures.push(
      await measure(`nmap -sT -Pn -n -p 2223-2225 ×${HSMS}`, [
        'nmap',
        '-sT',
        '-Pn',
        '-n',
        '-p',
        '2223-2225',
        ...ips,
      ]),
    );
  const bare = figures[0]!;
  const nmap = figures.find((f) => f.name.startsWith('nmap'));
  console.log(
    `bench:cli — ${RUNS} runs each after 2 warm-up, Node ${process.version}, load average ${(await import('node:os')).loadavg()[0]!.toFixed(2)}`,
  );
  console.log('| command | p50 ms | p95 ms | ×bare node | ×nmap | peak RSS MB | RSS ×bare node |');
  console.log('| --- | --- | --- | --- | --- | --- | --- |');
  for (const f of figures) {
    console.log(
      `| ${f.name} | ${f.p50.toFixed(1)} | ${f.p95.toFixed(1)} | ${(f.p50 / bare.p50).toFixed(2)} | ${nmap ? (f.p50 / nmap.p50).toFixed(2) : 'n/a'} | ${(f.rssKb / 1024).toFixed(1)} | ${(f.rssKb / bare.rssKb).toFixed(2)} |`,
    );
  }
  if (!nmap) console.log('nmap not installed (apt-get install nmap): no nmap column');
} finally {
  await hsms.stop();
}
