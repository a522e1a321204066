// The hsm-tls probe's mutual TLS verdict (hsm2m.medium, Client SDK 5.9+). The probe shakes hands
// once without a client certificate and, when a Client SDK 5 configuration names one, once with it;
// the pair says whether the HSM requires one (mTLS enforced: `cluster mtls set-enforcement --level
// cluster` drops every connection without), and whether it accepts the configured one (its chain must
// end at a trust anchor registered with `cluster mtls register-trust-anchor`). The certificate is
// named by subject and SHA-256 fingerprint; its key never appears.
import type { X509Certificate } from 'node:crypto';
import { mtlsCommand } from '../../src/clientsdk/bootstrap.js';
import type { ClientSdkInstall } from '../../src/clientsdk/install.js';
import { finding } from '../../src/core/findings.js';
import type { ProbeFinding } from '../../src/core/probe.js';
import { dn } from '../../src/tls/certificate.js';
import type { HandshakeResult } from '../../src/tls/handshake.js';

type Id = 'hsm.mtls';

/**
 * The server refused the handshake for want of a client certificate: TLS 1.3 says so (alert 116,
 * certificate_required); in TLS 1.2 the server's certificate came and then handshake_failure, the
 * alert an OpenSSL server sends when its CertificateRequest went unanswered.
 */
export function refusedForClientCert(h: HandshakeResult): boolean {
  if (h.ok || h.stage !== 'tls') return false;
  if (/CERTIFICATE_REQUIRED|PEER_DID_NOT_RETURN_A_CERTIFICATE/i.test(h.code)) return true;
  return h.chain.length > 0 && /HANDSHAKE_FAILURE/i.test(h.code);
}

/** The client certificate the configuration names, as far as it could be loaded. */
export type ConfiguredClient =
  | { loaded: true; certFile: string; config: string; leaf: X509Certificate }
  | { loaded: false; certFile: string; config: string; detail: string };

export interface MtlsSubject {
  target: string;
  evidence: Record<string, unknown>;
  install: ClientSdkInstall | undefined;
  client: ConfiguredClient | null;
}

const outcome = (h: HandshakeResult) =>
  h.ok ? { ok: true, protocol: h.protocol } : { ok: false, stage: h.stage, code: h.code };

/** The finding on one HSM, or null when there is nothing to say (no certificate asked for nor set). */
export function mtlsVerdict(
  s: MtlsSubject,
  without: HandshakeResult,
  withCert: HandshakeResult | null,
): ProbeFinding<Id> | null {
  // Not reachable, or not TLS: hsm.tls says so.
  if (!without.ok && (without.stage !== 'tls' || without.notTls)) return null;
  const required = refusedForClientCert(without);
  const evidence: Record<string, unknown> = {
    ...s.evidence,
    withoutCertificate: outcome(without),
    ...(withCert ? { withCertificate: outcome(withCert) } : {}),
    ...(s.client?.loaded
      ? {
          clientCertificate: {
            file: s.client.certFile,
            subject: dn(s.client.leaf.subject),
            fingerprint256: s.client.leaf.fingerprint256,
          },
        }
      : {}),
    enforced: required ? true : without.ok ? false : null,
  };
  if (!s.client) return required ? notConfigured(s, evidence) : null;
  if (!s.client.loaded)
    return finding(
      'hsm.mtls',
      required ? 'fail' : 'skip',
      s.target,
      `${required ? 'the HSM requires a client certificate (mutual TLS enforced) and ' : ''}the configured one cannot be presented: ${s.client.detail} (see clientsdk.client-cert)`,
      evidence,
    );
  if (!withCert) return null;
  return presentedVerdict(s, s.client, required, withCert, evidence);
}

function notConfigured(s: MtlsSubject, evidence: Record<string, unknown>): ProbeFinding<Id> {
  const sdk5 = (s.install?.files ?? []).filter((f) => f.sdk === 5).map((f) => f.path);
  const where = s.install
    ? sdk5.length
      ? `no Client SDK 5 configuration in ${s.install.dir} names one`
      : `there is no Client SDK 5 configuration in ${s.install.dir} (mutual TLS needs Client SDK 5.9 or later)`
    : 'hsmwatch knows of none (the Client SDK configuration was not read)';
  return finding(
    'hsm.mtls',
    'fail',
    s.target,
    `the HSM requires a client certificate (mutual TLS is enforced: connections without one are dropped) and ${where}`,
    evidence,
    `create a client certificate chain signed by a trust anchor registered on the HSM (cloudhsm-cli cluster mtls list-trust-anchors), then for each Client SDK 5 component: ${(sdk5.length ? sdk5 : ['/opt/cloudhsm/etc/cloudhsm-pkcs11.cfg']).map((p) => mtlsCommand(p, null, null)).join(' && ')}`,
  );
}

function presentedVerdict(
  s: MtlsSubject,
  client: Extract<ConfiguredClient, { loaded: true }>,
  required: boolean,
  withCert: HandshakeResult,
  evidence: Record<string, unknown>,
): ProbeFinding<Id> {
  const name = `${dn(client.leaf.subject)} (SHA-256 ${client.leaf.fingerprint256})`;
  if (withCert.ok)
    return finding(
      'hsm.mtls',
      'pass',
      s.target,
      `${withCert.protocol} handshake with the client certificate ${name} accepted${required ? '; mutual TLS is enforced (a connection without a certificate is refused)' : '; a connection without a client certificate is accepted too (mutual TLS not enforced: cloudhsm-cli cluster mtls get-enforcement)'}`,
      evidence,
    );
  if (withCert.stage !== 'tls')
    return finding(
      'hsm.mtls',
      'skip',
      s.target,
      `the handshake with the client certificate did not get through (${withCert.code}): see hsm.tls and hsm.reachable`,
      evidence,
    );
  return finding(
    'hsm.mtls',
    'fail',
    s.target,
    `the HSM rejects the client certificate ${name} from ${client.config}: ${withCert.code} (${withCert.message})`,
    evidence,
    `the chain in ${client.certFile} must end at a trust anchor registered on the HSM: compare its last certificate with cloudhsm-cli cluster mtls list-trust-anchors, or register it (cluster mtls register-trust-anchor --path <anchor.crt>, as an admin)`,
  );
}
