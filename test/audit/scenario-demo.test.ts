// `hsmwatch demo --scenario exposure` (scenarios/exposure.json, tools/gen-demo-exposure.mjs): the
// simulated AWS on loopback, the estate read from it live as `hsmwatch audit` reads AWS, the audit's
// report. Expected from AWS semantics, as the generator's header explains: security groups allow-only
// and stateful, a referenced group admits the interfaces carrying it (across an active same-Region
// peering too); network ACLs stateless, lowest rule first (the batch subnet's rule 100 denies outbound
// TCP 2223-2225 before rule 200 allows all); a peered VPC reachable with a route each way.
// Run `npm run build` first.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { AuditReport } from '../../src/audit/report.js';
import { packageRoot } from '../../src/util/paths.js';
import { hsmwatch } from './scenario-check.js';

const BATCH = 'eni-0ba7c000000000001';
const LEGACY = 'eni-01e90000000000001';
const CLUSTER_SG = 'sg-0c1a55e7e00000001';

describe('hsmwatch demo --scenario exposure (live audit of a simulated estate)', () => {
  it('is listed by demo --list', () => {
    const r = hsmwatch(['demo', '--list']);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^exposure\s+an estate audited live/m);
  });

  it('prints the counts per class, then the findings, then the unintended reachable list', () => {
    const r = hsmwatch(['demo', '--scenario', 'exposure']);
    expect(r.status, r.stderr).toBe(1);
    const out = r.stdout;
    expect(out).toContain('hsmwatch demo — scenario "exposure"');
    expect(out).toContain('7 interface(s) in 2 VPC(s) × 3 HSM address(es) × 3 port(s)');
    const order = [
      'intended    4 reachable, 0 partial, 1 blocked, 0 unknown',
      'unintended  1 reachable, 0 partial, 1 blocked, 0 unknown',
      `✗ exposure.intended-blocked ${BATCH}`,
      `! exposure.unintended-reachable ${LEGACY}`,
      `! exposure.broad-rule ${CLUSTER_SG}`,
      'Reachable, not intended (cluster-hsmwatchexpo: 1)',
      `  ${LEGACY} interface`,
      'Summary: 1 fail, 2 warn, 4 pass',
    ].map((s) => out.indexOf(s));
    expect(
      order.every((i) => i >= 0),
      out,
    ).toBe(true);
    expect([...order].sort((a, b) => a - b)).toEqual(order);
    // Commands and messages as one line each (the report wraps them at its width).
    const flat = out.replace(/ \\\n\s+/g, ' ').replace(/\n {4}(?![ ✗!])/g, ' ');
    expect(flat).toContain('client-nacl-outbound');
    expect(flat).toContain('--network-acl-id acl-0ba7c000000000001 --egress --rule-number 99');
    expect(flat).toContain('127.0.0.0/8 is wider than the subnets of the intended sources it admits');
  });

  it('reads the whole estate live: the JSON report equals the offline audit of its snapshot', () => {
    const live = hsmwatch(['demo', '--scenario', 'exposure', '--output', 'json']);
    expect(live.status, live.stderr).toBe(1);
    const report = JSON.parse(live.stdout) as AuditReport;
    const c = report.exposure.clusters[0]!;
    const by = new Map(c.sources.map((s) => [s.eniId, s]));
    const view = (id: string) => {
      const s = by.get(id)!;
      const blocking = [...new Set(s.ports.flatMap((p) => p.blockedBy.map((b) => b.component)))];
      return [s.kind, s.vpcId, s.intended, s.verdict, blocking.join(',')].join(' ');
    };
    expect(c.vpcs).toEqual(['vpc-0e000000000000001', 'vpc-0e0b0000000000001']);
    expect(Object.fromEntries([...by.keys()].sort().map((id) => [id, view(id)]))).toEqual({
      [LEGACY]: 'interface vpc-0e000000000000001 false reachable ',
      'eni-0a990000000000001': 'interface vpc-0e000000000000001 true reachable ',
      'eni-0a990000000000002': 'interface vpc-0e000000000000001 true reachable ',
      'eni-0ad00000000000001': 'interface vpc-0e000000000000001 false blocked client-sg-egress',
      [BATCH]: 'interface vpc-0e000000000000001 true blocked client-nacl-outbound',
      'eni-0e0b0000000000001': 'interface vpc-0e0b0000000000001 true reachable ',
      'eni-0f00d000000000001': 'lambda vpc-0e000000000000001 true reachable ',
    });
    const statuses = Object.fromEntries(report.findings.map((f) => [f.id, f.status]));
    expect(statuses).toEqual({
      'exposure.scope': 'pass',
      'exposure.summary': 'pass',
      'exposure.unintended-reachable': 'warn',
      'exposure.intended-blocked': 'fail',
      'exposure.broad-rule': 'warn',
      'exposure.self-reference': 'pass',
      'exposure.subnet-private': 'pass',
    });
    const offline = hsmwatch([
      'audit',
      '--snapshot',
      join(packageRoot(), 'scenarios/exposure.json'),
      '--output',
      'json',
    ]);
    expect(offline.status).toBe(1);
    const fromFile = JSON.parse(offline.stdout) as AuditReport;
    expect(report.exposure).toEqual(fromFile.exposure);
    expect(report.findings).toEqual(fromFile.findings);
  });

  it('refuses --agent: the agent does not run audits', () => {
    const r = hsmwatch(['demo', '--scenario', 'exposure', '--agent']);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/exposure audit .* run it without --agent/);
  });
});
