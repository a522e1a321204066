// Metrics of the TLS, clock and credentials probes (names from the product spec). Labels are bounded:
// endpoint (host:port), version, cipher, pfs — never a message or a credential.
import { LabelPruner } from '../../src/core/label-pruner.js';
import type { MetricsFactory } from '../../src/core/metrics.js';
import type { ProbeFinding, ProbeOutcome } from '../../src/core/probe.js';
import type { EndpointRecord } from '../../src/model/index.js';
import { VERSIONS } from '../../src/tls/enumerate.js';

const endpointLabel = (e: EndpointRecord) => `${e.host.includes(':') ? `[${e.host}]` : e.host}:${e.port}`;

type Labels = Record<string, string>;

/** A gauge of the endpoint records: the series (labels, value) each endpoint sets. */
interface EndpointGauge {
  name: string;
  help: string;
  labelNames: string[];
  series(e: EndpointRecord, endpoint: string): Array<[Labels, number]>;
}

const certificateOf = (e: EndpointRecord) =>
  e.certificate as { notAfter?: string; intercepted?: boolean } | null;

const TLS_ENDPOINT_GAUGES: readonly EndpointGauge[] = [
  {
    name: 'cloudhsm_tls_handshake_duration_seconds',
    help: "Duration of the last TLS handshake with the endpoint, with this host's default settings.",
    labelNames: ['endpoint'],
    series: (e, endpoint) =>
      typeof e.handshakeMs === 'number' ? [[{ endpoint }, e.handshakeMs / 1000]] : [],
  },
  {
    name: 'cloudhsm_tls_version_info',
    help: 'The protocol negotiated with the endpoint (value 1).',
    labelNames: ['endpoint', 'version'],
    series: (e, endpoint) => (typeof e.protocol === 'string' ? [[{ endpoint, version: e.protocol }, 1]] : []),
  },
  {
    name: 'cloudhsm_tls_cipher_info',
    help: 'The suite negotiated with the endpoint (IANA name) and whether it is forward secret (value 1).',
    labelNames: ['endpoint', 'cipher', 'pfs'],
    series: (e, endpoint) =>
      typeof e.cipher === 'string'
        ? [[{ endpoint, cipher: e.cipher, pfs: String(e.forwardSecrecy === true) }, 1]]
        : [],
  },
  {
    name: 'cloudhsm_tls_protocol_accepted',
    help: 'Whether the endpoint accepts the protocol version from this host (1) or not (0).',
    labelNames: ['endpoint', 'version'],
    series: (e, endpoint) => {
      const acc = Array.isArray(e.acceptedVersions) ? (e.acceptedVersions as string[]) : [];
      return VERSIONS.map((v) => [{ endpoint, version: v }, acc.includes(v) ? 1 : 0]);
    },
  },
  {
    name: 'cloudhsm_tls_cert_expiry_timestamp_seconds',
    help: 'notAfter of the certificate the endpoint presents, in Unix seconds.',
    labelNames: ['endpoint'],
    series: (e, endpoint) => {
      const cert = certificateOf(e);
      return cert?.notAfter ? [[{ endpoint }, Date.parse(cert.notAfter) / 1000]] : [];
    },
  },
  {
    name: 'cloudhsm_tls_intercepted',
    help: 'Whether TLS to the AWS endpoint is re-signed by a proxy or middlebox (1) or not (0).',
    labelNames: ['endpoint'],
    series: (e, endpoint) => {
      const cert = certificateOf(e);
      return cert?.notAfter ? [[{ endpoint }, cert.intercepted ? 1 : 0]] : [];
    },
  },
];

