// The whole TLS check of one endpoint: DNS, proxy, negotiation with the host's defaults, version and
// suite enumeration, certificate chain and interception. The TLS library establishes the facts; the
// verdicts (verdicts.ts) turn them into findings. Produces the report's endpoint record and the
// findings, as values; never throws on a bad peer.
import { isIP } from 'node:net';
import { DEFAULT_MIN_VERSION } from 'node:tls';
import type { EndpointRecord, Finding } from '../../src/model/index.js';
import { resolveHost } from '../../src/net/dns.js';
import { type ProxyConfig, proxyFor } from '../../src/net/proxy.js';
import { probeHandshake } from '../../src/prober/client.js';
import { analyseChain, type ChainAnalysis, isAwsName } from '../../src/tls/certificate.js';
import { type CheckOptions, type EndpointTarget, targetName } from '../../src/tls/endpoint-set.js';
import {
  type Enumeration,
  enumerate,
  LEGACY_CIPHERS,
  type TlsVersion,
  VERSIONS,
} from '../../src/tls/enumerate.js';
import type {
  HandshakeFailure,
  HandshakeOptions,
  HandshakeResult,
  HandshakeSuccess,
} from '../../src/tls/handshake.js';
import type { TlsFindingId } from './findings.js';
import {
  certificateVerdict,
  dnsVerdict,
  enumerationVerdicts,
  handshakeFailureVerdict,
  interceptionVerdict,
  legacyHandshakeVerdict,
  legacyProtocolVerdict,
  negotiationVerdicts,
  proxyVerdict,
  r1,
  type Subject,
} from './verdicts.js';

export interface EndpointCheck {
  record: EndpointRecord;
  findings: Finding<TlsFindingId>[];
  negotiation: HandshakeResult | null;
  enumeration: Enumeration | null;
  chain: ChainAnalysis | null;
}

export async function checkEndpoint(t: EndpointTarget, o: CheckOptions): Promise<EndpointCheck> {
  const s: Subject = { t, target: targetName(t), aws: t.aws || isAwsName(t.host) };
  const proxy: ProxyConfig | null = proxyFor(t.host, t.port, { proxy: o.proxy, noProxy: o.noProxy });
  const record = emptyRecord(t, proxy);
  const findings: Finding<TlsFindingId>[] = [];
  const out: EndpointCheck = { record, findings, negotiation: null, enumeration: null, chain: null };

  // DNS. Through a proxy the proxy resolves, but what this host sees still tells private vs public.
  const dns = await resolveHost(t.host, Math.min(o.timeoutMs, 5000), o.lookup);
  if (dns.ok) {
    record.addresses = dns.addresses;
    record.private = dns.private;
  }
  const resolved = dnsVerdict(s, dns);
  if (resolved) findings.push(resolved);
  if (!dns.ok && !proxy) return out;

  const connectHost = proxy ? t.host : ((record.addresses as string[])[0] ?? t.host);
  const { negotiation, enumeration } = await negotiate(t, connectHost, proxy, o);
  out.negotiation = negotiation;
  out.enumeration = enumeration;
  record.acceptedVersions = enumeration.acceptedVersions;
  record.nonForwardSecretAccepted = enumeration.nonForwardSecretAccepted;
  if (proxy) findings.push(proxyVerdict(s, proxy, negotiation));

  if (!negotiation.ok) {
    const legacy = legacyOnly(negotiation, enumeration);
    if (legacy) {
      await legacyVerdicts(s, legacy, enumeration, negotiation, connectHost, proxy, o, out);
      return out;
    }
    const partial = negotiation.chain.length
      ? analyseChain(negotiation.chain, {
          hostname: bareHost(t),
          awsEndpoint: s.aws,
          ...(o.now ? { now: o.now } : {}),
        })
      : null;
    findings.push(handshakeFailureVerdict(s, negotiation, partial));
    return out;
  }

  recordNegotiation(record, negotiation);
  findings.push(...negotiationVerdicts(s, negotiation), ...enumerationVerdicts(s, enumeration));

  const chain = analyseChain(negotiation.chain, {
    hostname: bareHost(t),
    awsEndpoint: s.aws,
    ...(o.extraAwsRoots ? { extraAwsRoots: o.extraAwsRoots } : {}),
    ...(o.now ? { now: o.now } : {}),
  });
  out.chain = chain;
  record.certificate = certificateRecord(negotiation, chain);
  findings.push(
    certificateVerdict(s, negotiation, chain, o.warnDays),
    interceptionVerdict(s, negotiation, chain, proxy),
  );
  return out;
}

/** The name without IPv6 brackets: what the certificate must match, and the SNI unless an address. */
const bareHost = (t: EndpointTarget) => t.host.replace(/^\[|\]$/g, '');

