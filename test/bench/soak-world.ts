// The soak's world (bench:soak and its short version in the test suite): the healthy demo world on
// loopback, with its AWS API behind a TLS front that flips between answering, 5xx, a trickle, garbage
// and misbehaving at the TLS level, and its HSM ports flipping between open, refused, reset and
// silent. The built agent runs against it as a child process, measured from /proc while /-/healthy
// and /metrics are polled. Every loop here is bounded in count and time; nothing leaves loopback.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request as httpRequest, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { type AddressInfo, createServer as netServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer as tlsServer } from 'node:tls';
import { stringify } from 'yaml';
import { loadScenario, type Scenario } from '../../src/sim/scenario.js';
import { awsTls, hsmTls } from '../../src/sim/tls-world.js';
import { hsmAddresses, startWorld, type World } from '../../src/sim/world.js';
import { packageRoot } from '../../src/util/paths.js';
import { worldConfig } from '../support/world.js';

export const AWS_MODES = ['ok', '5xx', 'slow', 'garbage', 'tls-garbage', 'reset', 'silent'] as const;
export type AwsMode = (typeof AWS_MODES)[number];
export const HSM_MODES = ['open', 'refused', 'reset', 'silent'] as const;
export type HsmMode = (typeof HSM_MODES)[number];

/** Credentials shaped like real ones, given to the agent: any of them in its output is a leak. */
export const SOAK_CREDENTIALS = {
  accessKeyId: 'AKIASOAKBENCH0PLANT0',
  secretAccessKey: 'sOaKbEnCh/pLaNtEd+SeCrEt0000000000000000',
  sessionToken: 'IQoJb3JpZ2luX2VjESoakBenchPlantedSessionToken0000000000000000000000000000000000000000',
};

/** The agent's environment: those credentials, no IMDS of the SDK's own, no shared files. */
export function soakEnv(creds = SOAK_CREDENTIALS): NodeJS.ProcessEnv {
  return {
    AWS_ACCESS_KEY_ID: creds.accessKeyId,
    AWS_SECRET_ACCESS_KEY: creds.secretAccessKey,
    AWS_SESSION_TOKEN: creds.sessionToken,
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_CONFIG_FILE: '/nonexistent/hsmwatch-soak',
    AWS_SHARED_CREDENTIALS_FILE: '/nonexistent/hsmwatch-soak',
    AWS_PROFILE: undefined,
    AWS_REGION: undefined,
  };
}

/** Stress intervals: reachability back to back, the AWS processes every few seconds. */
export const SOAK_INTERVALS: Record<string, string> = {
  reachability: '1ms',
  'network-path': '200ms',
  'path-correlation': '200ms',
  'hsm-tls': '100ms',
  'client-config': '500ms',
  'tls-endpoints': '500ms',
  'clock-skew': '500ms',
  credentials: '5s',
  permissions: '5s',
  discovery: '5s',
};

/** Sockets a hostile peer holds open at most (silent, trickling), so the peer itself never leaks. */
const HOLD_MS = 20_000;

/** Deterministic pseudo-random numbers (mulberry32): a soak run can be repeated flip for flip. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The scenario's HSM subnets 127.0.N.0/24 moved to 127.0.(base + N - 1).0/24, inside its VPC. */
export function relocateTo(scenario: Scenario, base: number): Scenario {
  const text = JSON.stringify(scenario).replace(/"127\.0\.(\d+)\.(\d+)(\/24)?"/g, (m, n: string, h, mask) =>
    n === '0' ? m : `"127.0.${base + Number(n) - 1}.${h}${mask ?? ''}"`,
  );
  return JSON.parse(text) as Scenario;
}

function track(server: Server, sockets: Set<Socket>) {
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('error', () => {});
    s.on('close', () => sockets.delete(s));
    s.setTimeout(HOLD_MS, () => s.destroy());
  });
}

async function listen(server: Server, port: number, host: string): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

