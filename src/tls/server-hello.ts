// Reading the server's first answer (the ServerHello) off the wire: enough to know the version and
// suite the server picked, so enumeration handshakes can stop there. Sparing the rest of the
// handshake spares the server its key-exchange work for static-RSA suites (sslscan does the same).
import type { Socket } from 'node:net';
import { Duplex } from 'node:stream';

export interface ServerHelloInfo {
  protocol: 'TLSv1' | 'TLSv1.1' | 'TLSv1.2' | 'TLSv1.3';
  /** The suite code, e.g. 0x002f. */
  code: number;
}

const LEGACY: Record<number, ServerHelloInfo['protocol']> = { 769: 'TLSv1', 770: 'TLSv1.1', 771: 'TLSv1.2' };

/** Static-RSA key exchange suites (what enumeration offers to test for non-forward-secret support). */
export const RSA_KX_SUITES: Readonly<Record<number, string>> = {
  10: 'TLS_RSA_WITH_3DES_EDE_CBC_SHA',
  47: 'TLS_RSA_WITH_AES_128_CBC_SHA',
  53: 'TLS_RSA_WITH_AES_256_CBC_SHA',
  60: 'TLS_RSA_WITH_AES_128_CBC_SHA256',
  61: 'TLS_RSA_WITH_AES_256_CBC_SHA256',
  65: 'TLS_RSA_WITH_CAMELLIA_128_CBC_SHA',
  132: 'TLS_RSA_WITH_CAMELLIA_256_CBC_SHA',
  150: 'TLS_RSA_WITH_SEED_CBC_SHA',
  156: 'TLS_RSA_WITH_AES_128_GCM_SHA256',
  157: 'TLS_RSA_WITH_AES_256_GCM_SHA384',
  186: 'TLS_RSA_WITH_CAMELLIA_128_CBC_SHA256',
  192: 'TLS_RSA_WITH_CAMELLIA_256_CBC_SHA256',
  49212: 'TLS_RSA_WITH_ARIA_128_CBC_SHA256',
  49213: 'TLS_RSA_WITH_ARIA_256_CBC_SHA384',
  49232: 'TLS_RSA_WITH_ARIA_128_GCM_SHA256',
  49233: 'TLS_RSA_WITH_ARIA_256_GCM_SHA384',
  49308: 'TLS_RSA_WITH_AES_128_CCM',
  49309: 'TLS_RSA_WITH_AES_256_CCM',
  49312: 'TLS_RSA_WITH_AES_128_CCM_8',
  49313: 'TLS_RSA_WITH_AES_256_CCM_8',
};

export const suiteName = (code: number) =>
  RSA_KX_SUITES[code] ?? `0x${code.toString(16).padStart(4, '0').toUpperCase()}`;

/** Largest TLS record a peer may send: 2^14 bytes of plaintext plus the 2048 a ciphertext may add. */
const MAX_RECORD = 16_384 + 2048;

/**
 * What the first bytes from the server are. `hello`: a ServerHello, version and suite read.
 * `more`: too few bytes yet. `other`: anything else (an alert, not TLS, a ServerHello split across
 * records or malformed), with why: the TLS stack, which sees the same bytes, then decides.
 */
export type ServerHelloParse =
  | { kind: 'hello'; hello: ServerHelloInfo }
  | { kind: 'more' }
  | { kind: 'other'; reason: string };

const other = (reason: string): ServerHelloParse => ({ kind: 'other', reason });

/** The ServerHello at the start of `buf`. Every length is checked against the bytes there: never throws. */
export function parseServerHello(buf: Uint8Array): ServerHelloParse {
  if (buf.length < 5) return { kind: 'more' };
  if (buf[0] !== 22) return other(`record type ${buf[0]}, not a handshake`);
  const recordLength = u16(buf, 3);
  if (recordLength > MAX_RECORD) return other(`record of ${recordLength} bytes, over the TLS limit`);
  if (buf.length < 5 + recordLength) return { kind: 'more' };
  const rec = buf.subarray(5, 5 + recordLength);
  if (rec.length < 4) return other('handshake record too short for a message header');
  if (rec[0] !== 2) return other(`handshake message ${rec[0]}, not a ServerHello`);
  const len = (rec[1]! << 16) | (rec[2]! << 8) | rec[3]!;
  if (rec.length < 4 + len) return other('ServerHello split across records');
  return serverHelloBody(rec.subarray(4, 4 + len));
}

/** legacy_version(2) random(32) session_id<0..32> cipher_suite(2) compression(1) [extensions<0..2^16-1>]. */
function serverHelloBody(b: Uint8Array): ServerHelloParse {
  if (b.length < 2 + 32 + 1) return other('ServerHello truncated before the session id');
  const legacy = u16(b, 0);
  let p = 2 + 32;
  const sid = b[p]!;
  if (sid > 32) return other(`session id of ${sid} bytes (at most 32)`);
  p += 1 + sid;
  if (p + 3 > b.length) return other('ServerHello truncated before the cipher suite');
  const code = u16(b, p);
  p += 2 + 1;
  let protocol: ServerHelloInfo['protocol'] | undefined = LEGACY[legacy];
  if (p < b.length) {
    if (p + 2 > b.length) return other('ServerHello truncated in the extensions length');
    const extEnd = p + 2 + u16(b, p);
    if (extEnd > b.length) return other('ServerHello extensions run past the message');
    p += 2;
    while (p < extEnd) {
      if (p + 4 > extEnd) return other('ServerHello extension header truncated');
      const type = u16(b, p);
      const elen = u16(b, p + 2);
      if (p + 4 + elen > extEnd) return other('ServerHello extension runs past the extensions');
      // supported_versions (RFC 8446 §4.2.1): the server's choice, two bytes.
      if (type === 0x002b && elen === 2 && u16(b, p + 4) === 0x0304) protocol = 'TLSv1.3';
      p += 4 + elen;
    }
  }
  return protocol
    ? { kind: 'hello', hello: { protocol, code } }
    : other(`version 0x${legacy.toString(16).padStart(4, '0')} is none of TLS 1.0-1.3`);
}

const u16 = (b: Uint8Array, at: number) => (b[at]! << 8) | b[at + 1]!;

/**
 * A stream between the TLS client and the raw socket that reports the ServerHello as it passes.
 * Everything is forwarded unchanged.
 */
export function snoopServerHello(raw: Socket, onHello: (info: ServerHelloInfo) => void): Duplex {
  let buf: Buffer | null = Buffer.alloc(0);
  const d = new Duplex({
    read() {},
    write(chunk, _enc, cb) {
      if (raw.destroyed) return cb();
      raw.write(chunk, () => cb());
    },
    final(cb) {
      raw.end();
      cb();
    },
    destroy(err, cb) {
      raw.destroy();
      cb(err);
    },
  });
  raw.on('data', (chunk: Buffer) => {
    if (buf) {
      buf = Buffer.concat([buf, chunk]);
      const r = parseServerHello(buf);
      if (r.kind !== 'more') buf = null;
      if (r.kind === 'hello') {
        // A throw here would escape the socket's listener (uncaught in the agent): end the stream
        // with it instead, so the handshake settles as a failure.
        try {
          onHello(r.hello);
        } catch (e) {
          d.destroy(e instanceof Error ? e : new Error(String(e)));
          return;
        }
      }
    }
    d.push(chunk);
  });
  raw.on('end', () => d.push(null));
  raw.on('error', (e) => d.destroy(e));
  raw.on('close', () => d.destroy());
  return d;
}
