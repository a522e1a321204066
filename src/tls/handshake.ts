// One TLS handshake with a deadline, directly or through a CONNECT tunnel, described as a value.
import { createHash, X509Certificate } from 'node:crypto';
import { isIP, connect as netConnect, type Socket } from 'node:net';
import {
  createSecureContext,
  type PeerCertificate,
  type SecureContext,
  type SecureVersion,
  type TLSSocket,
  connect as tlsConnect,
} from 'node:tls';
import { connectTunnel, type ProxyConfig } from '../net/proxy.js';
import { deadline } from '../util/deadline.js';
import { RSA_KX_SUITES, type ServerHelloInfo, snoopServerHello, suiteName } from './server-hello.js';

export interface HandshakeOptions {
  /** Where to connect: a name or an address. */
  host: string;
  port: number;
  /** SNI and the name the certificate must match; default `host` (IP addresses send no SNI). */
  servername?: string;
  minVersion?: SecureVersion;
  maxVersion?: SecureVersion;
  ciphers?: string;
  /** Trust anchors (PEM); default Node's (the system's) store. */
  ca?: string | string[];
  alpn?: string[];
  timeoutMs: number;
  signal?: AbortSignal;
  proxy?: ProxyConfig | null;
  /** Keeps the socket open after the handshake (the caller then owns and must destroy it). */
  keepOpen?: boolean;
  /**
   * Stop at the ServerHello: the version and suite are known, the rest of the handshake (and the
   * server's key-exchange work) is skipped. The result then has no chain and is not verified.
   */
  untilServerHello?: boolean;
  /** A client certificate chain and its key (PEM), presented when the server asks for one. */
  clientCertificate?: { cert: string; key: string };
  /**
   * In TLS 1.3 the handshake completes on the client before the server has judged the client's
   * certificate (or its absence): wait up to this long afterwards for the server's verdict — an
   * alert or a close (a failure), or the session tickets it sends once it accepted. Default 0.
   */
  serverVerdictMs?: number;
}

export interface KeyExchange {
  /** X25519, P-256, DH, or RSA (static RSA key exchange: no forward secrecy). */
  name: string;
  size: number | null;
}

export interface HandshakeSuccess {
  ok: true;
  protocol: string;
  /** IANA name. */
  cipher: string;
  /** OpenSSL name. */
  cipherOpenssl: string;
  keyExchange: KeyExchange;
  forwardSecrecy: boolean;
  alpn: string | null;
  /** Name resolution, when the host was a name and no proxy resolved it (null otherwise). */
  dnsMs: number | null;
  /** The TCP connect (or the proxy tunnel), after name resolution. */
  connectMs: number;
  /** The TLS handshake on the open connection. */
  handshakeMs: number;
  /** Leaf first, as presented (plus the trust anchor OpenSSL completed it with, if any). */
  chain: X509Certificate[];
  /** Verification against `ca` (or the system store); hostname not included. */
  verified: boolean;
  verifyError: string | null;
  remoteAddress: string | null;
  socket?: TLSSocket;
}

export type FailureStage = 'connect' | 'proxy' | 'tls' | 'timeout';

export interface HandshakeFailure {
  ok: false;
  stage: FailureStage;
  /** errno, OpenSSL/Node error code, or ETIMEDOUT. */
  code: string;
  message: string;
  dnsMs: number | null;
  connectMs: number | null;
  elapsedMs: number;
  /** What the peer presented before the handshake stopped, when it got that far. */
  chain: X509Certificate[];
  /** The peer answered but not with TLS (garbage, plain text, an HTTP answer...). */
  notTls: boolean;
}

export type HandshakeResult = HandshakeSuccess | HandshakeFailure;

const NOT_TLS =
  /WRONG_VERSION_NUMBER|UNKNOWN_PROTOCOL|PACKET_LENGTH_TOO_LONG|HTTP_REQUEST|RECORD_LAYER_FAILURE|BAD_PACKET|UNEXPECTED_RECORD/i;