export function declareTlsEndpointMetrics(m: MetricsFactory) {
  const gauges = TLS_ENDPOINT_GAUGES.map((spec) => ({
    spec,
    gauge: m.gauge({
      name: spec.name,
      help: spec.help,
      labelNames: spec.labelNames,
    }),
    pruner: new LabelPruner(),
  }));
  return (outcome: ProbeOutcome) => {
    for (const { spec, gauge, pruner } of gauges) {
      const current: Labels[] = [];
      for (const e of outcome.endpoints ?? [])
        for (const [labels, value] of spec.series(e, endpointLabel(e))) {
          gauge.set(labels, value);
          current.push(labels);
        }
      pruner.keep(gauge, current);
    }
  };
}

// Unknown is absent, never 0: these gauges carry a label, so that reset() leaves no series (an
// unlabelled prom-client gauge always exposes one, 0 after a reset — "perfect time", "expired in 1970").

export function declareClockMetrics(m: MetricsFactory) {
  const skew = m.gauge({
    name: 'cloudhsm_clock_skew_seconds',
    help: "This host's clock minus AWS time (positive: ahead), from the reference endpoint's Date header corrected for the round trip; absent when unknown.",
    labelNames: ['endpoint'],
  });
  return (outcome: ProbeOutcome) => {
    skew.reset();
    const skewMs = outcome.facts?.clockSkewMs;
    const reference = outcome.findings.find((f) => f.id === 'clock.skew')?.evidence.reference;
    if (skewMs !== undefined && typeof reference === 'string')
      skew.set({ endpoint: reference }, Math.round(skewMs) / 1000);
  };
}

export function declareCredentialsMetrics(m: MetricsFactory) {
  const expiry = m.gauge({
    name: 'cloudhsm_credentials_expiry_timestamp_seconds',
    help: 'When the temporary AWS credentials in use expire, in Unix seconds, by credential source (absent for long-term keys and when unknown).',
    labelNames: ['source'],
  });
  return (outcome: ProbeOutcome) => {
    expiry.reset();
    const identity = outcome.facts?.identity;
    if (identity?.ok && identity.expiration)
      expiry.set({ source: identity.source }, Date.parse(identity.expiration) / 1000);
  };
}

/** The phases of one TLS check, like blackbox_exporter's `probe_*_duration_seconds{phase}`. */
export const PHASES = ['dns', 'connect', 'tls'] as const;
export type PhasesMs = Partial<Record<(typeof PHASES)[number], number>>;

const ms3 = (ms: number) => Math.round(ms * 1000) / 1000;

/** The phases a handshake went through; one it did not reach (or did not need: no DNS for an address) is absent. */
export function phasesOf(h: {
  dnsMs: number | null;
  connectMs: number | null;
  handshakeMs?: number;
}): PhasesMs {
  const out: PhasesMs = {};
  if (h.dnsMs !== null) out.dns = ms3(h.dnsMs);
  if (h.connectMs !== null) out.connect = ms3(h.connectMs);
  if (h.handshakeMs !== undefined) out.tls = ms3(h.handshakeMs);
  return out;
}

/**
 * A gauge per phase of the probe's own handshake findings (evidence `phasesMs`); `labelsOf` names
 * the target of a finding, or null for a finding that carries no handshake.
 */
export function declarePhaseMetrics(
  m: MetricsFactory,
  o: { name: string; help: string; labelNames: string[]; labelsOf: (f: ProbeFinding) => Labels | null },
) {
  const gauge = m.gauge({ name: o.name, help: o.help, labelNames: [...o.labelNames, 'phase'] });
  const pruner = new LabelPruner();
  return (outcome: ProbeOutcome) => {
    const current: Labels[] = [];
    for (const f of outcome.findings) {
      const labels = o.labelsOf(f);
      const phases = f.evidence?.phasesMs as PhasesMs | undefined;
      if (!labels || !phases) continue;
      for (const phase of PHASES) {
        const v = phases[phase];
        if (v === undefined) continue;
        const l = { ...labels, phase };
        gauge.set(l, v / 1000);
        current.push(l);
      }
    }
    pruner.keep(gauge, current);
  };
}
