import { describe, expect, it } from 'vitest';
import { correlate } from '../../probes/path-correlation.js';
import type { LiveState, StaticVerdict } from '../../src/model/index.js';

describe('static vs live correlation', () => {
  it.each<[StaticVerdict, LiveState, boolean | null, RegExp]>([
    ['reachable', 'open', true, /reachable, live open/],
    ['reachable', 'timeout', false, /host firewall.*changed since/],
    ['reachable', 'refused', false, /nothing listens/],
    ['reachable', 'unreachable', false, /ENI is gone/],
    ['blocked', 'timeout', true, /blocked, live timeout/],
    ['blocked', 'unreachable', true, /blocked/],
    ['blocked', 'open', false, /another path.*changed since/],
    ['blocked', 'refused', false, /reset/],
    ['unknown', 'open', null, /unknown/],
    ['reachable', 'error', null, /locally/],
  ])('%s + %s', (verdict, live, agree, why) => {
    const j = correlate(verdict, live);
    expect(j.agree).toBe(agree);
    expect(j.why).toMatch(why);
  });
});

describe('cloudhsm_path_reachable', () => {
  it('is 1 reachable, 0 blocked, absent when unknown, and drops paths that went away', async () => {
    const { Registry } = await import('prom-client');
    const { declarePathMetrics } = await import('../../probes/network-path.js');
    const { metricsFactory } = await import('../../src/agent/metrics-factory.js');
    const registry = new Registry();
    const update = declarePathMetrics(metricsFactory(registry));
    const path = (eniIp: string, verdict: 'reachable' | 'blocked' | 'unknown') => ({
      clusterId: 'cluster-a',
      hsmId: 'hsm-a',
      eniIp,
      port: 2223,
      clientEni: 'eni-1',
      static: { verdict, blockedBy: [] },
    });
    update({
      paths: [path('10.0.0.1', 'reachable'), path('10.0.0.2', 'blocked'), path('10.0.0.3', 'unknown')],
    });
    let text = await registry.metrics();
    expect(text).toContain(
      'cloudhsm_path_reachable{cluster="cluster-a",hsm="hsm-a",ip="10.0.0.1",port="2223",client_eni="eni-1"} 1',
    );
    expect(text).toContain('ip="10.0.0.2",port="2223",client_eni="eni-1"} 0');
    expect(text).not.toContain('10.0.0.3');
    update({ paths: [path('10.0.0.2', 'blocked')] });
    text = await registry.metrics();
    expect(text).not.toContain('10.0.0.1');
  });
});
