// The connect times hsmwatch reports track the network: a slow link with a known delay between two
// network namespaces made for this test (test/support/slow-link.ts), the delay changed between runs.
// Loose on purpose (not a timing benchmark, see bench:latency): the expectations come from the
// injected delays only, never from what hsmwatch printed. Only addresses inside the two namespaces
// are contacted.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Report } from '../../src/model/index.js';
import { BIN } from '../support/cli.js';
import {
  bareConnects,
  median,
  type SlowLink,
  skipSlowLink,
  slowLink,
  startSlowLink,
} from '../support/slow-link.js';

const LOW_MS = 1;
const HIGH_MS = 5;
const HSMS = 4;
const RUNS = 3;
const TOLERANCE_MS = 3;

describe.skipIf(skipSlowLink)('reported connect times on a slow link', () => {
  let link: SlowLink | undefined;
  const reported = new Map<number, number[]>();
  const bare = new Map<number, number[]>();
  /** The TCP phase of the HSM TLS check's handshakes. */
  const reportedTls = new Map<number, number[]>();

  beforeAll(async () => {
    if (!slowLink.ok) return; // the first test says why
    link = await startSlowLink({ delayMs: LOW_MS, hsmCount: HSMS });
    const targets = link.hsmAddresses.flatMap((ip) => link!.ports.map((port) => ({ ip, port })));
    for (const delay of [LOW_MS, HIGH_MS]) {
      await link.setDelay(delay);
      bare.set(delay, await bareConnects(link, targets, 2));
      const times: number[] = [];
      const tlsTimes: number[] = [];
      for (let i = 0; i < RUNS; i++) {
        const r = await link.runInClient(
          process.execPath,
          [
            BIN,
            'diagnose',
            ...link.hsmAddresses.flatMap((ip) => ['--hsm-ip', ip]),
            // Every probe, at the default concurrency: the AWS ones skip (no region), the HSM TLS
            // check runs beside the connects, as in a real diagnosis.
            '--output',
            'json',
            '--timeout',
            '2s',
          ],
          { env: { NO_COLOR: '1' }, timeoutMs: 30_000 },
        );
        // 1: some check fails here (no Client SDK configuration in the namespace); the figures stand.
        expect([0, 1], r.stderr).toContain(r.code);
        const report = JSON.parse(r.stdout) as Report;
        expect(report.paths).toHaveLength(HSMS * link.ports.length);
        for (const p of report.paths) {
          expect(p.live?.state, `${p.eniIp}:${p.port}`).toBe('open');
          times.push(p.live!.connectMs);
        }
        for (const f of report.findings.filter((x) => x.id === 'hsm.tls')) {
          const connect = (f.evidence.phasesMs as { connect?: number } | undefined)?.connect;
          expect(connect, f.message).toBeTypeOf('number');
          tlsTimes.push(connect!);
        }
      }
      reported.set(delay, times);
      reportedTls.set(delay, tlsTimes);
    }
    process.stderr.write(
      `slow link: ${[LOW_MS, HIGH_MS]
        .map(
          (d) =>
            `${d} ms each way: bare median ${median(bare.get(d)!).toFixed(2)} ms, reported median ${median(reported.get(d)!).toFixed(2)} ms (min ${Math.min(...reported.get(d)!).toFixed(2)}), TLS connect median ${median(reportedTls.get(d)!).toFixed(2)} ms`,
        )
        .join('; ')}\n`,
    );
  }, 90_000);

  afterAll(async () => {
    await link?.stop();
  }, 30_000);

  it('has root, ip, /dev/net/tun and python3', () => {
    expect(slowLink.ok ? 'ok' : slowLink.reason).toBe('ok');
  });

  it('the link itself gives the injected delay (bare connects)', () => {
    for (const delay of [LOW_MS, HIGH_MS]) {
      const rtt = 2 * delay;
      const xs = bare.get(delay)!;
      expect(Math.min(...xs)).toBeGreaterThanOrEqual(rtt);
      expect(median(xs)).toBeLessThan(rtt + TOLERANCE_MS);
    }
  });

  it('no reported connect is faster than the link round trip', () => {
    for (const delay of [LOW_MS, HIGH_MS]) {
      const xs = reported.get(delay)!;
      expect(xs).toHaveLength(RUNS * HSMS * 3);
      expect(Math.min(...xs), `delay ${delay} ms each way`).toBeGreaterThanOrEqual(2 * delay);
      const tls = reportedTls.get(delay)!;
      expect(tls).toHaveLength(RUNS * HSMS);
      expect(Math.min(...tls), `TLS connect, delay ${delay} ms each way`).toBeGreaterThanOrEqual(2 * delay);
    }
  });

  it('the reported medians (connects and the TCP phase of TLS) grow by the injected extra round trip', () => {
    const extraRtt = 2 * (HIGH_MS - LOW_MS); // 8 ms
    for (const [what, m] of [
      ['connect', reported],
      ['TLS connect phase', reportedTls],
    ] as const) {
      const grew = median(m.get(HIGH_MS)!) - median(m.get(LOW_MS)!);
      expect(grew, what).toBeGreaterThanOrEqual(extraRtt - TOLERANCE_MS);
      expect(grew, what).toBeLessThanOrEqual(extraRtt + TOLERANCE_MS);
    }
  });
});
