// The whole TLS check of one endpoint: DNS, proxy, negotiation with the host's defaults, version and
// suite enumeration, certificate chain and interception. Produces the report's endpoint record and
// the findings, as values; never throws on a bad peer.
import { isIP } from 'node:net';
import { finding } from '../core/findings.js';
import type { EndpointRecord, Finding } from '../model/index.js';
import { type Lookup, resolveHost } from '../net/dns.js';
import { type ProxyConfig, proxyFor } from '../net/proxy.js';
import { analyseChain, type ChainAnalysis, isAwsName } from './certificate.js';
import { type Enumeration, enumerate } from './enumerate.js';
import { type HandshakeResult, handshake } from './handshake.js';

export const TLS_FINDINGS = {
  'dns.resolve': { summary: 'The endpoint name resolves; private (VPC endpoint) or public addresses.' },
  'proxy.in-use': {
    summary:
      'Whether HTTPS to the endpoint goes through a proxy (HTTPS_PROXY/NO_PROXY), and the tunnel works.',
  },
  'tls.handshake': {
    summary: "A TLS handshake with the endpoint completes with this host's default settings.",
  },
  'tls.protocol': {
    summary: 'The negotiated protocol is TLS 1.3 (TLS 1.2 warns for AWS endpoints, older fails).',
  },
  'tls.forward-secrecy': {
    summary: 'The negotiated key exchange is forward secret (ECDHE/DHE, or TLS 1.3).',
  },
  'tls.versions': { summary: 'The endpoint accepts no protocol older than TLS 1.2 from this host.' },
  'tls.non-forward-secret': {
    summary: 'The endpoint accepts no suite without forward secrecy (static RSA key exchange).',
  },
  'tls.certificate': { summary: 'The certificate chain verifies, matches the name and is not near expiry.' },
  'tls.intercepted': {
    summary: 'The certificate of an AWS endpoint is issued by Amazon, not re-signed by a proxy or middlebox.',
  },
} as const;

export type TlsFindingId = keyof typeof TLS_FINDINGS;

export interface EndpointTarget {
  /** DNS name or address. */
  host: string;
  port: number;
  /** Report label: the service and kind (e.g. "sts", "ec2 (FIPS)", "tls target"). */
  label: string;
  /** Apply the AWS expectations (TLS 1.3, Amazon chain) even when the name is not an AWS one (overrides). */
  aws: boolean;
  /** A FIPS or other candidate name that may legitimately not exist in this region. */
  optional?: boolean;
}

export interface CheckOptions {
  timeoutMs: number;
  warnDays: number;
  ca?: string[] | undefined;
  proxy?: string | undefined;
  noProxy?: string | undefined;
  extraAwsRoots?: readonly string[];
  concurrency?: number;
  lookup?: Lookup;
  signal?: AbortSignal;
  now?: Date;
}

export interface EndpointCheck {
  record: EndpointRecord;
  findings: Finding[];
  negotiation: HandshakeResult | null;
  enumeration: Enumeration | null;
  chain: ChainAnalysis | null;
}

const r1 = (ms: number) => Math.round(ms * 10) / 10;

export function targetName(t: Pick<EndpointTarget, 'host' | 'port'>): string {
  return `${t.host.includes(':') ? `[${t.host}]` : t.host}:${t.port}`;
}

