// The built CLI as a child process: exit codes, the JSON contract, errors without stack traces.
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { stringify as stringifyYaml } from 'yaml';
import { FINDING_CATALOGUE } from '../../probes/index.js';
import { resolveSettings } from '../../src/config/settings.js';
import { loadScenario } from '../../src/sim/scenario.js';
import { startWorld } from '../../src/sim/world.js';
import { runCli } from '../support/cli.js';
import { skipNetns } from '../support/netns.js';
import { parseReport } from '../support/report-contract.js';
import { READ_ONLY } from '../support/world.js';

const noStack = (s: string) => expect(s).not.toMatch(/\n\s+at .+\(.+:\d+:\d+\)/);

describe('hsmwatch demo', () => {
  it.each(['healthy', 'hsm-down', 'port-blocked'])(
    '%s prints a report matching its expectations',
    async (name) => {
      if (name === 'port-blocked' && skipNetns) return;
      const scenario = loadScenario(name);
      const r = await runCli(['demo', '--scenario', name, '--output', 'json', '--timeout', '1s']);
      noStack(r.stderr);
      expect(r.code).toBe(scenario.expect?.exitCode);
      const report = parseReport(r.stdout);
      expect(report.paths).toHaveLength(9);
      for (const [where, state] of Object.entries(scenario.expect?.live ?? {})) {
        const [ip, port] = where.split(':');
        expect(report.paths.find((p) => p.eniIp === ip && p.port === Number(port))?.live?.state, where).toBe(
          state,
        );
      }
      for (const f of report.findings) expect(FINDING_CATALOGUE[f.id], f.id).toBeDefined();
      expect(report.summary.fail > 0).toBe(scenario.expect?.exitCode === 1);
    },
  );

  it('prints the verdict first, the failure with its fix, then the HSM × port matrix, in 80 columns', async () => {
    const r = await runCli(['demo', '--scenario', 'hsm-down']);
    expect(r.code).toBe(1);
    const report = r.stdout.slice(r.stdout.indexOf('\n\n') + 2); // after the demo's banner
    expect(report).toMatch(/^✗ 1 of 3 HSMs unreachable from eni-0c11e470000000001: connections refused/);
    expect(report).toMatch(
      /FAIL \(1\)\n✗ hsm\.reachable cluster-hsmwatchdemo\/hsm-f3kzyjwvnde 127\.0\.2\.11\n/,
    );
    // The live state per port and the static path verdict as words of their own.
    expect(report).toMatch(/HSM\s+(AZ\s+)?ADDRESS\s+2223\s+2224\s+2225\s+PATH/);
    expect(report).toMatch(
      /hsm-f3kzyjwvnde\s+(us-east-1b\s+)?127\.0\.2\.11\s+refused\s+refused\s+refused\s+allowed/,
    );
    expect(report).toMatch(/\nSummary: 1 fail, 1 warn, 1 skip, \d+ pass \(--verbose lists the passes\)\n$/);
    expect(report).not.toMatch(/^✓ (discovery|tls)\./m); // passes are counted, not listed
    for (const line of report.split('\n')) expect([...line].length, line).toBeLessThanOrEqual(80);
    expect(r.stdout).not.toContain('\x1b['); // not a terminal: no colour
  });

  it('lists the passing checks with --verbose', async () => {
    const r = await runCli(['demo', '--verbose']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/\nPASS \(\d+\)\n✓ discovery\.imds /);
    expect(r.stdout).not.toContain('(--verbose lists the passes)');
  });

  it('lists its scenarios and rejects an unknown one', async () => {
    const list = await runCli(['demo', '--list']);
    expect(list.stdout).toMatch(/^healthy\s+three HSMs/m);
    const bad = await runCli(['demo', '--scenario', 'nope']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/unknown scenario "nope"; scenarios: .*healthy/);
  });
});