export function isForwardSecret(protocol: string, kx: KeyExchange): boolean {
  if (protocol === 'TLSv1.3') return true;
  return kx.name !== 'RSA';
}

export function chainOf(socket: TLSSocket): X509Certificate[] {
  const out: X509Certificate[] = [];
  let c: PeerCertificate | undefined;
  try {
    c = socket.getPeerCertificate(true) as PeerCertificate | undefined;
  } catch {
    return out;
  }
  const seen = new Set<string>();
  while (c?.raw && out.length < 20) {
    if (seen.has(c.fingerprint256)) break;
    seen.add(c.fingerprint256);
    try {
      out.push(new X509Certificate(c.raw));
    } catch {
      break;
    }
    const next = (c as PeerCertificate & { issuerCertificate?: PeerCertificate }).issuerCertificate;
    if (!next || next === c) break;
    c = next;
  }
  return out;
}

/** OpenSSL curve names to the names in the contract (NIST / RFC 7748). */
const CURVES: Record<string, string> = { prime256v1: 'P-256', secp384r1: 'P-384', secp521r1: 'P-521' };

function keyExchangeOf(socket: TLSSocket): KeyExchange {
  const k = socket.getEphemeralKeyInfo() as { type?: string; name?: string; size?: number } | null;
  if (!k?.type) return { name: 'RSA', size: null };
  if (k.type === 'ECDH') return { name: CURVES[k.name ?? ''] ?? k.name ?? 'ECDH', size: k.size ?? null };
  return { name: k.type, size: k.size ?? null };
}

// Building a secure context (trust store, cipher list) costs more than a loopback handshake: one per
// distinct configuration, reused.
const contexts = new Map<string, SecureContext>();
function contextFor(
  o: Pick<HandshakeOptions, 'minVersion' | 'maxVersion' | 'ciphers' | 'ca' | 'clientCertificate'>,
): SecureContext {
  const ca =
    o.ca === undefined
      ? ''
      : createHash('sha256')
          .update(Array.isArray(o.ca) ? o.ca.join('\n') : o.ca)
          .digest('hex');
  // A digest, not the key itself, names the context.
  const client = o.clientCertificate
    ? createHash('sha256')
        .update(o.clientCertificate.cert)
        .update('\0')
        .update(o.clientCertificate.key)
        .digest('hex')
    : '';
  const key = `${o.minVersion ?? ''}|${o.maxVersion ?? ''}|${o.ciphers ?? ''}|${ca}|${client}`;
  let ctx = contexts.get(key);
  if (!ctx) {
    if (contexts.size > 64) contexts.clear();
    ctx = createSecureContext({
      ...(o.minVersion ? { minVersion: o.minVersion } : {}),
      ...(o.maxVersion ? { maxVersion: o.maxVersion } : {}),
      ...(o.ciphers ? { ciphers: o.ciphers } : {}),
      ...(o.ca ? { ca: o.ca } : {}),
      ...(o.clientCertificate ? { cert: o.clientCertificate.cert, key: o.clientCertificate.key } : {}),
    });
    contexts.set(key, ctx);
  }
  return ctx;
}

/** A handshake that stops at the ServerHello verifies nothing: parsing a CA bundle for it is waste. */
function withoutCa(o: HandshakeOptions): Omit<HandshakeOptions, 'ca'> {
  const { ca: _ca, ...rest } = o;
  return rest;
}

export async function handshake(o: HandshakeOptions): Promise<HandshakeResult> {
  const t0 = performance.now();
  // Not AbortSignal.any with AbortSignal.timeout: a garbage collection can drop that deadline (deadline.ts).
  const limit = deadline(o.timeoutMs, o.signal);
  const signal = limit.signal;
  const a: Attempt = { o, signal, t0, dnsMs: null, connectMs: null };
  let raw: Socket;
  try {
    try {
      if (o.proxy) raw = await connectTunnel(o.proxy, o.host, o.port, signal);
      else {
        raw = await tcp(o.host, o.port, signal, (resolvedAt) => {
          a.dnsMs ??= resolvedAt - t0;
        });
      }
      a.connectMs = performance.now() - t0 - (a.dnsMs ?? 0);
    } catch (e) {
      const err = e as NodeJS.ErrnoException;
      return failure(a, o.proxy ? 'proxy' : 'connect', err.code ?? 'ECONNECT', err.message);
    }
    return await overTls(raw, a);
  } finally {
    limit.clear();
  }
}

