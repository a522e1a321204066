// Metrics of the TLS, clock and credentials probes (names from the product spec). Labels are bounded:
// endpoint (host:port), version, cipher, pfs — never a message or a credential.
import { Gauge, type Registry } from 'prom-client';
import { LabelPruner } from '../../src/core/label-pruner.js';
import type { ProbeOutcome } from '../../src/core/probe.js';
import type { EndpointRecord } from '../../src/model/index.js';
import { VERSIONS } from '../../src/tls/enumerate.js';

const endpointLabel = (e: EndpointRecord) => `${e.host.includes(':') ? `[${e.host}]` : e.host}:${e.port}`;

export function declareTlsEndpointMetrics(registry: Registry) {
  const registers = [registry];
  const handshake = new Gauge({
    name: 'cloudhsm_tls_handshake_duration_seconds',
    help: "Duration of the last TLS handshake with the endpoint, with this host's default settings.",
    labelNames: ['endpoint'],
    registers,
  });
  const version = new Gauge({
    name: 'cloudhsm_tls_version_info',
    help: 'The protocol negotiated with the endpoint (value 1).',
    labelNames: ['endpoint', 'version'],
    registers,
  });
  const cipher = new Gauge({
    name: 'cloudhsm_tls_cipher_info',
    help: 'The suite negotiated with the endpoint (IANA name) and whether it is forward secret (value 1).',
    labelNames: ['endpoint', 'cipher', 'pfs'],
    registers,
  });
  const accepted = new Gauge({
    name: 'cloudhsm_tls_protocol_accepted',
    help: 'Whether the endpoint accepts the protocol version from this host (1) or not (0).',
    labelNames: ['endpoint', 'version'],
    registers,
  });
  const expiry = new Gauge({
    name: 'cloudhsm_tls_cert_expiry_timestamp_seconds',
    help: 'notAfter of the certificate the endpoint presents, in Unix seconds.',
    labelNames: ['endpoint'],
    registers,
  });
  const intercepted = new Gauge({
    name: 'cloudhsm_tls_intercepted',
    help: 'Whether TLS to the AWS endpoint is re-signed by a proxy or middlebox (1) or not (0).',
    labelNames: ['endpoint'],
    registers,
  });
  const pruners = {
    handshake: new LabelPruner(),
    version: new LabelPruner(),
    cipher: new LabelPruner(),
    accepted: new LabelPruner(),
    expiry: new LabelPruner(),
    intercepted: new LabelPruner(),
  };
  return (outcome: ProbeOutcome) => {
    const cur = {
      handshake: [],
      version: [],
      cipher: [],
      accepted: [],
      expiry: [],
      intercepted: [],
    } as Record<keyof typeof pruners, Array<Record<string, string>>>;
    for (const e of outcome.endpoints ?? []) {
      const endpoint = endpointLabel(e);
      if (typeof e.handshakeMs === 'number') {
        handshake.set({ endpoint }, e.handshakeMs / 1000);
        cur.handshake.push({ endpoint });
      }
      if (typeof e.protocol === 'string') {
        version.set({ endpoint, version: e.protocol }, 1);
        cur.version.push({ endpoint, version: e.protocol });
      }
      if (typeof e.cipher === 'string') {
        const labels = { endpoint, cipher: e.cipher, pfs: String(e.forwardSecrecy === true) };
        cipher.set(labels, 1);
        cur.cipher.push(labels);
      }
      const acc = Array.isArray(e.acceptedVersions) ? (e.acceptedVersions as string[]) : [];
      for (const v of VERSIONS) {
        accepted.set({ endpoint, version: v }, acc.includes(v) ? 1 : 0);
        cur.accepted.push({ endpoint, version: v });
      }
      const cert = e.certificate as { notAfter?: string; intercepted?: boolean } | null;
      if (cert?.notAfter) {
        expiry.set({ endpoint }, Date.parse(cert.notAfter) / 1000);
        cur.expiry.push({ endpoint });
        intercepted.set({ endpoint }, cert.intercepted ? 1 : 0);
        cur.intercepted.push({ endpoint });
      }
    }
    pruners.handshake.keep(handshake, cur.handshake);
    pruners.version.keep(version, cur.version);
    pruners.cipher.keep(cipher, cur.cipher);
    pruners.accepted.keep(accepted, cur.accepted);
    pruners.expiry.keep(expiry, cur.expiry);
    pruners.intercepted.keep(intercepted, cur.intercepted);
  };
}

export function declareClockMetrics(registry: Registry) {
  const skew = new Gauge({
    name: 'cloudhsm_clock_skew_seconds',
    help: "AWS time minus this host's time, from the endpoints' Date header corrected for the round trip.",
    registers: [registry],
  });
  return (outcome: ProbeOutcome) => {
    const skewMs = outcome.facts?.clockSkewMs;
    if (skewMs !== undefined) skew.set(Math.round(skewMs) / 1000);
    else skew.reset();
  };
}

export function declareCredentialsMetrics(registry: Registry) {
  const expiry = new Gauge({
    name: 'cloudhsm_credentials_expiry_timestamp_seconds',
    help: 'When the temporary AWS credentials in use expire, in Unix seconds (absent for long-term keys).',
    registers: [registry],
  });
  return (outcome: ProbeOutcome) => {
    const identity = outcome.facts?.identity;
    if (identity?.ok && identity.expiration) expiry.set(Date.parse(identity.expiration) / 1000);
    else expiry.reset();
  };
}
