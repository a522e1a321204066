// measureSkew ends its wait for the HTTP answer when its signal is aborted (the probe's deadline, the
// agent's shutdown), not only at its own timeout: a peer that accepts and never answers must not
// hold a probe past the moment it was told to stop.
import { readFileSync } from 'node:fs';
import { createServer as netServer, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { createServer as tlsServer } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { measureSkew } from '../../src/tls/clock.js';
import { packageRoot } from '../../src/util/paths.js';

const pki = (f: string) => readFileSync(join(packageRoot(), 'scenarios', 'pki', f), 'utf8');
const servers: Server[] = [];
const sockets = new Set<Socket>();
let plainPort = 0;
let tlsPort = 0;

async function listen(server: Server): Promise<number> {
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('error', () => {});
    s.on('close', () => sockets.delete(s));
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return (server.address() as { port: number }).port;
}

beforeAll(async () => {
  // Both accept the request and never answer it.
  plainPort = await listen(netServer(() => {}));
  const t = tlsServer({ key: pki('aws-server.key'), cert: pki('aws-server.crt') }, (s) =>
    s.on('error', () => {}),
  );
  t.on('tlsClientError', () => {});
  tlsPort = await listen(t);
});

afterAll(async () => {
  for (const s of sockets) s.destroy();
  await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
});

describe('measureSkew and its signal', () => {
  it.each([
    ['plain HTTP', () => ({ port: plainPort, plain: true })],
    ['HTTPS', () => ({ port: tlsPort, ca: pki('aws-ca.crt'), servername: 'localhost' })],
  ])('%s: an abort while waiting for the answer ends it at once', async (_name, target) => {
    const controller = new AbortController();
    const t0 = performance.now();
    setTimeout(() => controller.abort(new Error('probe deadline')), 300);
    const r = await measureSkew({
      host: '127.0.0.1',
      timeoutMs: 8000,
      signal: controller.signal,
      ...target(),
    });
    const ms = performance.now() - t0;
    expect(r).toEqual({
      ok: false,
      code: 'ABORT_ERR',
      message: 'stopped before an HTTP answer (probe deadline)',
    });
    expect(ms).toBeGreaterThanOrEqual(290);
    expect(ms).toBeLessThan(2000);
  });

  it('an already aborted signal does not wait at all', async () => {
    const r = await measureSkew({
      host: '127.0.0.1',
      port: plainPort,
      plain: true,
      timeoutMs: 8000,
      signal: AbortSignal.abort(),
    });
    expect(r.ok).toBe(false);
  });

  it('without an abort, its own timeout still ends the wait', async () => {
    const r = await measureSkew({ host: '127.0.0.1', port: plainPort, plain: true, timeoutMs: 300 });
    expect(r).toEqual({ ok: false, code: 'ETIMEDOUT', message: 'no HTTP answer within 300 ms' });
  });
});
