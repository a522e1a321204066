// In-process parts of the agent: the metrics mechanism, the scheduler with fake probes, the web
// config parser, listen addresses, logs, the status page's escaping.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import bcrypt from 'bcryptjs';
import { describe, expect, it } from 'vitest';
import { makeLogger } from '../../src/agent/log.js';
import { AgentMetrics } from '../../src/agent/metrics.js';
import { Scheduler } from '../../src/agent/scheduler.js';
import { parseListenAddress } from '../../src/agent/server.js';
import { AgentState } from '../../src/agent/state.js';
import { renderStatusPage } from '../../src/agent/status-page.js';
import { BasicAuth, loadWebConfig } from '../../src/agent/web-config.js';
import { LabelPruner } from '../../src/core/label-pruner.js';
import { defineProbe, type ProbeDefinition } from '../../src/core/probe.js';
import { STATUSES, type Status } from '../../src/model/index.js';
import { verdictOf } from '../../src/report/verdict.js';
import { ManualClock } from '../support/manual-clock.js';
import { agentEnv, agentSettings } from './in-process.js';

const quiet = makeLogger({ out: { write: () => true }, level: 'error' });

type Track = { now: number; max: number; runs: string[] };

/** Effectively no deadline: runProbe's real timer must not decide a test that runs on a fake clock. */
const NO_DEADLINE_MS = 600_000;

/**
 * A probe that records when it runs and how many run at once. It takes `ms` of the fake clock, or
 * as long as `wait` takes, and ignores its signal unless `wait` listens to it.
 */
function fakeProbe(
  id: string,
  o: {
    clock: ManualClock;
    track: Track;
    ms?: number;
    wait?: (signal: AbortSignal) => Promise<unknown>;
    throws?: boolean;
    deadlineMs?: number;
  },
) {
  return defineProbe({
    id,
    title: id,
    needs: [],
    findings: { 'fake.ok': { summary: 'fake' } },
    deadlineMs: () => o.deadlineMs ?? NO_DEADLINE_MS,
    async run(ctx) {
      o.track.now++;
      o.track.max = Math.max(o.track.max, o.track.now);
      o.track.runs.push(id);
      try {
        await (o.wait ? o.wait(ctx.signal) : o.clock.sleep(o.ms ?? 0));
        if (o.throws) throw new Error('boom');
        return {
          findings: ctx.env.targets.map((t) => ({
            id: 'fake.ok' as const,
            status: 'pass' as const,
            target: t.ip,
            message: 'ok',
            evidence: {},
          })),
        };
      } finally {
        o.track.now--;
      }
    },
    declareMetrics(m) {
      const g = m.gauge({
        name: `fake_${id.replace(/-/g, '_')}_up`,
        help: 'fake',
        labelNames: ['ip'],
      });
      const pruner = new LabelPruner();
      return (outcome) => {
        const labels = outcome.findings.map((f) => ({ ip: f.target }));
        for (const l of labels) g.set(l, 1);
        pruner.keep(g, labels);
      };
    },
  }) as ProbeDefinition;
}

const newTrack = (): Track => ({ now: 0, max: 0, runs: [] });

