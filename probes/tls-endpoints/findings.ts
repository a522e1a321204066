// The finding ids of the tls-endpoints probe (public API: add, never rename).

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
