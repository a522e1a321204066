// The verdicts of the tls-endpoints probe: pure functions from the facts the TLS library establishes
// (DNS answer, proxy, negotiation, enumeration, chain analysis) to findings. No I/O.
import { finding } from '../../src/core/findings.js';
import type { Finding } from '../../src/model/index.js';
import type { DnsResult } from '../../src/net/dns.js';
import type { ProxyConfig } from '../../src/net/proxy.js';
import type { ChainAnalysis } from '../../src/tls/certificate.js';
import type { EndpointTarget } from '../../src/tls/endpoint-set.js';
import type { Enumeration, TlsVersion } from '../../src/tls/enumerate.js';
import type { HandshakeFailure, HandshakeSuccess } from '../../src/tls/handshake.js';
import { phasesOf } from '../support/tls-metrics.js';

/** What every verdict about one endpoint knows: the target, its report name, the AWS expectations. */
export interface Subject {
  t: EndpointTarget;
  /** host:port, as findings name it. */
  target: string;
  /** Hold the endpoint to the AWS expectations (TLS 1.3, Amazon chain). */
  aws: boolean;
}

export const r1 = (ms: number) => Math.round(ms * 10) / 10;

/** The name resolution; nothing to say about an address literal. */
export function dnsVerdict({ t, target, aws }: Subject, dns: DnsResult): Finding<'dns.resolve'> | null {
  if (dns.ok) {
    if (dns.literal) return null;
    return finding(
      'dns.resolve',
      'pass',
      target,
      `${t.host} resolves to ${dns.private ? 'private' : 'public'} address(es) ${dns.addresses.join(', ')} in ${r1(dns.ms)} ms${dns.private && aws ? ' (a VPC interface endpoint with private DNS, or a local override)' : ''}`,
      { addresses: dns.addresses, private: dns.private, ms: r1(dns.ms), label: t.label },
    );
  }
  return finding(
    'dns.resolve',
    t.optional ? 'warn' : 'fail',
    target,
    t.optional && dns.code === 'ENOTFOUND'
      ? `${t.label}: ${t.host} does not exist in DNS: this endpoint name is not published for this region`
      : `${t.label}: ${dns.message}`,
    { code: dns.code, ms: r1(dns.ms), label: t.label },
    t.optional
      ? 'use the FIPS endpoint names AWS publishes for this service and region (https://aws.amazon.com/compliance/fips/)'
      : 'check /etc/resolv.conf and the VPC DNS settings (enableDnsSupport, enableDnsHostnames; private DNS of the interface endpoint)',
  );
}

/** HTTPS through a proxy: whether its CONNECT tunnel opened. */
export function proxyVerdict(
  { t, target }: Subject,
  proxy: ProxyConfig,
  negotiation: HandshakeSuccess | HandshakeFailure,
): Finding<'proxy.in-use'> {
  const tunnelFailed = !negotiation.ok && negotiation.stage === 'proxy';
  return finding(
    'proxy.in-use',
    tunnelFailed ? 'fail' : 'pass',
    target,
    tunnelFailed
      ? `HTTPS to ${t.host} goes through proxy ${proxy.url}, which did not open a tunnel: ${negotiation.ok ? '' : negotiation.message}`
      : `HTTPS to ${t.host} goes through proxy ${proxy.url} (CONNECT tunnel); the TLS checks ran through it`,
    { proxy: proxy.url, ...(negotiation.ok ? {} : { code: negotiation.code }) },
    ...(tunnelFailed ? ['check the proxy address in HTTPS_PROXY, or add the endpoint to NO_PROXY'] : []),
  );
}

/** No handshake; `partial` analyses what the peer presented before it stopped, if anything. */
export function handshakeFailureVerdict(
  { t, target }: Subject,
  n: HandshakeFailure,
  partial: ChainAnalysis | null,
): Finding<'tls.handshake'> {
  return finding(
    'tls.handshake',
    'fail',
    target,
    handshakeFailureMessage(n),
    {
      stage: n.stage,
      code: n.code,
      elapsedMs: r1(n.elapsedMs),
      ...(partial?.leaf ? { presented: partial.leaf.subject, issuer: partial.leaf.issuer } : {}),
    },
    n.stage === 'connect' || n.stage === 'timeout'
      ? `check that outbound TCP ${t.port} to the endpoint is allowed (security group egress, network ACL, proxy)`
      : 'check the endpoint address: something that is not the AWS TLS endpoint answers there',
  );
}