describe('scheduler', () => {
  it('runs every probe on its own interval, bounded in concurrency, and becomes ready after the first round', async () => {
    const clock = new ManualClock();
    const track = newTrack();
    const probes = ['a', 'b', 'c', 'd'].map((id) => fakeProbe(id, { clock, ms: 30, track }));
    const s = agentSettings({
      maxConcurrentProbes: 2,
      intervalsMs: { discovery: 60_000, a: 100 },
      defaultIntervalMs: 60_000,
    });
    const state = new AgentState();
    const metrics = new AgentMetrics({ version: 't', probes, defaults: false });
    let ready = 0;
    const sched = new Scheduler({
      settings: s,
      probes,
      discover: async (x) => agentEnv(x, ['127.0.0.1']),
      state,
      metrics,
      log: quiet,
      clock,
      onReady: () => ready++,
    });
    sched.start();
    await clock.advance(0);
    // Discovery done; two of the four probes in flight, the others held back by the bound.
    expect(track.runs).toEqual(['a', 'b']);
    expect(track.now).toBe(2);
    expect(ready).toBe(0);
    await clock.advance(30);
    expect(track.runs).toEqual(['a', 'b', 'c', 'd']);
    await clock.advance(30);
    // The first round is over at 60 ms: ready.
    expect(ready).toBe(1);
    await clock.advance(640);
    expect(sched.inFlight()).toEqual([]);
    expect(await sched.stop(1000)).toBe(true);
    expect(ready).toBe(1);
    expect(state.ready).toBe(true);
    expect(track.max).toBe(2);
    const count = (id: string) => track.runs.filter((r) => r === id).length;
    // 'a' every 100 ms after each 30 ms run: at 0, 130, 260, 390, 520 and 650 ms.
    expect(count('a')).toBe(6);
    for (const id of ['b', 'c', 'd']) expect(count(id)).toBe(1);
    const text = await metrics.registry.metrics();
    expect(text).toMatch(/cloudhsm_probe_success\{probe="a"\} 1/);
    expect(text).toMatch(/fake_a_up\{ip="127.0.0.1"\} 1/);
    expect(text).toMatch(/cloudhsm_agent_ready 1/);
  });

  it('turns an overrun into a timeout result and a throw into an error, and carries on', async () => {
    const clock = new ManualClock();
    const track = newTrack();
    const probes = [
      // Never finishes: runProbe's own (real) deadline cuts it short.
      fakeProbe('slow', { clock, track, wait: () => new Promise(() => {}), deadlineMs: 50 }),
      fakeProbe('broken', { clock, ms: 1, track, throws: true }),
    ];
    const s = agentSettings({ intervalsMs: { discovery: 60_000, broken: 50 } });
    const state = new AgentState();
    const metrics = new AgentMetrics({ version: 't', probes, defaults: false });
    const sched = new Scheduler({
      settings: s,
      probes,
      discover: async (x) => agentEnv(x, ['127.0.0.1']),
      state,
      metrics,
      log: quiet,
      clock,
    });
    sched.start();
    // 'broken' runs at 0, 51, 102 and 153 ms of the fake clock, whatever 'slow' is doing.
    await clock.advance(200);
    await waitUntil(() => state.runs.get('slow')?.result === 'timeout');
    expect(sched.inFlight()).toEqual([]);
    expect(await sched.stop(2000)).toBe(true);
    expect(state.runs.get('slow')?.result).toBe('timeout');
    expect(state.runs.get('broken')?.result).toBe('error');
    expect(track.runs.filter((r) => r === 'broken').length).toBe(4);
    expect(track.runs.filter((r) => r === 'slow').length).toBe(1);
    expect(state.findings().map((f) => f.id)).toEqual(
      expect.arrayContaining(['probe.timeout', 'probe.error']),
    );
    const text = await metrics.registry.metrics();
    expect(text).toMatch(/cloudhsm_probe_success\{probe="slow"\} 0/);
    expect(text).toContain('cloudhsm_finding_status{id="probe.error",target="broken",status="error"} 1');
    expect(text).toContain('cloudhsm_finding_status{id="probe.error",target="broken",status="pass"} 0');
  });

  it('re-runs probes when discovery changes the targets, and their metrics drop vanished targets', async () => {
    const clock = new ManualClock();
    const track = newTrack();
    const probes = [fakeProbe('p', { clock, ms: 1, track })];
    let ips = ['127.0.0.1', '127.0.0.2'];
    const s = agentSettings({ intervalsMs: { discovery: 100, p: 60_000 } });
    const state = new AgentState();
    const metrics = new AgentMetrics({ version: 't', probes, defaults: false });
    const sched = new Scheduler({
      settings: s,
      probes,
      discover: async (x) => agentEnv(x, ips),
      state,
      metrics,
      log: quiet,
      clock,
    });
    sched.start();
    await clock.advance(150);
    expect(await metrics.registry.metrics()).toContain('fake_p_up{ip="127.0.0.2"} 1');
    // Discovery at 100 ms found the same targets: no extra run.
    expect(track.runs.length).toBe(1);
    ips = ['127.0.0.1', '127.0.0.3'];
    // Discovery at 200 ms sees the change and re-runs 'p'; those at 300 and 400 ms see none.
    await clock.advance(250);
    expect(sched.inFlight()).toEqual([]);
    await sched.stop(1000);
    const text = await metrics.registry.metrics();
    expect(text).toContain('fake_p_up{ip="127.0.0.3"} 1');
    expect(text).not.toContain('127.0.0.2');
    expect(track.runs.length).toBe(2);
  });
});

