// The Dockerfile built and run for real: buildah builds it unchanged (`--format docker`, which keeps
// HEALTHCHECK) on a local stand-in for node:22-slim (tools/container/build-base-image.sh: Debian
// bookworm minbase and the official Node 22 binary from the npm registry, since no container
// registry is reachable), and podman runs it. So the shipped code really runs on Node 22 here, while
// the rest of the suite runs it on the machine's Node 20. Every container gets `--network none`: its
// own namespace with loopback alone, so the demo's simulated cluster and the agent reach nothing else
// (no IMDS, no AWS). Needs root, podman, buildah, mmdebstrap (.ci/run installs them): without them
// the file is skipped, unless HSMWATCH_REQUIRE_NETNS=1 (CI), where that is a failure.
import { spawn } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasCommand, ROOT, tempDir, waitFor } from './helpers.js';

const required = process.env.HSMWATCH_REQUIRE_NETNS === '1';
const missing = ['podman', 'buildah', 'mmdebstrap', 'nsenter'].filter((c) => !hasCommand(c));
const unavailable = missing.length
  ? `${missing.join(', ')} not installed (.ci/run installs them with apt-get)`
  : process.getuid?.() !== 0
    ? 'needs root (mmdebstrap, podman system storage)'
    : '';
if (unavailable)
  process.stderr.write(`container image tests ${required ? 'FAIL' : 'skipped'}: ${unavailable}\n`);

const BASE = 'docker.io/library/node:22-slim';
const suffix = `${process.pid}-${Date.now().toString(36)}`;
const IMAGE = `localhost/hsmwatch-test:${suffix}`;
const CONTEXT_IMAGE = `localhost/hsmwatch-test-context:${suffix}`;
const AGENT = `hsmwatch-test-agent-${suffix}`;
const AGENT_BAD_URL = `hsmwatch-test-agent-bad-url-${suffix}`;
const DEMO = `hsmwatch-test-demo-${suffix}`;
/** No IMDS, whatever the code would try; there is no route out of `--network none` anyway. */
const SAFE = ['--network', 'none', '-e', 'AWS_EC2_METADATA_DISABLED=true'];

interface Ran {
  code: number | null;
  stdout: string;
  stderr: string;
  ms: number;
}

/** Runs a command to its end or its deadline (then SIGKILL, code null). */
function run(cmd: string, args: string[], timeoutMs: number): Promise<Ran> {
  const t0 = performance.now();
  return new Promise((resolve) => {
    const p = spawn(cmd, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    p.stdout.setEncoding('utf8').on('data', (d: string) => {
      stdout += d;
    });
    p.stderr.setEncoding('utf8').on('data', (d: string) => {
      stderr += d;
    });
    const timer = setTimeout(() => {
      stderr += `\n[${cmd} ${args.join(' ')}: killed after ${timeoutMs} ms]`;
      p.kill('SIGKILL');
    }, timeoutMs);
    p.once('error', (e) => {
      stderr += String(e);
    });
    p.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, ms: performance.now() - t0 });
    });
  });
}

const tail = (r: Ran) => `exit ${r.code}\n${r.stdout.slice(-3000)}\n${r.stderr.slice(-3000)}`;

/** podman with the runtime and rlimits this machine needs (tools/container/engine.sh). */
const engine: { global: string[]; run: string[] } = { global: [], run: [] };
const podman = (args: string[], timeoutMs = 30_000) => run('podman', [...engine.global, ...args], timeoutMs);
const podmanRun = (args: string[], timeoutMs = 30_000) => podman(['run', ...engine.run, ...args], timeoutMs);

async function inspect<T>(what: string, format: string): Promise<T> {
  const r = await podman(['inspect', '--format', `{{json ${format}}}`, what]);
  expect(r.code, tail(r)).toBe(0);
  return JSON.parse(r.stdout) as T;
}

/** The Dockerfile's instructions, continuation lines joined. */
const dockerfile = readFileSync(join(ROOT, 'Dockerfile'), 'utf8')
  .replace(/\\\r?\n/g, ' ')
  .split('\n')
  .map((l) => l.trim())
  .filter((l) => l && !l.startsWith('#'));

/** Node running in the container's network namespace (loopback only), from the host. */
async function fetchInside(pid: number, url: string): Promise<{ status: number; body: string }> {
  const code = `fetch(${JSON.stringify(url)},{signal:AbortSignal.timeout(4000)}).then(async r=>console.log(JSON.stringify({status:r.status,body:await r.text()})),e=>{console.error(e);process.exit(1)})`;
  const r = await run('nsenter', [`--net=/proc/${pid}/ns/net`, '--', process.execPath, '-e', code], 10_000);
  expect(r.code, tail(r)).toBe(0);
  return JSON.parse(r.stdout) as { status: number; body: string };
}