const closeServer = (s: Server) => new Promise<void>((r) => s.close(() => r()));

/** An AWS-style error answer in the protocol of the request (JSON for CloudHSM, XML for EC2/STS). */
function awsError(req: IncomingMessage, res: ServerResponse, n: number): void {
  const [status, code] = n % 2 ? [503, 'ServiceUnavailable'] : [500, 'InternalError'];
  if (req.headers['x-amz-target']) {
    res.writeHead(status, { 'content-type': 'application/x-amz-json-1.1', 'x-amzn-errortype': code });
    res.end(JSON.stringify({ __type: code, message: 'simulated server error' }));
  } else {
    res.writeHead(status, { 'content-type': 'text/xml' });
    res.end(
      `<?xml version="1.0" encoding="UTF-8"?><Response><Errors><Error><Code>${code}</Code><Message>simulated server error</Message></Error></Errors><RequestID>soak-${n}</RequestID></Response>`,
    );
  }
}

const GARBAGE = [
  '{"Clusters": [{"ClusterId": ',
  '<?xml version="1.0"?><DescribeNetworkInterfacesResponse><networkInterfaceSet><item>',
  '\u0000\u00ff\u0010 not json, not xml \u001b[31m',
  '{"__type": 42, "Clusters": "all"}',
  'HTTP/1.1 200 OK\r\n\r\n',
];

/**
 * A TLS front for the simulated AWS API (its plain-HTTP side upstream), whose behaviour is `mode`:
 * ok forwards; 5xx answers InternalError/ServiceUnavailable; slow sends headers then a byte every
 * 500 ms; garbage answers 200 with a malformed body; tls-garbage writes bytes that are not TLS;
 * reset resets the connection; silent accepts and never speaks.
 */
export class ChaosAws {
  mode: AwsMode = 'ok';
  private readonly sockets = new Set<Socket>();
  private readonly front = netServer((s) => this.accept(s));
  private readonly https = createHttpsServer({ ...awsTls(undefined)! }, (req, res) => this.answer(req, res));
  private n = 0;
  url = '';

  constructor(private readonly upstream: string) {
    this.https.on('tlsClientError', () => {});
    this.https.keepAliveTimeout = 1000;
    track(this.front, this.sockets);
  }

  async start(host = '127.0.0.1'): Promise<this> {
    await listen(this.front, 0, host);
    this.url = `https://${host}:${(this.front.address() as AddressInfo).port}`;
    return this;
  }

  openSockets(): number {
    return this.sockets.size;
  }

  private accept(s: Socket): void {
    switch (this.mode) {
      case 'tls-garbage':
        s.end(
          Buffer.from('\x15\x03\x03\x00\x02\x02\x28garbage that is not a ServerHello'.repeat(4), 'latin1'),
        );
        return;
      case 'reset':
        s.resetAndDestroy();
        return;
      case 'silent':
        return;
      default:
        this.https.emit('connection', s);
    }
  }

  private answer(req: IncomingMessage, res: ServerResponse): void {
    const n = ++this.n;
    res.on('error', () => {});
    switch (this.mode) {
      case '5xx':
        req.resume();
        awsError(req, res, n);
        return;
      case 'slow': {
        req.resume();
        res.writeHead(200, { 'content-type': 'application/x-amz-json-1.1' });
        res.write('{');
        let left = Math.floor(HOLD_MS / 500);
        const t = setInterval(() => {
          if (left-- <= 0 || res.destroyed) {
            clearInterval(t);
            res.destroy();
          } else res.write(' ');
        }, 500);
        res.on('close', () => clearInterval(t));
        return;
      }
      case 'garbage':
        req.resume();
        res.writeHead(200, { 'content-type': n % 2 ? 'application/x-amz-json-1.1' : 'text/xml' });
        res.end(GARBAGE[n % GARBAGE.length]);
        return;
      default:
        this.forward(req, res);
    }
  }