export async function checkEndpoint(t: EndpointTarget, o: CheckOptions): Promise<EndpointCheck> {
  const findings: Finding[] = [];
  const target = targetName(t);
  const aws = t.aws || isAwsName(t.host);
  const proxy: ProxyConfig | null = proxyFor(t.host, t.port, { proxy: o.proxy, noProxy: o.noProxy });
  const record: EndpointRecord = {
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
  const out: EndpointCheck = { record, findings, negotiation: null, enumeration: null, chain: null };

  // DNS. Through a proxy the proxy resolves, but what this host sees still tells private vs public.
  const dns = await resolveHost(t.host, Math.min(o.timeoutMs, 5000), o.lookup);
  if (dns.ok) {
    record.addresses = dns.addresses;
    record.private = dns.private;
    if (!dns.literal)
      findings.push(
        finding(
          'dns.resolve',
          'pass',
          target,
          `${t.host} resolves to ${dns.private ? 'private' : 'public'} address(es) ${dns.addresses.join(', ')} in ${r1(dns.ms)} ms${dns.private && aws ? ' (a VPC interface endpoint with private DNS, or a local override)' : ''}`,
          { addresses: dns.addresses, private: dns.private, ms: r1(dns.ms), label: t.label },
        ),
      );
  } else {
    findings.push(
      finding(
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
      ),
    );
    if (!proxy) return out;
  }

  const connectHost = proxy ? t.host : ((record.addresses as string[])[0] ?? t.host);
  const bare = t.host.replace(/^\[|\]$/g, '');
  const servername = isIP(bare) ? undefined : bare;
  const base = {
    host: connectHost,
    port: t.port,
    ...(servername ? { servername } : {}),
    timeoutMs: o.timeoutMs,
    proxy,
    ...(o.ca ? { ca: o.ca } : {}),
    ...(o.signal ? { signal: o.signal } : {}),
  };

  const negotiating = handshake({ ...base, alpn: ['h2', 'http/1.1'] });
  const [negotiation, enumeration] = await Promise.all([
    negotiating,
    enumerate({
      ...base,
      negotiation: negotiating,
      ...(o.concurrency ? { concurrency: o.concurrency } : {}),
    }),
  ]);
  out.negotiation = negotiation;
  out.enumeration = enumeration;
  record.acceptedVersions = enumeration.acceptedVersions;
  record.nonForwardSecretAccepted = enumeration.nonForwardSecretAccepted;

  if (proxy) {
    const tunnelFailed = !negotiation.ok && negotiation.stage === 'proxy';
    findings.push(
      finding(
        'proxy.in-use',
        tunnelFailed ? 'fail' : 'pass',
        target,
        tunnelFailed
          ? `HTTPS to ${t.host} goes through proxy ${proxy.url}, which did not open a tunnel: ${negotiation.ok ? '' : negotiation.message}`
          : `HTTPS to ${t.host} goes through proxy ${proxy.url} (CONNECT tunnel); the TLS checks ran through it`,
        { proxy: proxy.url, ...(negotiation.ok ? {} : { code: negotiation.code }) },
        ...(tunnelFailed ? ['check the proxy address in HTTPS_PROXY, or add the endpoint to NO_PROXY'] : []),
      ),
    );
  }

  if (!negotiation.ok) {
    const partial = negotiation.chain.length
      ? analyseChain(negotiation.chain, {
          hostname: bare,
          awsEndpoint: aws,
          ...(o.now ? { now: o.now } : {}),
        })
      : null;
    findings.push(
      finding(
        'tls.handshake',
        'fail',
        target,
        handshakeFailureMessage(negotiation),
        {
          stage: negotiation.stage,
          code: negotiation.code,
          elapsedMs: r1(negotiation.elapsedMs),
          ...(partial?.leaf ? { presented: partial.leaf.subject, issuer: partial.leaf.issuer } : {}),
        },
        negotiation.stage === 'connect' || negotiation.stage === 'timeout'
          ? `check that outbound TCP ${t.port} to the endpoint is allowed (security group egress, network ACL, proxy)`
          : 'check the endpoint address: something that is not the AWS TLS endpoint answers there',
      ),
    );
    return out;
  }

  record.protocol = negotiation.protocol;
  record.cipher = negotiation.cipher;
  record.keyExchange = negotiation.keyExchange.name;
  record.forwardSecrecy = negotiation.forwardSecrecy;
  record.handshakeMs = r1(negotiation.handshakeMs);
  const negEvidence = {
    protocol: negotiation.protocol,
    cipher: negotiation.cipher,
    keyExchange: negotiation.keyExchange.name,
    keyExchangeSize: negotiation.keyExchange.size,
    alpn: negotiation.alpn,
    handshakeMs: r1(negotiation.handshakeMs),
  };
  findings.push(
    finding(
      'tls.handshake',
      'pass',
      target,
      `TLS handshake in ${r1(negotiation.handshakeMs)} ms`,
      negEvidence,
    ),
  );
  const p = negotiation.protocol;
  if (p === 'TLSv1.3') {
    findings.push(
      finding('tls.protocol', 'pass', target, `negotiated ${p} with ${negotiation.cipher}`, negEvidence),
    );
  } else if (p === 'TLSv1.2') {
    findings.push(
      aws
        ? finding(
            'tls.protocol',
            'warn',
            target,
            `negotiated TLSv1.2, not TLSv1.3: AWS endpoints offer TLS 1.3, so this host's TLS stack is old or a middlebox (TLS-inspecting proxy, firewall) terminates the connection`,
            negEvidence,
            'update OpenSSL/Node.js on this host, or exempt the AWS endpoints from TLS inspection in the proxy or firewall',
          )
        : finding('tls.protocol', 'pass', target, `negotiated ${p} with ${negotiation.cipher}`, negEvidence),
    );
  } else {
    findings.push(
      finding(
        'tls.protocol',
        'fail',
        target,
        `negotiated ${p}: below TLS 1.2, which AWS requires`,
        negEvidence,
        'enable TLS 1.2 and 1.3 on this host (and on any proxy in the path); AWS rejects older protocols',
      ),
    );
  }
  findings.push(
    negotiation.forwardSecrecy
      ? finding(
          'tls.forward-secrecy',
          'pass',
          target,
          `forward-secret key exchange (${negotiation.keyExchange.name}${negotiation.keyExchange.size ? ` ${negotiation.keyExchange.size} bits` : ''})`,
          negEvidence,
        )
      : finding(
          'tls.forward-secrecy',
          'fail',
          target,
          `negotiated ${negotiation.cipher} with static RSA key exchange: no forward secrecy (recorded traffic can be decrypted if the server key leaks)`,
          negEvidence,
          'prefer ECDHE suites: remove static-RSA suites from the server or proxy configuration (and any client cipher override such as NODE_OPTIONS=--tls-cipher-list)',
        ),
  );
  const old = enumeration.acceptedVersions.filter((v) => v === 'TLSv1' || v === 'TLSv1.1');
  const enumEvidence = {
    acceptedVersions: enumeration.acceptedVersions,
    probes: enumeration.probes,
    elapsedMs: r1(enumeration.elapsedMs),
  };
  findings.push(
    old.length
      ? finding(
          'tls.versions',
          'warn',
          target,
          `accepts ${old.join(' and ')} from this host${aws ? ': AWS endpoints refuse them, so a middlebox answers here' : ''}`,
          enumEvidence,
          'disable TLS 1.0 and 1.1 on the server or proxy that terminates TLS',
        )
      : finding(
          'tls.versions',
          'pass',
          target,
          `accepts ${enumeration.acceptedVersions.join(', ') || 'no version'}`,
          enumEvidence,
        ),
  );
  findings.push(
    enumeration.nonForwardSecretAccepted
      ? finding(
          'tls.non-forward-secret',
          'warn',
          target,
          `accepts ${enumeration.nonForwardSecretCipher} (static RSA key exchange, no forward secrecy) when a client offers only such suites`,
          enumEvidence,
          'remove static-RSA suites (TLS_RSA_WITH_*) from the server or proxy that terminates TLS',
        )
      : finding(
          'tls.non-forward-secret',
          'pass',
          target,
          'refuses every suite without forward secrecy',
          enumEvidence,
        ),
  );

  const chain = analyseChain(negotiation.chain, {
    hostname: bare,
    awsEndpoint: aws,
    ...(o.extraAwsRoots ? { extraAwsRoots: o.extraAwsRoots } : {}),
    ...(o.now ? { now: o.now } : {}),
  });
  out.chain = chain;
  const leaf = chain.leaf;
  record.certificate = leaf
    ? {
        subject: leaf.subject,
        issuer: leaf.issuer,
        notAfter: leaf.notAfter,
        daysLeft: leaf.daysLeft,
        verified: negotiation.verified,
        hostnameMatch: chain.hostnameMatch,
        intercepted: chain.intercepted,
      }
    : null;
  findings.push(certificateFinding(target, negotiation, chain, o.warnDays));
  findings.push(
    !aws
      ? finding(
          'tls.intercepted',
          'skip',
          target,
          'not an AWS endpoint: the interception check applies to AWS names only',
          {},
        )
      : chain.intercepted
        ? finding(
            'tls.intercepted',
            'fail',
            target,
            `TLS to ${t.host} is intercepted: ${chain.trustPath}; a TLS-inspecting proxy or middlebox re-signs the connection${negotiation.verified ? " (the chain verifies only because its CA was added to this host's trust store)" : ''}`,
            {
              issuer: leaf?.issuer,
              chain: chain.chain.map((c) => c.subject),
              verified: negotiation.verified,
              ...(proxy ? { proxy: proxy.url } : {}),
            },
            `exempt ${t.host} from TLS inspection in the proxy or firewall (bypass rule for *.amazonaws.com), or reach AWS through a VPC interface endpoint`,
          )
        : finding('tls.intercepted', 'pass', target, `not intercepted: ${chain.trustPath}`, {
            chain: chain.chain.map((c) => c.subject),
          }),
  );
  return out;
}

function handshakeFailureMessage(n: Extract<HandshakeResult, { ok: false }>): string {
  if (n.stage === 'timeout')
    return `no TLS handshake within the deadline: the peer accepted the connection but did not complete TLS (${n.message})`;
  if (n.stage === 'connect') return `cannot connect: ${n.code} (${n.message})`;
  if (n.stage === 'proxy') return `the proxy did not open a tunnel: ${n.message}`;
  if (n.notTls) return `the peer does not speak TLS (${n.code}): ${n.message}`;
  if (n.code === 'ECONNRESET') return 'the peer reset the connection during the TLS handshake';
  return `TLS handshake failed: ${n.code} (${n.message})`;
}

function certificateFinding(
  target: string,
  n: Extract<HandshakeResult, { ok: true }>,
  c: ChainAnalysis,
  warnDays: number,
): Finding {
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
