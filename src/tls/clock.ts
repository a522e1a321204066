// Clock skew against an HTTPS endpoint's Date header, corrected for the round trip: the server
// stamped its Date somewhere between sending our request and receiving its answer; we take the
// midpoint, and add half a second for the header's whole-second resolution.
import { Socket } from 'node:net';
import { deadline } from '../util/deadline.js';
import { type HandshakeOptions, handshake, tcp } from './handshake.js';

export type SkewResult =
  | {
      ok: true;
      /** This host's clock minus the server's, in ms (positive: this host is ahead). */
      skewMs: number;
      rttMs: number;
      serverDate: string;
      status: number;
    }
  | { ok: false; code: string; message: string };

const MAX_HEAD = 32 * 1024;

type SkewOptions = Omit<HandshakeOptions, 'keepOpen'> & {
  path?: string;
  /** plain HTTP, no TLS */
  plain?: boolean;
};

/** The connection the request goes over: TCP, or TLS after a handshake (the caller destroys it). */
async function open(o: SkewOptions): Promise<Socket | Extract<SkewResult, { ok: false }>> {
  if (!o.plain) {
    const h = await handshake({ ...o, keepOpen: true, alpn: ['http/1.1'] });
    return h.ok ? h.socket! : { ok: false, code: h.code, message: h.message };
  }
  const connectDeadline = deadline(o.timeoutMs, o.signal);
  try {
    return await tcp(o.host, o.port, connectDeadline.signal);
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    return { ok: false, code: err.code ?? 'ECONNECT', message: err.message };
  } finally {
    connectDeadline.clear();
  }
}

export async function measureSkew(o: SkewOptions, now: () => number = Date.now): Promise<SkewResult> {
  const opened = await open(o);
  if (!(opened instanceof Socket)) return opened;
  const socket = opened;
  try {
    return await new Promise<SkewResult>((resolve) => {
      let buf = Buffer.alloc(0);
      const timer = setTimeout(
        () => done({ ok: false, code: 'ETIMEDOUT', message: `no HTTP answer within ${o.timeoutMs} ms` }),
        o.timeoutMs,
      );
      // The probe's deadline or the agent's shutdown ends the wait too, not only our own timer.
      const onAbort = () => {
        const why = (o.signal?.reason as Error | undefined)?.message ?? 'aborted';
        done({ ok: false, code: 'ABORT_ERR', message: `stopped before an HTTP answer (${why})` });
      };
      const done = (r: SkewResult) => {
        clearTimeout(timer);
        o.signal?.removeEventListener('abort', onAbort);
        resolve(r);
      };
      if (o.signal?.aborted) return onAbort();
      o.signal?.addEventListener('abort', onAbort, { once: true });
      socket.on('error', (e: NodeJS.ErrnoException) =>
        done({ ok: false, code: e.code ?? 'EIO', message: e.message }),
      );
      socket.on('close', () =>
        done({ ok: false, code: 'ECONNRESET', message: 'closed before an HTTP answer' }),
      );
      const sentAt = now();
      const t0 = performance.now();
      socket.on('data', (chunk: Buffer) => {
        const receivedAt = now();
        const rttMs = performance.now() - t0;
        buf = Buffer.concat([buf, chunk]);
        const end = buf.indexOf('\r\n\r\n');
        if (end < 0) {
          if (buf.length > MAX_HEAD) done({ ok: false, code: 'EHTTP', message: 'HTTP header too large' });
          return;
        }
        const head = buf.subarray(0, end).toString('latin1');
        const status = Number(/^HTTP\/\d(?:\.\d)? (\d{3})/.exec(head)?.[1] ?? Number.NaN);
        const date = /\r\ndate:\s*([^\r\n]+)/i.exec(head)?.[1];
        if (Number.isNaN(status))
          return done({ ok: false, code: 'EHTTP', message: 'the answer is not HTTP' });
        const server = date ? Date.parse(date) : Number.NaN;
        if (Number.isNaN(server))
          return done({ ok: false, code: 'ENODATE', message: `HTTP ${status} without a usable Date header` });
        const midpoint = (sentAt + receivedAt) / 2;
        done({
          ok: true,
          skewMs: midpoint - (server + 500),
          rttMs,
          serverDate: new Date(server).toISOString(),
          status,
        });
      });
      const host = o.servername ?? o.host;
      socket.write(
        `GET ${o.path ?? '/'} HTTP/1.1\r\nHost: ${host}${o.port === 443 ? '' : `:${o.port}`}\r\nUser-Agent: hsmwatch\r\nAccept: */*\r\nConnection: close\r\n\r\n`,
      );
    });
  } finally {
    socket.destroy();
  }
}
