// Simulated HSMs: TCP listeners on their ENI addresses (127.0.0.0/8, or addresses inside a private
// network namespace). A port with no listener answers a connect with a TCP reset.
import { createServer, type Server, type Socket } from 'node:net';
import { createServer as createTlsServer } from 'node:tls';

/** TLS on one port (2223): the HSM presents its certificate chain (leaf + cluster certificate). */
export interface HsmTls {
  port: number;
  key: string;
  cert: string;
}

export interface HsmEndpoint {
  ip: string;
  port: number;
}

export class SimulatedHsms {
  private readonly servers = new Map<string, Server>();
  private readonly sockets = new Set<Socket>();

  constructor(private readonly tls?: HsmTls) {}

  async start(endpoints: readonly HsmEndpoint[]): Promise<this> {
    for (const e of endpoints) await this.listen(e);
    return this;
  }

  private async listen({ ip, port }: HsmEndpoint): Promise<void> {
    const track = (socket: Socket) => {
      this.sockets.add(socket);
      socket.on('error', () => {}); // scanners reset connections; that is no reason to crash
      socket.on('close', () => this.sockets.delete(socket));
      socket.setTimeout(30_000, () => socket.destroy());
    };
    let server: Server;
    if (this.tls && port === this.tls.port) {
      const tlsServer = createTlsServer({ key: this.tls.key, cert: this.tls.cert }, (s) =>
        s.on('error', () => {}),
      );
      tlsServer.on('connection', track);
      tlsServer.on('tlsClientError', () => {}); // plain TCP probes hang up without a handshake
      server = tlsServer;
    } else {
      server = createServer(track);
    }
    await new Promise<void>((resolve, reject) => {
      server.once('error', (e: NodeJS.ErrnoException) =>
        reject(
          new Error(
            `cannot listen on ${ip}:${port} for a simulated HSM (${e.code}); is another process using it?`,
          ),
        ),
      );
      server.listen(port, ip, () => resolve());
    });
    this.servers.set(`${ip}:${port}`, server);
  }

  /** Stops every listener of an address, as when an HSM dies. */
  async kill(ip: string): Promise<void> {
    for (const [key, server] of this.servers) {
      if (key.startsWith(`${ip}:`)) {
        this.servers.delete(key);
        await new Promise<void>((resolve) => server.close(() => resolve()));
      }
    }
    for (const s of this.sockets) if (s.localAddress === ip) s.destroy();
  }

  async stop(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await Promise.all(
      [...this.servers.values()].map((s) => new Promise<void>((resolve) => s.close(() => resolve()))),
    );
    this.servers.clear();
  }
}