/** One handshake attempt under way: its options, deadline and clock. */
interface Attempt {
  o: HandshakeOptions;
  /** The deadline, joined with the caller's signal. */
  signal: AbortSignal;
  t0: number;
  /** Set when a name was resolved. */
  dnsMs: number | null;
  /** Set once the TCP connection (or the tunnel) is open. */
  connectMs: number | null;
}

function failure(
  a: Attempt,
  stage: FailureStage,
  code: string,
  message: string,
  chain: X509Certificate[] = [],
  notTls = false,
): HandshakeFailure {
  const aborted = a.signal.aborted;
  return {
    ok: false,
    // A deadline in the TLS stage is a handshake timeout; in the connect stage the TCP connect never
    // completed, which is no statement about TLS.
    stage: aborted && stage === 'tls' ? 'timeout' : stage,
    code: aborted ? 'ETIMEDOUT' : code,
    message: aborted ? `no TLS answer within ${a.o.timeoutMs} ms (${stage} stage)` : message,
    dnsMs: a.dnsMs,
    connectMs: a.connectMs,
    elapsedMs: performance.now() - a.t0,
    chain,
    notTls,
  };
}

/**
 * OpenSSL's error line without its internals: `C0B6…:error:0A00042E:SSL routines:ssl3_read_bytes:tlsv1
 * alert protocol version:../deps/openssl/…/rec_layer_s3.c:1601:SSL alert number 70` says "tlsv1 alert
 * protocol version (SSL alert number 70)". Other messages: their first line.
 */
export function opensslReason(message: string): string {
  const first = message.split('\n')[0] ?? '';
  const m = /^[0-9A-F]+:error:[0-9A-F]+:[^:]*:[^:]*:([^:]+):[^:]*:\d+:?(.*)$/.exec(first);
  if (!m) return first;
  return m[2] ? `${m[1]} (${m[2]})` : m[1]!;
}

/** The TLS handshake on an open connection, settled by its outcome, an error or the deadline. */
function overTls(raw: Socket, a: Attempt): Promise<HandshakeResult> {
  const { o, signal } = a;
  const t1 = performance.now();
  const servername = o.servername ?? (isIP(o.host) ? undefined : o.host);
  return new Promise<HandshakeResult>((resolve) => {
    const onHello = (info: ServerHelloInfo) => finish(helloResult(info, raw, a, t1));
    const socket = tlsConnect({
      socket: o.untilServerHello ? snoopServerHello(raw, onHello) : raw,
      ...(servername ? { servername } : {}),
      rejectUnauthorized: false,
      // `verified` is the chain alone; the name is checked separately (certificate.ts).
      checkServerIdentity: () => undefined,
      secureContext: contextFor(o.untilServerHello ? withoutCa(o) : o),
      ...(o.alpn ? { ALPNProtocols: o.alpn } : {}),
    });
    let settled = false;
    // A completed TLS 1.3 handshake waiting for the server's verdict (serverVerdictMs).
    let awaiting: HandshakeSuccess | null = null;
    let verdictTimer: NodeJS.Timeout | undefined;
    const finish = (r: HandshakeResult) => {
      if (settled) return;
      settled = true;
      clearTimeout(verdictTimer);
      signal.removeEventListener('abort', onAbort);
      if (!(r.ok && o.keepOpen)) socket.destroy();
      resolve(r);
    };
    // The deadline while awaiting a verdict: the handshake did complete, and no rejection came.
    const onAbort = () => finish(awaiting ?? failure(a, 'timeout', 'ETIMEDOUT', '', chainOf(socket)));
    signal.addEventListener('abort', onAbort, { once: true });
    if (signal.aborted) onAbort();
    socket.on('error', (e: NodeJS.ErrnoException) => {
      const code = e.code ?? 'ETLS';
      const notTls = NOT_TLS.test(code) || NOT_TLS.test(e.message);
      finish(failure(a, 'tls', code, opensslReason(e.message) || code, chainOf(socket), notTls));
    });
    socket.on('close', () =>
      finish(
        failure(
          a,
          'tls',
          'ECONNRESET',
          awaiting
            ? 'the peer closed the connection right after the handshake (it rejected this client)'
            : 'the peer closed the connection during the handshake',
          chainOf(socket),
        ),
      ),
    );
    socket.once('secureConnect', () => {
      const r = secureResult(socket, raw, a, t1);
      const wait = o.serverVerdictMs ?? 0;
      if (wait <= 0 || r.protocol !== 'TLSv1.3') return finish(r);
      awaiting = r;
      // Tickets come once the server accepted the client's flight; an 'error' or 'close' is a rejection.
      socket.once('session', () => finish(r));
      verdictTimer = setTimeout(() => finish(r), wait);
    });
  });
}

