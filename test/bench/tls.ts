// bench:tls — hsmwatch's full TLS check of an endpoint (negotiation + version and suite enumeration
// + certificate analysis) versus sslscan and testssl.sh on the same loopback servers in the same run,
// with their verdicts (accepted versions, non-forward-secret suite accepted) compared.
//   npm run bench:tls            print the table
//   npm run bench:tls -- --write also record it in BENCHMARKS.md
import { execFile, spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TlsOptions } from 'node:tls';
import { checkEndpoint } from '../../probes/tls-endpoints/check.js';
import { packageRoot } from '../../src/util/paths.js';
import { standardPki } from '../support/pki.js';
import { sslscan } from '../support/tls-peers.js';

const RUNS = 15;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

const VERSION_ID: Record<string, string> = {
  TLS1: 'TLSv1',
  TLS1_1: 'TLSv1.1',
  TLS1_2: 'TLSv1.2',
  TLS1_3: 'TLSv1.3',
};

function testssl(port: number): Promise<{ versions: string[]; nonForwardSecret: boolean; ms: number }> {
  const json = join(packageRoot(), `.bench-testssl-${port}.json`);
  const t0 = performance.now();
  return new Promise((resolve, reject) => {
    execFile(
      'testssl',
      ['--quiet', '--warnings', 'off', '--color', '0', '--jsonfile', json, '-p', '-E', `127.0.0.1:${port}`],
      { timeout: 180_000 },
      () => {
        const ms = performance.now() - t0;
        try {
          const items = JSON.parse(readFileSync(json, 'utf8')) as Array<{ id: string; finding: string }>;
          const versions = items
            .filter((i) => VERSION_ID[i.id] && /^offered/.test(i.finding))
            .map((i) => VERSION_ID[i.id]!);
          const nonForwardSecret = items.some((i) => {
            if (!/^cipher-tls1_(x|1_x|2_x)/.test(i.id)) return false;
            const name = i.finding.trim().split(/\s+/)[3] ?? '';
            return !/^(ECDHE|DHE|EDH)-/.test(name);
          });
          resolve({ versions, nonForwardSecret, ms });
        } catch (e) {
          reject(e);
        } finally {
          try {
            writeFileSync(json, '');
            execFile('rm', ['-f', json], () => {});
          } catch {}
        }
      },
    );
  });
}

/** The whole `hsmwatch tls` process against one or more of the servers. */
function cli(...ports: number[]): Promise<number> {
  const t0 = performance.now();
  return new Promise((resolve) =>
    execFile(
      process.execPath,
      [
        join(packageRoot(), 'bin', 'hsmwatch.js'),
        'tls',
        ...ports.map((p) => `127.0.0.1:${p}`),
        '--output',
        'json',
      ],
      () => resolve(performance.now() - t0),
    ),
  );
}

