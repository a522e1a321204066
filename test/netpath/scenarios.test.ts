// Every scenario under test/scenarios/netpath through `analyze`: the path verdicts and blocking
// components must be those written in the scenario, and every remediation must parse back.
import { describe, expect, it } from 'vitest';
import { PROBES } from '../../probes/index.js';
import { COMPONENT_FINDING } from '../../probes/network-path.js';
import { analyzeSnapshot } from '../../src/diagnosis/analyze.js';
import { reportSchema } from '../support/report-contract.js';
import { applyFix } from './apply-fix.js';
import { parseAwsCli } from './aws-cli-parse.js';
import { netpathScenarios, staticSettings } from './support.js';

const settings = staticSettings;

describe('netpath scenarios through analyze', () => {
  const all = netpathScenarios();
  it('has at least 25 scenarios', () => {
    expect(all.length).toBeGreaterThanOrEqual(25);
  });
  for (const { file, scenario, expect: want } of all) {
    it(`${file}: ${scenario.description}`, async () => {
      const d = await analyzeSnapshot(scenario.snapshot, settings(), PROBES);
      const got = d.report.paths.map((p) => ({
        eniIp: p.eniIp,
        port: p.port,
        clientEni: p.clientEni,
        verdict: p.static?.verdict,
        components: p.static?.blockedBy.map((b) => b.component),
      }));
      expect(got).toEqual(want.paths);
      // The JSON report contract, strictly (no extra or missing keys).
      reportSchema.parse(JSON.parse(JSON.stringify(d.report)));
      for (const p of d.report.paths) expect(p.live).toBeUndefined();
      for (const f of d.report.findings) {
        if (!f.remediation?.startsWith('aws ec2')) continue;
        for (const command of f.remediation.split(' && '))
          expect(() => parseAwsCli(command), command).not.toThrow();
      }
      for (const [id, status] of Object.entries(want.findings ?? {})) {
        expect(d.report.findings.find((f) => f.id === id)?.status, id).toBe(status);
      }
      await expectFixesWork(scenario.snapshot, d.report);
      if (want.ephemeralOverride) {
        const [from, to] = want.ephemeralOverride.range.split('-').map(Number) as [number, number];
        const again = await analyzeSnapshot(scenario.snapshot, settings(), PROBES, {
          ephemeralPorts: { from, to },
        });
        expect(new Set(again.report.paths.map((p) => p.static?.verdict))).toEqual(
          new Set([want.ephemeralOverride.verdict]),
        );
      }
    });
  }
});

const FINDING_COMPONENT = new Map<string, string>(
  Object.entries(COMPONENT_FINDING).map(([c, id]) => [id, c]),
);

/**
 * Exactness of the remediations: with every fix of the failing path findings applied to the EC2
 * answers (as EC2 would apply them), the components they fix block no path any more, and nothing
 * that was reachable stops being so.
 */
async function expectFixesWork(
  snapshot: Parameters<typeof analyzeSnapshot>[0],
  report: Awaited<ReturnType<typeof analyzeSnapshot>>['report'],
) {
  const fixed = structuredClone(snapshot);
  const components = new Set<string>();
  for (const f of report.findings) {
    const component = FINDING_COMPONENT.get(f.id);
    if (f.status !== 'fail' || !component || !f.remediation) continue;
    const applied = f.remediation.split(' && ').map((c) => applyFix(fixed.aws as never, parseAwsCli(c)));
    if (applied.every(Boolean)) components.add(component);
  }
  if (components.size === 0) return;
  const again = await analyzeSnapshot(fixed, settings(), PROBES);
  for (const p of again.report.paths) {
    const before = report.paths.find(
      (b) => b.eniIp === p.eniIp && b.port === p.port && b.clientEni === p.clientEni,
    );
    const still = (p.static?.blockedBy ?? []).filter((b) => components.has(b.component));
    expect(still, `${p.clientEni} → ${p.eniIp}:${p.port} after the fixes`).toEqual([]);
    if (before?.static?.verdict === 'reachable') expect(p.static?.verdict).toBe('reachable');
  }
}
