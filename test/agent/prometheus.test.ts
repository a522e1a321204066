// The agent against the simulated hsm-down cluster, scraped by a real Prometheus every second: the
// exposition passes promtool, every PromQL expression of the dashboard returns data (or is skipped,
// with the reason printed, when no probe exports its metric yet) and values match the scenario.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type AgentOnWorld,
  type AgentProcess,
  needTool,
  type PromServer,
  ROOT,
  startAgentOnWorld,
  startPrometheus,
  waitFor,
} from './helpers.js';

interface Panel {
  title: string;
  type: string;
  datasource?: { uid?: string };
  targets?: Array<{ expr: string; datasource?: { uid?: string } }>;
}
const dashboard = JSON.parse(readFileSync(join(ROOT, 'dashboards', 'hsmwatch-dashboard.json'), 'utf8')) as {
  __inputs: Array<{ name: string; type: string; pluginId: string }>;
  templating: { list: Array<{ name: string; query: { query: string } }> };
  panels: Panel[];
};
const expressions = dashboard.panels.flatMap((p) =>
  (p.targets ?? []).map((t, i) => ({
    name: `${p.title}${(p.targets?.length ?? 0) > 1 ? ` #${i + 1}` : ''}`,
    expr: t.expr,
  })),
);

/** Grafana's variables as "All" and a rate window that holds several 1 s scrapes. */
const instantiate = (expr: string) =>
  expr.replaceAll('$__rate_interval', '30s').replace(/\$(cluster|instance|job)\b/g, '.*');

/** The vector selectors of an expression, without matchers on dashboard variables. */
function selectors(expr: string): string[] {
  const out = new Set<string>();
  for (const m of expr.matchAll(/\b((?:cloudhsm|process|nodejs)_[a-z0-9_]+|up)\s*(\{[^}]*\})?/g)) {
    const matchers = (m[2] ?? '{}')
      .slice(1, -1)
      .split(/,(?=\s*[a-z_]+\s*[=!~])/)
      .map((s) => s.trim())
      .filter((s) => s && !s.includes('$'));
    out.add(`${m[1]}{${matchers.join(',')}}`);
  }
  return [...out];
}

// Grafana's import placeholder for the datasource input (a literal, not a template).
const DS_UID = ['$', '{DS_PROMETHEUS}'].join('');
const haveProm = needTool('prometheus') && needTool('promtool');

