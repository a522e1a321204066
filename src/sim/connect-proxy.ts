// An HTTP CONNECT proxy on loopback for the demo and tests. With `intercept`, it is a TLS-inspecting
// middlebox: it terminates the client's TLS with its own certificate and opens its own TLS to the
// target. It tunnels only to loopback targets.
import { type AddressInfo, connect, createServer, isIP, type Socket } from 'node:net';
import { createSecureContext, TLSSocket, connect as tlsConnect } from 'node:tls';

export interface ConnectProxyOptions {
  intercept?: { key: string; cert: string };
  /** Answer every CONNECT with 403. */
  refuse?: boolean;
  onConnect?: (target: string) => void;
}

export interface RunningProxy {
  port: number;
  url: string;
  close(): Promise<void>;
}

const loopback = (h: string) => h === 'localhost' || (isIP(h) === 4 ? h.startsWith('127.') : h === '::1');

export async function startConnectProxy(o: ConnectProxyOptions = {}): Promise<RunningProxy> {
  const sockets = new Set<Socket>();
  const ctx = o.intercept ? createSecureContext({ key: o.intercept.key, cert: o.intercept.cert }) : undefined;
  const server = createServer((client) => {
    sockets.add(client);
    client.on('error', () => {});
    client.on('close', () => sockets.delete(client));
    client.setTimeout(30_000, () => client.destroy());
    let buf = Buffer.alloc(0);
    const onData = (chunk: Buffer) => {
      buf = Buffer.concat([buf, chunk]);
      const end = buf.indexOf('\r\n\r\n');
      if (end < 0) {
        if (buf.length > 8192) client.destroy();
        return;
      }
      client.off('data', onData);
      const m = /^CONNECT (\[[^\]]+\]|[^:\s]+):(\d+) HTTP\/1\.[01]/.exec(
        buf.subarray(0, end).toString('latin1'),
      );
      if (!m) return void client.end('HTTP/1.1 405 Method Not Allowed\r\n\r\n');
      const host = m[1]!.replace(/^\[|\]$/g, '');
      const port = Number(m[2]);
      o.onConnect?.(`${host}:${port}`);
      if (o.refuse) return void client.end('HTTP/1.1 403 Forbidden\r\n\r\n');
      if (!loopback(host)) return void client.end('HTTP/1.1 403 Forbidden\r\n\r\n');
      const upstream = connect({ host, port });
      sockets.add(upstream);
      upstream.on('error', () => client.destroy());
      upstream.on('close', () => {
        sockets.delete(upstream);
        client.destroy();
      });
      client.on('close', () => upstream.destroy());
      upstream.once('connect', () => {
        client.write('HTTP/1.1 200 Connection established\r\n\r\n');
        const rest = buf.subarray(end + 4);
        if (!ctx) {
          if (rest.length) upstream.write(rest);
          client.pipe(upstream);
          upstream.pipe(client);
          return;
        }
        if (rest.length) client.unshift(rest);
        // Terminate the client's TLS with our certificate; open our own TLS to the target.
        const front = new TLSSocket(client, {
          isServer: true,
          secureContext: ctx,
          ALPNProtocols: ['http/1.1'],
        });
        front.on('error', () => client.destroy());
        const back = tlsConnect({
          socket: upstream,
          rejectUnauthorized: false,
          ...(isIP(host) ? {} : { servername: host }),
        });
        back.on('error', () => client.destroy());
        front.pipe(back);
        back.pipe(front);
      });
    };
    client.on('data', onData);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
