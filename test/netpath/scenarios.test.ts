// Every scenario under test/scenarios/netpath through `analyze`: the path verdicts and blocking
// components must be those written in the scenario, and every remediation must parse back.
import { describe, expect, it } from 'vitest';
import { PROBES } from '../../probes/index.js';
import { analyzeSnapshot } from '../../src/diagnosis/analyze.js';
import { reportSchema } from '../support/report-contract.js';
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
