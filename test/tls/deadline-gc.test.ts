// Deadlines that survive the garbage collector. Node 20 holds the sources of AbortSignal.any weakly
// (nodejs/node#57736): `AbortSignal.any([parent, AbortSignal.timeout(ms)])` never fires once a
// collection has run, and the agent, probing back to back, collects every few milliseconds. The soak
// (bench:soak) found clock-skew runs hanging to the probe's deadline this way. Here a collection is
// forced while a handshake and a skew measurement wait on a silent peer: their own deadline must end
// them.
import { createServer, type Server, type Socket } from 'node:net';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { measureSkew } from '../../src/tls/clock.js';
import { handshake } from '../../src/tls/handshake.js';
import { deadline } from '../../src/util/deadline.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

let server: Server;
let port = 0;
const sockets = new Set<Socket>();

beforeAll(async () => {
  // Accepts and never says a byte: neither a ServerHello nor an HTTP answer.
  server = createServer((s) => {
    sockets.add(s);
    s.on('error', () => {});
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  port = (server.address() as { port: number }).port;
});

afterAll(async () => {
  for (const s of sockets) s.destroy();
  await new Promise((r) => server.close(r));
});

/** Runs `fn` with a garbage collection forced while it waits; resolves to its result and time. */
async function withGc<T>(fn: () => Promise<T>): Promise<{ r: T; ms: number }> {
  const t0 = performance.now();
  const timers = [30, 80, 150].map((ms) => setTimeout(gc, ms));
  try {
    const r = await fn();
    return { r, ms: performance.now() - t0 };
  } finally {
    for (const t of timers) clearTimeout(t);
  }
}

describe('deadlines and the garbage collector', () => {
  it('deadline(): fires after a collection, joined with a parent signal', async () => {
    const parent = new AbortController();
    const fired: string[] = [];
    for (let i = 0; i < 50; i++)
      deadline(100, parent.signal).signal.addEventListener('abort', (e) =>
        fired.push(((e.target as AbortSignal).reason as Error).name),
      );
    gc();
    await new Promise((r) => setTimeout(r, 400));
    gc();
    expect(fired).toHaveLength(50);
    expect(new Set(fired)).toEqual(new Set(['TimeoutError']));
    // The parent's abort goes through at once, with its reason; clear() lets go of the parent.
    const d = deadline(60_000, parent.signal);
    parent.abort(new Error('shutting down'));
    expect((d.signal.reason as Error).message).toBe('shutting down');
    d.clear();
  });

  it('a TLS handshake with a caller signal keeps its own deadline through a collection', {
    timeout: 10_000,
  }, async () => {
    const caller = new AbortController();
    const { r, ms } = await withGc(() =>
      handshake({ host: '127.0.0.1', port, timeoutMs: 400, signal: caller.signal }),
    );
    expect(r.ok).toBe(false);
    expect(r.ok ? '' : r.code).toBe('ETIMEDOUT');
    expect(ms).toBeLessThan(2500);
  });

  it('a plain-HTTP skew measurement with a caller signal ends at its own deadline through a collection', {
    timeout: 10_000,
  }, async () => {
    const caller = new AbortController();
    const { r, ms } = await withGc(() =>
      measureSkew({ host: '127.0.0.1', port, plain: true, timeoutMs: 400, signal: caller.signal }),
    );
    expect(r).toEqual({ ok: false, code: 'ETIMEDOUT', message: 'no HTTP answer within 400 ms' });
    expect(ms).toBeLessThan(2500);
  });
});
