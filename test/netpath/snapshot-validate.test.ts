// Hostile and malformed snapshots are rejected with a clear message, within bounded memory.
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
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
// biome-ignore lint/suspicious/noExplicitAny: the tests spoil arbitrary fields of a real snapshot
type Json = any;
const healthy: { aws: Record<string, Json> } = JSON.parse(
  readFileSync(fileURLToPath(new URL('../../scenarios/healthy.json', import.meta.url)), 'utf8'),
).snapshot;
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
  it.each<[string, (aws: Record<string, Json>) => void, string]>([
    [
      'a port that is a word',
      (aws) => (aws['ec2:DescribeSecurityGroups'].SecurityGroups[2].IpPermissions[0].FromPort = 'twenty-two'),
      'aws["ec2:DescribeSecurityGroups"].SecurityGroups[2].IpPermissions[0].FromPort: must be a number, not the string "twenty-two"',
    ],
    [
      'egress rules that are a word',
      (aws) => (aws['ec2:DescribeSecurityGroups'].SecurityGroups[0].IpPermissionsEgress = 'all'),
      'aws["ec2:DescribeSecurityGroups"].SecurityGroups[0].IpPermissionsEgress: must be a list, not the string "all"',
    ],
    [
      'a rule number that is a word',
      (aws) => (aws['ec2:DescribeNetworkAcls'].NetworkAcls[0].Entries[0].RuleNumber = 'first'),
      'aws["ec2:DescribeNetworkAcls"].NetworkAcls[0].Entries[0].RuleNumber: must be a number, not the string "first"',
    ],
    [
      'a rule action AWS does not have',
      (aws) => (aws['ec2:DescribeNetworkAcls'].NetworkAcls[0].Entries[0].RuleAction = 'ALLOW'),
      'aws["ec2:DescribeNetworkAcls"].NetworkAcls[0].Entries[0].RuleAction: must be one of "allow", "deny", not the string "ALLOW"',
    ],
    [
      'a CIDR block that is not one',
      (aws) =>
        (aws['ec2:DescribeSecurityGroups'].SecurityGroups[2].IpPermissions[0].IpRanges = [
          { CidrIp: '10.0.0.0/33' },
        ]),
      'aws["ec2:DescribeSecurityGroups"].SecurityGroups[2].IpPermissions[0].IpRanges[0].CidrIp: must be an IPv4 CIDR block such as 10.0.0.0/16',
    ],
    [
      'HSMs that are not a list',
      (aws) => (aws['cloudhsmv2:DescribeClusters'].Clusters[0].Hsms = { 'hsm-1': {} }),
      'aws["cloudhsmv2:DescribeClusters"].Clusters[0].Hsms: must be a list, not an object',
    ],
    [
      'a main flag that is a string',
      (aws) => (aws['ec2:DescribeRouteTables'].RouteTables[0].Associations[0].Main = 'true'),
      'aws["ec2:DescribeRouteTables"].RouteTables[0].Associations[0].Main: must be true or false, not the string "true"',
    ],
    [
      'a device index that is a string',
      (aws) =>
        (aws[
          'ec2:DescribeInstances'
        ].Reservations[0].Instances[0].NetworkInterfaces[0].Attachment.DeviceIndex = '0'),
      'aws["ec2:DescribeInstances"].Reservations[0].Instances[0].NetworkInterfaces[0].Attachment.DeviceIndex: must be a number, not the string "0"',
    ],
  ])('rejects %s deep inside, naming its JSON path first', (_n, spoil, first) => {
    const snap = structuredClone(healthy);
    spoil(snap.aws);
    expect(reject(text(snap)).split('\n')[1]).toBe(`  ${first}`);
  });

  it('keeps fields it does not read, of any type (AWS adds fields)', () => {
    const snap = structuredClone(healthy);
    snap.aws['ec2:DescribeSecurityGroups'].SecurityGroups[0].SomethingNew = { any: ['thing', 1] };
    snap.aws['ec2:DescribeSecurityGroups'].SecurityGroups[0].Tags = 'not even a list';
    snap.aws['ec2:DescribeTransitGatewayRouteTables'] = 'kept, not judged';
    expect(() => parseSnapshot(text(snap), 'x')).not.toThrow();
  });

  it('accepts every shipped scenario and test snapshot', () => {
    const root = fileURLToPath(new URL('../..', import.meta.url));
    const files = ['scenarios', 'test/scenarios', 'test/scenarios/netpath'].flatMap((d) =>
      readdirSync(join(root, d))
        .filter((f) => f.endsWith('.json'))
        .map((f) => join(root, d, f)),
    );
    expect(files.length).toBeGreaterThan(40);
    for (const f of files) expect(() => readSnapshotFile(f), f).not.toThrow();
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
      /snapshot is 2048 bytes, more than the 1 kB limit/,
    );
    expect(() => readSnapshotFile(join(dir, 'absent.json'))).toThrow(/ENOENT/);
  });
});
