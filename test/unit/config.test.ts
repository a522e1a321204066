import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  ConfigError,
  DEFAULTS,
  loadConfigFile,
  parseYamlSettings,
  resolveSettings,
  validateConfig,
} from '../../src/config/settings.js';

const fixture = (name: string) => fileURLToPath(new URL(`../fixtures/config/${name}`, import.meta.url));

function errorOf(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return (e as Error).message;
  }
  throw new Error('expected a ConfigError');
}

describe('config files', () => {
  it('reads every key of a valid file', () => {
    const s = resolveSettings(loadConfigFile(fixture('valid.yml')));
    expect(s).toEqual({
      ...DEFAULTS,
      output: 'json',
      region: 'eu-west-1',
      profile: 'hsm-readonly',
      clusterIds: ['cluster-abcdefghijk'],
      hsmIps: ['10.0.1.12', 'fd00::12'],
      ports: [2223, 2224, 2225, 8443],
      timeoutMs: 500,
      concurrency: 8,
      strict: true,
      endpointUrl: 'http://127.0.0.1:4566',
      endpoints: { cloudhsmv2: 'https://cloudhsmv2.eu-west-1.amazonaws.com' },
      imds: { endpoint: 'http://127.0.0.1:1338', disabled: false, timeoutMs: 2000 },
      aws: { maxAttempts: 2, timeoutMs: 5000 },
      probes: { only: [], skip: ['reachability'] },
    });
  });

  // Each bad file maps to its exact message: the path of the bad field and why.
  it.each([
    ['invalid-unknown-key.yml', ': (top level): unknown key "bogus"'],
    ['invalid-port-range.yml', ': ports: range 2225-2223 ends before it starts'],
    ['invalid-hsm-ip.yml', ': hsmIps[1]: must be an IPv4 or IPv6 address'],
    ['invalid-timeout.yml', ': timeout: "soon" is not a duration (examples: 500ms, 3s, 5m)'],
    ['invalid-endpoint.yml', ': endpoints.cloudhsmv2: must be an http:// or https:// URL'],
    ['invalid-cluster-id.yml', ': clusterIds[0]: must look like cluster-abcdefghijk'],
    ['invalid-top-level.yml', ': (top level): must be a mapping of settings, not a list'],
    ['invalid-imds-disabled.yml', ': imds.disabled: must be true or false, not the string "yes"'],
    ['invalid-concurrency.yml', ': concurrency: must be at least 1, not the number 0'],
  ])('%s', (file, message) => {
    expect(errorOf(() => loadConfigFile(fixture(file)))).toBe(`${fixture(file)}${message}`);
  });

  it('reports YAML syntax errors with the file name', () => {
    expect(errorOf(() => loadConfigFile(fixture('invalid-yaml.yml')))).toMatch(
      /invalid-yaml\.yml: not valid YAML: /,
    );
  });

  it('reports a missing file', () => {
    expect(errorOf(() => loadConfigFile('/nonexistent/hsmwatch.yml'))).toBe(
      '/nonexistent/hsmwatch.yml: cannot read config file (ENOENT: no such file or directory)',
    );
  });

  it('names the flag, not the config key, for command-line values', () => {
    expect(errorOf(() => validateConfig({ hsmIps: ['nope'] }, 'command line', true))).toBe(
      'command line: --hsm-ip: must be an IPv4 or IPv6 address',
    );
    expect(errorOf(() => validateConfig({ ports: '99999' }, 'command line', true))).toBe(
      'command line: --ports: port 99999 is outside 1-65535',
    );
  });

  it('lets later layers win', () => {
    const s = resolveSettings(
      validateConfig({ ports: '2223', region: 'us-east-1' }, 'a'),
      validateConfig({ ports: '2224' }, 'b'),
    );
    expect(s.ports).toEqual([2224]);
    expect(s.region).toBe('us-east-1');
  });
});

it('rejects a proxy it cannot use instead of silently going direct', () => {
  expect(errorOf(() => validateConfig({ proxy: 'https://proxy.corp:3128' }, 'f.yml'))).toBe(
    'f.yml: proxy: must be an http:// proxy URL (HTTPS is tunnelled through it with CONNECT; https:// proxies are not supported)',
  );
});

