// The one HTTP path of every AWS API call and every IMDS read. One deadline bounds the whole
// exchange — connect, headers and the last byte of the body — and whatever gives up on a request
// (its deadline, the caller's signal, the client being destroyed) destroys it with its socket. The
// SDK's own handler (@aws-sdk/node-http-handler) only has an idle timeout, which a peer that
// trickles one byte at a time never trips, and resolves at the headers, leaving the body unbounded.
import {
  type ClientRequest,
  Agent as HttpAgent,
  request as httpRequest,
  type IncomingMessage,
} from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { Readable } from 'node:stream';

export interface BoundedRequest {
  url: URL;
  method: string;
  headers: Record<string, string>;
  body?: string | Uint8Array | Readable | undefined;
  agent?: HttpAgent | undefined;
  /** Connect, headers and the whole body. */
  timeoutMs: number;
  /** The connect alone (TCP, and TLS for https), within timeoutMs. */
  connectTimeoutMs?: number | undefined;
  maxBodyBytes: number;
  signal?: AbortSignal | undefined;
}

export interface BoundedResponse {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
}

type Phase = 'connect' | 'headers' | 'body';

/** Why a request was given up, as an error the SDK's retry logic and classifyAwsError understand. */
function failure(name: string, code: string, message: string): Error {
  // hsmwatchHttp: the message is hsmwatch's own, safe to show as the cause.
  return Object.assign(new Error(message), { name, code, hsmwatchHttp: true });
}

function deadlineError(phase: Phase, ms: number, status: number | null, bytes: number): Error {
  const what =
    phase === 'connect'
      ? `no connection within ${ms} ms`
      : phase === 'headers'
        ? `connected, but no answer within ${ms} ms`
        : `the answer (HTTP ${status}) did not complete within ${ms} ms: ${bytes} byte(s) of its body arrived, the rest is still trickling`;
  return failure('TimeoutError', 'ETIMEDOUT', what);
}

function headersOf(res: IncomingMessage): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(res.headers)) {
    if (v !== undefined) out[k.toLowerCase()] = Array.isArray(v) ? v.join(', ') : v;
  }
  return out;
}

/** One exchange in flight: where it is, what arrived, and the one way it ends. */
class Exchange {
  phase: Phase = 'connect';
  status: number | null = null;
  bytes = 0;
  req: ClientRequest | undefined;
  private settled = false;
  private readonly timers: NodeJS.Timeout[] = [];
  private readonly onAbort = () =>
    this.finish(failure('AbortError', 'ABORT_ERR', 'request aborted (deadline or shutdown)'));

  constructor(
    private readonly o: BoundedRequest,
    private readonly resolve: (r: BoundedResponse) => void,
    private readonly reject: (e: Error) => void,
  ) {
    const connectMs = Math.min(o.connectTimeoutMs ?? o.timeoutMs, o.timeoutMs);
    this.timers.push(
      setTimeout(
        () => this.finish(deadlineError(this.phase, o.timeoutMs, this.status, this.bytes)),
        o.timeoutMs,
      ),
      setTimeout(() => {
        if (this.phase === 'connect') this.finish(deadlineError('connect', connectMs, null, 0));
      }, connectMs),
    );
    o.signal?.addEventListener('abort', this.onAbort, { once: true });
  }

  finish(err: Error | null, value?: BoundedResponse): void {
    if (this.settled) return;
    this.settled = true;
    for (const t of this.timers) clearTimeout(t);
    this.o.signal?.removeEventListener('abort', this.onAbort);
    if (err) {
      // Destroyed, not released: a half-read answer must not go back into the keep-alive pool.
      this.req?.destroy();
      this.reject(err);
    } else this.resolve(value!);
  }

  /** Once the answer has begun, a socket error or close is a truncated answer, whatever Node calls it. */
  truncated(): Error {
    return failure(
      'Error',
      'ECONNRESET',
      `the connection closed in the middle of the answer (HTTP ${this.status}, after ${this.bytes} byte(s) of its body)`,
    );
  }

