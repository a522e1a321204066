// HSM side TLS: a handshake on the HSM's TLS port (2223) of every HSM, with the chain checked against
// the cluster's trust anchor (customerCA.crt).
import type { X509Certificate } from 'node:crypto';
import { readTrustAnchor } from '../src/clientsdk/trust-anchor.js';
import { finding } from '../src/core/findings.js';
import { defineProbe, type ProbeFinding } from '../src/core/probe.js';
import { targetLabel } from '../src/model/index.js';
import { summarise } from '../src/tls/certificate.js';
import { handshake } from '../src/tls/handshake.js';
import { mapLimit } from '../src/util/concurrency.js';

type Id = 'hsm.tls';

/** Each certificate is issued and signed by the next; the last by the anchor (or is the anchor). */
export function chainVerifies(chain: readonly X509Certificate[], anchor: X509Certificate): boolean {
  if (chain.length === 0) return false;
  for (let i = 0; i < chain.length; i++) {
    const c = chain[i]!;
    if (c.fingerprint256 === anchor.fingerprint256) return true;
    if (c.checkIssued(anchor) && c.verify(anchor.publicKey)) return true;
    const next = chain[i + 1];
    if (!next || !(c.checkIssued(next) && c.verify(next.publicKey))) return false;
  }
  return false;
}

const CLIENT_CERT = /CERTIFICATE_REQUIRED|HANDSHAKE_FAILURE|PEER_DID_NOT_RETURN_A_CERTIFICATE/i;

export const hsmTls = defineProbe({
  id: 'hsm-tls',
  title: 'HSM TLS and trust anchor',
  needs: ['hsm-targets', 'live-network'],
  findings: {
    'hsm.tls': {
      summary:
        "The HSM's TLS port completes a handshake and its chain verifies against the cluster trust anchor.",
    },
  },
  deadlineMs: (settings, env) => Math.ceil(env.targets.length / 8) * (settings.timeoutMs + 500) + 2000,
  async run(ctx): Promise<{ findings: ProbeFinding<Id>[] }> {
    const { settings, env } = ctx;
    const port = settings.hsm.tlsPort;
    const anchorPath = settings.hsm.trustAnchor;
    const anchor = readTrustAnchor(anchorPath);
    const anchorCert = anchor.ok ? anchor.cert : null;
    const findings = await mapLimit(env.targets, 8, async (t): Promise<ProbeFinding<Id>> => {
      const target = `${targetLabel(t)}:${port}`;
      const h = await handshake({
        host: t.ip,
        port,
        timeoutMs: settings.timeoutMs,
        signal: ctx.signal,
        ...(anchor.ok ? { ca: anchor.pem } : {}),
      });
      const chain = h.chain;
      const summaries = chain.map((c) => summarise(c, new Date()));
      const leaf = summaries[0];
      const verified = anchorCert ? chainVerifies(chain, anchorCert) : null;
      const evidence: Record<string, unknown> = {
        ip: t.ip,
        port,
        trustAnchor: anchorPath,
        ...(h.ok
          ? { protocol: h.protocol, cipher: h.cipher, handshakeMs: Math.round(h.handshakeMs * 10) / 10 }
          : { code: h.code, stage: h.stage }),
        chain: summaries.map((s) => ({
          subject: s.subject,
          issuer: s.issuer,
          notAfter: s.notAfter,
          daysLeft: s.daysLeft,
        })),
        verified,
      };
      const fixAnchor = `copy this cluster's customer CA certificate to ${anchorPath} (the certificate that signed the cluster CSR)`;
      if (!h.ok && chain.length === 0) {
        if (h.stage === 'connect')
          return finding(
            'hsm.tls',
            'skip',
            target,
            `port ${port} not reachable (${h.code}): see hsm.reachable`,
            evidence,
          );
        if (h.notTls)
          return finding(
            'hsm.tls',
            'warn',
            target,
            `port ${port} is open but does not speak TLS (${h.code}): not a CloudHSM HSM, or something else answers at this address`,
            evidence,
            'check that the address belongs to an HSM of the cluster (aws cloudhsmv2 describe-clusters)',
          );
        if (h.stage === 'timeout')
          return finding(
            'hsm.tls',
            'fail',
            target,
            `port ${port} accepts TCP but no TLS handshake completed within ${settings.timeoutMs} ms`,
            evidence,
            'check the HSM state; a middlebox may hold the connection',
          );
        return finding(
          'hsm.tls',
          'fail',
          target,
          `TLS handshake failed before any certificate: ${h.code} (${h.message})`,
          evidence,
        );
      }
      const chainText = summaries.map((s) => s.subject).join(' ← ');
      if (!h.ok) {
        // It got as far as the certificate: typically the HSM asks for a client certificate.
        const why = CLIENT_CERT.test(h.code)
          ? 'the HSM requires a client certificate (mutual TLS), so the handshake stopped after its certificate'
          : `the handshake stopped: ${h.code}`;
        return finding(
          'hsm.tls',
          verified === false ? 'fail' : verified === null ? 'warn' : 'pass',
          target,
          `${why}; presented ${chainText}${verified === true ? `, which verifies against ${anchorPath}` : verified === false ? `, which does NOT verify against ${anchorPath}` : ` (not checked: ${anchor.ok ? '' : (anchor as { detail: string }).detail})`}`,
          evidence,
          ...(verified === true ? [] : [fixAnchor]),
        );
      }
      if (verified === null)
        // The handshake works; verification needs the anchor, whose absence clientsdk.trust-anchor reports.
        return finding(
          'hsm.tls',
          'skip',
          target,
          `${h.protocol} handshake completed, presenting ${chainText}; the chain cannot be verified: ${(anchor as { detail: string }).detail}`,
          evidence,
          fixAnchor,
        );
      if (!verified)
        return finding(
          'hsm.tls',
          'fail',
          target,
          `the HSM's chain (${chainText}) does not verify against the trust anchor ${anchorPath}: the anchor is not this cluster's customer CA, or the address is not this cluster's HSM`,
          evidence,
          fixAnchor,
        );
      if (leaf && leaf.daysLeft < settings.tls.certWarnDays)
        return finding(
          'hsm.tls',
          'warn',
          target,
          `the HSM certificate expires in ${leaf.daysLeft} day(s)`,
          evidence,
        );
      return finding(
        'hsm.tls',
        'pass',
        target,
        `${h.protocol} ${h.cipher}; chain ${chainText} verifies against ${anchorPath}${leaf ? `; ${leaf.daysLeft} days left` : ''}`,
        evidence,
      );
    });
    return { findings };
  },
});
