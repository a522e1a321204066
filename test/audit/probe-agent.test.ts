// The built agent with the exposure audit enabled (probes.enable), against the simulated AWS APIs:
// it runs in the agent's AWS process beside the default probes, /metrics carries the audit's counts,
// a real Prometheus scraping it answers the dashboard panel with them and evaluates the alert rule
// (pending: every unintended source is new to a Prometheus without history). With EC2 refusing
// connections the agent carries on and exports no count, only a finding saying why.
import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import type { Report } from '../../src/model/index.js';
import { startWorld, type World } from '../../src/sim/world.js';
import {
  type AgentProcess,
  needTool,
  type PromServer,
  ROOT,
  startAgent,
  startPrometheus,
  tempDir,
  waitFor,
  writeAgentConfig,
} from '../agent/helpers.js';
import { CLUSTER, EXPECTED, exposureWorldScenario } from './probe-world.js';

// The probes that connect to the HSMs are left out: this world has no HSM listeners.
const PROBES_YAML = ['probes:', '  enable: [exposure]', '  skip: [reachability, path-correlation, hsm-tls]'];
const RULES = join(ROOT, 'dashboards', 'hsmwatch-alerts.yml');

interface Running {
  world: World;
  agent: AgentProcess;
  dir: string;
  stop(): Promise<void>;
}

