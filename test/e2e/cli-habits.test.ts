// What an operator of an AWS tool reaches for, on the built CLI: help that fits the terminal and lists
// the probes, shell completion, --version with the build, --ca-bundle/--proxy/--noproxy/--debug on
// every command that calls AWS, and an unusable CA bundle said once (exit 2).
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify as stringifyYaml } from 'yaml';
import { PROBES } from '../../probes/index.js';
import { resolveSettings, type Settings } from '../../src/config/settings.js';
import { type RunningProxy, startConnectProxy } from '../../src/sim/connect-proxy.js';
import { loadScenario } from '../../src/sim/scenario.js';
import { startWorld, type World } from '../../src/sim/world.js';
import { BIN, runCli } from '../support/cli.js';
import { parseReport } from '../support/report-contract.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const noStack = (s: string) => expect(s).not.toMatch(/\n\s+at .+\(.+:\d+:\d+\)/);
const tmp = (prefix: string) => mkdtempSync(join(tmpdir(), `hsmwatch-${prefix}-`));
const COMMANDS = ['', 'diagnose', 'demo', 'snapshot', 'analyze', 'tls', 'iam-policy', 'agent'];

/**
 * The words of a text, sorted: what wrapping may not change (it moves whitespace only; the order of
 * words changes where columns wrap side by side). A word cut in two shows as two other words.
 */
const words = (s: string) => s.split(/\s+/).filter(Boolean).sort();

describe('help', () => {
  it.each(COMMANDS)('"%s --help" fits 80 columns and wraps between words only', async (cmd) => {
    const args = cmd ? [cmd, '--help'] : ['--help'];
    const narrow = await runCli(args, { env: { COLUMNS: '80' } });
    const wide = await runCli(args, { env: { COLUMNS: '110' } });
    expect(narrow.code).toBe(0);
    for (const line of narrow.stdout.split('\n')) expect(line.length, line).toBeLessThanOrEqual(80);
    expect(words(narrow.stdout)).toEqual(words(wide.stdout));
    expect(narrow.stdout).not.toEqual(wide.stdout); // it did wrap
  });

  it('takes the width of a terminal (a pseudo-terminal of 80 columns)', () => {
    const r = spawnSync(
      'script',
      ['-qc', `stty cols 80 rows 24; ${process.execPath} ${BIN} agent --help`, '/dev/null'],
      { encoding: 'utf8', timeout: 20_000, env: { ...process.env, COLUMNS: '200', NO_COLOR: '1' } },
    );
    expect(r.status).toBe(0);
    const lines = r.stdout.replace(/\r/g, '').split('\n');
    for (const line of lines) expect(line.length, line).toBeLessThanOrEqual(80);
    expect(lines.some((l) => l.length > 70)).toBe(true);
  });

  it('diagnose and agent --help list every probe id of the catalogue; agent with its interval', async () => {
    const diagnose = (await runCli(['diagnose', '--help'])).stdout;
    const agent = (await runCli(['agent', '--help'])).stdout;
    expect(diagnose).toContain('Probes (--probe, --skip-probe):');
    const re = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    for (const p of PROBES) {
      expect(diagnose).toMatch(new RegExp(`^ {2}${re(p.id)} +${re(p.title)}$`, 'm'));
      const ms = p.defaultIntervalMs;
      const every = !ms ? '5m' : ms % 3_600_000 === 0 ? `${ms / 3_600_000}h` : `${ms / 1000}s`;
      expect(agent).toMatch(new RegExp(`^ {2}${re(p.id)} +${re(p.title)}, every ${every}$`, 'm'));
    }
    expect(agent).toMatch(/^ {2}discovery +re-discovery .*, every 5m$/m);
    // Top-level help does not load the probes (test/e2e/lazy-loading.test.ts) and does not list them.
    expect((await runCli(['--help'])).stdout).not.toContain('Probes');
  });

  it('offers --ca-bundle, --proxy, --noproxy and --debug where AWS is called; demo has no --ca-bundle', async () => {
    for (const cmd of ['diagnose', 'snapshot', 'agent', 'tls']) {
      const help = (await runCli([cmd, '--help'])).stdout;
      for (const flag of ['--ca-bundle', '--proxy', '--noproxy', '--debug'])
        expect(help, cmd).toContain(flag);
    }
    const demo = (await runCli(['demo', '--help'])).stdout;
    for (const flag of ['--proxy', '--noproxy', '--debug', '--agent']) expect(demo).toContain(flag);
    expect(demo).not.toContain('--ca-bundle');
  });
});