describe.skipIf(!haveProm)('agent scraped by a real Prometheus (scenario hsm-down)', () => {
  let run: AgentOnWorld;
  let agent: AgentProcess;
  let prom: PromServer;

  beforeAll(async () => {
    // The first DescribeClusters call is throttled through all 4 attempts of one discovery: discovery fails once,
    // the agent tries again, and cloudhsm_aws_api_errors_total has a series for its dashboard panel.
    run = await startAgentOnWorld('hsm-down', 61, 'prom-agent', (s) => {
      s.sim = {
        ...s.sim,
        faults: {
          ...s.sim?.faults,
          'cloudhsmv2:DescribeClusters': { code: 'ThrottlingException', status: 400, times: 4 },
        },
      };
    });
    ({ agent } = run);
    prom = await startPrometheus({ target: new URL(agent.url).host });
    // The first scrape lands 5-6 s after start; rates need a few more samples.
    await waitFor({
      what: 'Prometheus to hold rates of the connect histogram',
      timeoutMs: 30_000,
      intervalMs: 500,
      fn: async () =>
        (await prom.query('count(rate(cloudhsm_hsm_connect_duration_seconds_bucket[30s]) > 0)')).length > 0 &&
        (await prom.query('count_over_time(up{job="hsmwatch"}[1m]) >= 4')).length > 0,
    });
  }, 60_000);

  afterAll(async () => {
    await prom?.stop();
    await run?.stop();
  });

  it('passes promtool check metrics', async () => {
    const body = await (await fetch(`${agent.url}/metrics`)).text();
    const r = spawnSync('promtool', ['check', 'metrics'], { input: body, encoding: 'utf8' });
    expect(r.stdout + r.stderr).toBe('');
    expect(r.status).toBe(0);
  });

  it('serves OpenMetrics when asked through Accept', async () => {
    const r = await fetch(`${agent.url}/metrics`, {
      headers: { accept: 'application/openmetrics-text; version=1.0.0' },
    });
    expect(r.headers.get('content-type')).toMatch(/^application\/openmetrics-text/);
    expect((await r.text()).trimEnd().endsWith('# EOF')).toBe(true);
  });

  it('exports the scenario: the down HSM is 0 on every port, the others 1', async () => {
    const up = await prom.query('cloudhsm_hsm_port_up');
    expect(up).toHaveLength(9);
    for (const s of up) {
      expect(s.metric.cluster).toBe('cluster-hsmwatchdemo');
      expect(Number(s.value[1]), `${s.metric.ip}:${s.metric.port}`).toBe(
        s.metric.ip === '127.0.112.11' ? 0 : 1,
      );
    }
    const refused = await prom.query('cloudhsm_hsm_probe_failures_total{reason="refused"} > 0');
    expect(new Set(refused.map((s) => s.metric.ip))).toEqual(new Set(['127.0.112.11']));
    expect((await prom.query('cloudhsm_cluster_hsms{state="ACTIVE"}'))[0]?.value[1]).toBe('3');
    const down = await prom.query('cloudhsm_finding_status{id="hsm.reachable"} == 4');
    expect(down.map((s) => s.metric.target)).toEqual(['cluster-hsmwatchdemo/hsm-f3kzyjwvnde 127.0.112.11']);
    expect((await prom.query('cloudhsm_agent_ready'))[0]?.value[1]).toBe('1');
    expect((await prom.query('cloudhsm_agent_data_stale'))[0]?.value[1]).toBe('0');
    const throttled = await prom.query(
      'cloudhsm_aws_api_errors_total{service="cloudhsmv2",operation="DescribeClusters"}',
    );
    expect(throttled.map((s) => [s.metric.code, s.value[1]])).toEqual([['ThrottlingException', '1']]);
  });

  it('serves the JSON report contract of the latest results', async () => {
    const report = (await (await fetch(`${agent.url}/report`)).json()) as {
      hsmwatchReport: number;
      paths: Array<{ eniIp: string; port: number; live?: { state: string } }>;
    };
    expect(report.hsmwatchReport).toBe(1);
    for (const p of report.paths.filter((x) => x.live))
      expect(p.live!.state).toBe(p.eniIp === '127.0.112.11' ? 'refused' : 'open');
  });

  it('dashboard: datasource input, cluster and instance variables', () => {
    expect(dashboard.__inputs).toEqual([
      expect.objectContaining({ name: 'DS_PROMETHEUS', type: 'datasource', pluginId: 'prometheus' }),
    ]);
    const vars = dashboard.templating.list.map((v) => v.name);
    expect(vars).toEqual(expect.arrayContaining(['cluster', 'instance']));
    for (const p of dashboard.panels.filter((x) => x.type !== 'row')) {
      expect(p.datasource?.uid, p.title).toBe(DS_UID);
      for (const t of p.targets ?? []) expect(t.datasource?.uid, p.title).toBe(DS_UID);
    }
    for (const v of dashboard.templating.list) expect(v.query.query).toMatch(/^label_values\(/);
  });

  it('dashboard variables resolve to this agent', async () => {
    const r = await fetch(`${prom.url}/api/v1/label/instance/values?match[]=cloudhsm_agent_build_info`);
    expect(((await r.json()) as { data: string[] }).data).toEqual([new URL(agent.url).host]);
    const c = await fetch(`${prom.url}/api/v1/label/cluster/values?match[]=cloudhsm_cluster_hsms`);
    expect(((await c.json()) as { data: string[] }).data).toEqual(['cluster-hsmwatchdemo']);
  });

  it.for(expressions)('dashboard panel "$name" returns data', async ({ expr }, ctx) => {
    const result = await prom.query(instantiate(expr));
    if (result.length > 0) {
      for (const s of result) expect(s.value[1], expr).not.toBe('NaN');
      return;
    }
    const missing: string[] = [];
    for (const sel of selectors(expr))
      if ((await prom.query(`count(${sel})`)).length === 0) missing.push(sel);
    if (missing.length > 0) {
      const reason = `no series of ${missing.join(', ')} in this build and scenario: no probe exports it yet, or nothing happened that it counts`;
      console.warn(`SKIP dashboard expression ${expr}\n  because ${reason}`);
      ctx.skip(reason);
    }
    expect.fail(`every metric of ${expr} has series, yet the expression returned nothing`);
  });
});
