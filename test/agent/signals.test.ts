// Metrics never state an unknown as 0: a host on long-term keys has no credentials expiry series (a
// 0 there reads "expired in 1970" and fires HsmwatchCredentialsExpiring), and a skew nobody measured
// has no clock skew series (a 0 there reads "perfect time"). Known values are exported as measured.
import { describe, expect, it } from 'vitest';
import { declareClockMetrics, declareCredentialsMetrics } from '../../probes/support/tls-metrics.js';
import { metricsFactory } from '../../src/agent/metrics-factory.js';
import { finding } from '../../src/core/findings.js';

async function registryWith<T>(declare: (m: ReturnType<typeof metricsFactory>) => T) {
  const { Registry } = await import('prom-client');
  const registry = new Registry();
  return { registry, update: declare(metricsFactory(registry)) };
}

const series = async (registry: { metrics(): Promise<string> }, name: string) =>
  (await registry.metrics()).split('\n').filter((l) => l.startsWith(`${name}{`) || l.startsWith(`${name} `));

describe('signals that never lie', () => {
  it('credentials: an expiry for temporary keys, no series for long-term keys or a failed identity', async () => {
    const { registry, update } = await registryWith(declareCredentialsMetrics);
    const name = 'cloudhsm_credentials_expiry_timestamp_seconds';
    const expiration = '2026-12-02T06:00:00.000Z';
    update({
      findings: [],
      facts: {
        identity: {
          ok: true,
          account: '1',
          arn: 'a',
          temporary: true,
          source: 'instance role (IMDS)',
          expiration,
        },
      },
    });
    expect(await series(registry, name)).toEqual([
      `${name}{source="instance role (IMDS)"} ${Date.parse(expiration) / 1000}`,
    ]);
    update({
      findings: [],
      facts: {
        identity: {
          ok: true,
          account: '1',
          arn: 'a',
          temporary: false,
          source: 'environment',
          expiration: null,
        },
      },
    });
    expect(await series(registry, name)).toEqual([]);
    update({
      findings: [],
      facts: { identity: { ok: false, kind: 'network', code: 'ECONNREFUSED', detail: '' } },
    });
    expect(await series(registry, name)).toEqual([]);
  });

  it('clock skew: the measured value with its reference, no series when unknown', async () => {
    const { registry, update } = await registryWith(declareClockMetrics);
    const name = 'cloudhsm_clock_skew_seconds';
    const reference = 'sts.us-east-1.amazonaws.com:443';
    update({
      findings: [finding('clock.skew', 'fail', 'clock', 'ahead', { skewMs: 330_496, reference })],
      facts: { clockSkewMs: 330_496 },
    });
    expect(await series(registry, name)).toEqual([`${name}{endpoint="${reference}"} 330.496`]);
    update({ findings: [finding('clock.skew', 'warn', 'clock', 'clock skew unknown', {})] });
    expect(await series(registry, name)).toEqual([]);
  });
});
