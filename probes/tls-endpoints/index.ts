// TLS to the AWS endpoints hsmwatch and the CloudHSM client path depend on: DNS, proxy, negotiated
// protocol and suite, accepted versions, certificate chain and interception.

import { finding } from '../../src/core/findings.js';
import { defineProbe } from '../../src/core/probe.js';
import type { EndpointRecord } from '../../src/model/index.js';
import { type CheckOptions, checkOptionsFrom, endpointSet } from '../../src/tls/endpoint-set.js';
import { mapLimit } from '../../src/util/concurrency.js';
import { declarePhaseMetrics, declareTlsEndpointMetrics } from '../support/tls-metrics.js';
import { checkEndpoint } from './check.js';
import { TLS_FINDINGS } from './findings.js';

export const tlsEndpoints = defineProbe({
  id: 'tls-endpoints',
  title: 'TLS to AWS endpoints',
  needs: ['region', 'live-network'],
  findings: TLS_FINDINGS,
  // Three endpoints at a time, each up to DNS + the enumeration budget.
  deadlineMs: (settings, env) =>
    Math.ceil(endpointSet(settings, env.region ?? 'us-east-1').length / 3) *
    (settings.tls.timeoutMs * 4 + 6000),
  declareMetrics: (m) => {
    const endpoints = declareTlsEndpointMetrics(m);
    const phases = declarePhaseMetrics(m, {
      name: 'cloudhsm_tls_phase_duration_seconds',
      help: 'The phases (dns, connect, tls) of the last default-settings TLS handshake with the endpoint.',
      labelNames: ['endpoint'],
      labelsOf: (f) => (f.id === 'tls.handshake' ? { endpoint: f.target } : null),
    });
    return (outcome) => {
      endpoints(outcome);
      phases(outcome);
    };
  },
  async run(ctx) {
    const { settings, env } = ctx;
    const set = endpointSet(settings, env.region!);
    let opts: CheckOptions;
    try {
      opts = checkOptionsFrom(settings, ctx.signal);
    } catch (e) {
      return {
        findings: [
          finding(
            'tls.certificate',
            'error',
            'caBundle',
            `cannot read the CA bundle: ${(e as Error).message}`,
            {},
            'fix caBundle / AWS_CA_BUNDLE to point at a readable PEM file',
          ),
        ],
      };
    }
    const results = await mapLimit(set, 3, async (t) => {
      if (t.plainHttp) {
        return {
          record: null,
          findings: [
            finding(
              'tls.handshake',
              'skip',
              `${t.host}:${t.port}`,
              `${t.label}: the endpoint override (${t.source}) is plain http://, so there is no TLS to check`,
              { source: t.source },
            ),
          ],
        };
      }
      const r = await checkEndpoint(t, opts);
      for (const f of r.findings) f.evidence = { service: t.label, ...f.evidence };
      return r;
    });
    return {
      findings: results.flatMap((r) => r.findings),
      endpoints: results.map((r) => r.record).filter((r): r is EndpointRecord => r !== null),
    };
  },
});