function handshakeFailureMessage(n: HandshakeFailure): string {
  if (n.stage === 'timeout')
    return `no TLS handshake within the deadline: the peer accepted the connection but did not complete TLS (${n.message})`;
  if (n.stage === 'connect') return `cannot connect: ${n.code} (${n.message})`;
  if (n.stage === 'proxy') return `the proxy did not open a tunnel: ${n.message}`;
  if (n.notTls) return `the peer does not speak TLS (${n.code}): ${n.message}`;
  if (n.code === 'ECONNRESET') return 'the peer reset the connection during the TLS handshake';
  return `TLS handshake failed: ${n.code} (${n.message})`;
}

/** AWS API endpoints accept TLS 1.2 and later only, since June 2023. */
export const AWS_TLS_MINIMUM =
  'AWS API endpoints require TLS 1.2 or later (https://aws.amazon.com/blogs/security/tls-1-2-required-for-aws-endpoints/)';

const LEGACY_FIX =
  'enable TLS 1.2 and 1.3 on the server or proxy that terminates TLS there (TLS 1.0 and 1.1 are deprecated, RFC 8996); do not lower the client minimum';

/**
 * The default handshake failed because the endpoint accepts only versions this host's TLS stack (and
 * the AWS SDK on it) refuses by default: a TLS 1.0/1.1-only server or middlebox.
 */
export function legacyHandshakeVerdict(
  { target, aws }: Subject,
  n: HandshakeFailure,
  accepted: readonly TlsVersion[],
  defaultMin: string,
): Finding<'tls.handshake'> {
  return finding(
    'tls.handshake',
    'fail',
    target,
    `no TLS version in common with this host's defaults: the endpoint accepts only ${accepted.join(' and ')}, this host offers ${defaultMin} and later, so the AWS SDK cannot connect${aws ? `; ${AWS_TLS_MINIMUM}, so what answers here is not the AWS endpoint (an old proxy or middlebox)` : ''}`,
    {
      stage: n.stage,
      code: n.code,
      acceptedVersions: accepted,
      defaultMinVersion: defaultMin,
      elapsedMs: r1(n.elapsedMs),
    },
    LEGACY_FIX,
  );
}

/**
 * The newest version a TLS 1.0/1.1-only endpoint accepts; `shown`: the handshake completed at that
 * version, when it did (its suite, key exchange and time).
 */
export function legacyProtocolVerdict(
  { target }: Subject,
  newest: TlsVersion,
  e: Enumeration,
  shown: HandshakeSuccess | null,
): Finding<'tls.protocol'> {
  const cipher = shown?.cipher ?? e.probes.find((p) => p.version === newest && p.accepted)?.detail ?? null;
  return finding(
    'tls.protocol',
    'fail',
    target,
    `the newest protocol the endpoint accepts is ${newest}${cipher ? ` (with ${cipher})` : ''}: below TLS 1.2, which AWS requires`,
    {
      protocol: newest,
      cipher,
      ...(shown
        ? {
            keyExchange: shown.keyExchange.name,
            forwardSecrecy: shown.forwardSecrecy,
            handshakeMs: r1(shown.handshakeMs),
          }
        : {}),
      acceptedVersions: e.acceptedVersions,
    },
    `${LEGACY_FIX}; ${AWS_TLS_MINIMUM}`,
  );
}

/** The handshake with the host's defaults: it completed, with which protocol and key exchange. */
export function negotiationVerdicts(
  s: Subject,
  n: HandshakeSuccess,
): [Finding<'tls.handshake'>, Finding<'tls.protocol'>, Finding<'tls.forward-secrecy'>] {
  const evidence = {
    protocol: n.protocol,
    cipher: n.cipher,
    keyExchange: n.keyExchange.name,
    keyExchangeSize: n.keyExchange.size,
    alpn: n.alpn,
    handshakeMs: r1(n.handshakeMs),
    phasesMs: phasesOf(n),
  };
  return [
    finding('tls.handshake', 'pass', s.target, `TLS handshake in ${r1(n.handshakeMs)} ms`, evidence),
    protocolVerdict(s, n, evidence),
    forwardSecrecyVerdict(s, n, evidence),
  ];
}

