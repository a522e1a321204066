// The demo scenarios: their snapshots analyse to the intended verdicts, and the path demos run for
// real (nftables drops in a private network namespace) with static and live agreeing.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PROBES } from '../../probes/index.js';
import { analyzeSnapshot } from '../../src/diagnosis/analyze.js';
import type { Report } from '../../src/model/index.js';
import { netnsSupport } from '../../src/sim/netns.js';
import { loadScenario } from '../../src/sim/scenario.js';
import { packageRoot } from '../../src/util/paths.js';
import { staticSettings } from './support.js';

const verdicts = (r: Report) =>
  Object.fromEntries(
    r.paths.map((p) => [
      `${p.eniIp}:${p.port}`,
      `${p.static?.verdict} ${p.static?.blockedBy.map((b) => b.component).join(',')}`.trim(),
    ]),
  );

describe('demo scenarios analysed', () => {
  it.each([
    ['healthy', {}],
    ['hsm-down', {}],
    ['port-blocked', { '127.0.3.11:2225': 'blocked hsm-nacl-inbound' }],
    ['sg-blocked', { '*': 'blocked hsm-sg-ingress' }],
    ['nacl-return-blocked', { '*': 'blocked client-nacl-inbound-return' }],
    // The client in its own VPC, across a transit gateway (tools/gen-demo-tgw.mjs).
    ['transit-gateway', {}],
    // The pod's branch ENI carries the traffic: its group is not admitted (the node's would be).
    ['pod-security-group', { '*': 'blocked hsm-sg-ingress' }],
    ['ecs-task', {}],
    // The audit demo's estate seen from its host, app-1: its group is admitted by reference.
    ['exposure', {}],
  ] as Array<[string, Record<string, string>]>)('%s', async (name, over) => {
    const d = await analyzeSnapshot(loadScenario(name).snapshot, staticSettings(), PROBES);
    const got = verdicts(d.report);
    expect(Object.keys(got)).toHaveLength(9);
    for (const [k, v] of Object.entries(got)) expect(v, k).toBe(over[k] ?? over['*'] ?? 'reachable');
  });
});

const support = netnsSupport();
const required = process.env.HSMWATCH_REQUIRE_NETNS === '1';

function demo(scenario: string): Promise<{ status: number | null; report: Report }> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [
        join(packageRoot(), 'bin/hsmwatch.js'),
        'demo',
        '--scenario',
        scenario,
        '-o',
        'json',
        '--timeout',
        '1s',
      ],
      {
        env: process.env,
      },
    );
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('close', (status) => {
      clearTimeout(timer);
      try {
        resolve({ status, report: JSON.parse(out) as Report });
      } catch (e) {
        reject(new Error(`demo ${scenario} printed no report (exit ${status}): ${(e as Error).message}`));
      }
    });
  });
}

describe.skipIf(!support.ok && !required)(
  `path demos in a network namespace${support.ok ? '' : ` (skipped: ${support.reason})`}`,
  () => {
    it.each(['sg-blocked', 'nacl-return-blocked', 'pod-security-group'])(
      '%s: live timeouts agree with the static verdict',
      async (name) => {
        const { status, report } = await demo(name);
        expect(status).toBe(1);
        for (const p of report.paths) {
          expect(p.static?.verdict).toBe('blocked');
          expect(p.live?.state).toBe('timeout');
        }
        const corr = report.findings.filter((f) => f.id === 'path.correlation');
        expect(corr.length).toBeGreaterThan(0);
        for (const f of corr) expect(f.status).toBe('pass');
      },
    );
    it('pod-security-group: the paths start from the pod branch ENI, and the finding says why', async () => {
      const { report } = await demo('pod-security-group');
      expect(new Set(report.paths.map((p) => p.clientEni))).toEqual(new Set(['eni-0b0d0000000000001']));
      const f = report.findings.find((x) => x.id === 'client.source');
      expect(f?.status).toBe('warn');
      expect(f?.message).toContain('runs in a pod with its own security groups: sg-0b0d0000000000001');
      expect(report.findings.find((x) => x.id === 'sg.hsm-ingress')?.remediation).toContain(
        '--source-group sg-0b0d0000000000001',
      );
    });
    it('ecs-task: without IMDS, the task ENI found by address carries open connections', async () => {
      const { status, report } = await demo('ecs-task');
      expect(status).toBe(0);
      for (const p of report.paths) {
        expect(p.clientEni).toBe('eni-0ec50000000000001');
        expect(p.static?.verdict).toBe('reachable');
        expect(p.live?.state).toBe('open');
      }
      expect(report.findings.find((x) => x.id === 'discovery.ecs-task')?.status).toBe('pass');
    });
  },
);
