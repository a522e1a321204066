// The cluster trust anchor (customerCA.crt): present, parses, a CA, valid now, and the cluster
// certificate from DescribeClusters verifies against it.
import { X509Certificate } from 'node:crypto';
import { printable } from '../config/issues.js';
import { readBoundedText } from '../util/files.js';

export type AnchorCheck =
  | { ok: true; cert: X509Certificate; pem: string }
  | { ok: false; reason: 'missing' | 'unreadable' | 'not-a-certificate'; detail: string };

/** A certificate is a few kB; a bundle of them well under this. */
const MAX_ANCHOR_BYTES = 1024 * 1024;

export function readTrustAnchor(path: string): AnchorCheck {
  const read = readBoundedText(path, MAX_ANCHOR_BYTES);
  if (!read.ok)
    return read.code === 'ENOENT'
      ? { ok: false, reason: 'missing', detail: `${path} does not exist` }
      : { ok: false, reason: 'unreadable', detail: `${path}: cannot read: ${read.reason}` };
  return parseTrustAnchor(read.text, path);
}

/** The anchor's PEM text, parsed. */
export function parseTrustAnchor(text: string, path: string): AnchorCheck {
  try {
    return { ok: true, cert: new X509Certificate(text), pem: text };
  } catch (e) {
    return {
      ok: false,
      reason: 'not-a-certificate',
      detail: `${path} is not a PEM certificate (${printable(String((e as Error)?.message ?? e), 160)})`,
    };
  }
}

/** The cluster certificate is issued and signed by the anchor. */
export function verifiesAgainst(certPem: string, anchor: X509Certificate): boolean {
  try {
    const c = new X509Certificate(certPem);
    return c.checkIssued(anchor) && c.verify(anchor.publicKey);
  } catch {
    return false;
  }
}