function protocolVerdict(
  { target, aws }: Subject,
  n: HandshakeSuccess,
  evidence: Record<string, unknown>,
): Finding<'tls.protocol'> {
  const p = n.protocol;
  if (p === 'TLSv1.3' || (p === 'TLSv1.2' && !aws))
    return finding('tls.protocol', 'pass', target, `negotiated ${p} with ${n.cipher}`, evidence);
  if (p === 'TLSv1.2')
    return finding(
      'tls.protocol',
      'warn',
      target,
      `negotiated TLSv1.2, not TLSv1.3: AWS endpoints offer TLS 1.3, so this host's TLS stack is old or a middlebox (TLS-inspecting proxy, firewall) terminates the connection`,
      evidence,
      'update OpenSSL/Node.js on this host, or exempt the AWS endpoints from TLS inspection in the proxy or firewall',
    );
  return finding(
    'tls.protocol',
    'fail',
    target,
    `negotiated ${p}: below TLS 1.2, which AWS requires`,
    evidence,
    `enable TLS 1.2 and 1.3 on this host (and on any proxy in the path); ${AWS_TLS_MINIMUM}`,
  );
}

function forwardSecrecyVerdict(
  { target }: Subject,
  n: HandshakeSuccess,
  evidence: Record<string, unknown>,
): Finding<'tls.forward-secrecy'> {
  return n.forwardSecrecy
    ? finding(
        'tls.forward-secrecy',
        'pass',
        target,
        `forward-secret key exchange (${n.keyExchange.name}${n.keyExchange.size ? ` ${n.keyExchange.size} bits` : ''})`,
        evidence,
      )
    : finding(
        'tls.forward-secrecy',
        'fail',
        target,
        `negotiated ${n.cipher} with static RSA key exchange: no forward secrecy (recorded traffic can be decrypted if the server key leaks)`,
        evidence,
        'prefer ECDHE suites: remove static-RSA suites from the server or proxy configuration (and any client cipher override such as NODE_OPTIONS=--tls-cipher-list)',
      );
}

/** What the endpoint accepts beyond the negotiation: old protocol versions, static-RSA suites. */
export function enumerationVerdicts(
  { target, aws }: Subject,
  e: Enumeration,
): [Finding<'tls.versions'>, Finding<'tls.non-forward-secret'>] {
  const old = e.acceptedVersions.filter((v) => v === 'TLSv1' || v === 'TLSv1.1');
  const evidence = {
    acceptedVersions: e.acceptedVersions,
    probes: e.probes,
    elapsedMs: r1(e.elapsedMs),
  };
  return [
    old.length
      ? finding(
          'tls.versions',
          'warn',
          target,
          `accepts ${old.join(' and ')} from this host${aws ? ': AWS endpoints refuse them, so a middlebox answers here' : ''}`,
          evidence,
          'disable TLS 1.0 and 1.1 on the server or proxy that terminates TLS',
        )
      : finding(
          'tls.versions',
          'pass',
          target,
          `accepts ${e.acceptedVersions.join(', ') || 'no version'}`,
          evidence,
        ),
    e.nonForwardSecretAccepted
      ? finding(
          'tls.non-forward-secret',
          'warn',
          target,
          `accepts ${e.nonForwardSecretCipher} (static RSA key exchange, no forward secrecy) when a client offers only such suites`,
          evidence,
          'remove static-RSA suites (TLS_RSA_WITH_*) from the server or proxy that terminates TLS',
        )
      : finding(
          'tls.non-forward-secret',
          'pass',
          target,
          'refuses every suite without forward secrecy',
          evidence,
        ),
  ];
}