describe('scheduler shutdown', () => {
  it('lets an in-flight probe finish within the drain deadline, and cuts it short past it', async () => {
    // stopsAfterMs: when stop() returns. A probe that ignores its signal gets a further second after
    // the drain deadline; one that honours it returns at once.
    for (const [probeMs, drainMs, drained, honoursSignal, stopsAfterMs] of [
      [150, 1000, true, false, 150],
      [5000, 100, false, false, 1100],
      [5000, 100, false, true, 100],
    ] as const) {
      const clock = new ManualClock();
      const track = newTrack();
      const wait = honoursSignal
        ? (signal: AbortSignal) =>
            new Promise((resolve, reject) => {
              clock.sleep(probeMs).then(resolve);
              signal.addEventListener('abort', () => reject(signal.reason), { once: true });
            })
        : undefined;
      const probe = fakeProbe('p', { clock, ms: probeMs, track, ...(wait ? { wait } : {}) });
      const s = agentSettings({ intervalsMs: { discovery: 60_000 } });
      const state = new AgentState();
      const metrics = new AgentMetrics({ version: 't', probes: [probe], defaults: false });
      const sched = new Scheduler({
        settings: s,
        probes: [probe],
        discover: async (x) => agentEnv(x, ['127.0.0.1']),
        state,
        metrics,
        log: quiet,
        clock,
      });
      sched.start();
      await clock.advance(0);
      expect(track.now).toBe(1);
      const t0 = clock.now();
      let result: boolean | undefined;
      let stoppedAt = Number.NaN;
      void sched.stop(drainMs).then((r) => {
        result = r;
        stoppedAt = clock.now();
      });
      await clock.advance(stopsAfterMs - 1);
      expect(result).toBeUndefined();
      await clock.advance(1);
      expect(result).toBe(drained);
      expect(stoppedAt - t0).toBe(stopsAfterMs);
      expect(stoppedAt - t0).toBeLessThan(drainMs + 1500);
      // A drained run is a result; one cut short by the shutdown is not, even when it ends later.
      expect(state.runs.has('p')).toBe(drained);
      await clock.advance(probeMs);
      expect(track.now).toBe(0);
      expect(state.runs.has('p')).toBe(drained);
    }
  });
});

/** Polls (on real time) until fn holds; the test's own timeout bounds the wait. */
async function waitUntil(fn: () => boolean) {
  while (!fn()) await new Promise((r) => setTimeout(r, 5));
  expect(fn()).toBe(true);
}