  private forward(req: IncomingMessage, res: ServerResponse): void {
    const up = httpRequest(
      `${this.upstream}${req.url ?? '/'}`,
      { method: req.method, headers: req.headers, timeout: 10_000 },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    up.on('timeout', () => up.destroy(new Error('upstream timeout')));
    up.on('error', () => {
      if (!res.headersSent) res.writeHead(502);
      res.end();
    });
    req.pipe(up);
  }

  async stop(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await closeServer(this.front);
  }
}

/**
 * HSM ports whose behaviour flips per address: open (TLS on 2223, plain TCP elsewhere), refused (no
 * listener: a reset to the SYN), reset (accepted, then reset), silent (accepted, never a byte).
 */
export class ChaosHsms {
  private readonly modes = new Map<string, HsmMode>();
  private readonly servers = new Map<string, Server>();
  private readonly sockets = new Set<Socket>();
  private readonly tls = hsmTls();
  private readonly tlsHandler = tlsServer({ key: this.tls.key, cert: this.tls.cert }, (s) =>
    s.on('error', () => {}),
  );

  constructor(
    readonly ips: readonly string[],
    readonly ports: readonly number[],
  ) {
    this.tlsHandler.on('tlsClientError', () => {});
  }

  async start(): Promise<this> {
    for (const ip of this.ips) await this.set(ip, 'open');
    return this;
  }

  mode(ip: string): HsmMode {
    return this.modes.get(ip) ?? 'refused';
  }

  async set(ip: string, mode: HsmMode): Promise<void> {
    const was = this.modes.get(ip);
    this.modes.set(ip, mode);
    const listening = mode !== 'refused';
    if (was !== undefined && (was !== 'refused') === listening) return;
    for (const port of this.ports) {
      const key = `${ip}:${port}`;
      if (!listening) {
        // Stops listening at once (new connects are refused); held connections end on their own.
        this.servers.get(key)?.close();
        this.servers.delete(key);
        continue;
      }
      const server = netServer((s) => this.accept(ip, port, s));
      track(server, this.sockets);
      await listen(server, port, ip);
      this.servers.set(key, server);
    }
  }

  private accept(ip: string, port: number, s: Socket): void {
    const mode = this.mode(ip);
    if (mode === 'reset') s.resetAndDestroy();
    else if (mode === 'open' && port === this.tls.port) this.tlsHandler.emit('connection', s);
    // open on a plain port, and silent: accepted, nothing said (the client hangs up).
  }

