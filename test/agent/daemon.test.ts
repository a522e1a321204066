// The agent as a daemon: signals (reload, drain and exit), web config (TLS, basic auth, bad config),
// following an HSM replacement, going stale when discovery fails, and the Dockerfile's healthcheck.
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { join } from 'node:path';
import bcrypt from 'bcryptjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { World } from '../../src/sim/world.js';
import {
  type AgentOnWorld,
  type AgentProcess,
  needTool,
  ROOT,
  runAgentToExit,
  startAgent,
  startAgentOnWorld,
  startSimWorld,
  tempDir,
  waitFor,
  writeAgentConfig,
} from './helpers.js';

const series = (body: string, name: string) => body.split('\n').filter((l) => l.startsWith(`${name}{`));

describe('agent signals and the Docker healthcheck (scenario healthy)', () => {
  let run: AgentOnWorld;
  let cfg: string;
  let agent: AgentProcess;

  beforeAll(async () => {
    run = await startAgentOnWorld('healthy', 62, 'signals');
    ({ config: cfg, agent } = run);
  });

  afterAll(async () => {
    await run?.stop();
  });

  it('answers /-/healthy, /-/ready and 404 elsewhere; logs JSON lines without secrets', async () => {
    expect((await fetch(`${agent.url}/-/healthy`)).status).toBe(200);
    expect((await fetch(`${agent.url}/-/ready`)).status).toBe(200);
    expect((await fetch(`${agent.url}/nope`)).status).toBe(404);
    expect((await fetch(`${agent.url}/metrics`, { method: 'POST' })).status).toBe(405);
    const logs = agent.logs();
    expect(logs.length).toBeGreaterThan(1);
    for (const l of logs)
      expect(l).toEqual(
        expect.objectContaining({
          time: expect.any(String),
          level: expect.any(String),
          msg: expect.any(String),
        }),
      );
    expect(agent.stdout()).not.toContain(process.env.AWS_SECRET_ACCESS_KEY!);
  });

  it('runs the Dockerfile HEALTHCHECK command against the running agent', () => {
    const docker = readFileSync(join(ROOT, 'Dockerfile'), 'utf8').replace(/\\\n/g, ' ');
    const m = /^HEALTHCHECK .*?CMD (\[.*\])\s*$/m.exec(docker);
    expect(m, 'HEALTHCHECK in exec form').not.toBeNull();
    const argv = JSON.parse(m![1]!) as string[];
    expect(argv[0]).toBe('node');
    const run = (url: string) =>
      spawnSync(process.execPath, argv.slice(1), {
        env: { ...process.env, HSMWATCH_HEALTHCHECK_URL: url },
        timeout: 10_000,
      }).status;
    expect(run(`${agent.url}/-/healthy`)).toBe(0);
    expect(run('http://127.0.0.1:9/-/healthy')).toBe(1);
  });

  it('SIGHUP with an invalid config is rejected and the old config keeps running', async () => {
    const good = readFileSync(cfg, 'utf8');
    writeFileSync(cfg, `${good}\nnoSuchKey: 1\n`);
    agent.proc.kill('SIGHUP');
    const rejected = await waitFor({
      what: 'reload rejected log',
      fn: () => agent.logs().find((l) => l.msg === 'reload rejected: keeping the running configuration'),
    });
    expect(String(rejected.error)).toContain('noSuchKey');
    expect((await fetch(`${agent.url}/-/ready`)).status).toBe(200);
    const before = Number(
      /cloudhsm_probe_last_run_timestamp_seconds\{probe="reachability"\} (\S+)/.exec(
        await (await fetch(`${agent.url}/metrics`)).text(),
      )![1],
    );
    await waitFor({
      what: 'probes to go on after the rejected reload',
      fn: async () =>
        Number(
          /cloudhsm_probe_last_run_timestamp_seconds\{probe="reachability"\} (\S+)/.exec(
            await (await fetch(`${agent.url}/metrics`)).text(),
          )![1],
        ) > before,
    });
    writeFileSync(cfg, good.replace('reachability: 1s', 'reachability: 2s'));
    agent.proc.kill('SIGHUP');
    const reloaded = await waitFor({
      what: 'reload log',
      fn: () => agent.logs().find((l) => l.msg === 'configuration reloaded'),
    });
    expect(reloaded.level).toBe('info');
  });

  it('SIGTERM stops scheduling, closes the server and exits 0', async () => {
    agent.proc.kill('SIGTERM');
    const t0 = Date.now();
    const { code } = await agent.exited;
    expect(code).toBe(0);
    expect(Date.now() - t0).toBeLessThan(12_000);
    const msgs = agent.logs().map((l) => l.msg);
    expect(msgs).toContain('SIGTERM: stopping');
    expect(msgs.at(-1)).toBe('stopped');
    await expect(fetch(`${agent.url}/-/healthy`)).rejects.toThrow();
  });
});

