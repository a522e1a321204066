// Real sockets against simulated HSM listeners on loopback.
import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { PROBES } from '../../probes/index.js';
import { diagnose } from '../../src/diagnosis/diagnose.js';
import { tcpConnect } from '../../src/net/tcp-connect.js';
import { exitCodeFor } from '../../src/report/build.js';
import { withWorld } from '../support/world.js';

const handles = () =>
  process.getActiveResourcesInfo().filter((r) => r === 'TCPSocketWrap' || r === 'Timeout');

describe('live reachability', () => {
  it('reports every HSM × port of a healthy cluster open, with connect times', async () => {
    await withWorld(
      () => {},
      async (world, settings) => {
        const { report } = await diagnose(settings, PROBES);
        expect(report.paths).toHaveLength(9);
        for (const p of report.paths) {
          expect(p.live?.state).toBe('open');
          expect(p.live!.connectMs).toBeGreaterThan(0);
          expect(p.live!.connectMs).toBeLessThan(1000);
          expect(p.clientEni).toBe('eni-0c11e470000000001');
        }
        expect(report.findings.filter((f) => f.id === 'hsm.reachable').map((f) => f.status)).toEqual([
          'pass',
          'pass',
          'pass',
        ]);
        expect(exitCodeFor(report, false)).toBe(0);
        expect(world.aws.unexpectedCalls).toEqual([]);
      },
    );
  });

  it('sees an HSM killed between discovery and probing as refused', async () => {
    await withWorld(
      () => {},
      async (world, settings) => {
        const { report } = await diagnose(settings, PROBES, {
          beforeProbes: () => world.hsms.kill('127.0.2.11'),
        });
        const states = report.paths.filter((p) => p.eniIp === '127.0.2.11').map((p) => p.live?.state);
        expect(states).toEqual(['refused', 'refused', 'refused']);
        const f = report.findings.find((x) => x.target.endsWith('127.0.2.11'))!;
        expect(f.status).toBe('fail');
        expect(f.message).toContain('TCP reset');
        expect(exitCodeFor(report, false)).toBe(1);
      },
    );
  });

  it('still probes an HSM that is not ACTIVE, and says so', async () => {
    await withWorld(
      (s) => {
        const c = (
          s.snapshot.aws['cloudhsmv2:DescribeClusters'] as {
            Clusters: Array<{ Hsms: Array<Record<string, unknown>> }>;
          }
        ).Clusters[0]!;
        c.Hsms[0]!.State = 'DEGRADED';
      },
      async (_world, settings) => {
        const { report } = await diagnose(settings, PROBES);
        expect(report.findings.find((f) => f.id === 'hsm.state')).toMatchObject({
          status: 'warn',
          message: expect.stringContaining('DEGRADED'),
        });
        expect(
          report.paths.filter((p) => p.eniIp === '127.0.1.11').every((p) => p.live?.state === 'open'),
        ).toBe(true);
        expect(exitCodeFor(report, false)).toBe(0);
        expect(exitCodeFor(report, true)).toBe(1);
      },
    );
  });

  it('leaves no socket or timer behind', async () => {
    const before = handles().length;
    await withWorld(
      () => {},
      async (world, settings) => {
        await diagnose(settings, PROBES, { beforeProbes: () => world.hsms.kill('127.0.3.11') });
      },
    );
    // Closed sockets are released on the next turns of the event loop.
    for (let i = 0; i < 50 && handles().length > before; i++) await new Promise((r) => setTimeout(r, 10));
    expect(handles().length).toBeLessThanOrEqual(before);
  });

  it('keeps at most `concurrency` connects in flight', async () => {
    let inFlight = 0;
    let peak = 0;
    // Listening on every loopback address; each connection is counted until the prober closes it.
    const server = createServer((s) => {
      peak = Math.max(peak, ++inFlight);
      s.on('error', () => {});
      s.on('close', () => inFlight--);
    });
    await new Promise<void>((r) => server.listen(0, '0.0.0.0', () => r()));
    try {
      await withWorld(
        () => {},
        async (_world, settings) => {
          settings.hsmIps = Array.from({ length: 12 }, (_, i) => `127.0.9.${i + 1}`);
          settings.ports = [(server.address() as { port: number }).port];
          settings.concurrency = 3;
          const { report } = await diagnose(settings, PROBES);
          expect(report.paths.map((p) => p.live?.state)).toEqual(Array(12).fill('open'));
        },
      );
    } finally {
      server.close();
    }
    expect(peak).toBeGreaterThan(0);
    expect(peak).toBeLessThanOrEqual(3);
  });

  it('classifies a closed loopback port as refused within a millisecond-scale time', async () => {
    const r = await tcpConnect('127.0.0.1', 1, 1000);
    expect(r).toMatchObject({ state: 'refused', errno: 'ECONNREFUSED' });
    expect(r.connectMs).toBeLessThan(100);
  });

  it('stops a connect when its signal aborts', async () => {
    const ac = new AbortController();
    ac.abort();
    const r = await tcpConnect('127.0.0.1', 1, 1000, ac.signal);
    expect(r).toMatchObject({ state: 'error', errno: 'ABORTED' });
  });
});
