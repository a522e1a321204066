// The exposure-audit scenarios (test/fixtures/audit, written by tools/gen-audit-scenarios.mjs): how
// to run one through the built CLI and compare its report with the expectations written by hand.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'vitest';
import type { AuditReport } from '../../src/audit/report.js';
import { EXPOSURE_CLASSES, type ExposureSource, type PortResult } from '../../src/audit/types.js';
import type { Finding } from '../../src/model/index.js';
import type { Snapshot } from '../../src/snapshot/format.js';
import { packageRoot } from '../../src/util/paths.js';

export const AUDIT_FIXTURES = join(import.meta.dirname, '../fixtures/audit');

export interface SourceExpect {
  kind: string;
  owner: string | null;
  vpcId: string;
  intended: boolean;
  /** null, or text the reason must hold. */
  intendedBy: string | null;
  verdict: string;
  addresses?: string[];
  portCount?: number;
  /** The HSM addresses its port results are at (exactly these). */
  portAddresses?: string[];
  /** "address:port" or "*" → "reachable" | "blocked component=resource[+resource] ...". */
  ports: Record<string, string>;
}

export interface FindingExpect {
  id: string;
  status: string;
  target: string;
  message?: string[];
  remediation?: string[];
  narrower?: unknown[];
  /** The network ACL entries the remediation must create (create-network-acl-entry commands). */
  naclFix?: { naclId: string; egress: boolean; below: number; covers: string[]; ports: [number, number] };
  /** After the remediation is applied: these sources' verdicts. */
  afterFix?: Record<string, string>;
}

export interface RunExpect {
  args: string[];
  files?: Record<string, string>;
  exitCode: number;
  vpcs: string[];
  summary: { sources: number; intended: number; evaluations?: number; classes: Record<string, number> };
  sources: Record<string, SourceExpect>;
  findings: FindingExpect[];
  passes: string[];
}

export interface AuditScenario {
  name: string;
  description: string;
  docs: Array<{ url: string; says: string; note?: string }>;
  snapshot: Snapshot;
  runs: RunExpect[];
}

export function auditScenarios(): Array<{ file: string; scenario: AuditScenario }> {
  return readdirSync(AUDIT_FIXTURES)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => ({
      file: join(AUDIT_FIXTURES, f),
      scenario: JSON.parse(readFileSync(join(AUDIT_FIXTURES, f), 'utf8')) as AuditScenario,
    }));
}

const bin = join(packageRoot(), 'bin/hsmwatch.js');

/** `hsmwatch ARGS` as a child process: no colour, no IMDS, no profile, no real AWS endpoint. */
export function hsmwatch(args: string[], timeout = 60_000) {
  return spawnSync(process.execPath, [bin, ...args], {
    encoding: 'utf8',
    timeout,
    env: {
      PATH: process.env.PATH ?? '',
      NO_COLOR: '1',
      AWS_EC2_METADATA_DISABLED: 'true',
      AWS_CONFIG_FILE: '/dev/null',
      AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
    },
  });
}

/** One run of a scenario: `audit --snapshot FILE --output json ARGS`, its exit code and report. */
export function runAudit(file: string, run: RunExpect): { status: number | null; report: AuditReport } {
  const dir = mkdtempSync(join(tmpdir(), 'hsmwatch-audit-'));
  for (const [name, text] of Object.entries(run.files ?? {})) writeFileSync(join(dir, name), text);
  const args = run.args.map((a) => a.replace('{dir}', dir));
  const r = hsmwatch(['audit', '--snapshot', file, '--output', 'json', ...args]);
  if (!r.stdout.trim()) throw new Error(`audit printed no report (exit ${r.status}): ${r.stderr}`);
  return { status: r.status, report: JSON.parse(r.stdout) as AuditReport };
}

export function portText(p: PortResult): string {
  return [p.verdict, ...p.blockedBy.map((b) => `${b.component}=${b.resourceIds.join('+')}`)].join(' ');
}

export function checkSource(got: ExposureSource, want: SourceExpect): void {
  const at = got.eniId;
  expect({ kind: got.kind, owner: got.owner, vpcId: got.vpcId }, at).toEqual({
    kind: want.kind,
    owner: want.owner,
    vpcId: want.vpcId,
  });
  expect(got.intended, `${at} intended`).toBe(want.intended);
  if (want.intendedBy === null) expect(got.intendedBy, at).toBeNull();
  else expect(got.intendedBy, at).toContain(want.intendedBy);
  expect(got.verdict, `${at} verdict`).toBe(want.verdict);
  if (want.addresses) expect(got.addresses, at).toEqual(want.addresses);
  if (want.portCount !== undefined) expect(got.ports, at).toHaveLength(want.portCount);
  if (want.portAddresses)
    expect(new Set(got.ports.map((p) => p.address)), at).toEqual(new Set(want.portAddresses));
  expect(got.ports.length, `${at} has port results`).toBeGreaterThan(0);
  for (const p of got.ports) {
    const key = `${p.address}:${p.port}`;
    expect(portText(p), `${at} → ${key}`).toBe(want.ports[key] ?? want.ports['*']);
  }
}

const matches = (f: Finding, w: FindingExpect): boolean =>
  f.id === w.id &&
  f.status === w.status &&
  f.target === w.target &&
  (w.message ?? []).every((m) => f.message.includes(m)) &&
  (w.remediation ?? []).every((m) => (f.remediation ?? '').includes(m)) &&
  (w.narrower === undefined ||
    JSON.stringify((f.evidence as { narrower?: unknown }).narrower) === JSON.stringify(w.narrower));

/** Every finding that is not a pass is expected, each matched once; the expected passes are there. */
export function checkFindings(findings: readonly Finding[], run: RunExpect): Map<FindingExpect, Finding> {
  const pool = findings.filter((f) => f.status !== 'pass');
  const matched = new Map<FindingExpect, Finding>();
  for (const w of run.findings) {
    const i = pool.findIndex((f) => matches(f, w));
    expect(
      i,
      `expected finding ${JSON.stringify(w)} among ${JSON.stringify(pool, null, 1)}`,
    ).toBeGreaterThanOrEqual(0);
    matched.set(w, pool[i]!);
    pool.splice(i, 1);
  }
  expect(pool, 'findings not expected').toEqual([]);
  for (const id of run.passes) {
    expect(
      findings.filter((f) => f.id === id).map((f) => f.status),
      id,
    ).toEqual(['pass']);
  }
  return matched;
}

export function checkExposure(report: AuditReport, run: RunExpect): void {
  expect(report.exposure.clusters).toHaveLength(1);
  const c = report.exposure.clusters[0]!;
  expect(c.vpcs).toEqual(run.vpcs);
  const { classes, ...counts } = run.summary;
  expect(c.summary).toMatchObject(counts);
  expect(c.summary.classes).toEqual(Object.fromEntries(EXPOSURE_CLASSES.map((k) => [k, classes[k] ?? 0])));
  expect(report.exposure.summary).toEqual(c.summary);
  expect(c.sources.map((s) => s.eniId).sort()).toEqual(Object.keys(run.sources).sort());
  for (const s of c.sources) checkSource(s, run.sources[s.eniId]!);
}