let imagesBefore = new Set<string>();
let buildersBefore = new Set<string>();
const lines = (r: Ran) => r.stdout.split('\n').filter(Boolean);
const timings: Record<string, number> = {};

describe.skipIf(unavailable !== '' && !required)('container image (buildah + podman)', () => {
  beforeAll(async () => {
    if (unavailable) throw new Error(`container image tests cannot run: ${unavailable}`);
    const e = await run('bash', [join(ROOT, 'tools/container/engine.sh')], 10_000);
    expect(e.code, tail(e)).toBe(0);
    for (const line of e.stdout.trim().split('\n').filter(Boolean)) {
      const [kind, value] = line.split(' ') as [string, string];
      if (kind === 'runtime') engine.global.push('--runtime', value);
      if (kind === 'ulimit') engine.run.push('--ulimit', value);
    }

    const base = await run('bash', [join(ROOT, 'tools/container/build-base-image.sh')], 200_000);
    expect(base.code, tail(base)).toBe(0);
    timings.baseImageSeconds = base.ms / 1000;
    imagesBefore = new Set(lines(await podman(['images', '--all', '--quiet', '--no-trunc'])));
    buildersBefore = new Set(lines(await run('buildah', ['containers', '--quiet', '--notruncate'], 30_000)));

    const build = await run('bash', [join(ROOT, 'tools/container/build-image.sh'), IMAGE], 200_000);
    expect(build.code, tail(build)).toBe(0);
    timings.dockerfileBuildSeconds = build.ms / 1000;
    process.stdout.write(
      `image.test: base image ${timings.baseImageSeconds.toFixed(1)} s (${/up to date|as it is/.test(base.stderr) ? 'already there' : 'built'}), Dockerfile build ${timings.dockerfileBuildSeconds.toFixed(1)} s\n`,
    );
  }, 420_000);

  afterAll(async () => {
    if (unavailable) return;
    await podman(['rm', '--force', '--time', '0', AGENT, AGENT_BAD_URL, DEMO], 60_000);
    await podman(['rmi', '--force', IMAGE, CONTEXT_IMAGE], 60_000);
    // Whatever else the builds left (a build stopped on its deadline leaves its working container,
    // untagged stages), but not the cached base image.
    const builders = lines(await run('buildah', ['containers', '--quiet', '--notruncate'], 30_000));
    const leftBuilders = builders.filter((id) => !buildersBefore.has(id));
    if (leftBuilders.length) await run('buildah', ['rm', ...leftBuilders], 60_000);
    const images = lines(await podman(['images', '--all', '--quiet', '--no-trunc']));
    const leftImages = images.filter((id) => !imagesBefore.has(id));
    if (leftImages.length) await podman(['rmi', '--force', ...leftImages], 60_000);
  }, 120_000);

  it('keeps HEALTHCHECK (docker format), runs as node, ships production dependencies and no build CA', async () => {
    // The image's configuration as podman reads it; Healthcheck is kept only in the docker format.
    const r0 = await podman(['image', 'inspect', IMAGE]);
    expect(r0.code, tail(r0)).toBe(0);
    const [image] = JSON.parse(r0.stdout) as Array<{
      ManifestType: string;
      Healthcheck?: {
        Test: string[];
        Interval: number;
        Timeout: number;
        StartPeriod: number;
        Retries: number;
      };
      Config: {
        User: string;
        Entrypoint: string[];
        Cmd: string[];
        ExposedPorts: Record<string, unknown>;
        Env: string[];
      };
    }>;
    const config = image!.Config;
    expect(image!.ManifestType).toBe('application/vnd.docker.distribution.manifest.v2+json');
    const hc = dockerfile.find((l) => /^HEALTHCHECK\s/i.test(l))!;
    const argv = JSON.parse(/CMD (\[.*\])$/.exec(hc)![1]!) as string[];
    expect(image!.Healthcheck?.Test).toEqual(['CMD', ...argv]);
    expect(image!.Healthcheck).toMatchObject({ Interval: 30e9, Timeout: 5e9, StartPeriod: 30e9, Retries: 3 });
    expect(config.User).toBe('node');
    expect(config.Entrypoint).toEqual(['node', 'bin/hsmwatch.js']);
    expect(config.Cmd).toEqual(['agent']);
    expect(Object.keys(config.ExposedPorts)).toEqual(['10223/tcp']);
    expect(config.Env).toContain('NODE_ENV=production');

    // Inside, as the image's own user: who it is, which Node, what it can write, what it ships.
    const probe = `const fs=require('node:fs');const w=(p)=>{try{fs.accessSync(p,fs.constants.W_OK);return true}catch{return false}};console.log(JSON.stringify({uid:process.getuid(),gid:process.getgid(),user:require('node:os').userInfo().username,node:process.versions.node,cwd:process.cwd(),writable:['/app','/app/dist','/app/node_modules','/usr/local'].filter(w),typescript:fs.existsSync('node_modules/typescript'),promClient:fs.existsSync('node_modules/prom-client'),bundle:fs.existsSync('dist/bundle/main.js'),usrLocalEtc:fs.readdirSync('/usr/local/etc'),npmrc:['/app/.npmrc','/home/node/.npmrc'].filter((f)=>fs.existsSync(f))}))`;
    const r = await podmanRun([
      '--rm',
      ...SAFE,
      '--no-healthcheck',
      '--entrypoint',
      'node',
      IMAGE,
      '-e',
      probe,
    ]);
    expect(r.code, tail(r)).toBe(0);
    const inside = JSON.parse(r.stdout) as Record<string, unknown>;
    expect(inside).toMatchObject({ uid: 1000, gid: 1000, user: 'node', cwd: '/app' });
    expect(inside.node).toMatch(/^22\./);
    expect(inside.writable).toEqual([]);
    expect(inside).toMatchObject({ typescript: false, promClient: true, bundle: true });
    // The build's CA and npmrc went in as a bind mount over /usr/local/etc for the RUN steps only.
    expect(inside).toMatchObject({ usrLocalEtc: [], npmrc: [] });
  }, 60_000);

  it('builds from a context that .dockerignore keeps small, holding all the Dockerfile copies', async () => {
    const dir = tempDir('image-context');
    try {
      writeFileSync(join(dir, 'Containerfile'), `FROM ${BASE}\nCOPY . /context/\n`);
      const b = await run(
        'buildah',
        [
          'build',
          ...engine.global,
          '--pull=never',
          '--layers=false',
          '--quiet',
          '-f',
          join(dir, 'Containerfile'),
          '-t',
          CONTEXT_IMAGE,
          ROOT,
        ],
        120_000,
      );
      expect(b.code, tail(b)).toBe(0);
      const r = await podmanRun([
        '--rm',
        ...SAFE,
        '--no-healthcheck',
        '--entrypoint',
        'node',
        CONTEXT_IMAGE,
        '-e',
        "const fs=require('node:fs');console.log(JSON.stringify({top:fs.readdirSync('/context'),tools:fs.readdirSync('/context/tools')}))",
      ]);
      expect(r.code, tail(r)).toBe(0);
      const ctx = JSON.parse(r.stdout) as { top: string[]; tools: string[] };
      for (const gone of ['node_modules', 'dist', '.git', 'test-artifacts', 'test', '.ci'])
        expect(ctx.top, gone).not.toContain(gone);
      const copied = dockerfile
        .filter((l) => /^COPY\s/i.test(l) && !/--from/.test(l))
        .flatMap((l) => l.split(/\s+/).slice(1, -1));
      expect(copied.length).toBeGreaterThan(5);
      for (const src of copied) {
        const [top, rest] = src.split('/', 2) as [string, string | undefined];
        expect(ctx.top, src).toContain(top);
        if (top === 'tools' && rest) expect(ctx.tools, src).toContain(rest);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 150_000);

  it('runs `hsmwatch demo` as uid 1000 on Node 22, diagnosing its simulated cluster as healthy', async () => {
    const r = await podmanRun(
      ['--name', DEMO, ...SAFE, '--no-healthcheck', IMAGE, 'demo', '--output', 'json'],
      60_000,
    );
    expect(r.code, tail(r)).toBe(0);
    expect(r.stderr).toMatch(/hsmwatch demo — scenario "healthy"/);
    // The container ran the image's entrypoint as the image's user.
    expect(await inspect<string>(DEMO, '.Config.User')).toBe('node');
    expect(await inspect<number>(DEMO, '.State.ExitCode')).toBe(0);
    // That user's uid and the Node it runs, in the same image.
    const ids = await podmanRun([
      ...SAFE,
      '--rm',
      '--no-healthcheck',
      '--entrypoint',
      'sh',
      IMAGE,
      '-c',
      'id -u; node -v',
    ]);
    expect(ids.code, tail(ids)).toBe(0);
    expect(ids.stdout.trim().split('\n')).toEqual(['1000', expect.stringMatching(/^v22\.\d+\.\d+$/)]);

    const report = JSON.parse(r.stdout) as {
      summary: Record<'pass' | 'warn' | 'fail' | 'skip' | 'error', number>;
      paths: Array<{ hsmId: string; port: number; static: { verdict: string }; live: { state: string } }>;
      findings: Array<{ id: string; status: string; target: string }>;
    };
    expect(report.summary).toMatchObject({ fail: 0, error: 0, warn: 0 });
    expect(report.summary.pass).toBe(report.findings.length);
    expect(report.paths).toHaveLength(9);
    expect(new Set(report.paths.map((p) => p.hsmId)).size).toBe(3);
    for (const p of report.paths)
      expect({ verdict: p.static.verdict, live: p.live.state }, `${p.hsmId}:${p.port}`).toEqual({
        verdict: 'reachable',
        live: 'open',
      });
    const reachable = report.findings.filter((f) => f.id === 'hsm.reachable');
    expect(reachable.map((f) => f.status)).toEqual(['pass', 'pass', 'pass']);
    expect(report.findings.find((f) => f.id === 'tls.handshake')?.status).toBe('pass');
  }, 90_000);

  it('runs the agent: its HEALTHCHECK passes, /-/healthy answers, Node 22, uid 1000, loopback only', async () => {
    // One agent as shipped; one whose healthcheck is pointed at a port nothing listens on, to show
    // that the check can fail. Neither has a region: only the loopback "HSM" (its own port) is probed.
    const agentArgs = ['agent', '--hsm-ip', '127.0.0.1', '--ports', '10223'];
    const started = await Promise.all([
      podmanRun(['-d', '--name', AGENT, ...SAFE, IMAGE, ...agentArgs]),
      podmanRun([
        '-d',
        '--name',
        AGENT_BAD_URL,
        ...SAFE,
        '-e',
        'HSMWATCH_HEALTHCHECK_URL=http://127.0.0.1:9/-/healthy',
        IMAGE,
        ...agentArgs,
      ]),
    ]);
    for (const s of started) expect(s.code, tail(s)).toBe(0);

    await waitFor({
      what: 'the HEALTHCHECK to pass',
      timeoutMs: 30_000,
      intervalMs: 250,
      fn: async () => (await podman(['healthcheck', 'run', AGENT], 15_000)).code === 0,
    }).catch(async (e: Error) => {
      throw new Error(`${e.message}\n${(await podman(['logs', AGENT])).stdout}`);
    });
    expect(await inspect<string>(AGENT, '.State.Health.Status')).toBe('healthy');

    const pid = await inspect<number>(AGENT, '.State.Pid');
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    expect(status).toMatch(/^Uid:\s+1000\s+1000\s/m);
    expect(status).toMatch(/^Gid:\s+1000\s+1000\s/m);
    expect(readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').slice(0, 3)).toEqual([
      'node',
      'bin/hsmwatch.js',
      'agent',
    ]);
    // Its network namespace has loopback and nothing else: it cannot have reached IMDS or AWS.
    const ifaces = readFileSync(`/proc/${pid}/net/dev`, 'utf8')
      .split('\n')
      .slice(2)
      .map((l) => l.split(':')[0]!.trim())
      .filter(Boolean);
    expect(ifaces).toEqual(['lo']);

    expect(await fetchInside(pid, 'http://127.0.0.1:10223/-/healthy')).toMatchObject({ status: 200 });
    await waitFor({
      what: 'the agent ready',
      timeoutMs: 20_000,
      fn: async () => (await fetchInside(pid, 'http://127.0.0.1:10223/-/ready')).status === 200,
    });
    const metrics = (await fetchInside(pid, 'http://127.0.0.1:10223/metrics')).body;
    expect(metrics).toMatch(/^nodejs_version_info\{version="v22\.\d+\.\d+",major="22",/m);
    expect(metrics).toMatch(/^cloudhsm_agent_build_info\{[^}]*nodejs_version="22\.[^}]*\} 1$/m);
    expect(metrics).toMatch(/^cloudhsm_hsm_port_up\{[^}]*ip="127\.0\.0\.1",port="10223"\} 1$/m);
    expect(metrics).toMatch(/^cloudhsm_agent_ready 1$/m);

    // The same check against a port nothing listens on fails, once that agent is up.
    const badPid = await inspect<number>(AGENT_BAD_URL, '.State.Pid');
    await waitFor({
      what: 'the second agent to answer',
      timeoutMs: 20_000,
      fn: async () => (await fetchInside(badPid, 'http://127.0.0.1:10223/-/healthy')).status === 200,
    });
    const bad = await podman(['healthcheck', 'run', AGENT_BAD_URL], 15_000);
    expect(bad.code, tail(bad)).toBe(1);
    expect(bad.stdout.trim()).toBe('unhealthy');

    // SIGTERM to the container's PID 1 (the agent itself): it drains and exits 0.
    const stop = await podman(['stop', '--time', '15', AGENT], 30_000);
    expect(stop.code, tail(stop)).toBe(0);
    expect(await inspect<number>(AGENT, '.State.ExitCode')).toBe(0);
    const logs = (await podman(['logs', AGENT])).stdout
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as { level: string; msg: string });
    expect(logs.map((l) => l.msg)).toContain('stopped');
    expect(logs.filter((l) => l.level === 'error')).toEqual([]);
  }, 120_000);
});
