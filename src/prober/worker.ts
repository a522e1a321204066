// The prober thread: TCP connects and TLS handshakes timed on an event loop that nothing else uses,
// so the engine's own work (path evaluation, certificate parsing, SDK set-up) never lands inside a
// measured connect. Starts are paced so that answers do not arrive in a burst and queue here.
import { createServer } from 'node:net';
import { parentPort, workerData } from 'node:worker_threads';
import { tcpConnect } from '../net/tcp-connect.js';
import { type FromProber, handshakeToWire, proberFailure, type ToProber } from './wire.js';

/**
 * Pacing: while fewer than UNPACED attempts are in flight, the next starts at once (loopback and
 * refused ports answer within microseconds: nothing can pile up); beyond that, at most one starts
 * per millisecond, since a burst of starts comes back as a burst of answers that queue here
 * (bench:latency).
 */
export const UNPACED = 2;
export const STARTS_PER_MS = 1;

const port = parentPort;
if (!port) throw new Error('src/prober/worker.ts runs as a worker thread');

/**
 * A fresh thread's first connects run cold code (about 2 ms on loopback against 0.2 ms warm): two
 * connects to a listener of its own on loopback, before the first measured one.
 */
async function warmUp(): Promise<void> {
  const server = createServer((s) => s.on('error', () => {}).destroy());
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject).listen(0, '127.0.0.1', resolve);
    });
    const address = server.address();
    if (address && typeof address === 'object')
      for (let i = 0; i < 2; i++) await tcpConnect('127.0.0.1', address.port, 1000);
  } catch {
    // no loopback listener here: the first figures will carry the cold start, nothing worse
  } finally {
    server.close();
  }
}
/** The TLS thread compiles TLS before its first measured handshake, not during it. */
const role = (workerData as { role?: string } | null)?.role;
const warm = Promise.all([warmUp(), role === 'tls' ? import('../tls/handshake.js') : null]);

const cancels = new Map<number, AbortController>();
const waiting: Array<() => void> = [];
let inFlight = 0;
let tokens = STARTS_PER_MS;
let refill: NodeJS.Timeout | null = null;

function drain(): void {
  while (waiting.length > 0 && (inFlight < UNPACED || tokens > 0)) {
    if (inFlight >= UNPACED) tokens--;
    inFlight++;
    waiting.shift()!();
  }
  if (!refill && tokens < STARTS_PER_MS) {
    refill = setTimeout(() => {
      refill = null;
      tokens = STARTS_PER_MS;
      drain();
    }, 1);
  }
}

/** Resolves when this attempt may start, with what to call when it has finished. */
function slot(): Promise<() => void> {
  return new Promise((resolve) => {
    waiting.push(() => {
      let done = false;
      resolve(() => {
        if (done) return;
        done = true;
        inFlight--;
        drain();
      });
    });
    drain();
  });
}

type Job = Exclude<ToProber, { kind: 'cancel' }>;

async function shake(m: Extract<Job, { kind: 'handshake' }>, signal: AbortSignal): Promise<FromProber> {
  // TLS is loaded on the first handshake: a thread that only connects never compiles it.
  const { handshake } = await import('../tls/handshake.js');
  const finished = await slot();
  try {
    const r = await handshake({ ...m.req, signal });
    return { kind: 'handshake', id: m.id, result: handshakeToWire(r) };
  } finally {
    finished();
  }
}

async function serve(m: Job): Promise<FromProber> {
  const ac = new AbortController();
  cancels.set(m.id, ac);
  try {
    await warm;
    if (m.kind === 'handshake') return await shake(m, ac.signal);
    const finished = await slot();
    try {
      const { host, port: p, timeoutMs } = m.req;
      return { kind: 'connect', id: m.id, result: await tcpConnect(host, p, timeoutMs, ac.signal) };
    } finally {
      finished();
    }
  } finally {
    cancels.delete(m.id);
  }
}

port.on('message', (m: ToProber) => {
  if (m.kind === 'cancel') {
    cancels.get(m.id)?.abort();
    return;
  }
  const t0 = performance.now();
  serve(m).then(
    (reply) => port.postMessage(reply),
    // Nothing above throws by design; should it, the engine still gets an answer for this id.
    (e: unknown) => port.postMessage(failed(m, e, performance.now() - t0)),
  );
});

function failed(m: Job, e: unknown, elapsedMs: number): FromProber {
  return m.kind === 'connect'
    ? { kind: 'connect', id: m.id, result: { state: 'error', connectMs: elapsedMs, errno: 'EPROBER' } }
    : {
        kind: 'handshake',
        id: m.id,
        result: proberFailure(`the prober failed: ${(e as Error).message}`, elapsedMs),
      };
}
