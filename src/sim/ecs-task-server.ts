// A simulated ECS task metadata endpoint v4 on loopback: `GET /task` answers the scenario's task JSON
// (the shape of "Amazon ECS task metadata V4 JSON response"), as the ECS agent or Fargate does at
// ${ECS_CONTAINER_METADATA_URI_V4}.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { listenOnLoopback } from './loopback-server.js';

export class SimulatedEcsTaskMetadata {
  readonly calls: Array<{ method: string; path: string; status: number }> = [];
  private server: Server | undefined;
  private close: (() => Promise<void>) | undefined;

  constructor(private readonly task: Record<string, unknown>) {}

  /** The endpoint, as ECS_CONTAINER_METADATA_URI_V4 would hold it (a per-container path). */
  get url(): string {
    const a = this.server?.address() as AddressInfo | undefined;
    if (!a) throw new Error('simulated task metadata endpoint is not started');
    return `http://127.0.0.1:${a.port}/v4/sim-container`;
  }

  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      const path = req.url ?? '/';
      const ok = req.method === 'GET' && path === '/v4/sim-container/task';
      const status = ok ? 200 : 404;
      this.calls.push({ method: req.method ?? '?', path, status });
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(ok ? JSON.stringify(this.task) : '{}');
    });
    this.close = await listenOnLoopback(this.server);
    return this;
  }

  async stop(): Promise<void> {
    const close = this.close;
    this.server = undefined;
    this.close = undefined;
    await close?.();
  }
}
