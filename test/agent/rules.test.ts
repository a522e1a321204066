// The alert rules pass promtool, and every alert has a unit test that fires it for a bad instance
// only (promtool compares the exact list of firing alerts, so the healthy instance stays silent).
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { PROBES } from '../../probes/index.js';
import { needTool, ROOT } from './helpers.js';

const dir = join(ROOT, 'dashboards');
const rules = parse(readFileSync(join(dir, 'hsmwatch-alerts.yml'), 'utf8')) as {
  groups: Array<{ rules: Array<{ alert: string; expr: string }> }>;
};
const tests = parse(readFileSync(join(dir, 'hsmwatch-alerts.test.yml'), 'utf8')) as {
  tests: Array<{
    input_series: Array<{ series: string }>;
    alert_rule_test: Array<{ alertname: string; exp_alerts: Array<{ exp_labels: Record<string, string> }> }>;
  }>;
};

describe.skipIf(!needTool('promtool'))('alert rules', () => {
  it('pass promtool check rules', () => {
    const r = spawnSync('promtool', ['check', 'rules', 'hsmwatch-alerts.yml'], {
      cwd: dir,
      encoding: 'utf8',
    });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
  });

  it('pass promtool test rules', () => {
    const r = spawnSync('promtool', ['test', 'rules', 'hsmwatch-alerts.test.yml'], {
      cwd: dir,
      encoding: 'utf8',
    });
    expect(r.stdout + r.stderr).toContain('SUCCESS');
    expect(r.status).toBe(0);
  });

  it('every alert fires in a test, for the bad instance only, while a healthy one is present', () => {
    const alerts = rules.groups.flatMap((g) => g.rules.map((r) => r.alert));
    expect(alerts.length).toBeGreaterThanOrEqual(12);
    for (const alert of alerts) {
      const firing = tests.tests.filter((t) =>
        t.alert_rule_test.some((a) => a.alertname === alert && a.exp_alerts.length > 0),
      );
      expect(firing.length, `${alert} has no firing test`).toBeGreaterThan(0);
      for (const t of firing) {
        for (const a of t.alert_rule_test.filter((x) => x.alertname === alert)) {
          for (const e of a.exp_alerts) expect(e.exp_labels.instance, alert).not.toMatch(/^good/);
        }
        // A healthy instance's series sit beside the bad ones, except for the cluster-wide rule
        // whose silence has its own test (one HSM down).
        if (alert !== 'HsmwatchClusterUnreachable')
          expect(
            t.input_series.some((s) => s.series.includes('instance="good:')),
            alert,
          ).toBe(true);
      }
    }
    const silentCluster = tests.tests.some((t) =>
      t.alert_rule_test.some(
        (a) => a.alertname === 'HsmwatchClusterUnreachable' && a.exp_alerts.length === 0,
      ),
    );
    expect(silentCluster).toBe(true);
  });

  it('use only metrics the product defines', () => {
    const known =
      /^(cloudhsm_(hsm_port_up|path_reachable|tls_version_info|tls_cipher_info|tls_intercepted|tls_cert_expiry_timestamp_seconds|clock_skew_seconds|credentials_expiry_timestamp_seconds|agent_data_stale|probe_last_run_timestamp_seconds|finding_status)|up)$/;
    for (const g of rules.groups)
      for (const r of g.rules)
        for (const m of r.expr.matchAll(/\b([a-z_]+)\s*[{)=<> ]/g))
          if (/^(cloudhsm_|up$)/.test(m[1]!)) expect(m[1], r.alert).toMatch(known);
  });

  it('name only finding ids that a probe defines', () => {
    const ids = new Set(PROBES.flatMap((p) => Object.keys(p.findings)));
    let named = 0;
    for (const g of rules.groups)
      for (const r of g.rules)
        for (const m of r.expr.matchAll(/cloudhsm_finding_status\{id=~?"([^"]+)"/g))
          for (const id of m[1]!.replace(/\\+\./g, '.').split('|')) {
            named++;
            expect(ids.has(id), `${r.alert}: ${id}`).toBe(true);
          }
    expect(named).toBeGreaterThanOrEqual(4);
  });
});
