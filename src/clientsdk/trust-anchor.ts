// The cluster trust anchor (customerCA.crt): present, parses, a CA, valid now, and the cluster
// certificate from DescribeClusters verifies against it.
import { X509Certificate } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';

export type AnchorCheck =
  | { ok: true; cert: X509Certificate; pem: string }
  | { ok: false; reason: 'missing' | 'unreadable' | 'not-a-certificate'; detail: string };

export function readTrustAnchor(path: string): AnchorCheck {
  let text: string;
  try {
    if (statSync(path).size > 1024 * 1024)
      return { ok: false, reason: 'unreadable', detail: 'larger than 1 MB' };
    text = readFileSync(path, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    return code === 'ENOENT'
      ? { ok: false, reason: 'missing', detail: `${path} does not exist` }
      : { ok: false, reason: 'unreadable', detail: `${path}: ${code ?? e}` };
  }
  try {
    return { ok: true, cert: new X509Certificate(text), pem: text };
  } catch (e) {
    return {
      ok: false,
      reason: 'not-a-certificate',
      detail: `${path} is not a PEM certificate (${(e as Error).message})`,
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
