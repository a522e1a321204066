// The fault suite's shared pieces: planted credentials that must never be shown, hostile HTTP peers
// on loopback, and one way to run the built CLI against them and check the outcome.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { expect } from 'vitest';
import { type CliResult, runCli } from '../support/cli.js';

/** Credentials shaped like real ones: any of these in any output is a leak. */
export const PLANTED = {
  accessKeyId: 'AKIAFAULTSUITE0PLANT',
  secretAccessKey: 'fAuLtSuItE/pLaNtEd+SeCrEt0000000000000000',
  sessionToken: 'IQoJb3JpZ2luX2VjEFaultSuitePlantedSessionToken0000000000000000000000000000000000000000',
};

export const PLANTED_ENV: NodeJS.ProcessEnv = {
  AWS_ACCESS_KEY_ID: PLANTED.accessKeyId,
  AWS_SECRET_ACCESS_KEY: PLANTED.secretAccessKey,
  AWS_SESSION_TOKEN: PLANTED.sessionToken,
  AWS_EC2_METADATA_DISABLED: 'true',
  AWS_REGION: undefined,
  AWS_DEFAULT_REGION: undefined,
  AWS_PROFILE: undefined,
  HOME: '/nonexistent',
};

export function expectNoSecret(...texts: string[]): void {
  for (const t of texts)
    for (const s of Object.values(PLANTED)) {
      expect(t).not.toContain(s);
      // Also no recognisable part of one (a token cut by a width or an excerpt).
      expect(t).not.toContain(s.slice(0, 16));
    }
}

export interface HostilePeer {
  url: string;
  server: Server;
  /** Sockets still open: a client that abandons a request must close its connection. */
  openSockets(): number;
  close(): Promise<void>;
}

/** An HTTP server on 127.0.0.1 that answers with `handler`; closing it destroys every socket. */
export async function hostileHttp(
  handler: (req: IncomingMessage, res: ServerResponse, body: string) => void,
): Promise<HostilePeer> {
  const sockets = new Set<Socket>();
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (d) => (body += d));
    req.on('end', () => handler(req, res, body));
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    server,
    openSockets: () => sockets.size,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

/** Headers now, then one byte every `everyMs`, never finishing (until the client goes away). */
export function trickle(res: ServerResponse, everyMs = 500, status = 200): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.write('{');
  const t = setInterval(() => {
    if (res.destroyed || res.writableEnded) clearInterval(t);
    else res.write(' ');
  }, everyMs);
  res.on('close', () => clearInterval(t));
}

export interface FaultRun extends CliResult {
  /** stdout and stderr together, for the no-secret check. */
  all: string;
}

/** The built CLI with the planted credentials and IMDS off, unless `env` says otherwise. */
export async function runFault(
  args: string[],
  o: { env?: NodeJS.ProcessEnv; timeoutMs?: number } = {},
): Promise<FaultRun> {
  const r = await runCli(args, { env: { ...PLANTED_ENV, ...o.env }, timeoutMs: o.timeoutMs ?? 60_000 });
  expectNoSecret(r.stdout, r.stderr);
  return { ...r, all: `${r.stdout}\n${r.stderr}` };
}
