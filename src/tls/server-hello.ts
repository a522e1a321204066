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

/** The ServerHello at the start of `buf`; 'more' when incomplete; null when the first record is something else. */
export function parseServerHello(buf: Buffer): ServerHelloInfo | 'more' | null {
  if (buf.length < 5) return 'more';
  if (buf[0] !== 22) return null; // not a handshake record (an alert, or not TLS)
  const recordLength = buf.readUInt16BE(3);
  if (buf.length < 5 + recordLength) return recordLength > 16_384 + 2048 ? null : 'more';
  const rec = buf.subarray(5, 5 + recordLength);
  if (rec.length < 4 || rec[0] !== 2) return null;
  const len = rec.readUIntBE(1, 3);
  if (rec.length < 4 + len) return null; // a ServerHello split across records: let TLS handle it
  const b = rec.subarray(4, 4 + len);
  let p = 0;
  const legacy = b.readUInt16BE(p);
  p += 2 + 32;
  const sid = b[p]!;
  p += 1 + sid;
  const code = b.readUInt16BE(p);
  p += 2 + 1;
  let protocol = LEGACY[legacy];
  if (p + 2 <= b.length) {
    const extEnd = p + 2 + b.readUInt16BE(p);
    p += 2;
    while (p + 4 <= extEnd && p + 4 <= b.length) {
      const type = b.readUInt16BE(p);
      const elen = b.readUInt16BE(p + 2);
      if (type === 0x002b && elen === 2 && b.readUInt16BE(p + 4) === 0x0304) protocol = 'TLSv1.3';
      p += 4 + elen;
    }
  }
  return protocol ? { protocol, code } : null;
}

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
      const info = parseServerHello(buf);
      if (info !== 'more') {
        buf = null;
        if (info) onHello(info);
      }
    }
    d.push(chunk);
  });
  raw.on('end', () => d.push(null));
  raw.on('error', (e) => d.destroy(e));
  raw.on('close', () => d.destroy());
  return d;
}
