// The engine's side of the prober threads (worker.ts): connects and handshakes are sent there, so
// their timings are the network's and the peer's, not this event loop's queue.
import { X509Certificate } from 'node:crypto';
import { existsSync } from 'node:fs';
import { Worker } from 'node:worker_threads';
import { type ConnectResult, tcpConnect } from '../net/tcp-connect.js';
import { type HandshakeOptions, type HandshakeResult, handshake } from '../tls/handshake.js';
import { builtSibling } from '../util/built-file.js';
import { type FromProber, proberFailure, type ToProber, type WireHandshake } from './wire.js';

/** Beyond the attempt's own deadline: the thread's queue and the message hops. */
const BACKSTOP_MS = 2000;

type Reply = FromProber['result'];
type Job = Omit<Extract<ToProber, { kind: 'connect' | 'handshake' }>, 'id'>;

/** Set when threads cannot work here: every attempt is then measured on this thread, and said so. */
let unavailable: string | null = null;
let nextId = 1;

function fallBack(why: string): void {
  if (unavailable) return;
  unavailable = why;
  process.stderr.write(
    `hsmwatch: the prober thread is unavailable (${why}); connect times are measured on the main thread\n`,
  );
}

/**
 * One prober thread: started on first use, not keeping the process alive while idle, restarted
 * after a crash (not forever: three losses in a row without an answer end the attempts).
 */
class ProberThread {
  private worker: Worker | null = null;
  private lostInARow = 0;
  private readonly pending = new Map<number, (r: Reply | null) => void>();

  constructor(private readonly role: 'tcp' | 'tls') {}

  get(): Worker | null {
    if (this.worker || unavailable) return this.worker;
    const file = builtSibling(import.meta.url, 'worker.js');
    if (!existsSync(file)) {
      fallBack(`${file} is missing: run npm run build`);
      return null;
    }
    try {
      // Small heaps: the thread holds a few sockets and certificates at a time, and memory a V8
      // heap once grew to is rarely given back.
      this.worker = new Worker(file, {
        workerData: { role: this.role },
        resourceLimits: { maxYoungGenerationSizeMb: 2, maxOldGenerationSizeMb: 48 },
      });
    } catch (e) {
      fallBack((e as Error).message);
      return null;
    }
    const w = this.worker;
    w.on('message', (m: FromProber) => {
      this.lostInARow = 0;
      this.pending.get(m.id)?.(m.result);
    });
    const lost = () => {
      if (this.worker !== w) return;
      this.worker = null;
      if (++this.lostInARow >= 3) fallBack('it stopped three times in a row');
      for (const settle of [...this.pending.values()]) settle(null);
    };
    w.on('error', lost);
    w.on('exit', lost);
    // After the listeners: adding a 'message' listener refs the thread again.
    w.unref();
    return w;
  }

  /** Sends one job; resolves with the answer, or null when the thread was lost or too slow. */
  send(job: Job, deadlineMs: number, signal?: AbortSignal): Promise<Reply | null> {
    const w = this.get();
    if (!w) return Promise.resolve(null);
    const id = nextId++;
    return new Promise((resolve) => {
      const cancel = () => w.postMessage({ kind: 'cancel', id } satisfies ToProber);
      const backstop = setTimeout(() => {
        cancel();
        settle(null);
      }, deadlineMs + BACKSTOP_MS);
      const settle = (r: Reply | null) => {
        if (!this.pending.delete(id)) return;
        clearTimeout(backstop);
        signal?.removeEventListener('abort', cancel);
        if (this.pending.size === 0) w.unref();
        resolve(r);
      };
      this.pending.set(id, settle);
      if (this.pending.size === 1) w.ref();
      signal?.addEventListener('abort', cancel, { once: true });
      w.postMessage({ ...job, id } as ToProber);
      if (signal?.aborted) cancel();
    });
  }

  async stop(): Promise<void> {
    const w = this.worker;
    this.worker = null;
    if (w) await w.terminate();
  }
}

// Two threads: a handshake's crypto (and loading TLS at all) would land inside the connects timed
// beside it, so plain connects have a thread of their own.
const tcpThread = new ProberThread('tcp');
const tlsThread = new ProberThread('tls');

/**
 * Handshakes in flight at once: one handshake's crypto lands inside the TCP phase of the others timed
 * beside it (bench:latency: with 2 that phase stays within 0.3 ms of a bare connect at the median;
 * with 4 or more it does not). A handshake gives its turn up after TURN_MS even if unfinished: a
 * silent or slow peer costs no CPU, and must not hold the others back (they wait before their
 * deadline starts).
 */
const HANDSHAKES_IN_FLIGHT = 2;
const TURN_MS = 150;
let handshakesInFlight = 0;
const handshakeQueue: Array<() => void> = [];

async function handshakeTurn(signal?: AbortSignal): Promise<() => void> {
  while (handshakesInFlight >= HANDSHAKES_IN_FLIGHT && !signal?.aborted) {
    await new Promise<void>((resolve) => {
      handshakeQueue.push(resolve);
      signal?.addEventListener('abort', () => resolve(), { once: true });
    });
  }
  handshakesInFlight++;
  let given = false;
  const give = () => {
    if (given) return;
    given = true;
    clearTimeout(timer);
    handshakesInFlight--;
    handshakeQueue.shift()?.();
  };
  const timer = setTimeout(give, TURN_MS);
  return give;
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
  const r = await tcpThread.send({ kind: 'connect', req: { host, port, timeoutMs } }, timeoutMs, signal);
  if (r && !('ok' in r)) return r;
  if (unavailable) return tcpConnect(host, port, timeoutMs, signal);
  return { state: 'error', connectMs: performance.now() - t0, errno: 'EPROBER' };
}

/** A TLS handshake, timed in the prober thread (one that keeps its socket open stays here). */
export async function probeHandshake(o: HandshakeOptions): Promise<HandshakeResult> {
  if (unavailable || o.keepOpen) return handshake(o);
  const { signal, keepOpen: _k, ...req } = o;
  const done = await handshakeTurn(signal);
  const t0 = performance.now();
  let r: Reply | null;
  try {
    r = await tlsThread.send({ kind: 'handshake', req }, o.timeoutMs, signal);
  } finally {
    done();
  }
  if (r && 'ok' in r) return handshakeFromWire(r);
  if (unavailable) return handshake(o);
  return handshakeFromWire(proberFailure('the prober thread gave no answer in time', performance.now() - t0));
}

/**
 * Starts the connect thread now, so its start-up overlaps the caller's own (it still does not keep
 * the process alive). The TLS thread starts with the first handshake: a run without one never pays it.
 */
export function startProber(): void {
  tcpThread.get();
}

/** Stops the threads (tests); the next probe starts new ones. */
export async function stopProber(): Promise<void> {
  await Promise.all([tcpThread.stop(), tlsThread.stop()]);
}

export function handshakeFromWire(w: WireHandshake): HandshakeResult {
  const chain: X509Certificate[] = [];
  for (const der of w.chain) {
    try {
      chain.push(new X509Certificate(Buffer.from(der)));
    } catch {
      break; // it parsed in the prober; a copy that does not is no reason to lose the result
    }
  }
  return { ...w, chain } as HandshakeResult;
}