async function main() {
  const write = process.argv.includes('--write');
  const pki = standardPki();
  const cert = pki.good.cert + pki.inter.cert;
  const configs: Array<[string, TlsOptions]> = [
    [
      'AWS-like: TLS 1.2+1.3, ECDHE only',
      {
        minVersion: 'TLSv1.2',
        ciphers:
          'TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-RSA-AES256-GCM-SHA384',
      },
    ],
    ['TLS 1.3 only', { minVersion: 'TLSv1.3' }],
    ['Node defaults (TLS 1.2+1.3, RSA suites too)', {}],
    [
      'weak legacy: TLS 1.0-1.2, static RSA',
      {
        minVersion: 'TLSv1',
        maxVersion: 'TLSv1.2',
        ciphers: 'AES128-GCM-SHA256:AES128-SHA:ECDHE-RSA-AES128-SHA:@SECLEVEL=0',
      },
    ],
  ];
  const child = spawn(process.execPath, [join(packageRoot(), 'dist', 'test', 'bench', 'tls-servers.js')], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  child.stdin.end(JSON.stringify({ key: pki.good.key, cert, configs: configs.map(([, o]) => o) }));
  const ports = await new Promise<number[]>((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
      if (out.includes('\n')) resolve(JSON.parse(out) as number[]);
    });
    child.once('exit', (code) => reject(new Error(`bench servers exited (${code})`)));
  });
  const rows: string[] = [];
  let allAgree = true;
  let worstRatio = Number.POSITIVE_INFINITY;
  let twoPeers = '';
  try {
    for (const [i, [name]] of configs.entries()) {
      const p = { port: ports[i]! };
      const opts = { timeoutMs: 3000, warnDays: 30, ca: [pki.root.cert] };
      const target = { host: '127.0.0.1', port: p.port, label: name, aws: false };
      await checkEndpoint(target, opts); // warm-up
      const times: number[] = [];
      let last: Awaited<ReturnType<typeof checkEndpoint>> | undefined;
      for (let i = 0; i < RUNS; i++) {
        const t0 = performance.now();
        last = await checkEndpoint(target, opts);
        times.push(performance.now() - t0);
      }
      const cliMs = median([await cli(p.port), await cli(p.port), await cli(p.port)]);
      const scans = [await sslscan(p.port), await sslscan(p.port), await sslscan(p.port)];
      const ss = { ...scans[0]!, ms: median(scans.map((s) => s.ms)) };
      const ts = await testssl(p.port);
      const hw = {
        versions: last!.record.acceptedVersions as string[],
        nonFs: last!.record.nonForwardSecretAccepted as boolean,
      };
      const agree =
        JSON.stringify(hw.versions) === JSON.stringify(ss.versions) &&
        JSON.stringify(hw.versions) === JSON.stringify(ts.versions) &&
        hw.nonFs === ss.nonForwardSecret &&
        hw.nonFs === ts.nonForwardSecret;
      allAgree &&= agree;
      const hwMs = median(times);
      worstRatio = Math.min(worstRatio, Math.min(ss.ms, ts.ms) / hwMs);
      rows.push(
        `| ${name} | ${hwMs.toFixed(1)} | ${cliMs.toFixed(0)} | ${ss.ms.toFixed(0)} | ${(ss.ms / cliMs).toFixed(2)}× | ${ts.ms.toFixed(0)} | ${(Math.min(ss.ms, ts.ms) / hwMs).toFixed(0)}× | ${hw.versions.join(', ')} / ${hw.nonFs ? 'non-FS accepted' : 'FS only'} | ${agree ? 'yes' : `NO (sslscan ${ss.versions.join(',')}/${ss.nonForwardSecret}, testssl ${ts.versions.join(',')}/${ts.nonForwardSecret})`} |`,
      );
      process.stderr.write(
        `${name}: hsmwatch ${hwMs.toFixed(1)} ms, sslscan ${ss.ms.toFixed(0)} ms, testssl ${ts.ms.toFixed(0)} ms, agree ${agree}\n`,
      );
    }
    // Whole processes, two peers: one `hsmwatch tls` run against both, sslscan once per server.
    const two = [ports[0]!, ports[2]!];
    const cliTwo = median([await cli(...two), await cli(...two), await cli(...two)]);
    const scans: number[] = [];
    for (let r = 0; r < 3; r++) scans.push((await sslscan(two[0]!)).ms + (await sslscan(two[1]!)).ms);
    const scanTwo = median(scans);
    twoPeers = `Two peers (${configs[0]![0]}; ${configs[2]![0]}), whole processes, median of 3: \`hsmwatch tls\` on both ${cliTwo.toFixed(0)} ms, sslscan on each in turn ${scanTwo.toFixed(0)} ms: hsmwatch ${(scanTwo / cliTwo).toFixed(2)}× faster.`;
  } finally {
    child.kill('SIGTERM');
    pki.pki.cleanup();
  }
  const table = [
    `Measured ${new Date().toISOString().slice(0, 16)}Z on this machine (Node ${process.version}, ${(await import('node:os')).cpus().length} cores shared), loopback Node TLS servers (in their own process) with an RSA 2048 chain.`,
    `hsmwatch = one full endpoint check in-process (a full handshake with the host defaults, which also answers TLS 1.3, + 3 forced-version and 1 static-RSA-only handshakes that stop at the ServerHello, concurrently; certificate analysis), median of ${RUNS};`,
    '`hsmwatch tls` CLI = the same through the built CLI including Node start-up (median of 3); sslscan 2.0 default scan (median of 3); testssl.sh `-p -E` (protocols + ciphers per protocol, 1 run).',
    '',
    '| server | hsmwatch (ms) | `hsmwatch tls` CLI (ms) | sslscan (ms) | sslscan ÷ CLI | testssl.sh (ms) | speed-up vs fastest other | hsmwatch verdict | all three agree |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- | --- |',
    ...rows,
    '',
    twoPeers,
    '',
    `Verdicts agree on every server: ${allAgree ? 'yes' : 'NO'}. Smallest speed-up of the in-process check over the faster of sslscan and testssl.sh: ${worstRatio.toFixed(0)}×.`,
  ].join('\n');
  process.stdout.write(`${table}\n`);
  if (write) {
    const file = join(packageRoot(), 'BENCHMARKS.md');
    let text = '';
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      text = '# Benchmarks\n';
    }
    const begin = '<!-- bench:tls begin -->';
    const end = '<!-- bench:tls end -->';
    const section = `${begin}\n${table}\n${end}`;
    text = text.includes(begin)
      ? text.replace(new RegExp(`${begin}[\\s\\S]*?${end}`), section)
      : `${text.trimEnd()}\n\n## TLS enumeration (\`npm run bench:tls\`)\n\n${section}\n`;
    writeFileSync(file, text);
  }
  if (!allAgree) process.exitCode = 1;
}

await main();
