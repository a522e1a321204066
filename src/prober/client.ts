// The engine's side of the prober thread (worker.ts): connects and handshakes are sent there, so
// their timings are the network's and the peer's, not this event loop's queue. One thread per
// process, started on first use, not keeping the process alive while idle, restarted after a crash.
import { existsSync } from 'node:fs';
import { Worker } from 'node:worker_threads';
import { type ConnectResult, tcpConnect } from '../net/tcp-connect.js';
import { type HandshakeOptions, type HandshakeResult, handshake } from '../tls/handshake.js';
import { builtSibling } from '../util/built-file.js';
import { type FromProber, handshakeFromWire, type ToProber } from './wire.js';

/** Beyond the attempt's own deadline: the thread's queue and the message hops. */
const BACKSTOP_MS = 2000;

type Reply = FromProber['result'];
interface Pending {
  settle: (r: Reply | null) => void;
}

let worker: Worker | null = null;
let unavailable: string | null = null;
let nextId = 1;
/** Threads lost in a row without one answer: a thread that cannot work is not restarted forever. */
let lostInARow = 0;
const pending = new Map<number, Pending>();

function fallBack(why: string): null {
  unavailable = why;
  process.stderr.write(
    `hsmwatch: the prober thread is unavailable (${why}); connect times are measured on the main thread\n`,
  );
  return null;
}

function thread(): Worker | null {
  if (worker || unavailable) return worker;
  const file = builtSibling(import.meta.url, 'worker.js');
  if (!existsSync(file)) return fallBack(`${file} is missing: run npm run build`);
  try {
    // Small heaps: the thread holds a few sockets and certificates at a time, and memory a V8
    // heap once grew to is rarely given back.
    worker = new Worker(file, {
      resourceLimits: { maxYoungGenerationSizeMb: 2, maxOldGenerationSizeMb: 48 },
    });
  } catch (e) {
    return fallBack((e as Error).message);
  }
  const w = worker;
  w.unref();
  w.on('message', (m: FromProber) => {
    lostInARow = 0;
    const p = pending.get(m.id);
    if (p) p.settle(m.result);
  });
  const lost = () => {
    if (worker !== w) return;
    worker = null;
    if (++lostInARow >= 3) fallBack('it stopped three times in a row');
    for (const p of [...pending.values()]) p.settle(null);
  };
  w.on('error', lost);
  w.on('exit', lost);
  return w;
}

/** Sends one job; resolves with the thread's answer, or null when the thread was lost or too slow. */
function send(
  job: Omit<Extract<ToProber, { kind: 'connect' | 'handshake' }>, 'id'>,
  deadlineMs: number,
  signal?: AbortSignal,
): Promise<Reply | null> {
  const w = thread();
  if (!w) return Promise.resolve(null);
  const id = nextId++;
  return new Promise((resolve) => {
    const cancel = () => w.postMessage({ kind: 'cancel', id } satisfies ToProber);
    const backstop = setTimeout(() => {
      cancel();
      settle(null);
    }, deadlineMs + BACKSTOP_MS);
    const settle = (r: Reply | null) => {
      if (!pending.delete(id)) return;
      clearTimeout(backstop);
      signal?.removeEventListener('abort', cancel);
      if (pending.size === 0) w.unref();
      resolve(r);
    };
    pending.set(id, { settle });
    if (pending.size === 1) w.ref();
    signal?.addEventListener('abort', cancel, { once: true });
    w.postMessage({ ...job, id } as ToProber);
    if (signal?.aborted) cancel();
  });
}

/** A TCP connect, timed in the prober thread. */
export async function probeConnect(
  host: string,
  port: number,
  timeoutMs: number,
  signal?: AbortSignal,
): Promise<ConnectResult> {
  if (unavailable) return tcpConnect(host, port, timeoutMs, signal);
  const t0 = performance.now();
  const r = await send({ kind: 'connect', req: { host, port, timeoutMs } }, timeoutMs, signal);
  if (r && !('ok' in r)) return r;
  if (unavailable) return tcpConnect(host, port, timeoutMs, signal);
  return { state: 'error', connectMs: performance.now() - t0, errno: 'EPROBER' };
}

/** A TLS handshake, timed in the prober thread (one that keeps its socket open stays here). */
export async function probeHandshake(o: HandshakeOptions): Promise<HandshakeResult> {
  if (unavailable || o.keepOpen) return handshake(o);
  const { signal, keepOpen: _k, ...req } = o;
  const t0 = performance.now();
  const r = await send({ kind: 'handshake', req }, o.timeoutMs, signal);
  if (r && 'ok' in r) return handshakeFromWire(r);
  if (unavailable) return handshake(o);
  return {
    ok: false,
    stage: 'connect',
    code: 'EPROBER',
    message: 'the prober thread gave no answer in time',
    dnsMs: null,
    connectMs: null,
    elapsedMs: performance.now() - t0,
    chain: [],
    notTls: false,
  };
}

/** Stops the thread (tests, and an agent shutting down); the next probe starts a new one. */
export async function stopProber(): Promise<void> {
  const w = worker;
  worker = null;
  if (w) await w.terminate();
}
