// The client certificate chain and key a Client SDK 5 configuration names for mutual TLS with the
// HSM (hsm2m.medium): readable, the key belongs to the certificate, the chain links up to the trust
// anchor it ends with, valid now. The key is parsed to compare it with the certificate and nothing
// else: no part of it, nor of an error about it, is ever put in a result.
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { printable } from '../config/issues.js';
import { readBoundedText } from '../util/files.js';

/** The user guide: "AWS CloudHSM supports a certificate chain of 6980 bytes"; a key is smaller still. */
const MAX_BYTES = 256 * 1024;

export type FileProblem = { reason: 'missing' | 'unreadable'; detail: string };

export type ChainRead =
  | { ok: true; chain: X509Certificate[] }
  | FileProblem
  | { reason: 'not-a-certificate'; detail: string };

export type KeyRead =
  /** matches: the key is the certificate's (false: another key; null: no certificate to compare). */
  { ok: true; matches: boolean | null } | FileProblem | { reason: 'encrypted' | 'not-a-key'; detail: string };

function fileProblem(path: string, code: string, reason: string): FileProblem {
  return code === 'ENOENT'
    ? { reason: 'missing', detail: `${path} does not exist` }
    : { reason: 'unreadable', detail: `${path}: cannot read: ${reason}` };
}

/** Every PEM certificate of a file, in file order (leaf first, as the SDK expects it). */
export function parsePemChain(text: string): X509Certificate[] | string {
  const blocks = text.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
  if (blocks.length === 0) return 'no PEM certificate in it';
  const chain: X509Certificate[] = [];
  for (const [i, block] of blocks.entries()) {
    try {
      chain.push(new X509Certificate(block));
    } catch (e) {
      return `certificate ${i + 1} does not parse (${printable(String((e as Error)?.message ?? e), 160)})`;
    }
  }
  return chain;
}

export function readCertChain(path: string): ChainRead {
  const read = readBoundedText(path, MAX_BYTES);
  if (!read.ok) return fileProblem(path, read.code, read.reason);
  const chain = parsePemChain(read.text);
  return typeof chain === 'string'
    ? { reason: 'not-a-certificate', detail: `${path}: ${chain}` }
    : { ok: true, chain };
}

/** The key file against the certificate it must belong to (null: no certificate to compare with). */
export function readKeyFor(path: string, leaf: X509Certificate | null): KeyRead {
  const read = readBoundedText(path, MAX_BYTES);
  if (!read.ok) return fileProblem(path, read.code, read.reason);
  // PKCS#8 and the legacy OpenSSL form say so in their armour.
  if (/-----BEGIN ENCRYPTED PRIVATE KEY-----|Proc-Type:\s*4,ENCRYPTED/.test(read.text))
    return { reason: 'encrypted', detail: `${path} is an encrypted private key (a passphrase is needed)` };
  let key: ReturnType<typeof createPrivateKey>;
  try {
    key = createPrivateKey({ key: read.text, format: 'pem' });
  } catch (e) {
    // Only the error code: a decoder's message may quote what it could not decode.
    const code = (e as NodeJS.ErrnoException)?.code ?? '';
    return { reason: 'not-a-key', detail: `${path} is not a PEM private key${code ? ` (${code})` : ''}` };
  }
  return { ok: true, matches: leaf ? leaf.checkPrivateKey(key) : null };
}

/** Index of the first certificate not issued and signed by the next one, or -1 when all link. */
export function brokenLink(chain: readonly X509Certificate[]): number {
  for (let i = 0; i + 1 < chain.length; i++) {
    const c = chain[i]!;
    const next = chain[i + 1]!;
    if (!(c.checkIssued(next) && c.verify(next.publicKey))) return i;
  }
  return -1;
}

export const isSelfSigned = (c: X509Certificate): boolean => c.checkIssued(c) && c.verify(c.publicKey);

const ANCHOR_RSA_BITS = [2048, 3072, 4096];
const ANCHOR_CURVES: Readonly<Record<string, string>> = {
  prime256v1: 'P-256',
  secp384r1: 'P-384',
  secp521r1: 'P-521',
};

/**
 * Why register-trust-anchor would refuse this certificate's key, or null when its type is one the
 * CloudHSM CLI reference accepts: EC P-256, P-384, P-521; RSA 2048, 3072, 4096 bits.
 */
export function anchorKeyProblem(c: X509Certificate): string | null {
  const k = c.publicKey;
  const d = k.asymmetricKeyDetails ?? {};
  if (k.asymmetricKeyType === 'rsa')
    return ANCHOR_RSA_BITS.includes(d.modulusLength ?? 0)
      ? null
      : `an RSA ${d.modulusLength ?? '?'}-bit key (trust anchors: RSA 2048, 3072 or 4096 bits)`;
  if (k.asymmetricKeyType === 'ec')
    return d.namedCurve && d.namedCurve in ANCHOR_CURVES
      ? null
      : `an EC key on ${d.namedCurve ?? 'an unnamed curve'} (trust anchors: P-256, P-384 or P-521)`;
  return `a ${k.asymmetricKeyType ?? 'unknown'} key (trust anchors: RSA or EC)`;
}

export type LoadedClientCertificate =
  | { ok: true; cert: string; key: string; leaf: X509Certificate }
  | { ok: false; detail: string };

/**
 * The chain and key as the handshake presents them (the probe hands them to its TLS client and
 * nowhere else); the leaf for naming it by fingerprint.
 */
export function loadClientCertificate(certFile: string, keyFile: string): LoadedClientCertificate {
  const cert = readBoundedText(certFile, MAX_BYTES);
  if (!cert.ok) return { ok: false, detail: `${certFile}: cannot read: ${cert.reason}` };
  const chain = parsePemChain(cert.text);
  if (typeof chain === 'string') return { ok: false, detail: `${certFile}: ${chain}` };
  const key = readBoundedText(keyFile, MAX_BYTES);
  if (!key.ok) return { ok: false, detail: `${keyFile}: cannot read: ${key.reason}` };
  return { ok: true, cert: cert.text, key: key.text, leaf: chain[0]! };
}
