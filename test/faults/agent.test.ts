// Fault suite, the agent under abuse: the real agent (the built CLI, or the built runAgent with three
// hostile probes beside the real ones: agent-harness.mjs) against the simulated world on loopback,
// each case on its own HSM subnets (127.0.200–241.x) and its own AWS simulation. Every case asserts
// what its hostile act must end in (a finding, a metric, a log line), within its bound, and then the
// same for all: /-/healthy answered all along, no unhandled error, the agent still running, and no
// planted credential in its logs, /metrics, /report or status page.

import { appendFileSync, existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import type { Finding, Report, Status } from '../../src/model/index.js';
import type { AwsFault } from '../../src/sim/aws-server.js';
import { CLOUDHSM_OPERATIONS } from '../../src/sim/cloudhsm-api.js';
import { EC2_OPERATIONS } from '../../src/sim/ec2-api.js';
import { loadScenario } from '../../src/sim/scenario.js';
import { stsOperations } from '../../src/sim/sts-api.js';
import { hsmAddresses, startWorld, type World } from '../../src/sim/world.js';
import { type AgentProcess, ROOT, startAgent, tempDir, waitFor } from '../agent/helpers.js';
import { ChaosAws, fdsOf, get, relocateTo } from '../bench/soak-world.js';
import { worldConfig } from '../support/world.js';
import { expectNoSecret, PLANTED_ENV } from './support.js';

const HARNESS = join(ROOT, 'test', 'faults', 'agent-harness.mjs');
const UNHANDLED = 'unhandled error (the agent carries on)';

interface Ctx {
  url: string;
  agent: AgentProcess;
  world: World;
  /** The AWS simulation's faults, by "service:Operation", read on every call. */
  faults: Record<string, AwsFault>;
  /** The TLS front before the AWS simulation, when the case asked for one. */
  front: ChaosAws | null;
  config: string;
  /** The agent's config as written; reload() writes a changed copy and sends SIGHUP. */
  settings: Record<string, unknown>;
  reload(text: string): void;
  /** How many times fault-hangs has started. */
  hangStarts(): number;
  metrics(): Promise<string>;
  report(): Promise<Report>;
  dir: string;
}

interface AgentCase {
  name: string;
  /** The harness with the hostile probes instead of the CLI. */
  harness?: boolean;
  /** probes.only of the agent. */
  probes: string[];
  /** The AWS API behind a ChaosAws front (mode 'ok' until the case flips it). */
  front?: boolean;
  intervals?: Record<string, string>;
  env?: NodeJS.ProcessEnv;
  /** The hostile act against the running agent. */
  act(c: Ctx): Promise<void>;
  expect: {
    /** A finding of /report after the act. */
    finding?: { id: string; status: Status; target?: string | RegExp; message: RegExp };
    /** Must match /metrics after the act, and must not. */
    metrics?: RegExp[];
    noMetrics?: RegExp[];
    /** A log line after the act. */
    log?: { msg: string; level: string; field?: [string, RegExp] };
    /** The act ends within this. */
    maxMs: number;
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Every operation the AWS simulation answers, failing with a server error on every call. */
function serverErrorsEverywhere(faults: Record<string, AwsFault>) {
  const ops = [
    ...Object.keys(CLOUDHSM_OPERATIONS),
    ...Object.keys(EC2_OPERATIONS),
    ...Object.keys(stsOperations()),
  ];
  for (const op of ops) faults[op] = { code: 'InternalError', status: 500 };
}

/** A raw socket to the agent that sends `head` one byte every `everyMs`; resolves when the server closes it. */
function trickleClient(
  url: string,
  head: string,
  everyMs: number,
): { closed: Promise<number>; socket: Socket } {
  const u = new URL(url);
  const t0 = Date.now();
  const socket = connect(Number(u.port), u.hostname);
  socket.on('error', () => {});
  let i = 0;
  const timer = setInterval(() => {
    if (i < head.length && !socket.destroyed) socket.write(head[i++]!);
  }, everyMs);
  const closed = new Promise<number>((resolve) =>
    socket.once('close', () => {
      clearInterval(timer);
      resolve(Date.now() - t0);
    }),
  );
  return { closed, socket };
}

/** One raw HTTP request; the status line's code, or 0 when the server closed the connection instead. */
function rawRequest(url: string, text: string, timeoutMs = 5000): Promise<number> {
  const u = new URL(url);
  return new Promise((resolve) => {
    const s = connect(Number(u.port), u.hostname, () => s.write(text));
    let got = '';
    const t = setTimeout(() => {
      s.destroy();
      resolve(-1);
    }, timeoutMs);
    s.on('data', (d) => {
      got += d.toString('latin1');
    });
    s.on('error', () => {});
    s.on('close', () => {
      clearTimeout(t);
      resolve(Number(/^HTTP\/1\.1 (\d{3})/.exec(got)?.[1] ?? 0));
    });
  });
}

const series = (body: string, re: RegExp) => body.split('\n').filter((l) => re.test(l));

const CASES: AgentCase[] = [
  {
    name: 'SIGHUP with a config that is not YAML keeps the running one and says why',
    probes: ['reachability'],
    async act(c) {
      const lastRun = async () =>
        Number(
          /cloudhsm_probe_last_run_timestamp_seconds\{probe="reachability"\} (\S+)/.exec(
            await c.metrics(),
          )?.[1],
        );
      c.reload('timeout: [unclosed\n  : : :\n');
      await waitFor({
        what: 'the rejected reload',
        timeoutMs: 3000,
        fn: () => c.agent.logs().find((l) => l.msg === 'reload rejected: keeping the running configuration'),
      });
      const before = await lastRun();
      await waitFor({ what: 'probes to go on', timeoutMs: 3000, fn: async () => (await lastRun()) > before });
    },
    expect: {
      log: {
        msg: 'reload rejected: keeping the running configuration',
        level: 'error',
        field: ['error', /YAML|yaml/],
      },
      metrics: [/^cloudhsm_probe_success\{probe="reachability"\} 1$/m],
      maxMs: 5000,
    },
  },
  {
    name: 'SIGHUP with a type error names the key and keeps the running config',
    probes: ['reachability'],
    async act(c) {
      c.reload(`${stringify({ ...c.settings, timeout: 'soon' })}`);
      await waitFor({
        what: 'the rejected reload',
        timeoutMs: 3000,
        fn: () => c.agent.logs().find((l) => l.msg === 'reload rejected: keeping the running configuration'),
      });
    },
    expect: {
      log: {
        msg: 'reload rejected: keeping the running configuration',
        level: 'error',
        field: ['error', /timeout/],
      },
      metrics: [/^cloudhsm_probe_success\{probe="reachability"\} 1$/m],
      maxMs: 3000,
    },
  },
  {
    name: 'SIGHUP deselecting a probe removes its series and findings at once, and they stay gone',
    probes: ['reachability', 'hsm-tls'],
    async act(c) {
      expect(await c.metrics()).toContain('probe="hsm-tls"');
      c.reload(stringify({ ...c.settings, probes: { only: ['reachability'] } }));
      await waitFor({
        what: 'hsm-tls gone from /metrics',
        timeoutMs: 2000,
        intervalMs: 50,
        fn: async () => !/hsm-tls|hsm_tls|hsm\.tls/.test(await c.metrics()),
      });
      await sleep(2500); // several intervals of both probes
    },
    expect: {
      log: { msg: 'configuration reloaded', level: 'info' },
      metrics: [/^cloudhsm_probe_success\{probe="reachability"\} 1$/m],
      noMetrics: [/probe="hsm-tls"/, /^cloudhsm_hsm_tls_/m, /id="hsm\.tls"/],
      maxMs: 6000,
    },
  },
  {
    name: 'SIGHUP deselecting a probe while it runs: its run ends without bringing it back',
    harness: true,
    probes: ['reachability', 'fault-hangs'],
    env: { FAULT_HANG_DEADLINE_MS: '2000' },
    async act(c) {
      // Its second run has just started (the first timed out before the agent was ready).
      await waitFor({
        what: 'fault-hangs running again',
        timeoutMs: 5000,
        intervalMs: 20,
        fn: () => c.hangStarts() >= 2,
      });
      c.reload(stringify({ ...c.settings, probes: { only: ['reachability'] } }));
      await waitFor({
        what: 'fault-hangs gone',
        timeoutMs: 2000,
        intervalMs: 50,
        fn: async () => !(await c.metrics()).includes('fault-hangs'),
      });
      await sleep(3000); // past the deadline of the run that was in flight
    },
    expect: {
      log: { msg: 'configuration reloaded', level: 'info' },
      noMetrics: [/fault-hangs/],
      metrics: [/^cloudhsm_probe_success\{probe="reachability"\} 1$/m],
      maxMs: 8000,
    },
  },
  {
    name: 'a probe that throws an error echoing the credentials is a probe.error finding, the secrets masked',
    harness: true,
    probes: ['reachability', 'fault-throws'],
    async act() {},
    expect: {
      finding: {
        id: 'probe.error',
        status: 'error',
        target: 'fault-throws',
        message:
          /Hostile fault-throws: internal error: The security token included in the request is invalid/,
      },
      metrics: [
        /^cloudhsm_probe_success\{probe="fault-throws"\} 0$/m,
        /^cloudhsm_finding_status\{id="probe\.error",target="fault-throws",status="error"\} 1$/m,
        /^cloudhsm_probe_runs_total\{probe="fault-throws",result="error"\} [1-9]/m,
      ],
      maxMs: 1000,
    },
  },
  {
    name: 'a probe that hangs past its deadline is a probe.timeout finding, and the others go on',
    harness: true,
    probes: ['reachability', 'fault-hangs'],
    async act(c) {
      await waitFor({
        what: 'a second timed-out run',
        timeoutMs: 6000,
        fn: async () =>
          /cloudhsm_probe_runs_total\{probe="fault-hangs",result="timeout"\} [2-9]/.test(await c.metrics()),
      });
    },
    expect: {
      finding: {
        id: 'probe.timeout',
        status: 'error',
        target: 'fault-hangs',
        message: /did not finish within 1500 ms/,
      },
      metrics: [
        /^cloudhsm_probe_success\{probe="fault-hangs"\} 0$/m,
        /^cloudhsm_probe_success\{probe="reachability"\} 1$/m,
      ],
      maxMs: 6000,
    },
  },
  {
    name: 'a probe whose deadline function throws is a probe.error finding, and the agent becomes ready',
    harness: true,
    probes: ['reachability', 'fault-deadline'],
    async act() {},
    expect: {
      finding: {
        id: 'probe.error',
        status: 'error',
        target: 'fault-deadline',
        message: /internal error: Cannot read properties of undefined \(reading 'timeoutMs'\)/,
      },
      metrics: [
        /^cloudhsm_agent_ready 1$/m,
        /^cloudhsm_probe_runs_total\{probe="fault-deadline",result="error"\} [1-9]/m,
      ],
      maxMs: 1000,
    },
  },
  {
    name: '400 parallel scrapes of /metrics, /report, the status page and /-/healthy while probing back to back',
    probes: ['reachability', 'hsm-tls', 'network-path'],
    intervals: { reachability: '1ms', 'hsm-tls': '50ms', 'network-path': '50ms' },
    async act(c) {
      const paths = ['/metrics', '/report', '/', '/-/healthy'];
      for (let round = 0; round < 4; round++) {
        const answers = await Promise.all(
          Array.from({ length: 100 }, (_, i) =>
            fetch(`${c.url}${paths[i % 4]}`, {
              headers: i % 8 === 0 ? { accept: 'application/openmetrics-text' } : {},
              signal: AbortSignal.timeout(10_000),
            }).then(async (r) => ({ path: paths[i % 4]!, status: r.status, body: await r.text() })),
          ),
        );
        for (const a of answers) {
          expect(a.status, a.path).toBe(200);
          if (a.path === '/report') expect((JSON.parse(a.body) as Report).hsmwatchReport).toBe(1);
          if (a.path === '/metrics') expect(a.body).toContain('cloudhsm_agent_ready 1');
        }
      }
      // And gzip, as Prometheus asks for it.
      const gz = await fetch(`${c.url}/metrics`, { headers: { 'accept-encoding': 'gzip' } });
      expect(gz.status).toBe(200);
    },
    expect: {
      metrics: [/^cloudhsm_probe_runs_total\{probe="reachability",result="ok"\} \d{2,}/m],
      maxMs: 15_000,
    },
  },
  {
    name: 'slowloris clients trickling headers (and idle ones) are cut by the header deadline',
    probes: ['reachability'],
    async act(c) {
      const head = `GET /metrics HTTP/1.1\r\nHost: x\r\n${'X-Slow: y\r\n'.repeat(40)}\r\n`;
      const slow = Array.from({ length: 40 }, () => trickleClient(c.url, head, 250));
      const idle = Array.from({ length: 10 }, () => trickleClient(c.url, '', 1000));
      // Meanwhile the agent answers everyone else at once.
      for (let i = 0; i < 5; i++) {
        const r = await get(`${c.url}/-/healthy`, 1000);
        expect(r.status).toBe(200);
        await sleep(500);
      }
      const held = await Promise.all([...slow, ...idle].map((s) => s.closed));
      // headersTimeout is 10 s; the server checks it every second.
      for (const ms of held) expect(ms).toBeLessThan(12_500);
    },
    expect: { metrics: [/^cloudhsm_agent_ready 1$/m], maxMs: 13_000 },
  },
  {
    name: 'a huge URL, huge headers and a header flood are refused, not served',
    probes: ['reachability'],
    async act(c) {
      const statuses = await Promise.all([
        rawRequest(c.url, `GET /${'a'.repeat(64 * 1024)} HTTP/1.1\r\nHost: x\r\n\r\n`),
        rawRequest(c.url, `GET /metrics HTTP/1.1\r\nHost: x\r\nX-Big: ${'b'.repeat(100_000)}\r\n\r\n`),
        rawRequest(c.url, `GET /metrics HTTP/1.1\r\nHost: x\r\n${'X-Many: c\r\n'.repeat(5000)}\r\n`),
        rawRequest(
          c.url,
          `GET /report HTTP/1.1\r\nHost: x\r\nAuthorization: Basic ${'d'.repeat(40_000)}\r\n\r\n`,
        ),
      ]);
      // Node's header limit (16 KiB): the server closes the connection (0) or says 431; never 200.
      for (const s of statuses) expect([0, 400, 414, 431]).toContain(s);
      expect((await get(`${c.url}/-/healthy`, 1000)).status).toBe(200);
    },
    expect: { metrics: [/^cloudhsm_agent_ready 1$/m], maxMs: 5000 },
  },
  {
    name: 'HSM ports flapping: each outage is a failed hsm.reachable naming the reset, each return a pass',
    probes: ['reachability'],
    async act(c) {
      const ip = c.world.hsmAddresses[0]!;
      const up = (v: 0 | 1) => async () =>
        series(
          await c.metrics(),
          new RegExp(`^cloudhsm_hsm_port_up\\{[^}]*ip="${ip.replaceAll('.', '\\.')}"[^}]*\\} ${v}$`),
        ).length === 3;
      for (let flap = 0; flap < 3; flap++) {
        await c.world.hsms.kill(ip);
        await waitFor({ what: `${ip} down (flap ${flap})`, timeoutMs: 3000, intervalMs: 50, fn: up(0) });
        const down = (await c.report()).findings.find(
          (f) => f.id === 'hsm.reachable' && f.target.includes(ip),
        );
        expect(down?.status).toBe('fail');
        expect(down?.message).toMatch(/refused|nothing listens|reset/i);
        await c.world.hsms.start([2223, 2224, 2225].map((port) => ({ ip, port })));
        await waitFor({ what: `${ip} up again (flap ${flap})`, timeoutMs: 3000, intervalMs: 50, fn: up(1) });
      }
    },
    expect: {
      finding: { id: 'hsm.reachable', status: 'pass', target: /127\.0\.\d+\.11/, message: /./ },
      metrics: [/^cloudhsm_hsm_probe_failures_total\{[^}]*reason="refused"\} [1-9]/m],
      maxMs: 15_000,
    },
  },
  {
    name: 'an AWS API answering 5xx to every call: stale data said, last known HSMs still probed, credentials an error',
    probes: ['reachability', 'credentials'],
    intervals: { credentials: '1s' },
    async act(c) {
      serverErrorsEverywhere(c.faults);
      await waitFor({
        what: 'stale data and a failed identity check',
        timeoutMs: 12_000,
        fn: async () => {
          const m = await c.metrics();
          const r = await c.report();
          return (
            /^cloudhsm_agent_data_stale 1$/m.test(m) &&
            r.findings.some((f) => f.id === 'credentials.identity' && f.status === 'error')
          );
        },
      });
    },
    expect: {
      // A 500 is a server error, to be retried (https://docs.aws.amazon.com/sdkref/latest/guide/feature-retry-behavior.html):
      // it says nothing about the credentials, so the check could not run (error), it did not fail.
      finding: {
        id: 'credentials.identity',
        status: 'error',
        target: 'credentials',
        message: /InternalError|500/,
      },
      metrics: [
        /^cloudhsm_agent_data_stale 1$/m,
        /^cloudhsm_aws_api_errors_total\{service="cloudhsmv2",operation="DescribeClusters",[^}]*\} [1-9]/m,
        /^cloudhsm_hsm_port_up\{[^}]*\} 1$/m,
      ],
      noMetrics: [/^cloudhsm_hsm_port_up\{[^}]*\} 0$/m],
      maxMs: 12_000,
    },
  },
  {
    name: 'an AWS endpoint that trickles every answer: bounded by the request deadline, no descriptor grows',
    probes: ['reachability', 'credentials'],
    front: true,
    intervals: { credentials: '1s', discovery: '1s' },
    async act(c) {
      const before = fdsOf(c.agent.proc.pid!);
      c.front!.mode = 'slow';
      await waitFor({
        what: 'stale data and a failed identity check',
        timeoutMs: 15_000,
        fn: async () => {
          const m = await c.metrics();
          const r = await c.report();
          return (
            /^cloudhsm_agent_data_stale 1$/m.test(m) &&
            r.findings.some((f) => f.id === 'credentials.identity' && f.status === 'error')
          );
        },
      });
      await sleep(3000);
      // The agent's own descriptors: its AWS processes (and their connections) come and go.
      expect(fdsOf(c.agent.proc.pid!)).toBeLessThanOrEqual(before + 8);
    },
    expect: {
      finding: {
        id: 'credentials.identity',
        status: 'error',
        target: 'credentials',
        message: /no answer in time|did not complete within 1000 ms/,
      },
      metrics: [/^cloudhsm_agent_data_stale 1$/m, /^cloudhsm_hsm_port_up\{[^}]*\} 1$/m],
      maxMs: 20_000,
    },
  },
  {
    name: 'an AWS endpoint that answers the TLS handshake with garbage: tls.handshake fails, naming it',
    probes: ['reachability', 'tls-endpoints'],
    front: true,
    intervals: { 'tls-endpoints': '500ms' },
    async act(c) {
      c.front!.mode = 'tls-garbage';
      await waitFor({
        what: 'a failed handshake finding',
        timeoutMs: 8000,
        fn: async () =>
          (await c.report()).findings.some((f) => f.id === 'tls.handshake' && f.status === 'fail'),
      });
    },
    expect: {
      finding: { id: 'tls.handshake', status: 'fail', message: /TLS handshake failed: .*(alert|not TLS)/i },
      metrics: [/^cloudhsm_probe_success\{probe="tls-endpoints"\} 1$/m],
      maxMs: 8000,
    },
  },
];

