// Hostile and malformed snapshots are rejected with a clear message, within bounded memory.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseSnapshot, readSnapshotFile, SNAPSHOT_LIMITS, SnapshotError } from '../../src/snapshot/read.js';

const good = {
  hsmwatchSnapshot: 1,
  capturedAt: '2026-11-30T10:00:00Z',
  region: 'us-east-1',
  client: { instanceId: 'i-1' },
  aws: { 'ec2:DescribeSubnets': { Subnets: [] } },
};
const text = (o: unknown) => JSON.stringify(o);
const reject = (t: string, limits = SNAPSHOT_LIMITS) => {
  try {
    parseSnapshot(t, 'snap.json', limits);
  } catch (e) {
    expect(e).toBeInstanceOf(SnapshotError);
    return (e as Error).message;
  }
  throw new Error('accepted');
};

describe('snapshot validation', () => {
  it('accepts a good snapshot and a scenario file', () => {
    expect(parseSnapshot(text(good), 'x').region).toBe('us-east-1');
    expect(parseSnapshot(text({ name: 's', snapshot: good }), 'x').client.instanceId).toBe('i-1');
  });
  it.each<[string, string, RegExp]>([
    ['not JSON', '{"hsmwatchSnapshot":', /not JSON/],
    ['an array', '[]', /\(top level\): must be an object/],
    ['wrong version', text({ ...good, hsmwatchSnapshot: 2 }), /hsmwatchSnapshot: must be 1/],
    ['bad time', text({ ...good, capturedAt: 'yesterday' }), /capturedAt/],
    ['region a number', text({ ...good, region: 5 }), /region: must be a string or null/],
    ['aws a list', text({ ...good, aws: [] }), /aws: must be an object/],
    [
      'list field an object',
      text({ ...good, aws: { 'ec2:DescribeSecurityGroups': { SecurityGroups: {} } } }),
      /SecurityGroups: must be a list/,
    ],
    [
      'list items not objects',
      text({ ...good, aws: { 'ec2:DescribeRouteTables': { RouteTables: [1] } } }),
      /RouteTables\[0\]: must be an object/,
    ],
    [
      'prefix lists malformed',
      text({ ...good, aws: { 'ec2:GetManagedPrefixListEntries': { 'pl-1': { Entries: 'x' } } } }),
      /Entries: must be a list/,
    ],
    ['ports out of range', text({ ...good, ports: [0, 70000] }), /ports\[0\]/],
    ['deep nesting', `${'['.repeat(5000)}${']'.repeat(5000)}`, /nested deeper than 64/],
  ])('rejects %s', (_n, t, msg) => {
    expect(reject(t)).toMatch(msg);
  });
  it('rejects huge arrays and too many values', () => {
    expect(reject(text({ ...good, aws: { x: new Array(300_000).fill(0) } }))).toMatch(/more than 200000/);
    expect(reject(text(good), { ...SNAPSHOT_LIMITS, maxNodes: 5 })).toMatch(/more than 5 values/);
  });
  it('rejects a file over the size limit before reading it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'hsmwatch-snap-'));
    const f = join(dir, 'big.json');
    writeFileSync(f, ' '.repeat(2048));
    expect(() => readSnapshotFile(f, { ...SNAPSHOT_LIMITS, maxBytes: 1024 })).toThrow(
      /larger than the 1024-byte limit/,
    );
    expect(() => readSnapshotFile(join(dir, 'absent.json'))).toThrow(/ENOENT/);
  });
});
