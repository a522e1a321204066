// The agent against the simulated hsm-down cluster, scraped by a real Prometheus every second: the
// exposition passes promtool, every PromQL expression of the dashboard returns data (or is skipped,
// with the reason printed, when no probe exports its metric yet) and values match the scenario.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findingSeries } from '../../src/core/finding-labels.js';
import type { Report } from '../../src/model/index.js';
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
  transformations?: Array<{
    id: string;
    options: {
      excludeByName: Record<string, boolean>;
      indexByName: Record<string, number>;
      renameByName: Record<string, string>;
    };
  }>;
  fieldConfig?: {
    overrides: Array<{
      matcher: { id: string; options: string };
      properties: Array<{ id: string; value: unknown }>;
    }>;
  };
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

  const reportFindings = async () => ((await (await fetch(`${agent.url}/report`)).json()) as Report).findings;

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
    const down = await prom.query('cloudhsm_finding_status{id="hsm.reachable",status="fail"} == 1');
    expect(down.map((s) => s.metric.target)).toEqual(['cluster-hsmwatchdemo/hsm-f3kzyjwvnde/127.0.112.11']);
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

  it('exports findings as a state set under id labels, the same findings as /report', async () => {
    // Per finding, every status once and exactly one of them 1.
    expect(await prom.query('count by (id, target) (cloudhsm_finding_status) != 5')).toEqual([]);
    expect(await prom.query('sum by (id, target) (cloudhsm_finding_status) != 1')).toEqual([]);
    expect(await prom.query('cloudhsm_finding_status != 0 and cloudhsm_finding_status != 1')).toEqual([]);
    // No free text in a label: the targets are ids.
    const all = await prom.query('cloudhsm_finding_status == 1');
    expect(all.length).toBeGreaterThan(20);
    for (const s of all) expect(s.metric.target, s.metric.id).toMatch(/^[A-Za-z0-9._:/@+=~*[\]-]+$/);
    // The series say what /report says, finding for finding (the worst where labels coincide).
    await waitFor({
      what: 'Prometheus to hold the findings of /report',
      timeoutMs: 15_000,
      intervalMs: 500,
      fn: async () => {
        const want = findingSeries(await reportFindings()).map((f) => `${f.id} ${f.target} ${f.status}`);
        const got = (await prom.query('cloudhsm_finding_status == 1')).map(
          (s) => `${s.metric.id} ${s.metric.target} ${s.metric.status}`,
        );
        return want.length > 0 && JSON.stringify(want.sort()) === JSON.stringify(got.sort());
      },
    });
  });

  it('dashboard "Blocking components": only failing and warning path checks, with a readable status', async () => {
    const panel = dashboard.panels.find((p) => p.title.startsWith('Blocking components'))!;
    const expr = instantiate(panel.targets![0]!.expr);
    // What the table should show, from /report: path checks that fail, could not run or warn.
    const path = /^(sg|nacl|route|path|subnet)\./;
    const bad = new Set(['fail', 'error', 'warn']);
    const want = findingSeries(await reportFindings())
      .filter((f) => path.test(f.id) && bad.has(f.status))
      .map((f) => `${f.id} ${f.target} ${f.status}`)
      .sort();
    const rows = await prom.query(expr);
    expect(rows.map((r) => `${r.metric.id} ${r.metric.target} ${r.metric.status}`).sort()).toEqual(want);
    // hsm-down: the static path to the down HSM is open, the live one refused: they disagree.
    expect(rows.map((r) => [r.metric.id, r.metric.status, r.metric.target])).toContainEqual([
      'path.correlation',
      'warn',
      expect.stringMatching(/^eni-[0-9a-f]+\/cluster-hsmwatchdemo\/hsm-f3kzyjwvnde\/127\.0\.112\.11$/),
    ]);
    // The columns the table arranges are those the query returns; every status shown reads as text.
    const organize = panel.transformations!.find((t) => t.id === 'organize')!.options;
    const columns = new Set(['Time', 'Value', ...rows.flatMap((r) => Object.keys(r.metric))]);
    for (const name of [
      ...Object.keys(organize.excludeByName),
      ...Object.keys(organize.indexByName),
      ...Object.keys(organize.renameByName),
    ])
      expect(columns, name).toContain(name);
    expect(Object.keys(organize.indexByName).sort()).toEqual(
      [...columns].filter((c) => !organize.excludeByName[c]).sort(),
    );
    const statusColumn = organize.renameByName.status;
    const override = panel.fieldConfig!.overrides.find((o) => o.matcher.options === statusColumn)!;
    const mappings = override.properties.find((p) => p.id === 'mappings')!.value as Array<{
      options: Record<string, { text: string; color: string }>;
    }>;
    for (const r of rows) expect(mappings[0]!.options[r.metric.status!]?.text, r.metric.status).toMatch(/\w/);
    expect(Object.keys(mappings[0]!.options).sort()).toEqual([...bad].sort());
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