/** The chain: verifies, matches the name, valid now and for long enough. */
export function certificateVerdict(
  { target }: Subject,
  n: HandshakeSuccess,
  c: ChainAnalysis,
  warnDays: number,
): Finding<'tls.certificate'> {
  const leaf = c.leaf;
  const evidence = {
    subject: leaf?.subject,
    issuer: leaf?.issuer,
    notBefore: leaf?.notBefore,
    notAfter: leaf?.notAfter,
    daysLeft: leaf?.daysLeft,
    verified: n.verified,
    verifyError: n.verifyError,
    hostnameMatch: c.hostnameMatch,
    chain: c.chain.map((x) => ({ subject: x.subject, issuer: x.issuer, notAfter: x.notAfter })),
  };
  const problems = certificateProblems(n, c);
  if (problems.length)
    return finding(
      'tls.certificate',
      'fail',
      target,
      `certificate of ${leaf?.subject ?? '?'} ${problems.join('; ')}`,
      evidence,
      c.notYetValid
        ? "synchronise this host's clock (chronyd with the Amazon Time Sync Service, 169.254.169.123)"
        : 'the server must present a valid chain for this name (leaf and intermediates); if a proxy answers, exempt the endpoint from TLS inspection',
    );
  if (leaf && leaf.daysLeft < warnDays)
    return finding(
      'tls.certificate',
      'warn',
      target,
      `certificate expires in ${leaf.daysLeft} day(s) (${leaf.notAfter})`,
      evidence,
      'renew the certificate before it expires',
    );
  return finding(
    'tls.certificate',
    'pass',
    target,
    `certificate for ${leaf?.subject ?? '?'} from ${leaf?.issuer ?? '?'} verifies, matches the name, ${leaf?.daysLeft} days left`,
    evidence,
  );
}

function certificateProblems(n: HandshakeSuccess, c: ChainAnalysis): string[] {
  const leaf = c.leaf;
  const problems: string[] = [];
  if (c.expired) problems.push(`expired on ${leaf?.notAfter}`);
  if (c.notYetValid) problems.push(`not valid before ${leaf?.notBefore} (check this host's clock)`);
  if (!c.hostnameMatch) problems.push(`does not match the name: ${c.hostnameError}`);
  if (!n.verified && !c.expired && !c.notYetValid) {
    const why =
      n.verifyError === 'DEPTH_ZERO_SELF_SIGNED_CERT' || n.verifyError === 'SELF_SIGNED_CERT_IN_CHAIN'
        ? 'self-signed'
        : n.verifyError === 'UNABLE_TO_VERIFY_LEAF_SIGNATURE' ||
            n.verifyError === 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY'
          ? 'chain incomplete or issued by a CA this host does not trust'
          : 'not trusted';
    problems.push(`${why} (${n.verifyError})`);
  }
  return problems;
}

/** An AWS endpoint's chain is Amazon's, not re-signed by a TLS-inspecting proxy or middlebox. */
export function interceptionVerdict(
  { t, target, aws }: Subject,
  n: HandshakeSuccess,
  c: ChainAnalysis,
  proxy: ProxyConfig | null,
): Finding<'tls.intercepted'> {
  if (!aws)
    return finding(
      'tls.intercepted',
      'skip',
      target,
      'not an AWS endpoint: the interception check applies to AWS names only',
      {},
    );
  if (!c.intercepted)
    return finding('tls.intercepted', 'pass', target, `not intercepted: ${c.trustPath}`, {
      chain: c.chain.map((x) => x.subject),
    });
  return finding(
    'tls.intercepted',
    'fail',
    target,
    `TLS to ${t.host} is intercepted: ${c.trustPath}; a TLS-inspecting proxy or middlebox re-signs the connection${n.verified ? " (the chain verifies only because its CA was added to this host's trust store)" : ''}`,
    {
      issuer: c.leaf?.issuer,
      chain: c.chain.map((x) => x.subject),
      verified: n.verified,
      ...(proxy ? { proxy: proxy.url } : {}),
    },
    `exempt ${t.host} from TLS inspection in the proxy or firewall (bypass rule for *.amazonaws.com), or reach AWS through a VPC interface endpoint`,
  );
}