describe('usage errors from the parser itself', () => {
  it.each([
    ['diagnose', '--region'],
    ['agent', '--web.listen-address'],
    ['demo', '--web.listen-address', '127.0.0.1:0'],
  ])('%s %s: exit 2 with the reason, no stack trace', async (...args) => {
    const r = await runCli(args);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^hsmwatch: (Not enough arguments following|Implications failed)/);
    noStack(r.stderr);
  });
});

describe('shell completion', () => {
  let bin: string;
  let script: string;
  beforeAll(async () => {
    // `completion` prints a script that calls `hsmwatch` from the PATH, as an installed one is.
    bin = tmp('bin');
    writeFileSync(
      join(bin, 'hsmwatch'),
      `#!/bin/sh\nAWS_EC2_METADATA_DISABLED=true exec ${process.execPath} ${BIN} "$@"\n`,
    );
    chmodSync(join(bin, 'hsmwatch'), 0o755);
    const r = await runCli(['completion'], { env: { SHELL: '/bin/bash' } });
    expect(r.code).toBe(0);
    script = join(bin, 'completion.bash');
    writeFileSync(script, r.stdout);
  });

  /** COMPREPLY after completing the last of `words` in a real bash. */
  const complete = (...w: string[]): string[] => {
    const r = spawnSync(
      'bash',
      [
        '-c',
        // biome-ignore lint/suspicious/noTemplateCurlyInString: bash's ${...}, not a template
        'source "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); _hsmwatch_yargs_completions; printf "%s\\n" "${COMPREPLY[@]}"',
        'complete',
        script,
        'hsmwatch',
        ...w,
      ],
      { encoding: 'utf8', timeout: 20_000, env: { ...process.env, PATH: `${bin}:${process.env.PATH}` } },
    );
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toBe(''); // nothing on the terminal while the user presses TAB
    return r.stdout.split('\n').filter(Boolean);
  };

  it('completes subcommands', () => {
    expect(complete('di')).toEqual(['diagnose']);
    expect(complete('')).toEqual(expect.arrayContaining(['diagnose', 'agent', 'demo', 'tls', 'completion']));
  });

  it('completes flags, and the values of a flag with choices', () => {
    expect(complete('diagnose', '--ca')).toEqual(['--ca-bundle']);
    expect(complete('agent', '--web.')).toEqual(
      expect.arrayContaining(['--web.listen-address', '--web.telemetry-path', '--web.config.file']),
    );
    expect(complete('agent', '--log.format', '')).toEqual(['logfmt', 'json', 'text']);
  });

  it('completes probe ids after --probe and --skip-probe, from the catalogue', () => {
    expect(complete('diagnose', '--probe', '')).toEqual(PROBES.map((p) => p.id));
    const [first] = PROBES;
    expect(complete('agent', '--skip-probe', first!.id.slice(0, -1))).toContain(first!.id);
  });
});

describe('--version', () => {
  it('says the version, the commit the build was made from, Node.js and the platform', async () => {
    const r = await runCli(['--version']);
    expect(r.code).toBe(0);
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };
    const info = JSON.parse(readFileSync(join(ROOT, 'dist', 'build-info.json'), 'utf8')) as {
      commit: string;
    };
    expect(info.commit).toMatch(/^([0-9a-f]{40}|unknown)$/);
    expect(r.stdout).toBe(
      `hsmwatch ${pkg.version} (commit ${info.commit}, Node.js ${process.version}, ${process.platform}/${process.arch})\n`,
    );
  });

  it('reads the commit from the repository files at build time, and knows none without .git', async () => {
    const { gitCommit } = (await import(pathToFileURL(join(ROOT, 'tools', 'bundle.mjs')).href)) as {
      gitCommit(root: string): string | null;
    };
    const sha = 'a'.repeat(40);
    const repo = tmp('repo');
    expect(gitCommit(repo)).toBeNull();
    mkdirSync(join(repo, '.git', 'refs', 'heads'), { recursive: true });
    writeFileSync(join(repo, '.git', 'HEAD'), 'ref: refs/heads/main\n');
    writeFileSync(join(repo, '.git', 'packed-refs'), `# pack-refs\n${sha} refs/heads/main\n`);
    expect(gitCommit(repo)).toBe(sha);
    writeFileSync(join(repo, '.git', 'refs', 'heads', 'main'), `${'b'.repeat(40)}\n`);
    expect(gitCommit(repo)).toBe('b'.repeat(40));
    writeFileSync(join(repo, '.git', 'HEAD'), `${'c'.repeat(40)}\n`); // detached
    expect(gitCommit(repo)).toBe('c'.repeat(40));
  });

  it('says "unknown" when the build recorded no commit', () => {
    // The fast path's two modules in a package of their own, built without a repository.
    const copy = tmp('nogit');
    writeFileSync(join(copy, 'package.json'), '{"version":"9.8.7"}');
    for (const f of ['cli/shared.js', 'util/paths.js']) {
      mkdirSync(join(copy, 'dist/src', f, '..'), { recursive: true });
      writeFileSync(join(copy, 'dist/src', f), readFileSync(join(ROOT, 'dist/src', f)));
    }
    const shared = pathToFileURL(join(copy, 'dist/src/cli/shared.js')).href;
    const r = spawnSync(
      process.execPath,
      ['--input-type=module', '-e', `process.stdout.write((await import('${shared}')).versionLine())`],
      { encoding: 'utf8', timeout: 10_000 },
    );
    expect(r.stdout).toMatch(/^hsmwatch 9\.8\.7 \(commit unknown, Node\.js v/);
  });
});