/** Stopped at the ServerHello (untilServerHello): version and suite only, no chain. */
function helloResult(info: ServerHelloInfo, raw: Socket, a: Attempt, t1: number): HandshakeSuccess {
  const rsa = info.code in RSA_KX_SUITES;
  return {
    ok: true,
    protocol: info.protocol,
    cipher: suiteName(info.code),
    cipherOpenssl: '',
    keyExchange: { name: rsa && info.protocol !== 'TLSv1.3' ? 'RSA' : 'unknown', size: null },
    forwardSecrecy: info.protocol === 'TLSv1.3' || !rsa,
    alpn: null,
    dnsMs: a.dnsMs,
    connectMs: a.connectMs ?? 0,
    handshakeMs: performance.now() - t1,
    chain: [],
    verified: false,
    verifyError: null,
    remoteAddress: raw.remoteAddress ?? null,
  };
}

/** The completed handshake, as the socket describes it. */
function secureResult(socket: TLSSocket, raw: Socket, a: Attempt, t1: number): HandshakeSuccess {
  const c = socket.getCipher() as { name: string; standardName?: string };
  const protocol = socket.getProtocol() ?? 'unknown';
  const kx = keyExchangeOf(socket);
  const verifyError = socket.authorizationError ? String(socket.authorizationError) : null;
  const r: HandshakeSuccess = {
    ok: true,
    protocol,
    cipher: c.standardName ?? c.name,
    cipherOpenssl: c.name,
    keyExchange: kx,
    forwardSecrecy: isForwardSecret(protocol, kx),
    alpn: socket.alpnProtocol || null,
    dnsMs: a.dnsMs,
    connectMs: a.connectMs ?? 0,
    handshakeMs: performance.now() - t1,
    chain: chainOf(socket),
    verified: socket.authorized,
    verifyError,
    remoteAddress: raw.remoteAddress ?? null,
  };
  if (a.o.keepOpen) r.socket = socket;
  return r;
}

/** A TCP connection with a deadline (the signal); `onResolved` hears when a name lookup ended. */
export function tcp(
  host: string,
  port: number,
  signal: AbortSignal,
  onResolved?: (at: number) => void,
): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = netConnect({ host, port });
    if (onResolved) s.once('lookup', () => onResolved(performance.now()));
    const onAbort = () => {
      s.destroy();
      reject(Object.assign(new Error(`TCP connect to ${host}:${port} timed out`), { code: 'ETIMEDOUT' }));
    };
    if (signal.aborted) return onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    s.once('connect', () => {
      signal.removeEventListener('abort', onAbort);
      s.removeAllListeners('error');
      s.on('error', () => {}); // the TLS socket layered on top reports it
      resolve(s);
    });
    s.once('error', (e) => {
      signal.removeEventListener('abort', onAbort);
      s.destroy();
      reject(e);
    });
  });
}