describe('metrics', () => {
  it('renders OpenMetrics and then the text format with counter names intact', async () => {
    const m = new AgentMetrics({ version: '1.2.3', revision: 'f4eb0b2', probes: [], defaults: false });
    m.awsApiError('cloudhsmv2', 'DescribeClusters', 'ThrottlingException');
    const om = await m.render('results', true);
    expect(om.contentType).toMatch(/openmetrics/);
    expect(om.body).toContain(
      'cloudhsm_aws_api_errors_total{service="cloudhsmv2",operation="DescribeClusters",code="ThrottlingException"} 1',
    );
    const text = await m.render('results', false);
    expect(text.contentType).toMatch(/^text\/plain/);
    expect(text.body).toContain('# TYPE cloudhsm_aws_api_errors_total counter');
    expect(text.body).toContain(
      'cloudhsm_agent_build_info{version="1.2.3",revision="f4eb0b2",nodejs_version=',
    );
  });

  it('exports findings as a state set keyed by the ids they name, the worst of those sharing labels', async () => {
    const m = new AgentMetrics({ version: 't', probes: [], defaults: false });
    const f = (id: string, status: Status, target: string) => ({
      id,
      status,
      target,
      message: '',
      evidence: {},
    });
    const series = async () =>
      [...(await m.registry.metrics()).matchAll(/^cloudhsm_finding_status\{(.*)\} (\d+)$/gm)].map(
        (x) => `${x[1]} ${x[2]}`,
      );
    // Two wordings of one path (the same ids) and one other HSM; the text itself never reaches a label.
    m.setFindings([
      f('sg.hsm-ingress', 'pass', 'eni-0abc → cluster-a/hsm-1 10.0.1.12'),
      f('sg.hsm-ingress', 'fail', 'eni-0abc -> cluster-a/hsm-1  10.0.1.12'),
      f('sg.hsm-ingress', 'warn', 'eni-0abc → cluster-a: 2 HSMs (10.0.2.12, 10.0.3.12)'),
      f('clientsdk.config', 'skip', '/opt/cloudhsm/etc/cloudhsm-pkcs11.cfg'),
    ]);
    const path = 'id="sg.hsm-ingress",target="eni-0abc/cluster-a/hsm-1/10.0.1.12"';
    const grouped = 'id="sg.hsm-ingress",target="eni-0abc/cluster-a/10.0.2.12/10.0.3.12"';
    const file = 'id="clientsdk.config",target="cloudhsm-pkcs11.cfg"';
    const set = (labels: string, current: Status) =>
      STATUSES.map((s) => `${labels},status="${s}" ${s === current ? 1 : 0}`);
    expect(await series()).toEqual([...set(path, 'fail'), ...set(grouped, 'warn'), ...set(file, 'skip')]);
    // The collision is counted, not silent.
    expect(await m.registry.metrics()).toContain('cloudhsm_finding_label_collisions 1');
    // The status changes in place; the findings no longer reported lose every series of their set.
    m.setFindings([f('sg.hsm-ingress', 'pass', 'eni-0abc → cluster-a/hsm-1 10.0.1.12')]);
    expect(await series()).toEqual(set(path, 'pass'));
    expect(await m.registry.metrics()).toContain('cloudhsm_finding_label_collisions 0');
    m.setFindings([]);
    expect(await series()).toEqual([]);
  });
});

describe('web config', () => {
  const dir = mkdtempSync(join(tmpdir(), 'hsmwatch-webcfg-'));
  const load = (text: string) => {
    writeFileSync(join(dir, 'web.yml'), text);
    return () => loadWebConfig(join(dir, 'web.yml'));
  };

  it.each([
    ['unknown: 1\n', 'web.yml: (top level): unknown key "unknown"'],
    ['basic_auth_users:\n  bob: hunter2\n', 'basic_auth_users.bob: must be a bcrypt hash'],
    ['tls_server_config:\n  key_file: k.pem\n', 'tls_server_config: needs cert_file and key_file'],
    [
      'tls_server_config:\n  cert_file: c.pem\n  key_file: k.pem\n',
      'tls_server_config.cert_file: cannot read c.pem (ENOENT: no such file or directory)',
    ],
    // bcrypt takes costs 4-31; above 14 every uncached login would stall the request for seconds.
    [
      `basic_auth_users:\n  bob: '$2y$99$${'a'.repeat(53)}'\n`,
      "bcrypt cost 99 is outside bcrypt's range 4-31",
    ],
    [
      `basic_auth_users:\n  bob: '$2y$03$${'a'.repeat(53)}'\n`,
      "bcrypt cost 3 is outside bcrypt's range 4-31",
    ],
    [`basic_auth_users:\n  bob: '$2y$15$${'a'.repeat(53)}'\n`, 'bcrypt cost 15 is above 14'],
    [
      `basic_auth_users:\n  bob: '$2y$10$${'a'.repeat(52)}!'\n`,
      'basic_auth_users.bob: must be a bcrypt hash',
    ],
    ['basic_auth_users:\n  bob: 5\n', 'basic_auth_users.bob: must be a string, not the number 5'],
    ['tls_server_config:\n  min_version: TLS99\n', 'tls_server_config.min_version:'],
    ['basic_auth_users: [\n', 'not valid YAML'],
  ])('rejects %j', (text, message) => {
    expect(load(text)).toThrow(message);
  });

  it('accepts an empty file and basic auth users', async () => {
    expect(load('')().tls).toBeNull();
    const hash = bcrypt.hashSync('pw', 4);
    const c = load(
      `basic_auth_users:\n  alice: '${hash}'\nhttp_server_config:\n  headers:\n    X-Frame-Options: deny\n`,
    )();
    expect(c.headers).toEqual({ 'X-Frame-Options': 'deny' });
    const auth = new BasicAuth(c.users);
    const basic = (u: string, p: string) => `Basic ${Buffer.from(`${u}:${p}`).toString('base64')}`;
    expect(await auth.check(basic('alice', 'pw'))).toBe(true);
    expect(await auth.check(basic('alice', 'pw'))).toBe(true); // cached
    expect(await auth.check(basic('alice', 'nope'))).toBe(false);
    expect(await auth.check(basic('mallory', 'pw'))).toBe(false);
    expect(await auth.check(undefined)).toBe(false);
    expect(await auth.check('Bearer x')).toBe(false);
    rmSync(dir, { recursive: true, force: true });
  });
});

