// The agent's HTTP(S) server: /metrics, /report, the status page, /-/healthy and /-/ready. Every
// answer comes from results in memory: a request never runs a probe. Every body is redacted
// (src/util/redact.ts) once per rendering: the results may carry text an AWS endpoint answered.
import {
  createServer as createHttpServer,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { promisify } from 'node:util';
import { gzip } from 'node:zlib';
import { redact } from '../util/redact.js';
import type { Logger } from './log.js';
import type { AgentMetrics } from './metrics.js';
import type { AgentState } from './state.js';
import { renderStatusPage } from './status-page.js';
import { BasicAuth, type WebConfig } from './web-config.js';

const gzipAsync = promisify(gzip);

interface Exposition {
  contentType: string;
  body: Buffer;
  /** Compressed once per rendering, for every scraper that accepts gzip (Prometheus does). */
  gzipped: Promise<Buffer>;
}

function compressed(contentType: string, text: string): Exposition {
  const body = Buffer.from(text);
  const gzipped = body.length ? gzipAsync(body, { level: 1 }) : Promise.resolve(Buffer.alloc(0));
  gzipped.catch(() => {});
  return { contentType, body, gzipped };
}

const EOF = compressed('', '# EOF\n');
const EMPTY = compressed('', '');

export interface ListenAddress {
  host: string | undefined;
  port: number;
}

/** `:10223`, `0.0.0.0:10223`, `[::1]:10223`, `localhost:0`. */
export function parseListenAddress(s: string): ListenAddress {
  const m = /^(?:\[([^\]]+)\]|([^:[\]]*)):(\d{1,5})$/.exec(s);
  const port = Number(m?.[3]);
  if (!m || port > 65535) throw new Error(`listen address "${s}" must be [host]:port, e.g. :10223`);
  const host = m[1] ?? m[2];
  return { host: host ? host : undefined, port };
}

export interface ServerOptions {
  state: AgentState;
  metrics: AgentMetrics;
  log: Logger;
  web: WebConfig;
  version: string;
  /** Where the metrics are served (--web.telemetry-path, as exporters); default /metrics. */
  telemetryPath?: string;
  /** How long one rendered /metrics exposition is reused (process metrics age at most this much). */
  metricsCacheMs?: number;
}

export class AgentServer {
  private server: Server | HttpsServer | null = null;
  private web: WebConfig;
  private auth: BasicAuth;
  private readonly cache = new Map<string, { at: number; version: number; body: Promise<Exposition> }>();
  /** The last /report JSON and its redacted copy: redacted again only when the report changed. */
  private report: { json: string; safe: string } | null = null;
  /** Changed by a reload. */
  telemetryPath: string;

  constructor(private readonly o: ServerOptions) {
    this.web = o.web;
    this.auth = new BasicAuth(o.web.users);
    this.telemetryPath = o.telemetryPath ?? '/metrics';
  }

  get tls(): boolean {
    return this.web.tls !== null;
  }

