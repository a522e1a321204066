// A network link with a known delay between two network namespaces this process makes, for checking
// that reported TCP connect times are the network's (the kernel has no netem). The relay
// (slow-link.py) copies every IPv4 packet between a TUN device in each namespace after the delay; the
// HSM namespace runs the repo's simulated HSMs (slow-link-peer.mjs) on addresses of its own `lo`.
// Only addresses inside these two namespaces are ever used. Root, `ip`, /dev/net/tun and python3 are
// needed: without them tests skip with the reason, unless HSMWATCH_REQUIRE_NETNS=1 (set by .ci/run).
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { accessSync, constants, existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from '../../src/util/paths.js';

export const CLIENT_ADDRESS = '10.77.0.1';
export const HSM_SIDE_ADDRESS = '10.77.0.2';
export const HSM_PREFIX = '10.77.1';
export const DEFAULT_PORTS = [2223, 2224, 2225];
const PYTHON = '/usr/bin/python3';
const TUN = 'slink0';
const NS_PREFIX = 'hsmw-sl-';

export interface SlowLink {
  clientNs: string;
  hsmNs: string;
  clientAddress: string;
  /** On the HSM namespace's lo, reached over the link. */
  hsmAddresses: string[];
  ports: number[];
  /** The current one-way delay (each direction). */
  readonly delayMs: number;
  /** Whether the relay runs at real-time priority (chrt -f 50). */
  realtime: boolean;
  /** Changes the one-way delay of packets sent from now on (the relay's control channel). */
  setDelay(ms: number): Promise<void>;
  /** The relay's counters: packets each way, drops, and how late it delivered packets. */
  relayStats(): Promise<RelayStats>;
  /** Runs a command inside the client namespace (ip netns exec); rejects after the deadline (default 30 s). */
  runInClient(
    cmd: string,
    args: string[],
    opts?: { env?: NodeJS.ProcessEnv; timeoutMs?: number },
  ): Promise<{ stdout: string; stderr: string; code: number | null }>;
  /** Starts a long-lived process in the client namespace (for the agent); stop() ends it. */
  spawnInClient(cmd: string, args: string[], opts?: { env?: NodeJS.ProcessEnv }): ChildProcess;
  /** Kills the relay, the peer and every client process, deletes the namespaces. Idempotent. */
  stop(): Promise<void>;
}

export interface RelayStats {
  clientToHsm: number;
  hsmToClient: number;
  dropped: number;
  /** Since the previous relayStats(): the latest a packet was delivered after its due time. */
  maxLateUs: number;
  /** Since the previous relayStats(): packets delivered more than 100 µs late. */
  lateOver100Us: number;
}

export type SlowLinkSupport = { ok: true } | { ok: false; reason: string };

/** Can this machine make a slow link? Says why not. */
export function slowLinkSupport(): SlowLinkSupport {
  if (process.platform !== 'linux') return { ok: false, reason: 'network namespaces need Linux' };
  if (process.getuid?.() !== 0) return { ok: false, reason: 'ip netns add needs root' };
  const ip = spawnSync('ip', ['-V'], { encoding: 'utf8', timeout: 5000 });
  if (ip.error) return { ok: false, reason: 'ip is not installed (Debian package iproute2)' };
  if (!existsSync(PYTHON)) return { ok: false, reason: `${PYTHON} is missing (Debian package python3)` };
  try {
    accessSync('/dev/net/tun', constants.R_OK | constants.W_OK);
  } catch {
    return { ok: false, reason: '/dev/net/tun is not available (no TUN support)' };
  }
  return { ok: true };
}

export const slowLink = slowLinkSupport();
export const slowLinkRequired = process.env.HSMWATCH_REQUIRE_NETNS === '1';
export const skipSlowLink = !slowLink.ok && !slowLinkRequired;

export function median(xs: number[]): number {
  if (xs.length === 0) return Number.NaN;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** Nearest-rank percentile, p in 0..100. */
export function percentile(xs: number[], p: number): number {
  if (xs.length === 0) return Number.NaN;
  const s = [...xs].sort((a, b) => a - b);
  const rank = Math.ceil((p / 100) * s.length);
  return s[Math.min(s.length - 1, Math.max(0, rank - 1))]!;
}

// ---- cleanup of everything this process made, also on exit and on SIGINT/SIGTERM ----

interface Owned {
  namespaces: string[];
  children: Set<ChildProcess>;
}
const live = new Set<Owned>();
let hooksInstalled = false;

function cleanupSync(): void {
  for (const o of live) {
    for (const c of o.children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    for (const ns of o.namespaces) spawnSync('ip', ['netns', 'del', ns], { timeout: 5000 });
  }
  live.clear();
}

function installHooks(): void {
  if (hooksInstalled) return;
  hooksInstalled = true;
  process.on('exit', cleanupSync);
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    // Someone else handles the signal (vitest, a benchmark): they exit, and 'exit' cleans up.
    if (process.listenerCount(sig) > 0) continue;
    const onSignal = () => {
      cleanupSync();
      process.off(sig, onSignal);
      process.kill(process.pid, sig); // default action now: die of the signal
    };
    process.on(sig, onSignal);
  }
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
};

/** Namespaces of earlier runs that were killed before cleaning up (their pid is gone). */
function sweepStale(): void {
  let names: string[] = [];
  try {
    names = readdirSync('/run/netns');
  } catch {
    return;
  }
  for (const n of names) {
    const m = /^hsmw-sl-[ab]-(\d+)-\d+$/.exec(n);
    if (m && Number(m[1]) !== process.pid && !alive(Number(m[1])))
      spawnSync('ip', ['netns', 'del', n], { timeout: 5000 });
  }
}

// ---- child processes ----

const hasSetpriv = spawnSync('setpriv', ['--version'], { timeout: 5000 }).status === 0;
/** Children die with this process even on SIGKILL: setpriv --pdeathsig (util-linux). */
const orphanProof = (sig: string, argv: string[]) =>
  hasSetpriv ? ['setpriv', '--pdeathsig', sig, '--', ...argv] : argv;

function childEnv(extra: NodeJS.ProcessEnv | undefined): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, ...extra };
  // A key given as undefined is removed from the child's environment.
  for (const [k, v] of Object.entries(extra ?? {})) if (v === undefined) delete env[k];
  return env;
}

