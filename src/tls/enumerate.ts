// Which TLS versions an endpoint accepts from this host, and whether it accepts a suite without
// forward secrecy. One forced handshake per question, run concurrently under a bound; an
// inconclusive failure (reset, timeout, refused) is retried once, alone, so a server that serialises
// connections does not produce a false "not accepted".
import type { SecureVersion } from 'node:tls';
import { mapLimit } from '../util/concurrency.js';
import { type HandshakeOptions, type HandshakeResult, handshake } from './handshake.js';

export const VERSIONS = [
  'TLSv1',
  'TLSv1.1',
  'TLSv1.2',
  'TLSv1.3',
] as const satisfies readonly SecureVersion[];
export type TlsVersion = (typeof VERSIONS)[number];

/** OpenSSL only offers TLS 1.0/1.1 (and their forward-secret suites) at security level 0. */
export const LEGACY_CIPHERS = 'ALL:@SECLEVEL=0';
/** Static-RSA key exchange suites only (no ECDHE/DHE), TLS 1.3 off: OpenSSL would otherwise negotiate 1.3. */
const NON_FS_CIPHERS = 'kRSA:!aNULL:!eNULL:@SECLEVEL=0';

export interface Probe {
  kind: 'version' | 'non-fs';
  version: TlsVersion | null;
  accepted: boolean;
  /** Negotiated suite (IANA) when accepted; the error code otherwise. */
  detail: string;
  retried: boolean;
}

export interface Enumeration {
  acceptedVersions: TlsVersion[];
  nonForwardSecretAccepted: boolean;
  /** The non-forward-secret suite the endpoint accepted, if any. */
  nonForwardSecretCipher: string | null;
  probes: Probe[];
  elapsedMs: number;
}

/** A clear "no" from the server (an alert or no common parameters): not worth retrying. */
const DEFINITE =
  /ALERT|NO_PROTOCOLS_AVAILABLE|NO_SHARED_CIPHER|NO_CIPHERS|UNSUPPORTED_PROTOCOL|NO_SUITABLE|WRONG_SSL_VERSION|VERSION_TOO_LOW|VERSION_TOO_HIGH|TLSV1_ALERT|SSLV3_ALERT/i;

export type EnumerateOptions = Omit<
  HandshakeOptions,
  'minVersion' | 'maxVersion' | 'ciphers' | 'keepOpen'
> & {
  concurrency?: number;
  /**
   * The handshake with the host's defaults (which offer TLS 1.2 and 1.3), run alongside: when it
   * succeeds, it already answers "is TLS 1.3 accepted" (the server picks 1.3 whenever it can), which
   * saves one handshake.
   */
  negotiation?: Promise<HandshakeResult>;
  /** Who performs each handshake: this thread by default, or a prober timing it elsewhere. */
  handshake?: (o: HandshakeOptions) => Promise<HandshakeResult>;
};

interface Job {
  kind: Probe['kind'];
  version: TlsVersion | null;
  opts: Partial<HandshakeOptions>;
}

const JOBS: Job[] = [
  ...VERSIONS.map(
    (v): Job => ({
      kind: 'version',
      version: v,
      opts: { minVersion: v, maxVersion: v, ...(v === 'TLSv1.3' ? {} : { ciphers: LEGACY_CIPHERS }) },
    }),
  ),
  {
    kind: 'non-fs',
    version: null,
    opts: { minVersion: 'TLSv1', maxVersion: 'TLSv1.2', ciphers: NON_FS_CIPHERS },
  },
];

function toProbe(job: Job, r: HandshakeResult, retried: boolean): Probe {
  // Only static-RSA suites are offered to the non-FS question: any suite the server picks answers it.
  const accepted = r.ok && (job.kind === 'version' ? r.protocol === job.version : r.protocol !== 'TLSv1.3');
  return {
    kind: job.kind,
    version: job.version,
    accepted,
    detail: r.ok ? r.cipher : r.code,
    retried,
  };
}

export async function enumerate(o: EnumerateOptions): Promise<Enumeration> {
  const t0 = performance.now();
  const limit = Math.min(8, Math.max(4, o.concurrency ?? 5));
  const { concurrency: _c, negotiation, handshake: shake = handshake, ...base } = o;
  const run = (job: Job) => shake({ ...base, ...job.opts, untilServerHello: true });
  const tls13 = JOBS.find((j) => j.version === 'TLSv1.3')!;
  const jobs = negotiation ? JOBS.filter((j) => j !== tls13) : JOBS;
  const [first, negotiated] = await Promise.all([mapLimit(jobs, limit, run), negotiation]);
  const derived13: Probe | null =
    negotiated?.ok && (negotiated.protocol === 'TLSv1.3' || negotiated.protocol === 'TLSv1.2')
      ? {
          kind: 'version',
          version: 'TLSv1.3',
          accepted: negotiated.protocol === 'TLSv1.3',
          detail:
            negotiated.protocol === 'TLSv1.3'
              ? negotiated.cipher
              : 'negotiated TLSv1.2 when TLSv1.3 was offered',
          retried: false,
        }
      : null;
  // A peer that let every handshake time out is silent, not busy: retrying teaches nothing.
  const allTimedOut = first.every((r) => !r.ok && (r.stage === 'timeout' || r.code === 'ETIMEDOUT'));
  if (negotiation && !derived13) {
    jobs.push(tls13);
    // The default handshake failed too: ask TLS 1.3 on its own (unless the peer is silent anyway).
    first.push(allTimedOut && negotiated && !negotiated.ok ? negotiated : await run(tls13));
  }
  const budgetEnd = t0 + 3 * o.timeoutMs;
  const probes: Probe[] = [];
  for (const [i, job] of jobs.entries()) {
    let r = first[i]!;
    let retried = false;
    const left = budgetEnd - performance.now();
    if (!r.ok && !DEFINITE.test(r.code) && !allTimedOut && !o.signal?.aborted && left > 50) {
      retried = true;
      r = await shake({
        ...base,
        ...job.opts,
        untilServerHello: true,
        timeoutMs: Math.min(o.timeoutMs, left),
      }); // alone: the others are done
    }
    probes.push(toProbe(job, r, retried));
  }
  if (derived13) probes.push(derived13);
  probes.sort(
    (a, b) =>
      JOBS.findIndex((j) => j.version === a.version && j.kind === a.kind) -
      JOBS.findIndex((j) => j.version === b.version && j.kind === b.kind),
  );
  const nonFs = probes.find((p) => p.kind === 'non-fs');
  return {
    acceptedVersions: probes.filter((p) => p.kind === 'version' && p.accepted).map((p) => p.version!),
    nonForwardSecretAccepted: nonFs?.accepted ?? false,
    nonForwardSecretCipher: nonFs?.accepted ? nonFs.detail : null,
    probes,
    elapsedMs: performance.now() - t0,
  };
}
