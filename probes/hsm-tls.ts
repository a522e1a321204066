// HSM side TLS: a handshake on the HSM's TLS port (2223) of every HSM, with the chain checked against
// the cluster's trust anchor (customerCA.crt); and mutual TLS: whether the HSM requires a client
// certificate, and whether it accepts the one the Client SDK 5 configuration names.
import type { X509Certificate } from 'node:crypto';
import { loadClientCertificate } from '../src/clientsdk/client-cert.js';
import type { ClientSdkInstall } from '../src/clientsdk/install.js';
import { type AnchorCheck, readTrustAnchor } from '../src/clientsdk/trust-anchor.js';
import { finding } from '../src/core/findings.js';
import { defineProbe, type ProbeFinding } from '../src/core/probe.js';
import { targetLabel } from '../src/model/index.js';
import { probeHandshake } from '../src/prober/client.js';
import { type CertificateSummary, summarise } from '../src/tls/certificate.js';
import type { HandshakeFailure, HandshakeResult, HandshakeSuccess } from '../src/tls/handshake.js';
import { awsCommand } from '../src/util/aws-command.js';
import { mapLimit } from '../src/util/concurrency.js';
import { type ConfiguredClient, mtlsVerdict, refusedForClientCert } from './support/hsm-mtls.js';
import { declarePhaseMetrics, phasesOf } from './support/tls-metrics.js';

type Id = 'hsm.tls' | 'hsm.mtls';

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

/** TLS 1.3: how long after the handshake the HSM's verdict on the client (certificate) may take. */
const SERVER_VERDICT_MS = 300;

/** The client certificate the first Client SDK 5 file that sets up mutual TLS names, loaded. */
type Presented = { client: ConfiguredClient; pem: { cert: string; key: string } | null };
function configuredClient(install: ClientSdkInstall | undefined): Presented | null {
  const m = install?.mtls.find((x) => x.certFile && x.keyFile);
  if (!m?.certFile || !m.keyFile) return null;
  const loaded = loadClientCertificate(m.certFile, m.keyFile);
  if (!loaded.ok)
    return {
      client: { loaded: false, certFile: m.certFile, config: m.config, detail: loaded.detail },
      pem: null,
    };
  return {
    client: { loaded: true, certFile: m.certFile, config: m.config, leaf: loaded.leaf },
    pem: { cert: loaded.cert, key: loaded.key },
  };
}

/** What the verdict on one HSM's handshake knows besides the handshake. */
interface HsmTlsSubject {
  clusterId: string | null;
  hsmId: string | null;
  ip: string;
  port: number;
  /** Finding target: the HSM and its TLS port. */
  target: string;
  anchorPath: string;
  anchor: AnchorCheck;
  timeoutMs: number;
  warnDays: number;
  region: string | null;
}

export const hsmTls = defineProbe({
  id: 'hsm-tls',
  title: 'HSM TLS and trust anchor',
  needs: ['hsm-targets', 'live-network'],
  findings: {
    'hsm.tls': {
      summary:
        "The HSM's TLS port completes a handshake and its chain verifies against the cluster trust anchor.",
    },
    'hsm.mtls': {
      summary:
        'Mutual TLS: an HSM that requires a client certificate accepts the one the Client SDK 5 configuration names.',
    },
  },
  consumes: ['clientSdk'],
  // Two handshakes per HSM when a client certificate is configured, each with its deadline.
  deadlineMs: (settings, env) =>
    Math.ceil(env.targets.length / 8) * 2 * (settings.timeoutMs + SERVER_VERDICT_MS + 500) + 2000,
  async run(ctx): Promise<{ findings: ProbeFinding<Id>[] }> {
    const { settings, env } = ctx;
    const port = settings.hsm.tlsPort;
    const anchorPath = settings.hsm.trustAnchor;
    const anchor = readTrustAnchor(anchorPath);
    const presented = configuredClient(ctx.facts.clientSdk);
    const shake = (ip: string, clientCertificate?: { cert: string; key: string }) =>
      probeHandshake({
        host: ip,
        port,
        timeoutMs: settings.timeoutMs,
        signal: ctx.signal,
        serverVerdictMs: SERVER_VERDICT_MS,
        ...(anchor.ok ? { ca: anchor.pem } : {}),
        ...(clientCertificate ? { clientCertificate } : {}),
      });
    const perHsm = await mapLimit(env.targets, 8, async (t): Promise<ProbeFinding<Id>[]> => {
      const h = await shake(t.ip);
      const subject: HsmTlsSubject = {
        clusterId: t.clusterId,
        hsmId: t.hsmId,
        ip: t.ip,
        port,
        target: `${targetLabel(t)}:${port}`,
        anchorPath,
        anchor,
        timeoutMs: settings.timeoutMs,
        warnDays: settings.tls.certWarnDays,
        region: env.region,
      };
      const reached = h.ok || (h.stage === 'tls' && !h.notTls);
      const withCert = presented?.pem && reached ? await shake(t.ip, presented.pem) : null;
      const mtls = mtlsVerdict(
        {
          target: subject.target,
          evidence: { ...(t.clusterId ? { clusterId: t.clusterId } : {}), ip: t.ip, port },
          install: ctx.facts.clientSdk,
          client: presented?.client ?? null,
        },
        h,
        withCert,
      );
      return [hsmTlsVerdict(subject, h), ...(mtls ? [mtls] : [])];
    });
    return { findings: perHsm.flat() };
  },
  declareMetrics: (m) =>
    declarePhaseMetrics(m, {
      name: 'cloudhsm_hsm_tls_phase_duration_seconds',
      help: "The phases (connect, tls) of the last TLS handshake with the HSM's TLS port.",
      labelNames: ['cluster', 'hsm', 'ip'],
      labelsOf: (f) =>
        f.evidence.ip === undefined
          ? null
          : {
              cluster: String(f.evidence.clusterId ?? ''),
              hsm: String(f.evidence.hsmId ?? ''),
              ip: String(f.evidence.ip),
            },
    }),
});