function ip(args: string[], input?: string): void {
  const r = spawnSync('ip', args, { encoding: 'utf8', timeout: 10_000, ...(input ? { input } : {}) });
  if (r.status !== 0)
    throw new Error(`ip ${args.join(' ')} failed: ${(r.stderr || r.error?.message || '').trim()}`);
}

/** Resolves with the first stdout line matching `re`; rejects on exit or after the deadline. */
function waitForLine(child: ChildProcess, re: RegExp, what: string, timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    const onOut = (d: Buffer) => {
      out += d.toString();
      const line = out.split('\n').find((l) => re.test(l));
      if (line !== undefined) done(null, line);
    };
    const onErr = (d: Buffer) => {
      err += d.toString();
    };
    const onExit = (code: number | null, signal: string | null) =>
      done(new Error(`${what} exited (${code ?? signal}) before it was ready: ${err.trim()}`));
    const timer = setTimeout(
      () => done(new Error(`${what} not ready within ${timeoutMs} ms: ${err.trim()}`)),
      timeoutMs,
    );
    const done = (e: Error | null, line?: string) => {
      clearTimeout(timer);
      child.stdout?.off('data', onOut);
      child.stderr?.off('data', onErr);
      child.off('exit', onExit);
      if (e) reject(e);
      else resolve(line!);
    };
    child.stdout?.on('data', onOut);
    child.stderr?.on('data', onErr);
    child.once('exit', onExit);
  });
}