  connected = () => {
    if (this.phase === 'connect') this.phase = 'headers';
  };

  /** The body, whole and within the size bound. */
  read(res: IncomingMessage): void {
    this.phase = 'body';
    this.status = res.statusCode ?? 0;
    const chunks: Buffer[] = [];
    res.on('data', (chunk: Buffer) => {
      this.bytes += chunk.length;
      if (this.bytes <= this.o.maxBodyBytes) chunks.push(chunk);
      else
        this.finish(
          failure(
            'ResponseTooLarge',
            'ERESPONSETOOLARGE',
            `the answer is larger than ${this.o.maxBodyBytes} bytes`,
          ),
        );
    });
    res.on('error', () => this.finish(this.truncated()));
    res.on('close', () => {
      if (!res.complete) this.finish(this.truncated());
    });
    res.on('end', () =>
      this.finish(null, { status: this.status ?? 0, headers: headersOf(res), body: Buffer.concat(chunks) }),
    );
  }
}

/** One request, bounded in time and size; rejects with TimeoutError, AbortError or a socket error. */
export function boundedRequest(o: BoundedRequest): Promise<BoundedResponse> {
  return new Promise((resolve, reject) => {
    if (o.signal?.aborted) {
      reject(failure('AbortError', 'ABORT_ERR', 'request aborted before it was sent'));
      return;
    }
    const x = new Exchange(o, resolve, reject);
    const https = o.url.protocol === 'https:';
    let req: ClientRequest;
    try {
      req = (https ? httpsRequest : httpRequest)(o.url, {
        method: o.method,
        headers: o.headers,
        agent: o.agent,
      });
    } catch (e) {
      // Node rejects a header value with control characters before anything is sent.
      x.finish(e as Error);
      return;
    }
    x.req = req;
    req.on('socket', (socket) => {
      if (socket.connecting) socket.once(https ? 'secureConnect' : 'connect', x.connected);
      else x.connected();
    });
    req.on('error', (e) => x.finish(x.phase === 'body' ? x.truncated() : e));
    req.on('response', (res) => x.read(res));
    if (o.body instanceof Readable) o.body.pipe(req);
    else req.end(o.body === undefined ? undefined : Buffer.from(o.body));
  });
}

/** The request line and headers the SDK hands its request handler (@aws-sdk/protocol-http HttpRequest). */
interface SdkHttpRequest {
  protocol: string;
  hostname: string;
  port?: number | undefined;
  method: string;
  path: string;
  query?: Record<string, string | string[] | null> | undefined;
  headers: Record<string, string>;
  body?: unknown;
}

/** The SDK's own signal type: a native AbortSignal here, but typed (and polyfilled) by the SDK. */
interface SdkAbortSignal {
  readonly aborted: boolean;
  // biome-ignore lint/complexity/noBannedTypes: the SDK's own type of the slot
  onabort?: Function | null;
  addEventListener?: (type: 'abort', fn: () => void, o?: { once: boolean }) => void;
}

const escapeUri = (s: string) =>
  encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

/** As @aws-sdk/querystring-builder: keys sorted, values escaped, a null value as a bare key. */
function queryString(query: SdkHttpRequest['query']): string {
  const parts: string[] = [];
  for (const key of Object.keys(query ?? {}).sort()) {
    const value = query![key];
    const k = escapeUri(key);
    if (value === null || value === undefined) parts.push(k);
    else for (const v of Array.isArray(value) ? value : [value]) parts.push(`${k}=${escapeUri(v)}`);
  }
  return parts.join('&');
}

/** AWS answers are read whole: a page of EC2 answers is a few MB at most. */
const MAX_AWS_BODY_BYTES = 64 * 1024 * 1024;

export interface SdkHandlerOptions {
  timeoutMs: number;
  connectTimeoutMs: number;
  httpsAgent?: HttpsAgent | undefined;
}