  async stop(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await Promise.all([...this.servers.values()].map(closeServer));
    this.servers.clear();
  }
}

export interface SoakWorld {
  world: World;
  aws: ChaosAws;
  hsms: ChaosHsms;
  /** The agent's config file. */
  config: string;
  dir: string;
  stop(): Promise<void>;
}

/** The healthy world on 127.0.(base…base+2).x, its AWS API behind ChaosAws, its HSMs ChaosHsms. */
export async function startSoakWorld(base: number, intervals: Record<string, string>): Promise<SoakWorld> {
  const scenario = relocateTo(structuredClone(loadScenario('healthy')), base);
  const world = await startWorld(scenario, { inPrivateNetns: false, hsmListeners: false });
  const dir = mkdtempSync(join(tmpdir(), 'hsmwatch-soak-'));
  let aws: ChaosAws | undefined;
  let hsms: ChaosHsms | undefined;
  try {
    aws = await new ChaosAws(world.aws.url).start();
    hsms = await new ChaosHsms(hsmAddresses(scenario), scenario.snapshot.ports ?? [2223, 2224, 2225]).start();
    const config = join(dir, 'agent.yaml');
    writeFileSync(
      config,
      stringify({
        ...worldConfig(world),
        endpointUrl: aws.url,
        timeout: '300ms',
        aws: { timeout: '1s', maxAttempts: 2 },
        imds: { timeout: '500ms' },
        tls: { ...(worldConfig(world).tls as object), timeout: '500ms' },
        agent: { jitter: 0, intervals },
        web: { listenAddress: '127.0.0.1:0' },
      }),
    );
    const a = aws;
    const h = hsms;
    return {
      world,
      aws: a,
      hsms: h,
      config,
      dir,
      async stop() {
        await Promise.all([a.stop(), h.stop(), world.stop()]);
        rmSync(dir, { recursive: true, force: true });
      },
    };
  } catch (e) {
    await Promise.all([aws?.stop(), hsms?.stop(), world.stop()]);
    rmSync(dir, { recursive: true, force: true });
    throw e;
  }
}

/** Flips the world every `everyMs`: one AWS mode, one mode per HSM; ok/open are the commonest. */
export function startFlipping(
  w: SoakWorld,
  everyMs: number,
  seed: number,
): { flips: () => number; modes: Record<string, number>; stop(): void } {
  const random = prng(seed);
  const pick = <T>(xs: readonly T[], common: T): T =>
    random() < 0.4 ? common : xs[Math.floor(random() * xs.length)]!;
  const modes: Record<string, number> = {};
  const count = (k: string) => {
    modes[k] = (modes[k] ?? 0) + 1;
  };
  let flips = 0;
  let busy = false;
  const t = setInterval(() => {
    if (busy) return;
    busy = true;
    w.aws.mode = pick(AWS_MODES, 'ok');
    count(`aws ${w.aws.mode}`);
    Promise.all(
      w.hsms.ips.map((ip) => {
        const m = pick(HSM_MODES, 'open');
        count(`hsm ${m}`);
        return w.hsms.set(ip, m);
      }),
    )
      .catch(() => {})
      .finally(() => {
        flips++;
        busy = false;
      });
  }, everyMs);
  return {
    flips: () => flips,
    modes,
    stop() {
      clearInterval(t);
      w.aws.mode = 'ok';
    },
  };
}

export function rssOf(pid: number): number {
  return Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) * 1024;
}

export function fdsOf(pid: number): number {
  return readdirSync(`/proc/${pid}/fd`).length;
}

/** Child processes of `pid` still alive (the agent's short-lived AWS processes). */
export function childrenOf(pid: number): number {
  let n = 0;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      if (Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === pid) n++;
    } catch {
      // gone meanwhile
    }
  }
  return n;
}

export async function get(
  url: string,
  timeoutMs = 2000,
): Promise<{ status: number; body: string; ms: number }> {
  const t0 = performance.now();
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { timeout: timeoutMs, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, ms: performance.now() - t0 }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.on('error', reject);
    req.end();
  });
}

export interface Sample {
  at: number;
  rounds: number;
  rss: number;
  fds: number;
  heap: number;
  children: number;
  bareRss: number;
  bareFds: number;
  bareHeap: number;
}

export interface SoakResult {
  seconds: number;
  /** Reachability rounds, and runs of every probe by result. */
  rounds: number;
  runs: Record<string, Record<string, number>>;
  flips: number;
  /** How often each mode was drawn. */
  modes: Record<string, number>;
  /** The agent's own counters at the end: failed HSM connects by reason, AWS API errors by operation. */
  hsmFailures: Record<string, number>;
  awsApiErrors: Record<string, number>;
  /** Warnings of runs that timed out or failed internally, by probe (the log's 'probe did not complete'). */
  incomplete: Record<string, number>;
  samples: Sample[];
  /** Polls of /-/healthy and /metrics: how many, how many failed, the slowest answer. */
  polls: number;
  pollFailures: string[];
  slowestPollMs: number;
  /** Log lines of unhandled errors, and stderr lines that look like a crash. */
  unhandled: string[];
  exitedEarly: string | null;
  awsRequests: number;
  stdout: string;
  stderr: string;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The value of an unlabelled sample in an exposition, else NaN. */
const sampleValue = (body: string, name: string) =>
  Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(body)?.[1] ?? Number.NaN);