describe('an unusable CA bundle is one configuration error (exit 2)', () => {
  const dir = tmp('ca');
  const garbage = join(dir, 'garbage.pem');
  writeFileSync(garbage, 'not a certificate\n');
  const base = ['--region', 'us-east-1', '--hsm-ip', '127.0.0.1', '--ports', '9', '--timeout', '300ms'];

  it.each([
    [
      ['diagnose', ...base],
      { AWS_CA_BUNDLE: join(dir, 'missing.pem') },
      'AWS_CA_BUNDLE: cannot use the CA bundle',
    ],
    [
      ['snapshot', '--region', 'us-east-1'],
      { AWS_CA_BUNDLE: dir },
      'AWS_CA_BUNDLE: cannot use the CA bundle',
    ],
    [['diagnose', ...base, '--ca-bundle', garbage], {}, 'caBundle (--ca-bundle): cannot use the CA bundle'],
    [
      ['tls', '127.0.0.1:9', '--ca-bundle', join(dir, 'missing.pem')],
      {},
      'caBundle (--ca-bundle): cannot use',
    ],
  ])('%j', async (args, env, says) => {
    const r = await runCli(args, { env });
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    const line = r.stderr.trim();
    expect(line.split('\n')).toHaveLength(1);
    expect(line).toContain(says);
    noStack(r.stderr);
    if (line.includes('missing.pem'))
      expect(line).toContain('missing.pem: ENOENT: no such file or directory');
    else if (line.includes('garbage.pem')) expect(line).toContain('garbage.pem: no PEM certificate in it');
    else expect(line).toContain(`${dir}: EISDIR`);
  });
});