async function startCase(c: AgentCase, k: number): Promise<{ ctx: Ctx; stop(): Promise<void> }> {
  const faults: Record<string, AwsFault> = {};
  const scenario = relocateTo(structuredClone(loadScenario('healthy')), 200 + 3 * k);
  scenario.sim = { ...scenario.sim, faults };
  const world = await startWorld(scenario, { inPrivateNetns: false });
  const dir = tempDir(`fault-agent-${k}`);
  let front: ChaosAws | null = null;
  let agent: AgentProcess | undefined;
  const stop = async () => {
    await agent?.stop();
    await front?.stop();
    await world.stop();
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    if (c.front) front = await new ChaosAws(world.aws.url).start();
    const wc = worldConfig(world);
    const settings: Record<string, unknown> = {
      ...wc,
      ...(front ? { endpointUrl: front.url } : {}),
      timeout: '300ms',
      aws: { timeout: '1s', maxAttempts: 1 },
      tls: { ...(wc.tls as object), timeout: '500ms' },
      probes: { only: c.probes },
      agent: {
        jitter: 0,
        intervals: {
          reachability: '300ms',
          discovery: '3s',
          ...Object.fromEntries(c.probes.filter((p) => p.startsWith('fault-')).map((p) => [p, '500ms'])),
          ...(c.probes.includes('hsm-tls') ? { 'hsm-tls': '500ms' } : {}),
          ...c.intervals,
        },
      },
      web: { listenAddress: '127.0.0.1:0' },
    };
    const config = join(dir, 'agent.yaml');
    writeFileSync(config, stringify(settings));
    const marks = join(dir, 'marks');
    agent = await startAgent(['--config', config], {
      env: { ...PLANTED_ENV, FAULT_MARKS: marks, ...c.env },
      ...(c.harness ? { cli: HARNESS } : {}),
    });
    const a = agent;
    await waitFor({
      what: 'agent ready',
      timeoutMs: 20_000,
      fn: async () => (await fetch(`${a.url}/-/ready`)).ok,
    });
    const ctx: Ctx = {
      url: a.url,
      agent: a,
      world,
      faults,
      front,
      config,
      settings,
      dir,
      reload(text) {
        writeFileSync(config, text);
        a.proc.kill('SIGHUP');
      },
      hangStarts: () =>
        existsSync(marks) ? readFileSync(marks, 'utf8').split('\n').filter(Boolean).length : 0,
      // The series only: HELP and TYPE lines stay for metrics that have none at the moment.
      metrics: async () =>
        (await get(`${a.url}/metrics`, 5000)).body
          .split('\n')
          .filter((l) => !l.startsWith('#'))
          .join('\n'),
      report: async () => JSON.parse((await get(`${a.url}/report`, 5000)).body) as Report,
    };
    return { ctx, stop };
  } catch (e) {
    await stop();
    throw e;
  }
}

