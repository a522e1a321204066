import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  ConfigError,
  DEFAULTS,
  loadConfigFile,
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
    ['invalid-top-level.yml', ': (top level): must be a mapping of settings'],
    ['invalid-imds-disabled.yml', ': imds.disabled: Invalid input: expected boolean, received string'],
    ['invalid-concurrency.yml', ': concurrency: Too small: expected number to be >=1'],
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
      '/nonexistent/hsmwatch.yml: cannot read config file (ENOENT)',
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