describe('hsmwatch diagnose', () => {
  it('diagnoses a simulated environment over the wire and prints the JSON contract', async () => {
    const world = await startWorld(loadScenario('healthy'), { inPrivateNetns: false });
    try {
      // Configured as an operator would: a config file for what has no AWS variable, the AWS_*
      // variables for the rest.
      const s = world.apply(resolveSettings());
      const file = join(mkdtempSync(join(tmpdir(), 'hsmwatch-')), 'hsmwatch.yml');
      writeFileSync(
        file,
        stringifyYaml({
          tls: { awsRoots: s.tls.awsRoots },
          hsm: { trustAnchor: s.hsm.trustAnchor },
          clientSdk: { configDir: s.clientSdk.configDir },
        }),
      );
      const r = await runCli(['diagnose', '--output', 'json', '--config', file], {
        env: {
          AWS_REGION: 'us-east-1',
          AWS_ENDPOINT_URL: s.endpointUrl,
          AWS_CA_BUNDLE: s.caBundle,
          AWS_EC2_METADATA_SERVICE_ENDPOINT: world.imds!.url,
          AWS_EC2_METADATA_DISABLED: 'false',
        },
      });
      noStack(r.stderr);
      const report = parseReport(r.stdout);
      expect(report.findings.filter((f) => f.status !== 'pass')).toEqual([]);
      expect(r.code).toBe(0);
      expect(report.paths).toHaveLength(9);
      for (const p of report.paths) {
        expect(p.live?.state).toBe('open');
        expect(p.static?.verdict).toBe('reachable');
        expect(p.clientEni).toBe('eni-0c11e470000000001');
      }
      expect(report.endpoints.map((e) => e.protocol)).toContain('TLSv1.3');
      for (const id of [
        'hsm.reachable',
        'path.static',
        'tls.protocol',
        'clock.skew',
        'credentials.identity',
        'hsm.tls',
      ]) {
        expect(
          report.findings.some((f) => f.id === id),
          id,
        ).toBe(true);
      }
      expect(world.aws.unexpectedCalls).toEqual([]);
      expect(
        world.aws.calls.every((c) => READ_ONLY.test(c.operation) || c.operation === 'GetCallerIdentity'),
      ).toBe(true);
      // Credentials never appear in output.
      expect(r.stdout + r.stderr).not.toContain(process.env.AWS_SECRET_ACCESS_KEY!);
      expect(r.stdout + r.stderr).not.toContain(process.env.AWS_ACCESS_KEY_ID!);
    } finally {
      await world.stop();
    }
  });

  it('reports refused ports and exits 1 with nothing listening', async () => {
    const r = await runCli(['diagnose', '--hsm-ip', '127.0.0.1', '--ports', '1-3', '--output', 'json']);
    expect(r.code).toBe(1);
    const report = parseReport(r.stdout);
    expect(report.paths.map((p) => `${p.port}:${p.live?.state}`)).toEqual([
      '1:refused',
      '2:refused',
      '3:refused',
    ]);
    expect(report.findings.find((f) => f.id === 'discovery.cloudhsm')?.status).toBe('skip');
  });

  it('turns an AWS API that answers 500 into a finding, not a stack trace', async () => {
    const scenario = loadScenario('healthy');
    scenario.sim = {
      faults: { 'cloudhsmv2:DescribeClusters': { code: 'CloudHsmInternalFailureException', status: 500 } },
    };
    const world = await startWorld(scenario, { inPrivateNetns: false });
    try {
      const r = await runCli(['diagnose', '--region', 'us-east-1', '--endpoint-url', world.aws.url]);
      noStack(r.stdout + r.stderr);
      expect(r.code).toBe(1);
      expect(r.stdout.replace(/\s+/g, ' ')).toMatch(
        /✗ discovery\.cloudhsm [\s\S]*cannot list clusters: AWS answered 500 CloudHsmInternalFailureException/,
      );
    } finally {
      await world.stop();
    }
  });

  it.each([
    [
      ['diagnose', '--ports', '2225-2223'],
      'hsmwatch: command line: --ports: range 2225-2223 ends before it starts',
    ],
    [
      ['diagnose', '--hsm-ip', '10.0.0.300'],
      'hsmwatch: command line: --hsm-ip: must be an IPv4 or IPv6 address',
    ],
    [['diagnose', '--timeout', 'soon'], 'hsmwatch: command line: --timeout: "soon" is not a duration'],
    [['diagnose', '--output', 'xml'], 'Invalid values'],
    [['diagnose', '--bogus'], 'Unknown argument: bogus'],
    [['diagnose', '--probe', 'nope', '--hsm-ip', '127.0.0.1'], 'unknown probe "nope"'],
    [['frobnicate'], 'Unknown argument: frobnicate'],
    [[], 'name a command'],
  ])('%j is a usage error (exit 2)', async (args, message) => {
    const r = await runCli(args);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(message);
    noStack(r.stderr);
  });

  it('rejects a malformed config file with the field path (exit 2)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hsmwatch-'));
    const file = join(dir, 'bad.yml');
    writeFileSync(file, 'ports: [2223, 70000]\nhsmIps: 127.0.0.1\nextra: true\n');
    const r = await runCli(['diagnose', '--config', file]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`${file}: ports: port 70000 is outside 1-65535`);
    expect(r.stderr).toContain(`${file}: (top level): unknown key "extra"`);
    noStack(r.stderr);
  });

  it('a missing region is a usage error (exit 2), with the fix, and --hsm-ip needs none', async () => {
    const r = await runCli(['diagnose', '--timeout', '300ms'], {
      env: { AWS_REGION: undefined, AWS_DEFAULT_REGION: undefined },
    });
    expect(r.code).toBe(2);
    expect(r.stdout).toMatch(/✗ discovery\.region/);
    expect(r.stdout.replace(/\s+/g, ' ')).toContain(
      'fix: pass --region us-east-1 (or set AWS_REGION), or list HSM addresses with --hsm-ip',
    );
    const ip = await runCli(['diagnose', '--hsm-ip', '127.0.0.1', '--ports', '9', '--timeout', '300ms'], {
      env: { AWS_REGION: undefined },
    });
    expect(ip.code).toBe(1); // port 9 refuses: a check failed, nothing wrong with the command
    noStack(r.stderr);
  });

  it('a profile that does not exist is named, with the profiles that do', async () => {
    const home = mkdtempSync(join(tmpdir(), 'hsmwatch-home-'));
    mkdirSync(join(home, '.aws'));
    writeFileSync(
      join(home, '.aws', 'config'),
      '[default]\nregion = us-east-1\n[profile ops]\nregion = us-east-1\n',
    );
    // Nothing listens on 127.0.0.1:9: the chain fails before any request anyway.
    const r = await runCli(
      [
        'diagnose',
        '--region',
        'us-east-1',
        '--profile',
        'nosuch',
        '--endpoint-url',
        'http://127.0.0.1:9',
        '--timeout',
        '300ms',
      ],
      {
        env: {
          HOME: home,
          AWS_ACCESS_KEY_ID: undefined,
          AWS_SECRET_ACCESS_KEY: undefined,
          AWS_SESSION_TOKEN: undefined,
          AWS_PROFILE: undefined,
          AWS_CONFIG_FILE: undefined,
          AWS_SHARED_CREDENTIALS_FILE: undefined,
        },
      },
    );
    const says =
      'profile "nosuch" is not in ~/.aws/config or ~/.aws/credentials (profiles there: default, ops)';
    const text = r.stdout.replace(/\s+/g, ' '); // the report wraps at 80 columns
    expect(text).toContain(`cannot list clusters: ${says}`);
    expect(r.stdout).toMatch(/✗ credentials\.identity/);
    expect(text).toContain(says);
    expect(text).toContain('aws configure --profile nosuch');
    expect(r.stdout).not.toContain('no AWS credentials found');
    noStack(r.stderr);
  });

  it('offers --output and --strict only where there is a report', async () => {
    for (const cmd of ['agent', 'snapshot']) {
      const help = await runCli([cmd, '--help']);
      expect(help.code).toBe(0);
      expect(help.stdout).not.toMatch(/--output|--strict/);
      const used = await runCli([cmd, '--output', 'json']);
      expect(used.code, cmd).toBe(2);
      expect(used.stderr).toContain('Unknown argument: output');
    }
    const diagnose = await runCli(['diagnose', '--help']);
    expect(diagnose.stdout).toMatch(/--output/);
    expect(diagnose.stdout).toMatch(/--strict/);
  });

  it('lets flags override the config file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hsmwatch-'));
    const file = join(dir, 'ok.yml');
    writeFileSync(file, 'hsmIps: [127.0.0.1]\nports: 4\noutput: text\n');
    const r = await runCli(['diagnose', '--config', file, '--ports', '5', '--output', 'json']);
    expect(parseReport(r.stdout).paths.map((p) => p.port)).toEqual([5]);
  });

  it('has help with examples, and a version', async () => {
    const help = await runCli(['diagnose', '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('Examples:');
    expect(help.stdout).toContain('--hsm-ip');
    const v = await runCli(['--version']);
    expect(v.stdout.trim()).toMatch(/^hsmwatch \d+\.\d+\.\d+ \(commit ([0-9a-f]{40}|unknown), Node\.js v/);
  });
});
