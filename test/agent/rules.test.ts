// The alert rules pass promtool, and every alert has a unit test that fires it for a bad instance
// only (promtool compares the exact list of firing alerts, so the healthy instance stays silent).
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { PROBES } from '../../probes/index.js';
import { findingTargetLabel } from '../../src/core/finding-labels.js';
import { STATUSES } from '../../src/model/index.js';
import { needTool, ROOT } from './helpers.js';

const dir = join(ROOT, 'dashboards');
const rules = parse(readFileSync(join(dir, 'hsmwatch-alerts.yml'), 'utf8')) as {
  groups: Array<{ rules: Array<{ alert: string; expr: string }> }>;
};
const tests = parse(readFileSync(join(dir, 'hsmwatch-alerts.test.yml'), 'utf8')) as {
  tests: Array<{
    name: string;
    input_series: Array<{ series: string; values: string }>;
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
      /^(cloudhsm_(hsm_port_up|path_reachable|tls_version_info|tls_cipher_info|tls_intercepted|tls_cert_expiry_timestamp_seconds|clock_skew_seconds|credentials_expiry_timestamp_seconds|client_cert_expiry_timestamp_seconds|client_sdk_port_used|agent_data_stale|probe_last_run_timestamp_seconds|finding_status|exposure_sources)|up)$/;
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

  it('read cloudhsm_finding_status as the state set it is: a status selected, compared with 1', () => {
    let read = 0;
    for (const g of rules.groups)
      for (const r of g.rules) {
        if (!r.expr.includes('cloudhsm_finding_status')) continue;
        read++;
        const selector = /cloudhsm_finding_status\{([^}]*)\}/.exec(r.expr)![1]!;
        const status = /status=~?"([^"]+)"/.exec(selector);
        expect(status, `${r.alert} selects no status`).not.toBeNull();
        for (const s of status![1]!.split('|')) expect(STATUSES, r.alert).toContain(s);
        // 0/1 values: the one comparison that means "in this state" (no severity numbers).
        expect(r.expr, r.alert).toMatch(/== 1$/);
        expect(r.expr.replace(/== 1$/, ''), r.alert).not.toMatch(/[<>=]=?\s*\d/);
      }
    expect(read).toBeGreaterThanOrEqual(3);
  });

  it('feed findings to the tests as the agent exports them: every state of each, exactly one 1, id labels', () => {
    const sets = new Map<string, Map<string, number[]>>();
    for (const t of tests.tests)
      for (const s of t.input_series) {
        if (!s.series.startsWith('cloudhsm_finding_status{')) continue;
        const labels = Object.fromEntries(
          [...s.series.matchAll(/([a-z_]+)="([^"]*)"/g)].map((m) => [m[1]!, m[2]!] as const),
        );
        expect(Object.keys(labels).sort(), s.series).toEqual(['id', 'instance', 'status', 'target']);
        // A target label is what the agent derives: a value the derivation leaves as it is.
        expect(findingTargetLabel(labels.target!), s.series).toBe(labels.target);
        const key = `${t.name}|${labels.instance}|${labels.id}|${labels.target}`;
        const set = sets.get(key) ?? new Map<string, number[]>();
        set.set(labels.status!, expandValues(s.values));
        sets.set(key, set);
      }
    expect(sets.size).toBeGreaterThanOrEqual(6);
    for (const [key, set] of sets) {
      expect([...set.keys()].sort(), key).toEqual([...STATUSES].sort());
      const n = set.get('pass')!.length;
      for (let i = 0; i < n; i++) {
        const at = [...set.values()].map((v) => v[i]);
        expect(
          at.every((v) => v === 0 || v === 1),
          `${key} @${i}`,
        ).toBe(true);
        expect(
          at.filter((v) => v === 1),
          `${key} @${i}`,
        ).toHaveLength(1);
      }
    }
  });
});

/** promtool's series notation (`1x20`, `0x5 1x14`, `0+60x30`) as the samples it stands for. */
function expandValues(values: string): number[] {
  return values
    .trim()
    .split(/\s+/)
    .flatMap((term) => {
      const m = /^(-?[\d.]+)(?:([+-][\d.]+)?x(\d+))?$/.exec(term);
      if (!m) throw new Error(`unsupported series term ${term}`);
      const start = Number(m[1]);
      const step = Number(m[2] ?? 0);
      return Array.from({ length: m[3] === undefined ? 1 : Number(m[3]) + 1 }, (_, i) => start + i * step);
    });
}
