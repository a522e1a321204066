// Clock skew: this host's clock against the Date header of the AWS endpoints' HTTPS answers,
// corrected for the round trip. SigV4 rejects requests more than 5 minutes off.

import { finding } from '../src/core/findings.js';
import { defineProbe, type ProbeOutcome } from '../src/core/probe.js';
import { proxyFor } from '../src/net/proxy.js';
import { measureSkew, type SkewResult } from '../src/tls/clock.js';
import { checkOptionsFrom, endpointSet } from '../src/tls/endpoint-set.js';
import { mapLimit } from '../src/util/concurrency.js';
import { declareClockMetrics } from './support/tls-metrics.js';

type Id = 'clock.skew';
export const WARN_SKEW_MS = 60_000;
export const FAIL_SKEW_MS = 240_000;
const FIX =
  'synchronise the clock: enable chronyd with the Amazon Time Sync Service (server 169.254.169.123 prefer iburst, or fd00:ec2::123), then `chronyc makestep`';

const fmt = (ms: number) => `${ms >= 0 ? '+' : '-'}${(Math.abs(ms) / 1000).toFixed(1)} s`;

export const clockSkew = defineProbe({
  id: 'clock-skew',
  title: 'Clock skew against AWS',
  needs: ['region', 'live-network'],
  produces: ['clockSkewMs'],
  findings: {
    'clock.skew': {
      summary: "This host's clock is within 1 minute of AWS's (SigV4 fails beyond 5 minutes).",
    },
  },
  // Three endpoints at a time, each a handshake and one HTTP answer.
  deadlineMs: (settings, env) =>
    Math.ceil(Math.max(1, endpointSet(settings, env.region ?? 'us-east-1').length) / 3) *
    (settings.tls.timeoutMs * 2 + 2000),
  declareMetrics: (m) => declareClockMetrics(m),
  async run(ctx): Promise<ProbeOutcome<Id, 'clockSkewMs'>> {
    const { settings, env } = ctx;
    const targets = endpointSet(settings, env.region!).filter((t) => !t.optional);
    const opts = checkOptionsFrom(settings, ctx.signal);
    const samples = await mapLimit(targets, 3, async (t) => ({
      host: `${t.host}:${t.port}`,
      r: await measureSkew({
        host: t.host,
        port: t.port,
        ...(t.plainHttp ? { plain: true } : {}),
        timeoutMs: settings.tls.timeoutMs,
        proxy: proxyFor(t.host, t.port, { proxy: opts.proxy, noProxy: opts.noProxy }),
        ...(opts.ca ? { ca: opts.ca } : {}),
        signal: ctx.signal,
      }),
    }));
    return skewVerdict(samples);
  },
});

interface Sample {
  /** host:port of the endpoint. */
  host: string;
  r: SkewResult;
}

/** The skew the samples show: the one with the shortest round trip, which is the most precise. */
function skewVerdict(samples: readonly Sample[]): ProbeOutcome<Id, 'clockSkewMs'> {
  const good = samples.filter((s): s is { host: string; r: Extract<SkewResult, { ok: true }> } => s.r.ok);
  const evidence = {
    samples: samples.map((s) =>
      s.r.ok
        ? {
            endpoint: s.host,
            skewMs: Math.round(s.r.skewMs),
            rttMs: Math.round(s.r.rttMs * 10) / 10,
            serverDate: s.r.serverDate,
          }
        : { endpoint: s.host, error: s.r.code },
    ),
  };
  if (good.length === 0) {
    return {
      findings: [
        finding(
          'clock.skew',
          // Reachability of the endpoints is reported by the TLS findings; here it leaves skew unknown.
          'skip',
          'clock',
          `clock skew unknown: no AWS endpoint answered with a Date header (${samples.map((s) => `${s.host} ${s.r.ok ? '' : s.r.code}`).join(', ')})`,
          evidence,
        ),
      ],
    };
  }
  const best = good.reduce((a, b) => (b.r.rttMs < a.r.rttMs ? b : a));
  const skew = best.r.skewMs;
  const abs = Math.abs(skew);
  const direction = skew > 0 ? 'ahead of' : 'behind';
  const base = {
    skewMs: Math.round(skew),
    skewSeconds: Math.round(skew / 100) / 10,
    reference: best.host,
    ...evidence,
  };
  const f =
    abs > FAIL_SKEW_MS
      ? finding(
          'clock.skew',
          'fail',
          'clock',
          `this host's clock is ${fmt(skew)} (${direction} AWS): beyond 4 minutes, SigV4-signed requests are about to fail (AWS rejects 5 minutes)`,
          base,
          FIX,
        )
      : abs > WARN_SKEW_MS
        ? finding(
            'clock.skew',
            'warn',
            'clock',
            `this host's clock is ${fmt(skew)} (${direction} AWS): more than 1 minute off`,
            base,
            FIX,
          )
        : finding(
            'clock.skew',
            'pass',
            'clock',
            `clock within ${(abs / 1000).toFixed(1)} s of AWS (${best.host}, round trip ${best.r.rttMs.toFixed(1)} ms)`,
            base,
          );
  return { findings: [f], facts: { clockSkewMs: skew } };
}
