// `hsmwatch demo --agent` (the simulation watched by the agent until a signal), and the agent's
// operator flags: --debug from its AWS process, --proxy reaching that process, --log.format logfmt,
// --web.telemetry-path, an unusable --ca-bundle refusing the start. The built CLI, real sockets.
import { connect } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeLogger } from '../../src/agent/log.js';
import { type RunningProxy, startConnectProxy } from '../../src/sim/connect-proxy.js';
import type { World } from '../../src/sim/world.js';
import {
  type Spawned,
  spawnCli,
  startAgent,
  startSimWorld,
  tempDir,
  waitFor,
  writeAgentConfig,
} from './helpers.js';

/** The built CLI with colour off. */
const spawnPlain = (args: string[], env: NodeJS.ProcessEnv = {}): Spawned =>
  spawnCli(args, { env: { NO_COLOR: '1', ...env } });

/** The addresses `demo --agent` prints on stdout. */
async function demoAddresses(run: Spawned) {
  return waitFor({
    what: 'demo --agent to print its addresses',
    timeoutMs: 20_000,
    fn: () => {
      if (run.proc.exitCode !== null) throw new Error(`demo exited: ${run.stderr()}`);
      const out = run.stdout();
      const page = /^ {2}status page: (http:\/\/\S+)$/m.exec(out)?.[1];
      const metrics = /^ {2}metrics: +(http:\/\/\S+)$/m.exec(out)?.[1];
      const aws = /simulated AWS APIs at (https:\/\/\S+),/.exec(out)?.[1];
      return page && metrics && aws ? { page, metrics, aws } : null;
    },
  });
}