/**
 * The request handler of every AWS SDK client (the SDK's RequestHandler contract): the answer is read
 * whole within the request's deadline and handed to the SDK as bytes, so its parsers never wait on a
 * socket. Destroying the client destroys every request still in flight.
 */
export class BoundedSdkHandler {
  readonly metadata = { handlerProtocol: 'http/1.1' };
  private readonly inFlight = new Set<AbortController>();
  private readonly httpAgent = new HttpAgent({ keepAlive: true, maxSockets: 50 });
  private readonly httpsAgent: HttpsAgent;

  constructor(private readonly o: SdkHandlerOptions) {
    this.httpsAgent = o.httpsAgent ?? new HttpsAgent({ keepAlive: true, maxSockets: 50 });
  }

  async handle(
    request: SdkHttpRequest,
    { abortSignal }: { abortSignal?: SdkAbortSignal } = {},
  ): Promise<{ response: { statusCode: number; headers: Record<string, string>; body: Uint8Array } }> {
    const controller = new AbortController();
    this.inFlight.add(controller);
    const unlink = linkAbort(abortSignal, controller);
    try {
      const https = request.protocol === 'https:';
      const host =
        request.hostname.includes(':') && !request.hostname.startsWith('[')
          ? `[${request.hostname}]`
          : request.hostname;
      const query = queryString(request.query);
      const url = new URL(
        `${request.protocol}//${host}${request.port ? `:${request.port}` : ''}${request.path}${query ? `?${query}` : ''}`,
      );
      const r = await boundedRequest({
        url,
        method: request.method,
        headers: request.headers,
        body: request.body as BoundedRequest['body'],
        agent: https ? this.httpsAgent : this.httpAgent,
        timeoutMs: this.o.timeoutMs,
        connectTimeoutMs: this.o.connectTimeoutMs,
        maxBodyBytes: MAX_AWS_BODY_BYTES,
        signal: controller.signal,
      });
      return {
        response: {
          statusCode: r.status,
          headers: boundRetryAfter(r.headers, this.o.timeoutMs),
          body: new Uint8Array(r.body),
        },
      };
    } finally {
      unlink();
      this.inFlight.delete(controller);
    }
  }

  /** Every request still in flight is destroyed, then the connections kept alive. */
  destroy(): void {
    for (const c of this.inFlight) c.abort();
    this.inFlight.clear();
    this.httpAgent.destroy();
    this.httpsAgent.destroy();
  }
}

/** The caller's signal aborts this request; the returned function unhooks it. */
function linkAbort(signal: SdkAbortSignal | undefined, controller: AbortController): () => void {
  if (!signal) return () => {};
  if (signal.aborted) {
    controller.abort();
    return () => {};
  }
  const onAbort = () => controller.abort();
  if (typeof signal.addEventListener === 'function') {
    signal.addEventListener('abort', onAbort, { once: true });
    return () => (signal as unknown as AbortSignal).removeEventListener('abort', onAbort);
  }
  // The SDK's polyfill has a single onabort slot: chain, never replace, what is there.
  const previous = signal.onabort;
  signal.onabort = function (this: unknown, ...args: unknown[]) {
    onAbort();
    return previous?.apply(this, args);
  };
  return () => {};
}

/** A `Retry-After` beyond the request's own deadline is cut to it (the SDK sleeps it out, unabortably). */
function boundRetryAfter(headers: Record<string, string>, maxMs: number): Record<string, string> {
  const v = headers['retry-after'];
  if (v === undefined) return headers;
  const seconds = Number(v);
  const ms = Number.isNaN(seconds) ? new Date(v).getTime() - Date.now() : seconds * 1000;
  if (ms >= 0 && ms <= maxMs) return headers;
  return { ...headers, 'retry-after': String(Math.max(0, Math.floor(maxMs / 1000))) };
}

export { HttpAgent, HttpsAgent };
