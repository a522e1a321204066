// Config loading (YAML text → settings) meets whatever file the user points at: it yields settings
// or throws its typed ConfigError (exit 2), and every message names the file and a reason.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import {
  ConfigError,
  type ConfigInput,
  parseYamlSettings,
  resolveSettings,
  validateConfig,
} from '../../src/config/settings.js';

/** YAML text → settings, with every throw checked to be the typed error and to say why. */
function load(text: string): ReturnType<typeof resolveSettings> | ConfigError {
  try {
    return resolveSettings(validateConfig(parseYamlSettings(text, 'fuzz.yml'), 'fuzz.yml'));
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    for (const line of e.message.split('\n')) {
      expect(line).toMatch(/^fuzz\.yml: \S/);
      // Never zod's bare "Invalid input": each line gives the reason.
      expect(line).not.toMatch(/: Invalid input$/);
      expect(line).not.toMatch(/[\u0000-\u001f\u007f-\u009f]/);
    }
    return e;
  }
}

const KEYS = [
  'output',
  'region',
  'profile',
  'clusterIds',
  'hsmIps',
  'ports',
  'timeout',
  'concurrency',
  'strict',
  'verbose',
  'endpointUrl',
  'endpoints',
  'imds',
  'aws',
  'probes',
  'caBundle',
  'proxy',
  'noProxy',
  'debug',
  'tls',
  'hsm',
  'clientSdk',
  'agent',
  'web',
] as const;

const scalar = fc.oneof(
  fc.string({ maxLength: 20 }),
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.constantFrom(
    '3s',
    '2223-2225',
    '10.0.0.1',
    'cluster-abcdefghijk',
    'http://127.0.0.1:1',
    'json',
    'us-east-1',
  ),
);
const value = fc.letrec<{ v: unknown }>((tie) => ({
  v: fc.oneof(
    { depthSize: 'small' },
    scalar,
    fc.array(tie('v'), { maxLength: 4 }),
    fc.dictionary(
      fc.oneof(
        fc.string({ maxLength: 8 }),
        fc.constantFrom('endpoint', 'timeout', 'only', 'intervals', 'cloudhsmv2'),
      ),
      tie('v'),
      { maxKeys: 4 },
    ),
  ),
})).v;
/** Mappings of real keys with values of any type: where the type errors are. */
const settingsLike = fc.dictionary(fc.constantFrom(...KEYS), value, { maxKeys: 6 });

describe('config loading under fuzzing', () => {
  it('never throws anything but ConfigError on arbitrary text', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 300 }), (t) => void load(t)),
      // Found by this fuzzer: DEL and C1 controls (CSI) in a key or value reached the terminal raw
      // (JSON.stringify escapes only C0 controls).
      { numRuns: 1000, examples: [['"\u007f": 1'], ['output: "\u009b31m"'], ['"a\u2028b": 1']] },
    );
  });

  it('never throws anything but ConfigError on YAML of any shape', () => {
    fc.assert(
      fc.property(value, (v) => void load(stringify(v))),
      { numRuns: 800 },
    );
  });

  it('settles mappings of real keys with values of any type, each problem with its reason', () => {
    fc.assert(
      fc.property(settingsLike, (v) => {
        const r = load(stringify(v));
        if (r instanceof ConfigError) return;
        // Accepted values are of the types the settings promise.
        expect(Number.isInteger(r.concurrency) && r.timeoutMs > 0).toBe(true);
        expect(r.ports.every((p) => Number.isInteger(p) && p >= 1 && p <= 65535)).toBe(true);
      }),
      {
        numRuns: 800,
        examples: [
          // The issue's: a type error said only "ports: Invalid input".
          [{ ports: { a: 1 } }],
          [{ ports: [true] }],
          [{ timeout: [1] }],
          [{ hsmIps: 5 }],
          // Found by this fuzzer: a duration under half a millisecond was accepted as a 0 ms deadline.
          [{ timeout: 5e-324 }],
          [{ timeout: '0.4ms' }],
        ],
      },
    );
  });

  // Chains of aliases of aliases: whatever the fan-out, refused (the alias cap, or the keys) at once,
  // never expanded into memory.
  it('settles YAML made of anchors and aliases without expanding a bomb', () => {
    const aliased = fc
      .array(fc.integer({ min: 1, max: 12 }), { minLength: 1, maxLength: 10 })
      .map((fanOut) => {
        const lines = ['a0: &a0 [x, y]'];
        fanOut.forEach((n, i) => {
          lines.push(`a${i + 1}: &a${i + 1} [${Array(n).fill(`*a${i}`).join(', ')}]`);
        });
        return lines.join('\n');
      });
    fc.assert(
      fc.property(aliased, (t) => {
        const t0 = performance.now();
        expect(load(t)).toBeInstanceOf(ConfigError);
        expect(performance.now() - t0).toBeLessThan(1000);
      }),
      { numRuns: 100 },
    );
  });

  it('round-trips every valid value it is given', () => {
    const valid: fc.Arbitrary<ConfigInput> = fc.record(
      {
        output: fc.constantFrom('text', 'json'),
        ports: fc.array(fc.integer({ min: 1, max: 65535 }), { minLength: 1, maxLength: 5 }),
        timeout: fc.constantFrom('500ms', '3s', 2, '1m'),
        concurrency: fc.integer({ min: 1, max: 1024 }),
        strict: fc.boolean(),
        hsmIps: fc.array(fc.ipV4(), { maxLength: 3 }),
      },
      { requiredKeys: [] },
    );
    fc.assert(
      fc.property(valid, (v) => {
        expect(load(stringify(v))).not.toBeInstanceOf(ConfigError);
      }),
      { numRuns: 300 },
    );
  });
});