describe('web config: TLS and basic auth', () => {
  let world: World;
  let dir: string;
  let agent: AgentProcess;
  let ca: Buffer;

  const get = (url: string, o: { ca?: Buffer; auth?: string } = {}) =>
    new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = request(
        url,
        { ...(o.ca ? { ca: o.ca } : {}), ...(o.auth ? { auth: o.auth } : {}), timeout: 5000 },
        (res) => {
          let body = '';
          res.setEncoding('utf8').on('data', (d: string) => {
            body += d;
          });
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
        },
      );
      req.on('error', reject);
      req.on('timeout', () => req.destroy(new Error('timeout')));
      req.end();
    });

  beforeAll(async () => {
    if (!needTool('openssl')) return;
    world = await startSimWorld('healthy', 65);
    dir = tempDir('web');
    const ssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
    ssl(
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      'ca.key',
      '-out',
      'ca.crt',
      '-days',
      '2',
      '-subj',
      '/CN=hsmwatch test CA',
    );
    ssl(
      'req',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      'server.key',
      '-out',
      'server.csr',
      '-subj',
      '/CN=127.0.0.1',
    );
    writeFileSync(join(dir, 'san.ext'), 'subjectAltName=IP:127.0.0.1\n');
    ssl(
      'x509',
      '-req',
      '-in',
      'server.csr',
      '-CA',
      'ca.crt',
      '-CAkey',
      'ca.key',
      '-CAcreateserial',
      '-out',
      'server.crt',
      '-days',
      '2',
      '-extfile',
      'san.ext',
    );
    ca = readFileSync(join(dir, 'ca.crt'));
    const hash = bcrypt.hashSync('right-password', 4);
    writeFileSync(
      join(dir, 'web.yml'),
      `tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\nbasic_auth_users:\n  prometheus: '${hash}'\n`,
    );
    agent = await startAgent([
      '--config',
      writeAgentConfig(dir, world),
      '--web.config.file',
      join(dir, 'web.yml'),
    ]);
  });

  afterAll(async () => {
    await agent?.stop();
    await world?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it.skipIf(!needTool('openssl'))('serves TLS verified by the right CA, with basic auth', async () => {
    expect(agent.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    const ok = await get(`${agent.url}/metrics`, { ca, auth: 'prometheus:right-password' });
    expect(ok.status).toBe(200);
    expect(ok.body).toContain('cloudhsm_agent_build_info');
    expect((await get(`${agent.url}/metrics`, { ca, auth: 'prometheus:wrong-password' })).status).toBe(401);
    expect((await get(`${agent.url}/metrics`, { ca, auth: 'nobody:right-password' })).status).toBe(401);
    expect((await get(`${agent.url}/-/healthy`, { ca })).status).toBe(401);
  });

  it.skipIf(!needTool('openssl'))('refuses plain HTTP and clients that do not trust the CA', async () => {
    await expect(fetch(agent.url.replace('https:', 'http:') + '/metrics')).rejects.toThrow();
    await expect(get(`${agent.url}/metrics`, { auth: 'prometheus:right-password' })).rejects.toThrow(
      /self.signed|issuer|verify/i,
    );
  });

  it('refuses to start on a bad web config, naming the field', async () => {
    const bad = tempDir('badweb');
    try {
      writeFileSync(
        join(bad, 'web.yml'),
        'basic_auth_users:\n  admin: plaintext\ntls_server_config:\n  cert_file: missing.crt\n  key_file: missing.key\n',
      );
      const r = await runAgentToExit([
        '--web.listen-address',
        '127.0.0.1:0',
        '--hsm-ip',
        '127.0.0.1',
        '--web.config.file',
        join(bad, 'web.yml'),
      ]);
      expect(r.code).toBe(2);
      expect(r.out).toContain('basic_auth_users.admin: must be a bcrypt hash');
      writeFileSync(
        join(bad, 'web.yml'),
        'tls_server_config:\n  cert_file: missing.crt\n  key_file: missing.key\n',
      );
      const r2 = await runAgentToExit([
        '--web.listen-address',
        '127.0.0.1:0',
        '--hsm-ip',
        '127.0.0.1',
        '--web.config.file',
        join(bad, 'web.yml'),
      ]);
      expect(r2.code).toBe(2);
      expect(r2.out).toMatch(
        /tls_server_config.cert_file: cannot read missing.crt \(ENOENT: no such file or directory\)/,
      );
      const r3 = await runAgentToExit(['--web.listen-address', 'nonsense', '--hsm-ip', '127.0.0.1']);
      expect(r3.code).toBe(2);
      expect(r3.out).toContain('--web.listen-address');
    } finally {
      rmSync(bad, { recursive: true, force: true });
    }
  });
});

describe('HSM replacement and failing discovery (scenario healthy)', () => {
  let run: AgentOnWorld;
  let world: World;
  let agent: AgentProcess;
  const OLD = '127.0.133.11';
  const NEW = '127.0.133.12';

  beforeAll(async () => {
    run = await startAgentOnWorld('healthy', 63, 'replace');
    ({ world, agent } = run);
  });

  afterAll(async () => {
    await run?.stop();
  });

  it('probes the new ENI IP within a discovery interval and drops every series of the old one', async () => {
    const metrics = async () => (await fetch(`${agent.url}/metrics`)).text();
    expect(
      series(await metrics(), 'cloudhsm_hsm_port_up').filter((l) => l.includes(`ip="${OLD}"`)),
    ).toHaveLength(3);
    const snapshot = structuredClone(world.aws.snapshot);
    const clusters = (
      snapshot.aws['cloudhsmv2:DescribeClusters'] as {
        Clusters: Array<{ Hsms: Array<Record<string, unknown>> }>;
      }
    ).Clusters;
    const hsm = clusters[0]!.Hsms.find((h) => h.EniIp === OLD)!;
    Object.assign(hsm, { EniIp: NEW, HsmId: 'hsm-replaced2new', EniId: 'eni-0h5m0000000000r3' });
    await world.setSnapshot(snapshot);
    const t0 = Date.now();
    const body = await waitFor({
      what: 'the new address probed and the old series gone',
      timeoutMs: 10_000,
      fn: async () => {
        const b = await metrics();
        const fresh = series(b, 'cloudhsm_hsm_port_up').filter(
          (l) => l.includes(`ip="${NEW}"`) && l.endsWith(' 1'),
        );
        return fresh.length === 3 && !b.includes(OLD) ? b : null;
      },
    });
    expect(Date.now() - t0).toBeLessThan(2000 * 1.05 + 3000);
    expect(body).toContain('hsm="hsm-replaced2new"');
    expect(body).not.toContain(OLD);
    expect(series(body, 'cloudhsm_hsm_port_up')).toHaveLength(9);
    const changed = agent.logs().find((l) => l.msg === 'HSM targets changed');
    expect(changed).toEqual(expect.objectContaining({ added: [NEW], removed: [OLD] }));
    const report = (await (await fetch(`${agent.url}/report`)).json()) as { paths: Array<{ eniIp: string }> };
    expect(report.paths.some((p) => p.eniIp === OLD)).toBe(false);
  });

  it('keeps probing the last known HSMs when discovery fails, and says since when the data is stale', async () => {
    await world.aws.stop();
    const stoppedAt = Date.now() / 1000;
    const body = await waitFor({
      what: 'the agent to report stale data',
      timeoutMs: 10_000,
      fn: async () => {
        const b = await (await fetch(`${agent.url}/metrics`)).text();
        return /^cloudhsm_agent_data_stale 1$/m.test(b) ? b : null;
      },
    });
    const since = Number(/^cloudhsm_agent_data_stale_since_timestamp_seconds (\S+)$/m.exec(body)![1]);
    expect(since).toBeGreaterThanOrEqual(Math.floor(stoppedAt));
    expect(series(body, 'cloudhsm_hsm_port_up').filter((l) => l.endsWith(' 1'))).toHaveLength(9);
    expect(series(body, 'cloudhsm_cluster_hsms')).toHaveLength(1);
    expect(body).toMatch(
      /cloudhsm_aws_api_errors_total\{service="cloudhsmv2",operation="DescribeClusters",code="[^"]+"\} [1-9]/,
    );
    const page = await (await fetch(`${agent.url}/`)).text();
    expect(page).toContain('discovery failing since');
  });
});