  async listen(address: ListenAddress): Promise<AddressInfo> {
    const handler = (req: IncomingMessage, res: ServerResponse) => {
      this.handle(req, res).catch((e) => {
        this.o.log.error('request failed', { path: req.url, error: e });
        if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' });
        res.end('internal error\n');
      });
    };
    const t = this.web.tls;
    // headersTimeout and requestTimeout are enforced by a sweep every connectionsCheckingInterval
    // (30 s by default): a slowloris client would be held three times longer than headersTimeout says.
    const sweep = { connectionsCheckingInterval: 1000 };
    const server = t
      ? createHttpsServer(
          {
            ...sweep,
            cert: t.cert,
            key: t.key,
            ...(t.ca ? { ca: t.ca } : {}),
            requestCert: t.requestCert,
            rejectUnauthorized: t.rejectUnauthorized,
            minVersion: t.minVersion,
            ...(t.maxVersion ? { maxVersion: t.maxVersion } : {}),
          },
          handler,
        )
      : createHttpServer(sweep, handler);
    server.keepAliveTimeout = 65_000;
    server.headersTimeout = 10_000;
    server.requestTimeout = 30_000;
    server.on('clientError', (_e, socket) => socket.destroy());
    if (t) (server as HttpsServer).on('tlsClientError', () => {});
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(address.port, address.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    this.server = server;
    return server.address() as AddressInfo;
  }

  /** A reloaded web config: users, headers and certificates change; plain ⇄ TLS needs a restart. */
  reload(web: WebConfig): string | null {
    if ((web.tls === null) !== (this.web.tls === null))
      return 'switching between plain HTTP and TLS needs a restart; keeping the current web config';
    if (web.tls && this.server && 'setSecureContext' in this.server) {
      this.server.setSecureContext({
        cert: web.tls.cert,
        key: web.tls.key,
        ...(web.tls.ca ? { ca: web.tls.ca } : {}),
        minVersion: web.tls.minVersion,
        ...(web.tls.maxVersion ? { maxVersion: web.tls.maxVersion } : {}),
      });
    }
    this.web = web;
    this.auth = new BasicAuth(web.users);
    return null;
  }

  async close(deadlineMs: number): Promise<void> {
    const server = this.server;
    if (!server) return;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeIdleConnections();
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      closed,
      new Promise<void>((resolve) => {
        timer = setTimeout(() => {
          server.closeAllConnections();
          resolve();
        }, deadlineMs);
      }),
    ]);
    clearTimeout(timer);
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    for (const [k, v] of Object.entries(this.web.headers)) res.setHeader(k, v);
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD', 'content-type': 'text/plain; charset=utf-8' });
      res.end('method not allowed\n');
      return;
    }
    if (this.auth.enabled && !(await this.auth.check(req.headers.authorization))) {
      res.writeHead(401, {
        'www-authenticate': 'Basic realm="hsmwatch", charset="UTF-8"',
        'content-type': 'text/plain; charset=utf-8',
      });
      res.end('Unauthorized\n');
      return;
    }
    const path = (req.url ?? '/').split('?')[0];
    const { state } = this.o;
    if (path === this.telemetryPath) return this.serveMetrics(req, res);
    switch (path) {
      case '/report': {
        const r = state.report();
        if (!r) this.send(req, res, 503, 'application/json', '{"error":"discovery has not finished yet"}\n');
        else this.send(req, res, 200, 'application/json; charset=utf-8', this.safeReport(r.json));
        return;
      }
      case '/':
        this.send(req, res, 200, 'text/html; charset=utf-8', this.statusPage());
        return;
      case '/-/healthy':
        this.send(req, res, 200, 'text/plain; charset=utf-8', 'Healthy\n');
        return;
      case '/-/ready':
        if (state.ready) this.send(req, res, 200, 'text/plain; charset=utf-8', 'Ready\n');
        else
          this.send(
            req,
            res,
            503,
            'text/plain; charset=utf-8',
            'Not ready: the first round of probes is running\n',
          );
        return;
      default:
        this.send(
          req,
          res,
          404,
          'text/plain; charset=utf-8',
          `not found; try /, ${this.telemetryPath}, /report\n`,
        );
    }
  }

  private async serveMetrics(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const open = /application\/openmetrics-text/.test(req.headers.accept ?? '');
    const m = await this.exposition(open ? 'openmetrics' : 'text');
    if (/\bgzip\b/.test(String(req.headers['accept-encoding'] ?? ''))) {
      this.send(req, res, 200, m.contentType, await m.gzipped, {
        'content-encoding': 'gzip',
        vary: 'Accept-Encoding',
      });
    } else {
      this.send(req, res, 200, m.contentType, m.body, { vary: 'Accept-Encoding' });
    }
  }

  private safeReport(json: string): string {
    if (this.report?.json !== json) this.report = { json, safe: redact(json) };
    return this.report.safe;
  }

  private statusPage(): string {
    return redact(
      renderStatusPage(this.o.state, {
        version: this.o.version,
        refreshSeconds: 15,
        telemetryPath: this.telemetryPath,
      }),
    );
  }

  /**
   * The exposition from cached parts: the results part is rendered again only after a result changed
   * (and at most once per cache period), the small process part once per cache period. Both are
   * gzipped once per rendering; gzip members concatenate into one valid stream.
   */
  private async exposition(format: 'text' | 'openmetrics'): Promise<Exposition> {
    const open = format === 'openmetrics';
    const [results, proc] = await Promise.all([
      this.part(`results-${format}`, 'results', open),
      this.part(`process-${format}`, 'process', open),
    ]);
    const eof = open ? EOF : EMPTY;
    return {
      contentType: results.contentType,
      body: Buffer.concat([results.body, proc.body, eof.body]),
      gzipped: Promise.all([results.gzipped, proc.gzipped, eof.gzipped]).then((b) => Buffer.concat(b)),
    };
  }

  private part(key: string, which: 'results' | 'process', open: boolean): Promise<Exposition> {
    const ttl = this.o.metricsCacheMs ?? 1000;
    const now = Date.now();
    const version = which === 'results' ? this.o.metrics.version : -1;
    const hit = this.cache.get(key);
    if (hit && (now - hit.at < ttl || (which === 'results' && hit.version === version))) return hit.body;
    const body = this.o.metrics.render(which, open).then((r) => compressed(r.contentType, redact(r.body)));
    this.cache.set(key, { at: now, version, body });
    body.catch(() => this.cache.delete(key));
    return body;
  }

  private send(
    req: IncomingMessage,
    res: ServerResponse,
    status: number,
    type: string,
    body: string | Buffer,
    headers: Record<string, string> = {},
  ) {
    res.writeHead(status, {
      'content-type': type,
      'content-length': Buffer.byteLength(body),
      'cache-control': 'no-store',
      ...headers,
    });
    res.end(req.method === 'HEAD' ? undefined : body);
  }
}
