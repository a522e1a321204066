// A simulated AWS API on loopback, served from a scenario's snapshot. It speaks the real wire
// protocols (awsJson1.1 for CloudHSM; the query protocol with XML answers for EC2 and STS), answers
// only the read operations hsmwatch uses, and records every call.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { SecureVersion } from 'node:tls';
import type { Snapshot } from '../snapshot/format.js';

export interface AwsFault {
  /** AWS error code, e.g. ThrottlingException, AccessDeniedException. */
  code: string;
  status: number;
  /** How many calls fail before the operation answers normally; absent: all. */
  times?: number;
  /** Only every n-th call fails (the 1st, the n+1-th, …): a throttle now and then in a long read. */
  every?: number;
}

export interface SimCall {
  service: string;
  operation: string;
  params: Record<string, unknown>;
  status: number;
  signed: boolean;
}

export interface OperationContext {
  snapshot: Snapshot;
  pageSize: number | undefined;
}

export interface OperationResult {
  /** The answer in the API's own shape (PascalCase), without paging fields. */
  body: Record<string, unknown>;
}

export type OperationHandler = (params: Record<string, unknown>, ctx: OperationContext) => OperationResult;

/** A protocol: how to recognise a request, read its operation and params, and write answers. */
export interface Protocol {
  match(
    req: IncomingMessage,
    body: string,
  ): { service: string; operation: string; params: Record<string, unknown> } | null;
  answer(res: ServerResponse, service: string, operation: string, result: Record<string, unknown>): void;
  error(res: ServerResponse, service: string, status: number, code: string, message: string): void;
}

const MAX_BODY = 1024 * 1024;

export const awsJsonProtocol: Protocol = {
  match(req, body) {
    const target = req.headers['x-amz-target'];
    if (typeof target !== 'string') return null;
    const [prefix, operation] = target.split('.');
    const service = prefix === 'BaldrApiService' ? 'cloudhsmv2' : `unknown(${prefix})`;
    let params: Record<string, unknown> = {};
    try {
      params = body ? (JSON.parse(body) as Record<string, unknown>) : {};
    } catch {
      params = { __malformed: body.slice(0, 100) };
    }
    return { service, operation: operation ?? '', params };
  },
  answer(res, _service, _op, result) {
    res.writeHead(200, { 'content-type': 'application/x-amz-json-1.1', 'x-amzn-requestid': requestId() });
    res.end(JSON.stringify(result));
  },
  error(res, _service, status, code, message) {
    res.writeHead(status, {
      'content-type': 'application/x-amz-json-1.1',
      'x-amzn-errortype': code,
      'x-amzn-requestid': requestId(),
    });
    res.end(JSON.stringify({ __type: code, message }));
  },
};

let counter = 0;
const requestId = () => `00000000-0000-4000-8000-${String(++counter).padStart(12, '0')}`;

export interface SimAwsOptions {
  snapshot: Snapshot;
  faults?: Record<string, AwsFault>;
  pageSize?: Record<string, number>;
  /** Operation handlers by "service:Operation"; the keys are the only operations answered. */
  operations: Record<string, OperationHandler>;
  protocols: Protocol[];
  /** Serve HTTPS with this test PKI (and TLS configuration) instead of plain HTTP. */
  tls?: {
    key: string;
    cert: string;
    minVersion?: SecureVersion;
    maxVersion?: SecureVersion;
    ciphers?: string;
  };
  /** Offset of the Date header from the real time (a simulated clock skew of this host). */
  clockSkewMs?: number;
}

export class SimulatedAws {
  readonly calls: SimCall[] = [];
  private server: Server | undefined;
  /** The same API over HTTPS (when `tls` is given), beside the plain-HTTP one. */
  private tlsServer: Server | undefined;
  private faultCounts = new Map<string, number>();
  private callCounts = new Map<string, number>();
  snapshot: Snapshot;

  constructor(private readonly o: SimAwsOptions) {
    this.snapshot = o.snapshot;
  }

  /** Calls of anything but the read operations this simulation serves: must stay empty. */
  get unexpectedCalls(): SimCall[] {
    return this.calls.filter((c) => !(`${c.service}:${c.operation}` in this.o.operations));
  }

  get url(): string {
    const a = this.server?.address() as AddressInfo | undefined;
    if (!a) throw new Error('simulated AWS is not started');
    return `http://127.0.0.1:${a.port}`;
  }