function incompleteRuns(logs: readonly string[]): Record<string, number> {
  const n: Record<string, number> = {};
  for (const l of logs) {
    if (!l.includes('"probe did not complete"')) continue;
    const probe = /"probe":"([^"]+)"/.exec(l)?.[1] ?? '?';
    n[probe] = (n[probe] ?? 0) + 1;
  }
  return n;
}

/** A counter summed over every series, by one of its labels. */
function sumBy(body: string, name: string, label: string): Record<string, number> {
  const sums: Record<string, number> = {};
  for (const m of body.matchAll(new RegExp(`^${name}\\{([^}]*)\\} (\\S+)$`, 'gm'))) {
    const key = new RegExp(`${label}="([^"]*)"`).exec(m[1]!)?.[1] ?? '';
    sums[key] = (sums[key] ?? 0) + Number(m[2]);
  }
  return sums;
}

function runsOf(body: string): Record<string, Record<string, number>> {
  const runs: Record<string, Record<string, number>> = {};
  for (const m of body.matchAll(/^cloudhsm_probe_runs_total\{probe="([^"]+)",result="([^"]+)"\} (\d+)/gm)) {
    const byResult = runs[m[1]!] ?? {};
    byResult[m[2]!] = Number(m[3]);
    runs[m[1]!] = byResult;
  }
  return runs;
}

/**
 * Runs the built agent against `w` while the world flips, until `rounds` reachability rounds and at
 * least `minMs` have passed, or `maxMs` (the bound): samples once a second, polls every 250 ms.
 */
