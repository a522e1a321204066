// Real TLS peers on loopback for tests and benchmarks: Node servers, openssl s_server, hostile peers,
// plain and intercepting CONNECT proxies; and sslscan as the reference scanner.
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import {
  type AddressInfo,
  Socket as NetSocket,
  createServer as netServer,
  type Server,
  type Socket,
} from 'node:net';
import { type TlsOptions, createServer as tlsServer } from 'node:tls';

export interface Peer {
  port: number;
  close(): Promise<void>;
}

async function listen(server: Server, host = '127.0.0.1'): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, host, () => resolve());
  });
  return (server.address() as AddressInfo).port;
}

function closer(server: Server, sockets: Set<Socket>) {
  return () =>
    new Promise<void>((resolve) => {
      for (const s of sockets) s.destroy();
      server.close(() => resolve());
    });
}

function track(server: Server): Set<Socket> {
  const sockets = new Set<Socket>();
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('error', () => {});
    s.on('close', () => sockets.delete(s));
  });
  return sockets;
}

/** A Node TLS server that answers any HTTP request with 200 and (optionally) a chosen Date. */
export async function nodeTlsServer(o: TlsOptions & { date?: () => string }): Promise<Peer> {
  const server = tlsServer(o, (s) => {
    s.on('error', () => {});
    s.once('data', () => {
      const date = o.date?.() ?? new Date().toUTCString();
      s.end(`HTTP/1.1 200 OK\r\nDate: ${date}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n`);
    });
  });
  server.on('tlsClientError', () => {});
  const sockets = track(server);
  const port = await listen(server);
  return { port, close: closer(server, sockets) };
}

/** openssl s_server: serves one connection at a time (a serialising server). */
export async function opensslServer(args: string[]): Promise<Peer> {
  for (let attempt = 0; attempt < 5; attempt++) {
    const port = 20000 + Math.floor(Math.random() * 30000);
    const child: ChildProcess = spawn(
      'openssl',
      ['s_server', '-accept', `127.0.0.1:${port}`, '-quiet', ...args],
      {
        stdio: ['pipe', 'ignore', 'pipe'],
      },
    );
    let err = '';
    child.stderr?.on('data', (d) => {
      err += d;
    });
    const ok = await waitForPort(port, 3000, child);
    if (ok) {
      return {
        port,
        close: () =>
          new Promise<void>((resolve) => {
            if (child.exitCode !== null) return resolve();
            child.once('exit', () => resolve());
            child.kill('SIGTERM');
          }),
      };
    }
    child.kill('SIGKILL');
    if (!/address in use|Address already in use/i.test(err))
      throw new Error(`openssl s_server did not start: ${err}`);
  }
  throw new Error('openssl s_server: no free port');
}

async function waitForPort(port: number, ms: number, child: ChildProcess): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end && child.exitCode === null) {
    const up = await new Promise<boolean>((resolve) => {
      const s = new NetSocket();
      s.once('connect', () => {
        s.destroy();
        resolve(true);
      });
      s.once('error', () => resolve(false));
      s.connect(port, '127.0.0.1');
    });
    if (up) return true;
    await new Promise((r) => setTimeout(r, 30));
  }
  return false;
}

/** Hostile peers: each accepts TCP and misbehaves in one way. */
export async function hostilePeer(kind: 'silent' | 'garbage' | 'reset' | 'http'): Promise<Peer> {
  const server = netServer((s) => {
    s.on('error', () => {});
    if (kind === 'silent') return;
    s.once('data', () => {
      if (kind === 'garbage') s.write(Buffer.from('\x00\xffgarbage that is not TLS\r\n'.repeat(8), 'latin1'));
      else if (kind === 'http') s.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
      else s.resetAndDestroy();
    });
  });
  const sockets = track(server);
  const port = await listen(server);
  return { port, close: closer(server, sockets) };
}

/** An HTTP CONNECT proxy; `intercept` makes it terminate TLS itself with the given certificate
 *  and re-encrypt towards the real server (a TLS-inspecting middlebox). */
export async function connectProxy(
  o: { intercept?: { key: string; cert: string }; refuse?: boolean } = {},
): Promise<Peer & { connects: string[] }> {
  const connects: string[] = [];
  const { startConnectProxy } = await import('../../src/sim/connect-proxy.js');
  const p = await startConnectProxy({ ...o, onConnect: (t) => connects.push(t) });
  return { port: p.port, close: p.close, connects };
}

export interface SslscanVerdict {
  versions: string[];
  nonForwardSecret: boolean;
  ms: number;
}

const VERSION_MAP: Record<string, string> = {
  '1.0': 'TLSv1',
  '1.1': 'TLSv1.1',
  '1.2': 'TLSv1.2',
  '1.3': 'TLSv1.3',
};

export function sslscan(port: number, host = '127.0.0.1'): Promise<SslscanVerdict> {
  const t0 = performance.now();
  return new Promise((resolve, reject) => {
    execFile('sslscan', ['--no-colour', '--xml=-', `${host}:${port}`], { timeout: 60_000 }, (err, stdout) => {
      if (err && !stdout) return reject(err);
      const versions = [...stdout.matchAll(/<protocol type="tls" version="([\d.]+)" enabled="1"/g)].map(
        (m) => VERSION_MAP[m[1]!]!,
      );
      const ciphers = [
        ...stdout.matchAll(/<cipher status="\w+" sslversion="([^"]+)"[^>]* cipher="([^"]+)"/g),
      ];
      const nonForwardSecret = ciphers.some(([, v, c]) => v !== 'TLSv1.3' && !/^(ECDHE|DHE|EDH)-/.test(c!));
      resolve({ versions, nonForwardSecret, ms: performance.now() - t0 });
    });
  });
}