/** The verdict on one HSM's handshake: how far it got, and whether the chain verifies. */
function hsmTlsVerdict(s: HsmTlsSubject, h: HandshakeResult): ProbeFinding<Id> {
  const chain = h.chain;
  const summaries = chain.map((c) => summarise(c, new Date()));
  const verified = s.anchor.ok ? chainVerifies(chain, s.anchor.cert) : null;
  const evidence: Record<string, unknown> = {
    ...(s.clusterId ? { clusterId: s.clusterId } : {}),
    ...(s.hsmId ? { hsmId: s.hsmId } : {}),
    ip: s.ip,
    port: s.port,
    trustAnchor: s.anchorPath,
    ...(h.ok
      ? { protocol: h.protocol, cipher: h.cipher, handshakeMs: Math.round(h.handshakeMs * 10) / 10 }
      : { code: h.code, stage: h.stage }),
    phasesMs: phasesOf(h),
    chain: summaries.map((c) => ({
      subject: c.subject,
      issuer: c.issuer,
      notAfter: c.notAfter,
      daysLeft: c.daysLeft,
    })),
    verified,
  };
  if (!h.ok && chain.length === 0) return noCertificateVerdict(s, h, evidence);
  const chainText = summaries.map((c) => c.subject).join(' ← ');
  if (!h.ok) return stoppedVerdict(s, h, chainText, verified, evidence);
  return completedVerdict(s, h, chainText, verified, summaries[0], evidence);
}

const describeHsmsCommand = (s: HsmTlsSubject) =>
  awsCommand(s.region, 'cloudhsmv2', 'describe-clusters', [
    ...(s.clusterId ? ['--filters', `clusterIds=${s.clusterId}`] : []),
    '--query',
    'Clusters[].Hsms[].[HsmId,EniIp,State]',
  ]);

const fixAnchor = (s: HsmTlsSubject) =>
  `copy this cluster's customer CA certificate to ${s.anchorPath} (the certificate that signed the cluster CSR)`;

/** Why the trust anchor cannot verify anything (empty when it is readable). */
const anchorDetail = (s: HsmTlsSubject) => (s.anchor.ok ? '' : s.anchor.detail);

/** The handshake stopped before the HSM presented any certificate. */
function noCertificateVerdict(
  s: HsmTlsSubject,
  h: HandshakeFailure,
  evidence: Record<string, unknown>,
): ProbeFinding<Id> {
  const { port, target, timeoutMs } = s;
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
      `check that the address belongs to an HSM of the cluster: ${describeHsmsCommand(s)}`,
    );
  if (h.stage === 'timeout')
    return finding(
      'hsm.tls',
      'fail',
      target,
      `port ${port} accepts TCP but no TLS handshake completed within ${timeoutMs} ms`,
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

/** It got as far as the certificate: typically the HSM asks for a client certificate. */
function stoppedVerdict(
  s: HsmTlsSubject,
  h: HandshakeFailure,
  chainText: string,
  verified: boolean | null,
  evidence: Record<string, unknown>,
): ProbeFinding<Id> {
  // One test for hsm.tls and hsm.mtls: a handshake_failure before the HSM's certificate is not that.
  const why = refusedForClientCert(h)
    ? 'the HSM requires a client certificate (mutual TLS, see hsm.mtls), so the handshake stopped after its certificate'
    : `the handshake stopped: ${h.code}`;
  return finding(
    'hsm.tls',
    verified === false ? 'fail' : verified === null ? 'warn' : 'pass',
    s.target,
    `${why}; presented ${chainText}${verified === true ? `, which verifies against ${s.anchorPath}` : verified === false ? `, which does NOT verify against ${s.anchorPath}` : ` (not checked: ${anchorDetail(s)})`}`,
    evidence,
    ...(verified === true ? [] : [fixAnchor(s)]),
  );
}

/** The handshake completed: the chain against the anchor, then the leaf's expiry. */
function completedVerdict(
  s: HsmTlsSubject,
  h: HandshakeSuccess,
  chainText: string,
  verified: boolean | null,
  leaf: CertificateSummary | undefined,
  evidence: Record<string, unknown>,
): ProbeFinding<Id> {
  if (verified === null)
    // The handshake works; verification needs the anchor, whose absence clientsdk.trust-anchor reports.
    return finding(
      'hsm.tls',
      'skip',
      s.target,
      `${h.protocol} handshake completed, presenting ${chainText}; the chain cannot be verified: ${anchorDetail(s)}`,
      evidence,
      fixAnchor(s),
    );
  if (!verified)
    return finding(
      'hsm.tls',
      'fail',
      s.target,
      `the HSM's chain (${chainText}) does not verify against the trust anchor ${s.anchorPath}: the anchor is not this cluster's customer CA, or the address is not this cluster's HSM`,
      evidence,
      fixAnchor(s),
    );
  if (leaf && leaf.daysLeft < s.warnDays)
    return finding(
      'hsm.tls',
      'warn',
      s.target,
      `the HSM certificate expires in ${leaf.daysLeft} day(s)`,
      evidence,
    );
  return finding(
    'hsm.tls',
    'pass',
    s.target,
    `${h.protocol} ${h.cipher}; chain ${chainText} verifies against ${s.anchorPath}${leaf ? `; ${leaf.daysLeft} days left` : ''}`,
    evidence,
  );
}