function matches(f: Finding, e: NonNullable<AgentCase['expect']['finding']>): boolean {
  if (f.id !== e.id || f.status !== e.status) return false;
  if (e.target === undefined) return true;
  return typeof e.target === 'string' ? f.target === e.target : e.target.test(f.target);
}

describe('fault suite: the agent under abuse', () => {
  it.concurrent.each(CASES.map((c, k) => ({ ...c, k })))('$name', { timeout: 60_000 }, async (c) => {
    const { ctx, stop } = await startCase(c, c.k);
    try {
      // /-/healthy polled all along, each answer within 2 s.
      const healthFailures: string[] = [];
      let polling = true;
      const poller = (async () => {
        for (let i = 0; polling && i < 400; i++) {
          try {
            const r = await get(`${ctx.url}/-/healthy`, 2000);
            if (r.status !== 200) healthFailures.push(`HTTP ${r.status}`);
          } catch (e) {
            healthFailures.push((e as Error).message);
          }
          await sleep(200);
        }
      })();
      const t0 = Date.now();
      try {
        await c.act(ctx);
      } finally {
        polling = false;
        await poller;
      }
      const ms = Date.now() - t0;
      expect(ms, 'the act took longer than its bound').toBeLessThan(c.expect.maxMs);
      expect(healthFailures, '/-/healthy kept answering').toEqual([]);

      const [metrics, report, page] = await Promise.all([
        ctx.metrics(),
        ctx.report(),
        get(`${ctx.url}/`, 5000).then((r) => r.body),
      ]);
      const e = c.expect;
      if (e.finding) {
        const f = report.findings.find((x) => matches(x, e.finding!));
        expect(
          f,
          `finding ${e.finding.id} ${e.finding.status}: ${JSON.stringify(report.findings.map((x) => [x.id, x.status, x.target]))}`,
        ).toBeDefined();
        expect(f!.message).toMatch(e.finding.message);
      }
      for (const re of e.metrics ?? []) expect(metrics).toMatch(re);
      for (const re of e.noMetrics ?? []) expect(metrics).not.toMatch(re);
      if (e.log) {
        const line = ctx.agent.logs().find((l) => l.msg === e.log!.msg);
        expect(line, `log line "${e.log.msg}"`).toBeDefined();
        expect(line!.level).toBe(e.log.level);
        if (e.log.field) expect(String(line![e.log.field[0]])).toMatch(e.log.field[1]);
      }
      // The same for every case.
      expect(ctx.agent.proc.exitCode, 'the agent is still running').toBeNull();
      expect(ctx.agent.logs().filter((l) => l.msg === UNHANDLED)).toEqual([]);
      expect(ctx.agent.stderr()).not.toMatch(/Unhandled|uncaught|TypeError|RangeError/);
      expectNoSecret(ctx.agent.stdout(), ctx.agent.stderr(), metrics, JSON.stringify(report), page);
      if (process.env.FAULT_AGENT_LOG)
        appendFileSync(
          process.env.FAULT_AGENT_LOG,
          `== ${c.name} (${ms} ms)\n${JSON.stringify(report.findings.filter((f) => f.status !== 'pass'))}\n${ctx.agent.stdout()}\n`,
        );
    } finally {
      await stop();
    }
  });
});

// The world starter above must keep HSM addresses inside the scenario's VPC (127.0.0.0/16).
it('relocated subnets stay distinct and inside the VPC', () => {
  const all = CASES.flatMap((_c, k) =>
    hsmAddresses(relocateTo(structuredClone(loadScenario('healthy')), 200 + 3 * k)),
  );
  expect(new Set(all).size).toBe(all.length);
  for (const ip of all) expect(ip).toMatch(/^127\.0\.(2[0-4]\d)\.\d+$/);
});