function exited(child: ChildProcess, ms: number): Promise<boolean> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), ms);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve(true);
    });
  });
}

async function terminate(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  if (!(await exited(child, 3000))) {
    child.kill('SIGKILL');
    await exited(child, 2000);
  }
}

let linkCounter = 0;

export async function startSlowLink(o: {
  delayMs: number;
  hsmCount: number;
  ports?: number[];
  tlsPort?: number;
  /** TLS key and certificate of the HSMs (default: the demo's test PKI in scenarios/pki). */
  tls?: { keyFile: string; certFile: string };
}): Promise<SlowLink> {
  if (!slowLink.ok) throw new Error(`no slow link on this machine: ${slowLink.reason}`);
  if (!(o.hsmCount >= 1 && o.hsmCount <= 250)) throw new Error('hsmCount must be 1..250');
  if (!(o.delayMs >= 0 && o.delayMs <= 10_000)) throw new Error('delayMs must be 0..10000');
  const root = packageRoot();
  const peerScript = join(root, 'test/support/slow-link-peer.mjs');
  const relayScript = join(root, 'test/support/slow-link.py');
  if (!existsSync(join(root, 'dist/src/sim/hsm-listeners.js')))
    throw new Error('dist/src/sim/hsm-listeners.js is missing: run npm run build first');
  const ports = o.ports ?? DEFAULT_PORTS;
  const tlsPort = o.tlsPort ?? 2223;
  const pki = join(root, 'scenarios/pki');
  const tls = o.tls ?? { keyFile: join(pki, 'hsm.key'), certFile: join(pki, 'hsm.crt') };

  sweepStale();
  installHooks();
  const id = `${process.pid}-${linkCounter++}`;
  const clientNs = `${NS_PREFIX}a-${id}`;
  const hsmNs = `${NS_PREFIX}b-${id}`;
  const hsmAddresses = Array.from({ length: o.hsmCount }, (_, i) => `${HSM_PREFIX}.${i + 1}`);
  const owned: Owned = { namespaces: [], children: new Set() };
  live.add(owned);
  const track = (c: ChildProcess) => {
    owned.children.add(c);
    c.once('exit', () => owned.children.delete(c));
    return c;
  };

  let delayMs = o.delayMs;
  let relay: ChildProcess | undefined;
  let peer: ChildProcess | undefined;
  let stopping: Promise<void> | undefined;
  const stop = () => {
    stopping ??= (async () => {
      const clients = [...owned.children].filter((c) => c !== relay && c !== peer);
      await Promise.all(clients.map(terminate));
      if (peer) {
        peer.stdin?.end();
        await terminate(peer);
      }
      if (relay) {
        relay.stdin?.end();
        await terminate(relay);
      }
      for (const ns of owned.namespaces) spawnSync('ip', ['netns', 'del', ns], { timeout: 10_000 });
      live.delete(owned);
    })();
    return stopping;
  };

  try {
    for (const ns of [clientNs, hsmNs]) {
      // Left by an earlier process that had our pid and was killed: ours by name, so remove it.
      if (existsSync(`/run/netns/${ns}`)) spawnSync('ip', ['netns', 'del', ns], { timeout: 10_000 });
      ip(['netns', 'add', ns]);
      owned.namespaces.push(ns);
    }

    // The relay, at real-time priority when the machine lets us.
    const relayArgv = [
      PYTHON,
      relayScript,
      '--ns-a',
      clientNs,
      '--ns-b',
      hsmNs,
      '--tun',
      TUN,
      '--delay-ms',
      String(delayMs),
    ];
    const realtime = spawnSync('chrt', ['-f', '50', 'true'], { timeout: 5000 }).status === 0;
    if (!realtime)
      process.stderr.write(
        'slow-link: chrt -f 50 failed; the relay runs at normal priority (a loaded machine will delay it)\n',
      );
    const argv = realtime ? ['chrt', '-f', '50', ...relayArgv] : relayArgv;
    relay = track(spawn(argv[0]!, argv.slice(1), { stdio: ['pipe', 'pipe', 'pipe'] }));
    relay.stderr?.on('data', (d: Buffer) => process.stderr.write(`slow-link relay: ${d}`));
    await waitForLine(relay, /^ready /, 'the slow-link relay', 10_000);

    // Client side: 10.77.0.1 on the TUN, the HSM side and the HSM prefix over it.
    const a = [
      'link set lo up',
      `link set ${TUN} up`,
      `addr add ${CLIENT_ADDRESS}/32 dev ${TUN}`,
      `route add ${HSM_SIDE_ADDRESS}/32 dev ${TUN}`,
      `route add ${HSM_PREFIX}.0/24 dev ${TUN} src ${CLIENT_ADDRESS}`,
    ];
    ip(['-n', clientNs, '-batch', '-'], `${a.join('\n')}\n`);
    // HSM side: 10.77.0.2 on the TUN, the return route, the HSM addresses on lo.
    const b = [
      'link set lo up',
      `link set ${TUN} up`,
      `addr add ${HSM_SIDE_ADDRESS}/32 dev ${TUN}`,
      `route add ${CLIENT_ADDRESS}/32 dev ${TUN}`,
      ...hsmAddresses.map((h) => `addr add ${h}/32 dev lo`),
    ];
    ip(['-n', hsmNs, '-batch', '-'], `${b.join('\n')}\n`);

    // The simulated HSMs inside the HSM namespace.
    const peerArgv = orphanProof('TERM', [
      process.execPath,
      peerScript,
      '--ips',
      hsmAddresses.join(','),
      '--ports',
      ports.join(','),
      ...(ports.includes(tlsPort)
        ? ['--tls-port', String(tlsPort), '--key', tls.keyFile, '--cert', tls.certFile]
        : []),
    ]);
    peer = track(spawn('ip', ['netns', 'exec', hsmNs, ...peerArgv], { stdio: ['pipe', 'pipe', 'pipe'] }));
    peer.stderr?.on('data', (d: Buffer) => process.stderr.write(`slow-link peer: ${d}`));
    await waitForLine(peer, /^ready /, 'the slow-link HSM peer', 15_000);

    const theRelay = relay;
    const runInClient: SlowLink['runInClient'] = (cmd, args, opts = {}) =>
      new Promise((resolve, reject) => {
        const timeoutMs = opts.timeoutMs ?? 30_000;
        const child = track(
          spawn('ip', ['netns', 'exec', clientNs, ...orphanProof('KILL', [cmd, ...args])], {
            env: childEnv(opts.env),
            stdio: ['ignore', 'pipe', 'pipe'],
          }),
        );
        let stdout = '';
        let stderr = '';
        child.stdout?.on('data', (d) => {
          stdout += d;
        });
        child.stderr?.on('data', (d) => {
          stderr += d;
        });
        const timer = setTimeout(() => {
          child.kill('SIGKILL');
          reject(new Error(`${cmd} ${args.join(' ')} did not finish in ${timeoutMs} ms\n${stderr}`));
        }, timeoutMs);
        child.on('error', (e) => {
          clearTimeout(timer);
          reject(e);
        });
        child.on('close', (code) => {
          clearTimeout(timer);
          resolve({ stdout, stderr, code });
        });
      });

    const link: SlowLink = {
      clientNs,
      hsmNs,
      clientAddress: CLIENT_ADDRESS,
      hsmAddresses,
      ports,
      get delayMs() {
        return delayMs;
      },
      realtime,
      async setDelay(ms) {
        if (!(ms >= 0 && ms <= 10_000)) throw new Error('delay must be 0..10000 ms');
        const ok = waitForLine(theRelay, new RegExp(`^ok delay ${ms}$`), 'the relay (delay)', 5000);
        theRelay.stdin?.write(`delay ${ms}\n`);
        await ok;
        delayMs = ms;
      },
      async relayStats() {
        const line = waitForLine(theRelay, /^stats /, 'the relay (stats)', 5000);
        theRelay.stdin?.write('stats\n');
        const [aToB, bToA, dropped, late, lateCount] = (await line).split(' ').slice(1).map(Number);
        return {
          clientToHsm: aToB!,
          hsmToClient: bToA!,
          dropped: dropped!,
          maxLateUs: late!,
          lateOver100Us: lateCount!,
        };
      },
      runInClient,
      spawnInClient(cmd, args, opts = {}) {
        return track(
          spawn('ip', ['netns', 'exec', clientNs, ...orphanProof('KILL', [cmd, ...args])], {
            env: childEnv(opts.env),
            stdio: ['ignore', 'pipe', 'pipe'],
          }),
        );
      },
      stop,
    };
    return link;
  } catch (e) {
    await stop();
    throw e;
  }
}