  /** The HTTPS endpoint (test PKI), or the HTTP one when the simulation has no TLS configured. */
  get tlsUrl(): string {
    const a = this.tlsServer?.address() as AddressInfo | undefined;
    return a ? `https://127.0.0.1:${a.port}` : this.url;
  }

  async start(port = 0): Promise<this> {
    const listener = (req: IncomingMessage, res: ServerResponse) => {
      if (this.o.clockSkewMs) res.setHeader('date', new Date(Date.now() + this.o.clockSkewMs).toUTCString());
      this.handle(req, res).catch(() => {
        if (!res.headersSent) res.writeHead(500);
        res.end();
      });
    };
    this.server = createServer(listener);
    this.server.keepAliveTimeout = 1000;
    await new Promise<void>((resolve, reject) => {
      this.server!.once('error', reject);
      this.server!.listen(port, '127.0.0.1', () => resolve());
    });
    const tls = this.o.tls;
    if (tls) {
      const t = createHttpsServer({ ...tls }, listener);
      t.on('tlsClientError', () => {}); // scanners and enumeration abort handshakes
      t.keepAliveTimeout = 1000;
      this.tlsServer = t;
      await new Promise<void>((resolve, reject) => {
        t.once('error', reject);
        t.listen(0, '127.0.0.1', () => resolve());
      });
    }
    return this;
  }

  async stop(): Promise<void> {
    const servers = [this.server, this.tlsServer].filter((s): s is Server => s !== undefined);
    this.server = undefined;
    this.tlsServer = undefined;
    await Promise.all(
      servers.map((s) => {
        s.closeAllConnections();
        return new Promise<void>((resolve) => s.close(() => resolve()));
      }),
    );
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    let body = '';
    for await (const chunk of req) {
      body += chunk;
      if (body.length > MAX_BODY) {
        res.writeHead(413);
        res.end();
        return;
      }
    }
    for (const protocol of this.o.protocols) {
      const m = protocol.match(req, body);
      if (!m) continue;
      const key = `${m.service}:${m.operation}`;
      const signed = /^AWS4-HMAC-SHA256 Credential=/.test(String(req.headers.authorization ?? ''));
      const record = (status: number) =>
        this.calls.push({ service: m.service, operation: m.operation, params: m.params, status, signed });
      if (!signed) {
        record(403);
        return protocol.error(
          res,
          m.service,
          403,
          'MissingAuthenticationTokenException',
          'Request is missing Authentication Token',
        );
      }
      const handler = this.o.operations[key];
      if (!handler) {
        record(400);
        return protocol.error(
          res,
          m.service,
          400,
          'UnsupportedOperation',
          `the simulation answers only read operations; ${m.operation} is not one`,
        );
      }
      const fault = this.o.faults?.[key];
      if (fault) {
        const n = this.faultCounts.get(key) ?? 0;
        const call = this.callCounts.get(key) ?? 0;
        this.callCounts.set(key, call + 1);
        const hits = !fault.every || call % fault.every === 0;
        if (hits && (fault.times === undefined || n < fault.times)) {
          this.faultCounts.set(key, n + 1);
          record(fault.status);
          return protocol.error(res, m.service, fault.status, fault.code, `simulated ${fault.code}`);
        }
      }
      try {
        const result = handler(m.params, { snapshot: this.snapshot, pageSize: this.o.pageSize?.[key] });
        record(200);
        return protocol.answer(res, m.service, m.operation, result.body);
      } catch (e) {
        record(400);
        return protocol.error(res, m.service, 400, 'ValidationException', (e as Error).message);
      }
    }
    res.writeHead(400, { 'content-type': 'text/plain' });
    res.end('unrecognised request');
  }
}

/** Pages a list by an opaque NextToken (the offset, base64). */
export function paginate<T>(
  items: readonly T[],
  token: unknown,
  pageSize: number | undefined,
): { page: T[]; nextToken?: string } {
  let start = 0;
  if (typeof token === 'string' && token !== '') {
    const n = Number(Buffer.from(token, 'base64').toString('utf8'));
    if (!Number.isInteger(n) || n < 0 || n > items.length) throw new Error('invalid NextToken');
    start = n;
  }
  if (!pageSize) return { page: items.slice(start) };
  const end = Math.min(items.length, start + pageSize);
  return end < items.length
    ? { page: items.slice(start, end), nextToken: Buffer.from(String(end)).toString('base64') }
    : { page: items.slice(start) };
}