describe('listen address, logs, status page', () => {
  it('parses exporter-style listen addresses', () => {
    expect(parseListenAddress(':10223')).toEqual({ host: undefined, port: 10223 });
    expect(parseListenAddress('127.0.0.1:0')).toEqual({ host: '127.0.0.1', port: 0 });
    expect(parseListenAddress('[::1]:10223')).toEqual({ host: '::1', port: 10223 });
    expect(() => parseListenAddress('10223')).toThrow('must be [host]:port');
    expect(() => parseListenAddress(':70000')).toThrow();
  });

  it('writes JSON lines, or readable text, and errors as their message only', () => {
    const lines: string[] = [];
    const out = { write: (s: string) => lines.push(s) };
    const now = () => new Date('2026-11-30T10:00:00Z');
    makeLogger({ out, format: 'json', now }).warn('x', {
      error: Object.assign(new Error('bad'), { code: 'EX' }),
      n: 1,
    });
    makeLogger({ out, format: 'text', now }).info('hello world', { a: 'b c' });
    makeLogger({ out, format: 'json', level: 'warn', now }).info('dropped');
    expect(JSON.parse(lines[0]!)).toEqual({
      time: '2026-11-30T10:00:00.000Z',
      level: 'warn',
      msg: 'x',
      error: { message: 'bad', code: 'EX' },
      n: 1,
    });
    expect(lines[1]).toBe('10:00:00.000 INFO  hello world  a="b c"\n');
    expect(lines).toHaveLength(2);
  });

  it('escapes every value on the status page', () => {
    const state = new AgentState();
    const s = agentSettings();
    const e = agentEnv(s, ['127.0.0.1']);
    e.findings.push({
      id: 'x',
      status: 'fail',
      target: '<script>alert(1)</script>',
      message: '"quoted" & <b>',
      evidence: {},
    });
    state.setEnvironment(e, { at: Date.now(), ok: true, lastSuccessAt: Date.now(), staleSince: null });
    const html = renderStatusPage(state, { version: '<v>' });
    expect(html).not.toContain('<script>');
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(html).toContain('&quot;quoted&quot; &amp; &lt;b&gt;');
    expect(html).toContain('version &lt;v&gt;');
  });
});