describe('HTTPS to AWS: --ca-bundle, --proxy, --noproxy, --debug on diagnose and snapshot', () => {
  let world: World;
  let s: Settings;
  let config: string;
  let proxy: RunningProxy;
  const tunnels: string[] = [];
  // Planted in the environment: a --debug line must never carry any of them.
  const planted = {
    AWS_ACCESS_KEY_ID: 'AKIDPLANTED7Q3ZX9WLMN',
    AWS_SECRET_ACCESS_KEY: 'planted-secret-9f8e7d6c5b4a3210fedcba98',
    AWS_SESSION_TOKEN: 'planted-session-token-0123456789abcdef',
  };
  let env: NodeJS.ProcessEnv;

  beforeAll(async () => {
    world = await startWorld(loadScenario('healthy'), { inPrivateNetns: false });
    s = world.apply(resolveSettings());
    config = join(tmp('https'), 'hsmwatch.yml');
    writeFileSync(
      config,
      stringifyYaml({
        tls: { awsRoots: s.tls.awsRoots },
        hsm: { trustAnchor: s.hsm.trustAnchor },
        clientSdk: { configDir: s.clientSdk.configDir },
        imds: { endpoint: world.imds!.url },
      }),
    );
    proxy = await startConnectProxy({ onConnect: (t) => tunnels.push(t) });
    env = { ...planted, AWS_REGION: 'us-east-1', AWS_EC2_METADATA_DISABLED: 'true' };
  });
  afterAll(async () => {
    await proxy?.close();
    await world?.stop();
  });

  const awsHost = () => new URL(s.endpointUrl!).host;
  const common = () => ['--config', config, '--endpoint-url', s.endpointUrl!, '--ca-bundle', s.caBundle!];

  it('diagnose --debug: one stderr line per AWS request, no secret, and the report is unchanged', async () => {
    const served = world.aws.calls.length;
    const r = await runCli(['diagnose', ...common(), '--output', 'json', '--debug'], { env });
    noStack(r.stderr);
    const report = parseReport(r.stdout);
    expect(report.findings.filter((f) => f.status !== 'pass')).toEqual([]);
    const lines = r.stderr.split('\n').filter((l) => l.startsWith('hsmwatch debug: aws '));
    const host = awsHost();
    expect(lines).toEqual(
      expect.arrayContaining([
        expect.stringMatching(
          new RegExp(
            `^hsmwatch debug: aws cloudhsmv2\\.DescribeClusters endpoint=https://${host} status=200 request-id=[0-9a-f-]{36} attempt=1 time=\\d+\\.\\dms$`,
          ),
        ),
        expect.stringMatching(/^hsmwatch debug: aws sts\.GetCallerIdentity .* status=200 request-id=\S+ /),
        expect.stringMatching(/^hsmwatch debug: aws ec2\.DescribeSecurityGroups .* status=200 /),
        // The permission checks: EC2 answers DryRun with 412 DryRunOperation.
        expect.stringMatching(
          /^hsmwatch debug: aws ec2\.DescribeSubnets .* status=412 .* error=DryRunOperation$/,
        ),
      ]),
    );
    // One line per request the simulation served, no more.
    expect(lines).toHaveLength(world.aws.calls.length - served);
    const out = r.stdout + r.stderr;
    for (const secret of Object.values(planted)) expect(out).not.toContain(secret);
    expect(r.stderr).not.toMatch(/Signature=|Credential=|Authorization|X-Amz-Security-Token/i);
  });

  it('diagnose --proxy: the SDK calls and the TLS checks tunnel through it; --noproxy exempts', async () => {
    tunnels.length = 0;
    const r = await runCli(['diagnose', ...common(), '--output', 'json', '--proxy', proxy.url], { env });
    const report = parseReport(r.stdout);
    expect(report.findings.find((f) => f.id === 'credentials.identity')?.status).toBe('pass');
    expect(report.findings.find((f) => f.id === 'discovery.cloudhsm')?.status).toBe('pass');
    expect(report.findings.some((f) => f.id === 'proxy.in-use' && f.status === 'pass')).toBe(true);
    expect(report.endpoints.every((e) => e.proxy === proxy.url)).toBe(true);
    // Many tunnels: the SDK's connection(s) and every TLS handshake.
    expect(tunnels.filter((t) => t === awsHost()).length).toBeGreaterThan(3);

    tunnels.length = 0;
    const bypass = await runCli(
      ['diagnose', ...common(), '--output', 'json', '--proxy', proxy.url, '--noproxy', '127.0.0.1'],
      { env },
    );
    expect(parseReport(bypass.stdout).findings.filter((f) => f.status !== 'pass')).toEqual([]);
    expect(tunnels).toEqual([]);
  });

  it('snapshot --proxy --debug: discovery goes through the proxy and says each request', async () => {
    tunnels.length = 0;
    const r = await runCli(
      [
        'snapshot',
        '--config',
        config,
        '--endpoint-url',
        s.endpointUrl!,
        '--ca-bundle',
        s.caBundle!,
        '--proxy',
        proxy.url,
        '--debug',
      ],
      { env },
    );
    expect(r.code).toBe(0);
    expect(Object.keys(JSON.parse(r.stdout).aws)).toContain('cloudhsmv2:DescribeClusters');
    expect(tunnels).toContain(awsHost());
    expect(r.stderr).toMatch(/^hsmwatch debug: aws ec2\.DescribeRouteTables .* status=200 /m);
    for (const secret of Object.values(planted)) expect(r.stderr + r.stdout).not.toContain(secret);
  });

  it('tls --debug: a line per endpoint checked', async () => {
    const r = await runCli(['tls', awsHost(), '--ca-bundle', s.caBundle!, '--debug', '--timeout', '2s'], {
      env,
    });
    expect(r.stderr).toMatch(
      new RegExp(
        `^hsmwatch debug: tls ${awsHost()} addresses=127\\.0\\.0\\.1 proxy=none protocol=TLSv1\\.3 `,
        'm',
      ),
    );
  });
});