export async function soak(
  w: SoakWorld,
  o: {
    rounds: number;
    minMs: number;
    maxMs: number;
    flipMs: number;
    seed: number;
    env: NodeJS.ProcessEnv;
    nodeOptions?: string;
    onSample?: (s: Sample) => void;
  },
): Promise<SoakResult> {
  const agent: ChildProcess = spawn(
    process.execPath,
    [join(packageRoot(), 'bin', 'hsmwatch.js'), 'agent', '--config', w.config, '--log.format', 'json'],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, ...o.env, ...(o.nodeOptions ? { NODE_OPTIONS: o.nodeOptions } : {}) },
    },
  );
  // The baseline: a bare idle node beside it, reporting its heap once a second.
  const bare: ChildProcess = spawn(
    process.execPath,
    ['-e', 'setInterval(() => console.log(process.memoryUsage().heapUsed), 1000)'],
    {
      stdio: ['ignore', 'pipe', 'ignore'],
      env: { ...process.env, ...(o.nodeOptions ? { NODE_OPTIONS: o.nodeOptions } : {}) },
    },
  );
  let out = '';
  let err = '';
  let bareHeap = 0;
  agent.stdout!.setEncoding('utf8').on('data', (d: string) => {
    // Only what the result needs is kept: the log lines of interest, not every probe line.
    out += d;
    if (out.length > 8 * 1024 * 1024) out = out.slice(-4 * 1024 * 1024);
  });
  agent.stderr!.setEncoding('utf8').on('data', (d: string) => {
    if (err.length < 1024 * 1024) err += d;
  });
  bare.stdout!.setEncoding('utf8').on('data', (d: string) => {
    const last = d.trim().split('\n').at(-1);
    if (last) bareHeap = Number(last);
  });
  let exitedEarly: string | null = null;
  agent.once('exit', (code, signal) => {
    exitedEarly ??= `agent exited (code ${code}, signal ${signal})`;
  });
  const flipping = { stop: () => {}, flips: () => 0, modes: {} as Record<string, number> };
  const pollFailures: string[] = [];
  let polls = 0;
  let slowestPollMs = 0;
  const samples: Sample[] = [];
  const t0 = Date.now();
  let polling = true;
  try {
    let url: string | undefined;
    for (let i = 0; i < 300 && !url; i++) {
      if (exitedEarly) throw new Error(`${exitedEarly}: ${err}`);
      url = /"url":"(http:[^"]+)"/.exec(out)?.[1];
      if (!url) await sleep(50);
    }
    if (!url) throw new Error('the agent did not listen within 15 s');
    for (let i = 0; i < 600; i++) {
      if ((await get(`${url}/-/ready`).catch(() => ({ status: 0 }))).status === 200) break;
      await sleep(100);
    }
    const f = startFlipping(w, o.flipMs, o.seed);
    Object.assign(flipping, f);
    // /-/healthy and /metrics polled all along, each answer within 2 s.
    const poller = (async () => {
      for (let i = 0; polling && i < o.maxMs / 250 + 100; i++) {
        for (const path of ['/-/healthy', '/metrics']) {
          polls++;
          try {
            const r = await get(`${url}${path}`);
            slowestPollMs = Math.max(slowestPollMs, r.ms);
            if (r.status !== 200) pollFailures.push(`${path}: HTTP ${r.status}`);
          } catch (e) {
            pollFailures.push(`${path}: ${(e as Error).message}`);
          }
        }
        await sleep(250);
      }
    })();
    let rounds = 0;
    let body = '';
    for (let i = 0; i < o.maxMs / 1000 + 10; i++) {
      const elapsed = Date.now() - t0;
      if (exitedEarly || elapsed > o.maxMs || (rounds >= o.rounds && elapsed >= o.minMs)) break;
      await sleep(1000);
      try {
        body = (await get(`${url}/metrics`, 5000)).body;
      } catch {
        continue; // counted by the poller
      }
      rounds = runsOf(body).reachability
        ? Object.values(runsOf(body).reachability!).reduce((a, b) => a + b, 0)
        : 0;
      const s: Sample = {
        at: Date.now() - t0,
        rounds,
        rss: rssOf(agent.pid!),
        fds: fdsOf(agent.pid!),
        heap: sampleValue(body, 'nodejs_heap_size_used_bytes'),
        children: childrenOf(agent.pid!),
        bareRss: rssOf(bare.pid!),
        bareFds: fdsOf(bare.pid!),
        bareHeap,
      };
      samples.push(s);
      o.onSample?.(s);
    }
    polling = false;
    await poller;
    const logs = out.split('\n').filter((l) => l.startsWith('{'));
    return {
      seconds: Math.round((Date.now() - t0) / 1000),
      rounds,
      runs: runsOf(body),
      flips: flipping.flips(),
      modes: flipping.modes,
      hsmFailures: sumBy(body, 'cloudhsm_hsm_probe_failures_total', 'reason'),
      awsApiErrors: sumBy(body, 'cloudhsm_aws_api_errors_total', 'operation'),
      incomplete: incompleteRuns(logs),
      samples,
      polls,
      pollFailures,
      slowestPollMs,
      unhandled: [
        ...logs.filter((l) => /unhandled|uncaught/i.test(l)),
        ...err.split('\n').filter((l) => /Unhandled|uncaught|FATAL|heap out of memory/i.test(l)),
      ],
      exitedEarly,
      awsRequests: w.world.aws.calls.length,
      stdout: out,
      stderr: err,
    };
  } finally {
    polling = false;
    flipping.stop();
    bare.kill('SIGKILL');
    if (agent.exitCode === null && agent.signalCode === null) {
      const exited = new Promise((r) => agent.once('exit', r));
      agent.kill('SIGTERM');
      const t = setTimeout(() => agent.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(t);
    }
  }
}

/** Median of the samples' `key` in [from, to) of the run (fractions of the sample count). */
export function medianOf(samples: readonly Sample[], key: keyof Sample, from: number, to: number): number {
  const xs = samples
    .slice(
      Math.floor(samples.length * from),
      Math.max(Math.floor(samples.length * from) + 1, Math.ceil(samples.length * to)),
    )
    .map((s) => s[key])
    .sort((a, b) => a - b);
  return xs[Math.floor(xs.length / 2)] ?? Number.NaN;
}
