// Two intended clients denied by one network ACL entry get fixes that can both be applied: EC2 keeps one
// set of numbered rules per ACL and direction and refuses an entry whose number is taken
// (EC2 API reference, CreateNetworkAclEntry: "you can't use the same rule number" in one direction).
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { auditSnapshot } from '../../src/audit/audit.js';
import { DEFAULTS } from '../../src/config/settings.js';
import type { Snapshot } from '../../src/snapshot/format.js';

const fixture = JSON.parse(readFileSync('test/fixtures/audit/nacl-hsm-inbound.json', 'utf8')) as {
  snapshot: Snapshot;
};

describe('NACL fixes across the audit’s findings', () => {
  it('hand out distinct rule numbers', () => {
    const snapshot = structuredClone(fixture.snapshot);
    const enis = (
      snapshot.aws['ec2:DescribeNetworkInterfaces'] as { NetworkInterfaces: Array<Record<string, unknown>> }
    ).NetworkInterfaces;
    const blocked = enis.find((e) => e.PrivateIpAddress === '10.0.12.10')!;
    // A second client in the denied subnet, with its own address: its own finding and fix.
    enis.push({
      ...structuredClone(blocked),
      NetworkInterfaceId: 'eni-0a990000000000009',
      PrivateIpAddress: '10.0.12.11',
      PrivateIpAddresses: [{ PrivateIpAddress: '10.0.12.11', Primary: true }],
    });
    const { findings } = auditSnapshot(snapshot, structuredClone(DEFAULTS));
    const fixes = findings
      .filter((f) => f.id === 'exposure.intended-blocked')
      .map((f) => f.remediation ?? '');
    expect(fixes).toHaveLength(2);
    const numbers = fixes.flatMap((r) =>
      [...r.matchAll(/--network-acl-id (\S+) --ingress --rule-number (\d+)/g)].map((m) => `${m[1]}#${m[2]}`),
    );
    expect(numbers.length).toBeGreaterThanOrEqual(2);
    expect(new Set(numbers).size).toBe(numbers.length);
  });
});