/** The errno of a TCP connect to the URL's host and port (null when it connects), within 3 s. */
function connectError(u: URL): Promise<string | null> {
  return new Promise((resolve) => {
    const socket = connect({ host: u.hostname, port: Number(u.port), timeout: 3000 });
    socket.once('connect', () => {
      socket.destroy();
      resolve(null);
    });
    socket.once('timeout', () => {
      socket.destroy();
      resolve('ETIMEDOUT');
    });
    socket.once('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? e.message));
  });
}

/** The exit of a run that should end by itself; killed past the deadline. */
function exitWithin(run: Spawned, ms = 15_000) {
  const t = setTimeout(() => run.proc.kill('SIGKILL'), ms);
  return run.exited.finally(() => clearTimeout(t));
}

const ready = (page: string) =>
  waitFor({ what: 'the agent ready', timeoutMs: 20_000, fn: async () => (await fetch(`${page}-/ready`)).ok });

describe('hsmwatch demo --agent', () => {
  it('serves the simulation on loopback until SIGTERM, then stops cleanly (world included)', async () => {
    const run = spawnPlain(['demo', '--agent', '--web.listen-address', '127.0.0.1:0']);
    try {
      const { page, metrics, aws } = await demoAddresses(run);
      expect(new URL(page).hostname).toBe('127.0.0.1');
      await ready(page);
      const text = await (await fetch(metrics)).text();
      // The demo's healthy cluster: three HSMs, every port up, discovery done in the AWS process.
      expect(text.match(/^cloudhsm_hsm_port_up\{.*\} 1$/gm)).toHaveLength(9);
      expect(text).toMatch(/^cloudhsm_probe_success\{probe="credentials"\} 1$/m);
      const html = await (await fetch(page)).text();
      expect(html).toContain('<html');
      expect(html).toContain('127.0.1.11');
      const exit = await run.stop('SIGTERM');
      expect(exit).toEqual({ code: 0, signal: null });
      expect(run.stderr()).toMatch(/"msg":"stopped"/);
      // The simulated AWS went with it: its port refuses.
      expect(await connectError(new URL(aws))).toBe('ECONNREFUSED');
    } finally {
      await run.stop('SIGKILL');
    }
  }, 60_000);

  it('stops on SIGINT too, and serves metrics under --web.telemetry-path', async () => {
    const run = spawnPlain([
      'demo',
      '--agent',
      '--web.listen-address',
      '127.0.0.1:0',
      '--web.telemetry-path',
      '/hsm/metrics',
    ]);
    try {
      const { page, metrics } = await demoAddresses(run);
      expect(metrics).toBe(`${page}hsm/metrics`);
      await ready(page);
      expect(await (await fetch(metrics)).text()).toMatch(/^cloudhsm_agent_ready 1$/m);
      expect((await fetch(`${page}metrics`)).status).toBe(404);
      // The status page links to where the metrics are.
      expect(await (await fetch(page)).text()).toContain('href="/hsm/metrics"');
      expect(await run.stop('SIGINT')).toEqual({ code: 0, signal: null });
    } finally {
      await run.stop('SIGKILL');
    }
  }, 60_000);

  it('refuses a scenario that needs a network namespace, and --agent with --output', async () => {
    const netns = spawnPlain(['demo', '--agent', '--scenario', 'port-blocked']);
    expect((await exitWithin(netns)).code).toBe(2);
    expect(netns.stderr()).toContain('private network namespace');
    const both = spawnPlain(['demo', '--agent', '--output', 'json']);
    expect((await exitWithin(both)).code).toBe(2);
    expect(both.stderr()).toContain('Arguments agent and output are mutually exclusive');
  });
});

describe('the agent: --debug and --proxy reach its AWS process', () => {
  let world: World;
  let proxy: RunningProxy;
  const tunnels: string[] = [];
  const planted = {
    AWS_ACCESS_KEY_ID: 'AKIDPLANTEDAGENT0X7Q',
    AWS_SECRET_ACCESS_KEY: 'planted-agent-secret-5e4d3c2b1a09f8e7d6c5',
    AWS_SESSION_TOKEN: 'planted-agent-session-token-abcdef012345',
  };
  beforeAll(async () => {
    world = await startSimWorld('healthy', 69);
    proxy = await startConnectProxy({ onConnect: (t) => tunnels.push(t) });
  });
  afterAll(async () => {
    await proxy?.close();
    await world?.stop();
  });

  it('logs each AWS request of discovery and the probes, never a secret, through the proxy', async () => {
    const dir = tempDir('agent-debug');
    const config = writeAgentConfig(dir, world);
    const agent = await startAgent(['--config', config, '--debug', '--proxy', proxy.url], { env: planted });
    try {
      await waitFor({ what: 'agent ready', fn: async () => (await fetch(`${agent.url}/-/ready`)).ok });
      const requests = () => agent.logs().filter((l) => l.msg === 'aws request');
      await waitFor({
        what: 'the credentials probe request logged',
        fn: () => requests().some((l) => l.operation === 'GetCallerIdentity'),
      });
      const host = new URL(world.aws.tlsUrl).host;
      expect(requests()).toEqual(
        expect.arrayContaining([
          expect.objectContaining({
            level: 'debug',
            task: 'discovery',
            service: 'cloudhsmv2',
            operation: 'DescribeClusters',
            endpoint: `https://${host}`,
            status: 200,
            requestId: expect.stringMatching(/^[0-9a-f-]{36}$/),
            attempt: 1,
            ms: expect.any(Number),
          }),
          expect.objectContaining({ service: 'sts', operation: 'GetCallerIdentity', status: 200 }),
        ]),
      );
      // The SDK's connections from the AWS process, and the agent's own TLS checks, went through it.
      expect(tunnels).toContain(host);
      const out = agent.stdout() + agent.stderr();
      for (const secret of Object.values(planted)) expect(out).not.toContain(secret);
      expect(out).not.toMatch(/Signature=|Credential=|X-Amz-Security-Token/i);
    } finally {
      await agent.stop();
    }
  }, 60_000);

  it('--log.format logfmt, as exporters write it', async () => {
    const run = spawnPlain([
      'agent',
      '--log.format',
      'logfmt',
      '--hsm-ip',
      '127.0.0.1',
      '--ports',
      '9',
      '--web.listen-address',
      '127.0.0.1:0',
      '--web.telemetry-path',
      '/x/metrics',
    ]);
    try {
      const line = await waitFor({
        what: 'the listening line',
        fn: () =>
          run
            .stdout()
            .split('\n')
            .find((l) => l.includes('msg="hsmwatch agent listening"')),
      });
      expect(line).toMatch(
        /^time=\d{4}-\d\d-\d\dT\S+Z level=info msg="hsmwatch agent listening" version=\d+\.\d+\.\d+ commit=\S+ url=http:\/\/127\.0\.0\.1:\d+ telemetryPath=\/x\/metrics tls=false /,
      );
      const url = /url=(\S+)/.exec(line)![1]!;
      expect((await fetch(`${url}/x/metrics`)).status).toBe(200);
      expect(await run.stop('SIGTERM')).toEqual({ code: 0, signal: null });
      for (const l of run.stdout().split('\n').filter(Boolean)) expect(l).toMatch(/^time=\S+ level=\w+ msg=/);
    } finally {
      await run.stop('SIGKILL');
    }
  }, 30_000);

  it('an unusable --ca-bundle stops it from starting (exit 2), naming the file and the cause', async () => {
    const missing = join(tempDir('agent-ca'), 'missing.pem');
    const run = spawnPlain([
      'agent',
      '--log.format',
      'json',
      '--hsm-ip',
      '127.0.0.1',
      '--ca-bundle',
      missing,
    ]);
    expect((await exitWithin(run)).code).toBe(2);
    const says = `caBundle (--ca-bundle): cannot use the CA bundle ${missing}: ENOENT: no such file or directory`;
    expect(run.stderr()).toBe(`hsmwatch: ${says}\n`);
    expect(run.stdout()).toContain('"msg":"invalid configuration: not starting"');
  });
});

describe('logfmt', () => {
  it('writes bare words where it can and quotes the rest, one line per record', () => {
    const lines: string[] = [];
    const log = makeLogger({
      out: { write: (l: string) => lines.push(l) },
      format: 'logfmt',
      now: () => new Date(0),
    });
    log.warn('a "quoted"\nmessage', {
      n: 1.5,
      ok: true,
      none: null,
      empty: '',
      'odd key': 'x=y',
      list: ['a', 'b'],
      error: Object.assign(new Error('boom'), { code: 'EX' }),
    });
    expect(lines).toEqual([
      'time=1970-01-01T00:00:00.000Z level=warn msg="a \\"quoted\\"\\nmessage" n=1.5 ok=true none=null empty="" odd_key="x=y" list="[\\"a\\",\\"b\\"]" error="boom (EX)"\n',
    ]);
  });
});