// Every type error says what was expected and what was found, also inside unions ("a port, a list
// of ports or a string"), where zod alone says only "Invalid input".
describe('config errors name the key path and the reason', () => {
  it.each<[string, string]>([
    [
      'ports: {a: 1}',
      'c.yml: ports: must be a port, a list of ports or a string such as 2223-2225,8443, not an object',
    ],
    ['ports: [true]', 'c.yml: ports[0]: must be a number, not true'],
    ['ports: [2223, 1.5]', 'c.yml: ports[1]: must be an integer, not the number 1.5'],
    ['timeout: [1]', 'c.yml: timeout: must be a duration such as 500ms, 3s or 5m, not a list'],
    ['concurrency: "x"', 'c.yml: concurrency: must be a number, not the string "x"'],
    ['hsmIps: 5', 'c.yml: hsmIps: must be a string or a list, not the number 5'],
    ['hsmIps: nope', 'c.yml: hsmIps: must be an IPv4 or IPv6 address'],
    ['output: xml', 'c.yml: output: must be one of "text", "json", not the string "xml"'],
    [
      'agent: {intervals: {Bad_Id: 3s}}',
      'c.yml: agent.intervals: key "Bad_Id": must be a probe id or "discovery"',
    ],
    ['profile: ""', 'c.yml: profile: must not be empty'],
    ['imds: 5', 'c.yml: imds: must be an object, not the number 5'],
    ['"just a string"', 'c.yml: (top level): must be a mapping of settings, not the string "just a string"'],
    ['a: 1\na: 2', 'c.yml: not valid YAML: Map keys must be unique at line 2, column 1'],
    ['[[[[[[[[[[[[[[[['.repeat(20_000), 'c.yml: not valid YAML: nested too deeply'],
  ])('%j', (text, message) => {
    expect(errorOf(() => validateConfig(parseYamlSettings(text, 'c.yml'), 'c.yml'))).toBe(message);
  });

  it('says every problem, one line each', () => {
    expect(errorOf(() => validateConfig({ ports: [true], timeout: [1] }, 'c.yml')).split('\n')).toEqual([
      'c.yml: ports[0]: must be a number, not true',
      'c.yml: timeout: must be a duration such as 500ms, 3s or 5m, not a list',
    ]);
  });

  it('names the flag for a value that is not a number', () => {
    expect(errorOf(() => validateConfig({ concurrency: Number.NaN }, 'command line', true))).toBe(
      'command line: --concurrency: must be a number, not NaN',
    );
  });

  it('refuses a YAML alias bomb instead of expanding it', () => {
    const lines = ['a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]'];
    for (let i = 1; i < 10; i++)
      lines.push(
        `a${i}: &a${i} [${Array(9)
          .fill(`*a${i - 1}`)
          .join(', ')}]`,
      );
    expect(errorOf(() => parseYamlSettings(lines.join('\n'), 'c.yml'))).toMatch(
      /c\.yml: not valid YAML: Excessive alias count/,
    );
  });
});

describe('config files are read within a bound', () => {
  const dir = mkdtempSync(join(tmpdir(), 'hsmwatch-cfg-'));
  it.each<[string, () => string, RegExp]>([
    [
      '/dev/zero',
      () => '/dev/zero',
      /\/dev\/zero: cannot read config file \(too large: more than the 1 MB limit\)/,
    ],
    [
      'a file over 1 MB',
      () => {
        const f = join(dir, 'big.yml');
        writeFileSync(f, `# ${'x'.repeat(2 * 1024 * 1024)}\n`);
        return f;
      },
      /big\.yml: cannot read config file \(too large: \d+ bytes, more than the 1 MB limit\)/,
    ],
    ['a directory', () => dir, /cannot read config file \(EISDIR: is a directory, not a file\)/],
  ])('%s', (_name, path, message) => {
    const t0 = performance.now();
    expect(errorOf(() => loadConfigFile(path()))).toMatch(message);
    expect(performance.now() - t0).toBeLessThan(2000);
  });
});