async function startAgentWith(extra: string[]): Promise<Running> {
  const world = await startWorld(exposureWorldScenario(), { inPrivateNetns: false, hsmListeners: false });
  const dir = tempDir('exposure-agent');
  const config = writeAgentConfig(dir, world, [...PROBES_YAML, ...extra].join('\n'));
  const agent = await startAgent(['--config', config]);
  // The first round (every selected probe once) is done.
  await waitFor({
    what: 'agent ready',
    timeoutMs: 30_000,
    fn: async () => (await fetch(`${agent.url}/-/ready`)).ok,
  });
  return {
    world,
    agent,
    dir,
    async stop() {
      await agent.stop();
      await world.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

const metricsOf = async (a: AgentProcess) => (await fetch(`${a.url}/metrics`)).text();
const exposureLines = (body: string) =>
  body.split('\n').filter((l) => l.startsWith('cloudhsm_exposure_sources{'));
const runsOk = (body: string, probe: string) =>
  Number(
    new RegExp(`^cloudhsm_probe_runs_total\\{probe="${probe}",result="ok"\\} (\\d+)$`, 'm').exec(body)?.[1] ??
      0,
  );

async function closedPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const { port } = s.address() as { port: number };
  await new Promise((r) => s.close(r));
  return port;
}

const haveProm = needTool('prometheus') && needTool('promtool');

describe('agent with the exposure audit enabled', () => {
  let run: Running;
  let prom: PromServer | undefined;
  beforeAll(async () => {
    run = await startAgentWith([]);
    if (!haveProm) return;
    prom = await startPrometheus({ target: new URL(run.agent.url).host, rules: [RULES] });
    await waitFor({
      what: 'Prometheus to hold the exposure series',
      timeoutMs: 30_000,
      intervalMs: 500,
      fn: async () => (await prom!.query('count(cloudhsm_exposure_sources) == 8')).length > 0,
    });
  }, 90_000);
  afterAll(async () => {
    await prom?.stop();
    await run?.stop();
  });

  it('runs it in the AWS process beside the default probes and exports every class', async () => {
    const body = await metricsOf(run.agent);
    expect(runsOk(body, 'exposure')).toBeGreaterThanOrEqual(1);
    // The default probes still run; the skipped ones do not.
    for (const p of ['network-path', 'permissions', 'credentials'])
      expect(runsOk(body, p), p).toBeGreaterThanOrEqual(1);
    expect(body).not.toMatch(/probe="reachability"/);
    expect(body).toMatch(/^cloudhsm_agent_aws_process_peak_rss_bytes\{task="exposure"\} [1-9]/m);
    const got = Object.fromEntries(
      exposureLines(body).map((l) => {
        const m = /cluster="([^"]+)",class="([^"]+)"\} (\d+)$/.exec(l)!;
        expect(m[1]).toBe(CLUSTER);
        return [m[2]!, Number(m[3])];
      }),
    );
    expect(got).toEqual(EXPECTED);
    const report = (await (await fetch(`${run.agent.url}/report`)).json()) as Report;
    const audit = report.findings.filter((f) => f.id === 'exposure.audit').map((f) => [f.target, f.status]);
    expect(audit).toEqual(
      expect.arrayContaining([
        [CLUSTER, 'pass'],
        ['exposure', 'pass'],
      ]),
    );
    expect(report.findings.filter((f) => f.id === 'exposure.unintended-reachable')).toHaveLength(2);
  });

  it.skipIf(!haveProm)('passes promtool check metrics with the exposure series', async () => {
    const r = spawnSync('promtool', ['check', 'metrics'], {
      input: await metricsOf(run.agent),
      encoding: 'utf8',
    });
    expect(r.stdout + r.stderr).toBe('');
    expect(r.status).toBe(0);
  });

  it.skipIf(!haveProm)(
    'the dashboard panel "Exposure: sources by class" shows every class of the cluster',
    async () => {
      const dashboard = JSON.parse(
        readFileSync(join(ROOT, 'dashboards', 'hsmwatch-dashboard.json'), 'utf8'),
      ) as {
        panels: Array<{ title: string; targets?: Array<{ expr: string; legendFormat?: string }> }>;
      };
      const panel = dashboard.panels.find((p) => p.title === 'Exposure: sources by class')!;
      const expr = panel.targets![0]!.expr.replace(/\$(cluster|instance|job)\b/g, '.*');
      const rows = await prom!.query(expr);
      expect(Object.fromEntries(rows.map((r) => [r.metric.class, Number(r.value[1])]))).toEqual(EXPECTED);
      // The legend's labels are those the query keeps.
      for (const r of rows) expect(Object.keys(r.metric).sort()).toEqual(['class', 'cluster']);
      expect(panel.targets![0]!.legendFormat).toBe('{{cluster}} {{class}}');
    },
  );

  it.skipIf(!haveProm)(
    'HsmwatchUnintendedExposure is pending for the two unintended classes that reach an HSM',
    async () => {
      const rules = parse(readFileSync(RULES, 'utf8')) as {
        groups: Array<{ rules: Array<{ alert: string; expr: string }> }>;
      };
      const rule = rules.groups
        .flatMap((g) => g.rules)
        .find((r) => r.alert === 'HsmwatchUnintendedExposure')!;
      const hits = await prom!.query(rule.expr);
      expect(hits.map((h) => [h.metric.cluster, h.metric.class, h.value[1]]).sort()).toEqual([
        [CLUSTER, 'unintended-partial', '1'],
        [CLUSTER, 'unintended-reachable', '1'],
      ]);
      const alerts = await waitFor({
        what: 'the rule to be evaluated',
        timeoutMs: 15_000,
        intervalMs: 500,
        fn: async () => {
          const a = await prom!.query('ALERTS{alertname="HsmwatchUnintendedExposure"}');
          return a.length === 2 ? a : null;
        },
      });
      for (const a of alerts) expect(a.metric.alertstate).toBe('pending');
      expect(alerts.map((a) => a.metric.class).sort()).toEqual([
        'unintended-partial',
        'unintended-reachable',
      ]);
    },
  );
});

describe('agent with the exposure audit enabled, EC2 refusing connections', () => {
  let run: Running;
  beforeAll(async () => {
    run = await startAgentWith(['endpoints:', `  ec2: http://127.0.0.1:${await closedPort()}`]);
  }, 60_000);
  afterAll(() => run?.stop());

  it('carries on: an error finding for the cluster, no exposure series, discovery goes on', async () => {
    const body = await waitFor({
      what: 'an exposure run',
      timeoutMs: 30_000,
      fn: async () => {
        const b = await metricsOf(run.agent);
        return runsOk(b, 'exposure') >= 1 ? b : null;
      },
    });
    expect(exposureLines(body)).toEqual([]);
    expect(body).toMatch(/^cloudhsm_probe_success\{probe="exposure"\} 1$/m);
    const report = (await (await fetch(`${run.agent.url}/report`)).json()) as Report;
    const audit = report.findings.find((f) => f.id === 'exposure.audit' && f.target === CLUSTER);
    expect(audit?.status).toBe('error');
    expect(audit?.message).toMatch(/no counts exported/);
    // Still serving and still working after the failed audit: discovery (every 2 s here) goes on.
    const lastDiscovery = (b: string) =>
      Number(/^cloudhsm_discovery_last_run_timestamp_seconds (\S+)$/m.exec(b)?.[1] ?? 0);
    const at = lastDiscovery(body);
    await waitFor({
      what: 'a later discovery',
      timeoutMs: 20_000,
      intervalMs: 250,
      fn: async () => lastDiscovery(await metricsOf(run.agent)) > at,
    });
    expect((await fetch(`${run.agent.url}/-/healthy`)).ok).toBe(true);
    expect(run.agent.proc.exitCode).toBeNull();
    expect(run.agent.logs().filter((l) => /unhandled/.test(String(l.msg)))).toEqual([]);
  });
});