// Runs in the client namespace: connects one at a time (or `concurrency` at a time), timed from
// connect() to the 'connect' event on an otherwise idle event loop. Prints a JSON array of ms.
const BARE_SCRIPT = `
const net = require('node:net');
const { targets, rounds, warmup, concurrency, timeoutMs } = JSON.parse(process.argv[1]);
const one = (t) => new Promise((resolve) => {
  const t0 = process.hrtime.bigint();
  const s = net.connect({ host: t.ip, port: t.port, noDelay: true });
  const timer = setTimeout(() => { s.destroy(); resolve({ err: 'ETIMEDOUT ' + t.ip + ':' + t.port }); }, timeoutMs);
  s.once('connect', () => { const ms = Number(process.hrtime.bigint() - t0) / 1e6; clearTimeout(timer); s.destroy(); resolve({ ms }); });
  s.once('error', (e) => { clearTimeout(timer); s.destroy(); resolve({ err: e.code + ' ' + t.ip + ':' + t.port }); });
});
(async () => {
  for (let i = 0; i < warmup; i++) await one(targets[i % targets.length]);
  const jobs = [];
  for (let r = 0; r < rounds; r++) for (const t of targets) jobs.push(t);
  const out = []; const errors = []; let next = 0;
  const worker = async () => { while (next < jobs.length) { const r = await one(jobs[next++]); if (r.err) errors.push(r.err); else out.push(r.ms); } };
  await Promise.all(Array.from({ length: concurrency }, worker));
  process.stdout.write(JSON.stringify({ ms: out, errors }));
})();
`;

