// The exposure audit end to end: each scenario of test/fixtures/audit (tools/gen-audit-scenarios.mjs,
// every one citing the AWS documentation its expectations rest on) through the built CLI,
// `hsmwatch audit --snapshot FILE --output json`, compared with the verdicts written by hand: per
// source its class and per-port verdicts with the blocking components, and every finding. Each fix
// the audit gives is then applied to the snapshot as EC2 would apply it and audited again: it must
// do what it says. Run `npm run build` first.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { auditSnapshot } from '../../src/audit/audit.js';
import type { AuditReport } from '../../src/audit/report.js';
import { DEFAULTS } from '../../src/config/settings.js';
import type { Finding } from '../../src/model/index.js';
import { shellSplit } from '../netpath/aws-cli-parse.js';
import {
  type AuditScenario,
  auditScenarios,
  checkExposure,
  checkFindings,
  type FindingExpect,
  hsmwatch,
  type RunExpect,
  runAudit,
} from './scenario-check.js';
import { afterRemediation } from './scenario-fix.js';

const scenarios = auditScenarios();
const FIXED = new Set(['exposure.intended-blocked', 'exposure.broad-rule', 'exposure.self-reference']);

describe('exposure audit scenarios (AWS semantics, through the CLI)', () => {
  it('covers the issue’s scenarios, each citing its documentation', () => {
    expect(scenarios.map((s) => s.scenario.name)).toEqual(
      expect.arrayContaining([
        'nacl-client-outbound',
        'nacl-hsm-inbound',
        'broad-cidr-10-8',
        'lambda-by-reference',
        'peered-vpc',
        'address-split',
        'dual-stack',
        'all-traffic-rule',
        'self-reference-removed',
        'self-reference-intact',
        'intended-config',
      ]),
    );
    for (const { scenario } of scenarios) {
      expect(scenario.docs.length, scenario.name).toBeGreaterThan(0);
      for (const d of scenario.docs) {
        expect(d.url).toMatch(/^https:\/\/docs\.aws\.amazon\.com\//);
        expect(d.says.length).toBeGreaterThan(20);
      }
      // The estate form: every interface of the captured VPCs is in the snapshot.
      expect(scenario.snapshot.estate?.vpcIds.length, scenario.name).toBeGreaterThan(0);
    }
  });

  for (const { file, scenario } of scenarios) {
    describe(scenario.name, () => {
      for (const run of scenario.runs) {
        it(`audit ${run.args.join(' ') || '(defaults)'}: ${scenario.description}`, () => {
          const { status, report } = runAudit(file, run);
          checkExposure(report, run);
          const matched = checkFindings(report.findings, run);
          expect(status, 'exit code').toBe(run.exitCode);
          for (const [want, got] of matched) {
            if (want.naclFix) checkNaclFix(got, want.naclFix);
            if (FIXED.has(got.id) && got.remediation) checkFixWorks(scenario, run, report, want, got);
          }
        });
      }
    });
  }
});

/** The create-network-acl-entry commands: allow TCP on the ports, numbered before the deny, unique. */
function checkNaclFix(f: Finding, want: NonNullable<FindingExpect['naclFix']>): void {
  const commands = (f.remediation ?? '').split(' && ').map(shellSplit);
  expect(commands.length).toBeGreaterThan(0);
  const numbers: number[] = [];
  const cidrs: string[] = [];
  for (const words of commands) {
    const opt = (k: string) => words[words.indexOf(k) + 1];
    expect(words.slice(0, 3)).toEqual(['aws', 'ec2', 'create-network-acl-entry']);
    expect(opt('--network-acl-id')).toBe(want.naclId);
    expect(words).toContain(want.egress ? '--egress' : '--ingress');
    expect(opt('--protocol')).toBe('tcp');
    expect(opt('--rule-action')).toBe('allow');
    expect(opt('--port-range')).toBe(`From=${want.ports[0]},To=${want.ports[1]}`);
    const n = Number(opt('--rule-number'));
    // Evaluated before the denying rule: a lower number (lowest first, first match wins).
    expect(n).toBeLessThan(want.below);
    numbers.push(n);
    cidrs.push(opt('--cidr-block')!);
  }
  // One number per rule in each direction of an ACL: EC2 refuses a second entry with the same one.
  expect(new Set(numbers).size, `rule numbers ${numbers.join(', ')}`).toBe(numbers.length);
  for (const ip of want.covers)
    expect(
      cidrs.some((c) => covers(c, ip)),
      `${ip} in ${cidrs}`,
    ).toBe(true);
}

function covers(cidr: string, ip: string): boolean {
  const [base, len] = cidr.split('/');
  const n = (a: string) => a.split('.').reduce((x, o) => x * 256 + Number(o), 0);
  const size = 2 ** (32 - Number(len));
  return Math.floor(n(ip) / size) === Math.floor(n(base!) / size);
}

/**
 * The fix applied as EC2 would: the finding is gone, every intended client that reached the HSMs still
 * does, and the sources it names end as expected. Audited in-process, with the run's audit.intended.
 */
function checkFixWorks(
  scenario: AuditScenario,
  run: RunExpect,
  before: AuditReport,
  want: FindingExpect,
  got: Finding,
): void {
  const fixed = afterRemediation(scenario.snapshot, got.remediation!);
  const dir = mkdtempSync(join(tmpdir(), 'hsmwatch-audit-fix-'));
  const file = join(dir, 'fixed.json');
  writeFileSync(file, JSON.stringify(fixed));
  const after = runAudit(file, run).report;
  const same = after.findings.filter(
    (f) => f.id === got.id && f.target === got.target && f.message === got.message,
  );
  expect(same, `after ${got.remediation}`).toEqual([]);
  const verdicts = new Map(after.exposure.clusters[0]!.sources.map((s) => [s.eniId, s.verdict]));
  for (const s of before.exposure.clusters[0]!.sources)
    if (s.intended && s.verdict === 'reachable') expect(verdicts.get(s.eniId), s.eniId).toBe('reachable');
  for (const [id, verdict] of Object.entries(want.afterFix ?? {}))
    expect(verdicts.get(id), `${id} after ${got.remediation}`).toBe(verdict);
}

describe('grouped evaluation is exact', () => {
  it.each(scenarios.map((s) => [s.scenario.name, s.scenario] as const))(
    '%s: grouped and per-path verdicts agree source by source',
    (_, scenario) => {
      const settings = structuredClone(DEFAULTS);
      const grouped = auditSnapshot(scenario.snapshot, settings);
      const perPath = auditSnapshot(scenario.snapshot, settings, { evaluation: 'per-path' });
      expect(grouped.exposure.clusters[0]!.sources).toEqual(perPath.exposure.clusters[0]!.sources);
      expect(perPath.exposure.summary.evaluations).toBe(perPath.exposure.summary.sources);
    },
  );
});

describe('hsmwatch audit: text report and bad input', () => {
  const file = (name: string) => scenarios.find((s) => s.scenario.name === name)!.file;

  it('prints the counts per class first, then the findings, then the unintended reachable list', () => {
    const r = hsmwatch(['audit', '--snapshot', file('broad-cidr-10-8')]);
    expect(r.status).toBe(0);
    const out = r.stdout;
    const counts = out.indexOf('intended    1 reachable, 0 partial, 0 blocked, 0 unknown');
    const unintended = out.indexOf('unintended  1 reachable, 0 partial, 0 blocked, 0 unknown');
    const finding = out.indexOf('exposure.unintended-reachable');
    const list = out.indexOf('Reachable, not intended');
    expect(counts, out).toBeGreaterThanOrEqual(0);
    expect(unintended).toBeGreaterThan(counts);
    expect(finding).toBeGreaterThan(unintended);
    expect(list).toBeGreaterThan(finding);
    expect(out.slice(list)).toContain('eni-00e70000000000001');
  });

  it('a file that is not a snapshot: exit 2 and a message naming the file and the problem', () => {
    const dir = mkdtempSync(join(tmpdir(), 'hsmwatch-audit-bad-'));
    const cases: Array<[string, string, RegExp]> = [
      ['report.json', '{"hsmwatchReport": 1, "findings": []}', /report\.json: not a valid hsmwatch snapshot/],
      ['notes.txt', 'these are not the answers you are looking for', /notes\.txt: not JSON/],
    ];
    for (const [name, text, message] of cases) {
      writeFileSync(join(dir, name), text);
      const r = hsmwatch(['audit', '--snapshot', join(dir, name)]);
      expect(r.status, name).toBe(2);
      expect(r.stderr).toMatch(/^hsmwatch audit: /);
      expect(r.stderr).toMatch(message);
      expect(r.stdout).toBe('');
    }
    const missing = hsmwatch(['audit', '--snapshot', join(dir, 'absent.json')]);
    expect(missing.status).toBe(2);
    expect(missing.stderr).toMatch(/absent\.json: cannot read the snapshot/);
  });
});