/** Where and how every handshake with the endpoint connects. */
function handshakeBase(
  t: EndpointTarget,
  connectHost: string,
  proxy: ProxyConfig | null,
  o: CheckOptions,
): HandshakeOptions {
  const bare = bareHost(t);
  const servername = isIP(bare) ? undefined : bare;
  return {
    host: connectHost,
    port: t.port,
    ...(servername ? { servername } : {}),
    timeoutMs: o.timeoutMs,
    proxy,
    ...(o.ca ? { ca: o.ca } : {}),
    ...(o.signal ? { signal: o.signal } : {}),
  };
}

/**
 * The default handshake failed in TLS, yet forced handshakes were accepted, every one below this
 * host's default minimum (TLS 1.2 unless Node was started otherwise): a TLS 1.0/1.1-only peer. The
 * versions it accepts, oldest first; null for any other failure.
 */
function legacyOnly(n: HandshakeFailure, e: Enumeration): TlsVersion[] | null {
  if (n.stage !== 'tls' || e.acceptedVersions.length === 0) return null;
  const min = VERSIONS.indexOf(DEFAULT_MIN_VERSION as TlsVersion);
  return min > 0 && e.acceptedVersions.every((v) => VERSIONS.indexOf(v) < min) ? e.acceptedVersions : null;
}

/**
 * A TLS 1.0/1.1-only endpoint: the handshake, protocol and version verdicts say so, and one completed
 * handshake at its newest version (as the enumeration offered it) shows the chain it presents.
 */
async function legacyVerdicts(
  s: Subject,
  accepted: TlsVersion[],
  enumeration: Enumeration,
  negotiation: HandshakeFailure,
  connectHost: string,
  proxy: ProxyConfig | null,
  o: CheckOptions,
  out: EndpointCheck,
): Promise<void> {
  const { t } = s;
  const newest = accepted[accepted.length - 1]!;
  const shown = await probeHandshake({
    ...handshakeBase(t, connectHost, proxy, o),
    minVersion: newest,
    maxVersion: newest,
    ciphers: LEGACY_CIPHERS,
  });
  out.findings.push(
    legacyHandshakeVerdict(s, negotiation, accepted, DEFAULT_MIN_VERSION),
    legacyProtocolVerdict(s, newest, enumeration, shown.ok ? shown : null),
    ...enumerationVerdicts(s, enumeration),
  );
  if (!shown.ok) return;
  const chain = analyseChain(shown.chain, {
    hostname: bareHost(t),
    awsEndpoint: s.aws,
    ...(o.extraAwsRoots ? { extraAwsRoots: o.extraAwsRoots } : {}),
    ...(o.now ? { now: o.now } : {}),
  });
  out.chain = chain;
  out.record.certificate = certificateRecord(shown, chain);
  out.findings.push(
    certificateVerdict(s, shown, chain, o.warnDays),
    interceptionVerdict(s, shown, chain, proxy),
  );
}

/** The handshake with the host's defaults and, alongside, the version and suite enumeration. */
async function negotiate(
  t: EndpointTarget,
  connectHost: string,
  proxy: ProxyConfig | null,
  o: CheckOptions,
): Promise<{ negotiation: HandshakeResult; enumeration: Enumeration }> {
  const base = handshakeBase(t, connectHost, proxy, o);
  const negotiating = probeHandshake({ ...base, alpn: ['h2', 'http/1.1'] });
  const [negotiation, enumeration] = await Promise.all([
    negotiating,
    enumerate({
      ...base,
      negotiation: negotiating,
      handshake: probeHandshake,
      ...(o.concurrency ? { concurrency: o.concurrency } : {}),
    }),
  ]);
  return { negotiation, enumeration };
}

function emptyRecord(t: EndpointTarget, proxy: ProxyConfig | null): EndpointRecord {
  return {
    host: t.host,
    port: t.port,
    addresses: [],
    private: null,
    proxy: proxy?.url ?? null,
    protocol: null,
    cipher: null,
    keyExchange: null,
    forwardSecrecy: null,
    acceptedVersions: [],
    nonForwardSecretAccepted: null,
    handshakeMs: null,
    certificate: null,
  };
}

function recordNegotiation(record: EndpointRecord, n: HandshakeSuccess): void {
  record.protocol = n.protocol;
  record.cipher = n.cipher;
  record.keyExchange = n.keyExchange.name;
  record.forwardSecrecy = n.forwardSecrecy;
  record.handshakeMs = r1(n.handshakeMs);
}

function certificateRecord(n: HandshakeSuccess, chain: ChainAnalysis): EndpointRecord['certificate'] {
  const leaf = chain.leaf;
  return leaf
    ? {
        subject: leaf.subject,
        issuer: leaf.issuer,
        notAfter: leaf.notAfter,
        daysLeft: leaf.daysLeft,
        verified: n.verified,
        hostnameMatch: chain.hostnameMatch,
        intercepted: chain.intercepted,
      }
    : null;
}
