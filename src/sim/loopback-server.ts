// A plain HTTP server on an ephemeral loopback port that can be stopped at once: its open sockets
// are destroyed, so a stop never waits for a client's keep-alive. Shared by the small simulators.
import type { Server } from 'node:http';
import type { Socket } from 'node:net';

export async function listenOnLoopback(server: Server): Promise<() => Promise<void>> {
  const sockets = new Set<Socket>();
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  return async () => {
    for (const s of sockets) s.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
}