describe('status page verdict', () => {
  const page = (findings: Array<{ id: string; status: Status; remediation?: string }>, ready = true) => {
    const state = new AgentState();
    const e = agentEnv(agentSettings(), ['127.0.0.1']);
    for (const f of findings)
      e.findings.push({ target: 't', message: `${f.id} says so: why`, evidence: {}, ...f });
    state.setEnvironment(e, { at: Date.now(), ok: true, lastSuccessAt: Date.now(), staleSince: null });
    state.ready = ready;
    const html = renderStatusPage(state, { version: 't' });
    const m =
      /<p id="verdict" class="verdict v-(\w+)" data-status="(\w+)"><span class="mark">(.)<\/span> <span class="text">([^<]*)<\/span>/.exec(
        html,
      );
    return { html, m, verdict: verdictOf(state.report()!.report, e.targets) };
  };

  it.each([
    ['fail', [{ id: 'sg.hsm-ingress', status: 'fail' as const, remediation: 'aws ec2 x' }], '✗'],
    ['fail', [{ id: 'probe.error', status: 'error' as const }], '✗'],
    ['warn', [{ id: 'tls.versions', status: 'warn' as const }], '!'],
    ['pass', [{ id: 'clock.skew', status: 'pass' as const }], '✓'],
  ])('leads with the report verdict, class v-%s', (status, findings, mark) => {
    const { html, m, verdict } = page(findings);
    expect(verdict.status).toBe(status);
    expect(m, html).not.toBeNull();
    expect([m![1], m![2], m![3], m![4]]).toEqual([status, status, mark, verdict.text]);
    // First thing under the title, before the meta line and every table.
    expect(html.indexOf('id="verdict"')).toBeGreaterThan(html.indexOf('<h1>'));
    expect(html.indexOf('id="verdict"')).toBeLessThan(html.indexOf('class="meta"'));
  });

  it('says when the first round is still running, and when there is nothing yet', () => {
    expect(page([{ id: 'clock.skew', status: 'pass' }], false).html).toContain(
      '(first round of probes still running)',
    );
    const html = renderStatusPage(new AgentState(), { version: 't' });
    expect(html).toContain('<p id="verdict" class="verdict" data-status="pending">no results yet');
  });
});

describe('metrics endpoint', () => {
  it('serves the results and process parts, gzipped as one stream, and re-renders results only after a change', async () => {
    const { AgentServer } = await import('../../src/agent/server.js');
    const { EMPTY_WEB_CONFIG } = await import('../../src/agent/web-config.js');
    const { gunzipSync } = await import('node:zlib');
    const metrics = new AgentMetrics({ version: 't', probes: [] });
    const server = new AgentServer({
      state: new AgentState(),
      metrics,
      log: quiet,
      web: EMPTY_WEB_CONFIG,
      version: 't',
      metricsCacheMs: 0,
    });
    const addr = await server.listen({ host: '127.0.0.1', port: 0 });
    try {
      const url = `http://127.0.0.1:${addr.port}/metrics`;
      const plain = await (await fetch(url, { headers: { 'accept-encoding': 'identity' } })).text();
      expect(plain).toContain('cloudhsm_agent_ready 0');
      expect(plain).toContain('process_resident_memory_bytes');
      const { request } = await import('node:http');
      const raw = await new Promise<Buffer>((resolve, reject) => {
        request(url, { headers: { 'accept-encoding': 'gzip' } }, (res) => {
          expect(res.headers['content-encoding']).toBe('gzip');
          const chunks: Buffer[] = [];
          res.on('data', (d: Buffer) => chunks.push(d)).on('end', () => resolve(Buffer.concat(chunks)));
        })
          .on('error', reject)
          .end();
      });
      const unzipped = gunzipSync(raw).toString();
      expect(unzipped).toContain('cloudhsm_agent_ready 0');
      expect(unzipped).toContain('process_resident_memory_bytes');
      metrics.setReady(true);
      expect(await (await fetch(url)).text()).toContain('cloudhsm_agent_ready 1');
      const om = await (await fetch(url, { headers: { accept: 'application/openmetrics-text' } })).text();
      expect(om.match(/# EOF/g)).toHaveLength(1);
      expect(om.endsWith('# EOF\n')).toBe(true);
    } finally {
      await server.close(1000);
    }
  });
});