/**
 * Sequential bare TCP connects from the client namespace to each address:port, `rounds` times (after
 * `warmup` connects that are not counted, default 2: the very first connect of a process is slow).
 * Returns the connect times in ms; throws if any connect failed.
 */
export async function bareConnects(
  link: SlowLink,
  targets: { ip: string; port: number }[],
  rounds: number,
  opts: { concurrency?: number; warmup?: number; timeoutMs?: number } = {},
): Promise<number[]> {
  const params = {
    targets,
    rounds,
    warmup: opts.warmup ?? 2,
    concurrency: opts.concurrency ?? 1,
    timeoutMs: opts.timeoutMs ?? 3000,
  };
  const budget = 10_000 + (targets.length * rounds * (4 * link.delayMs + 50)) / params.concurrency;
  const r = await link.runInClient(process.execPath, ['-e', BARE_SCRIPT, JSON.stringify(params)], {
    timeoutMs: Math.min(budget, 300_000),
  });
  if (r.code !== 0) throw new Error(`bare connects failed (${r.code}): ${r.stderr.trim()}`);
  const { ms, errors } = JSON.parse(r.stdout) as { ms: number[]; errors: string[] };
  if (errors.length) throw new Error(`bare connects failed: ${errors.slice(0, 5).join(', ')}`);
  return ms;
}
