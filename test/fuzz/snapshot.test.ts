// The snapshot reader meets files from anywhere: whatever the text, it returns a snapshot or throws
// its typed SnapshotError (exit 2 with the JSON path), nothing else. And a snapshot it accepts is one
// the analysis can run on without an internal error: a value of the wrong type deep inside is
// rejected at load, not turned into invented findings.
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PROBES } from '../../probes/index.js';
import { formatPath } from '../../src/config/issues.js';
import { DEFAULTS } from '../../src/config/settings.js';
import { analyzeSnapshot } from '../../src/diagnosis/analyze.js';
import { factsFromSnapshot } from '../../src/netpath/facts.js';
import type { Snapshot } from '../../src/snapshot/format.js';
import { parseSnapshot, SnapshotError } from '../../src/snapshot/read.js';

const healthy: Snapshot = JSON.parse(
  readFileSync(new URL('../../scenarios/healthy.json', import.meta.url), 'utf8'),
).snapshot;

type Path = Array<string | number>;

/** Every path to a value in the snapshot, for mutations anywhere in it. */
function pathsOf(v: unknown, at: Path = [], out: Path[] = []): Path[] {
  out.push(at);
  if (Array.isArray(v)) v.forEach((x, i) => void pathsOf(x, [...at, i], out));
  else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) pathsOf(x, [...at, k], out);
  return out;
}
const PATHS = pathsOf(healthy).filter((p) => p.length > 0);

/** The snapshot with the value at `path` replaced (or removed when `value` is undefined). */
function mutate(path: Path, value: unknown): unknown {
  const copy = structuredClone(healthy) as unknown as Record<string | number, unknown>;
  let o = copy;
  for (const k of path.slice(0, -1)) o = o[k] as Record<string | number, unknown>;
  const last = path.at(-1)!;
  if (value === undefined) {
    if (Array.isArray(o)) o.splice(last as number, 1);
    else delete o[last];
  } else o[last] = value;
  return copy;
}

/** parseSnapshot, with every throw checked to be the typed error. */
function read(text: string): Snapshot | SnapshotError {
  try {
    return parseSnapshot(text, 'fuzz.json');
  } catch (e) {
    if (!(e instanceof SnapshotError)) throw e;
    expect(e.message).toMatch(/^fuzz\.json: /);
    // Safe for a terminal: no raw control bytes from the file.
    expect(e.message.replace(/\n/g, '')).not.toMatch(/[\u0000-\u001f\u007f-\u009f]/);
    return e;
  }
}

const wrongValue = fc.oneof(
  fc.jsonValue({ maxDepth: 3 }),
  fc.constantFrom('twenty-two', 'all', 'first', '', '10.0.0.0/99', -1, 1.5, 1e20, true, null, [], {}),
  fc.constant(undefined),
);
const mutation = fc.record({ path: fc.constantFrom(...PATHS), value: wrongValue });

describe('snapshot reader under fuzzing', () => {
  it('accepts the healthy scenario unchanged', () => {
    expect(read(JSON.stringify(healthy))).not.toBeInstanceOf(SnapshotError);
  });

  it('never throws anything but SnapshotError on arbitrary text', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 400 }), (t) => void read(t)),
      {
        numRuns: 2000,
        examples: [['{"hsmwatchSnapshot":"\u009b"}'], [`{"\u007f":${'['.repeat(70)}${']'.repeat(70)}}`]],
      },
    );
  });

  it('never throws anything but SnapshotError on arbitrary JSON', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 6 }), (v) => void read(JSON.stringify(v) ?? 'null')),
      { numRuns: 1000 },
    );
  });

  it('rejects a wrong value anywhere, or accepts one the path checks can read', () => {
    fc.assert(
      fc.property(mutation, ({ path, value }) => {
        const r = read(JSON.stringify(mutate(path, value)));
        if (r instanceof SnapshotError) {
          // The message says where: the first problem's path lies on the mutated one, below it
          // (inside the value put there) or above it (the object that lost a required field).
          const first = r.message.split('\n')[1]?.trim() ?? '';
          const mutated = formatPath(path);
          const at = first.startsWith(mutated) || mutated.startsWith(first.split(': ')[0]!);
          expect(at, `${mutated} vs ${first}`).toBe(true);
          return;
        }
        expect(() => factsFromSnapshot(r.aws, r.region)).not.toThrow();
      }),
      // The examples are the issue's: each was analysed and reported 14 "blocked" paths before.
      {
        numRuns: 1000,
        examples: [
          [
            {
              path: [
                'aws',
                'ec2:DescribeSecurityGroups',
                'SecurityGroups',
                2,
                'IpPermissions',
                0,
                'FromPort',
              ],
              value: 'twenty-two',
            },
          ],
          [
            {
              path: ['aws', 'ec2:DescribeSecurityGroups', 'SecurityGroups', 0, 'IpPermissionsEgress'],
              value: 'all',
            },
          ],
          [
            {
              path: ['aws', 'ec2:DescribeNetworkAcls', 'NetworkAcls', 0, 'Entries', 0, 'RuleNumber'],
              value: 'first',
            },
          ],
        ],
      },
    );
  });

  it('the issue examples are rejected, naming their JSON path', () => {
    const r = read(
      JSON.stringify(
        mutate(['aws', 'ec2:DescribeNetworkAcls', 'NetworkAcls', 0, 'Entries', 0, 'RuleNumber'], 'first'),
      ),
    );
    expect(r).toBeInstanceOf(SnapshotError);
    expect((r as SnapshotError).message).toContain(
      'aws["ec2:DescribeNetworkAcls"].NetworkAcls[0].Entries[0].RuleNumber: must be a number, not the string "first"',
    );
  });

  it('a snapshot it accepts is analysed without an internal error', async () => {
    await fc.assert(
      fc.asyncProperty(mutation, async ({ path, value }) => {
        const r = read(JSON.stringify(mutate(path, value)));
        if (r instanceof SnapshotError) return;
        const d = await analyzeSnapshot(r, DEFAULTS, PROBES);
        const internal = d.report.findings.filter((f) => /internal error/.test(f.message));
        expect(internal).toEqual([]);
      }),
      { numRuns: 40 },
    );
  });
});
