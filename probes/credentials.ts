// Credentials and identity: which source of the SDK chain supplied them, who they are
// (sts:GetCallerIdentity), long-term or temporary, and when they expire. Never prints a key.
import type { GetCallerIdentityCommandOutput } from '@aws-sdk/client-sts';
import { makeStsClient } from '../src/aws/clients.js';
import {
  type CredentialSource,
  credentialSource,
  missingProfile,
  missingProfileReason,
} from '../src/aws/credential-source.js';
import { resolveEndpoint } from '../src/aws/endpoints.js';
import { type AwsFailure, classifyAwsError, describeFailure } from '../src/aws/errors.js';
import type { Identity } from '../src/core/facts.js';
import { finding } from '../src/core/findings.js';
import { defineProbe, type ProbeFinding, type ProbeOutcome } from '../src/core/probe.js';
import { awsCallDeadlineMs } from '../src/discovery/deadlines.js';
import { rememberSecrets } from '../src/util/redact.js';
import { declareCredentialsMetrics } from './support/tls-metrics.js';

type Id = 'credentials.identity' | 'credentials.expiry';
const EXPIRY_WARN_MS = 15 * 60_000;

export const credentials = defineProbe({
  id: 'credentials',
  title: 'Credentials and identity',
  needs: ['region', 'live-network'],
  usesAwsSdk: true,
  produces: ['identity'],
  findings: {
    'credentials.identity': {
      summary: 'Credentials are found in the SDK chain and sts:GetCallerIdentity accepts them.',
    },
    'credentials.expiry': { summary: 'Temporary credentials are not about to expire.' },
  },
  deadlineMs: (settings) => awsCallDeadlineMs(settings) + 1000,
  declareMetrics: (m) => declareCredentialsMetrics(m),
  async run(ctx): Promise<ProbeOutcome<Id, 'identity'>> {
    const { settings, env } = ctx;
    const asked: Asked = {
      src: credentialSource({ profile: settings.profile, staticCredentials: Boolean(env.credentials) }),
      missing: env.credentials ? null : missingProfile(settings.profile),
      endpoint: resolveEndpoint('sts', settings)?.url ?? 'regional',
    };
    const { GetCallerIdentityCommand } = await import('@aws-sdk/client-sts');
    const client = await makeStsClient({
      settings,
      region: env.region!,
      ...(env.credentials ? { credentials: env.credentials } : {}),
    });
    try {
      // Resolved first, so that whatever the call's answer echoes of them is never shown.
      const creds = await client.config.credentials();
      rememberSecrets(creds.accessKeyId, creds.secretAccessKey, creds.sessionToken);
      const out = await client.send(new GetCallerIdentityCommand({}), { abortSignal: ctx.signal });
      return identified(asked, out, creds, Date.now());
    } catch (e) {
      return rejected(asked, classifyAwsError(e));
    } finally {
      client.destroy();
    }
  },
});

/** What was asked of STS: the chain's source (for the evidence) and the endpoint used. */
interface Asked {
  src: { source: CredentialSource; profile?: string };
  /** The profile asked for does not exist: that, not "no credentials", is what to say. */
  missing: { profile: string; known: string[] } | null;
  endpoint: string;
}

/** The resolved credentials, as far as the verdicts need them (never the secret). */
interface ResolvedCredentials {
  accessKeyId: string;
  sessionToken?: string;
  expiration?: Date;
}

/** STS accepted the credentials: who they are, and whether their lifetime is a concern. */
function identified(
  { src, endpoint }: Asked,
  out: GetCallerIdentityCommandOutput,
  creds: ResolvedCredentials,
  now: number,
): ProbeOutcome<Id, 'identity'> {
  const temporary = Boolean(creds.sessionToken) || creds.accessKeyId.startsWith('ASIA');
  const expiration = creds.expiration ? creds.expiration.toISOString() : null;
  const identity: Identity = {
    ok: true,
    account: out.Account ?? null,
    arn: out.Arn ?? null,
    temporary,
    source: src.source,
    expiration,
  };
  const evidence = {
    source: src.source,
    ...(src.profile ? { profile: src.profile } : {}),
    account: out.Account ?? null,
    arn: out.Arn ?? null,
    kind: temporary ? 'temporary' : 'long-term',
    expiration,
    endpoint,
  };
  const findings: ProbeFinding<Id>[] = [
    finding(
      'credentials.identity',
      'pass',
      'credentials',
      `${temporary ? 'temporary' : 'long-term'} credentials from ${src.source}${src.profile ? ` "${src.profile}"` : ''}: ${out.Arn} (account ${out.Account})`,
      evidence,
    ),
  ];
  const expiry = expiryFinding(temporary, out.Arn, creds.expiration, now, evidence);
  if (expiry) findings.push(expiry);
  return { findings, facts: { identity } };
}

/** IAM user keys never expire (a rotation risk); temporary ones warn shortly before they do. */
function expiryFinding(
  temporary: boolean,
  arn: string | undefined,
  expiresAt: Date | undefined,
  now: number,
  evidence: Record<string, unknown>,
): ProbeFinding<Id> | null {
  if (!temporary && /:user\//.test(arn ?? ''))
    return finding(
      'credentials.expiry',
      'warn',
      'credentials',
      'long-term IAM user access keys: they never expire and must be rotated by hand',
      evidence,
      'run the agent with an instance profile role (temporary credentials rotated by EC2) instead of access keys',
    );
  if (!expiresAt) return null;
  const expiration = expiresAt.toISOString();
  const left = expiresAt.getTime() - now;
  return finding(
    'credentials.expiry',
    left < EXPIRY_WARN_MS ? 'warn' : 'pass',
    'credentials',
    left < EXPIRY_WARN_MS
      ? `temporary credentials expire in ${Math.max(0, Math.round(left / 60_000))} min (${expiration}) and were not refreshed`
      : `temporary credentials valid until ${expiration}`,
    evidence,
    ...(left < EXPIRY_WARN_MS
      ? ['check that the credential source refreshes them (instance role, SSO session)']
      : []),
  );
}

/** The named profile is in neither ~/.aws/config nor ~/.aws/credentials. */
function noSuchProfile(
  m: { profile: string; known: string[] },
  f: AwsFailure,
  endpoint: string,
): ProbeOutcome<Id, 'identity'> {
  const detail = missingProfileReason(m);
  const identity: Identity = { ok: false, kind: f.kind, code: 'ProfileNotFound', detail };
  return {
    findings: [
      finding(
        'credentials.identity',
        'fail',
        'credentials',
        detail,
        { profile: m.profile, knownProfiles: m.known, code: f.code, endpoint },
        `pass one of the profiles that exist with --profile (or AWS_PROFILE), or create it: aws configure --profile ${m.profile}`,
      ),
    ],
    facts: { identity },
  };
}

/** STS (or the chain before it) refused: missing credentials and denials fail, the rest is an error. */
function rejected({ src, endpoint, missing }: Asked, f: AwsFailure): ProbeOutcome<Id, 'identity'> {
  if (missing && f.kind === 'credentials') return noSuchProfile(missing, f, endpoint);
  const evidence = {
    source: src.source,
    code: f.code,
    kind: f.kind,
    endpoint,
    ...(f.httpStatus ? { httpStatus: f.httpStatus } : {}),
  };
  const detail = `sts:GetCallerIdentity: ${describeFailure(f)}`;
  const identity: Identity = { ok: false, kind: f.kind, code: f.code, detail };
  const findings: ProbeFinding<Id>[] = [
    finding(
      'credentials.identity',
      f.kind === 'credentials' ? 'fail' : f.kind === 'denied' ? 'fail' : 'error',
      'credentials',
      detail,
      evidence,
      f.kind === 'credentials'
        ? 'attach an instance profile role to the instance, or set AWS_PROFILE / AWS_ACCESS_KEY_ID'
        : f.kind === 'denied'
          ? 'the credentials are invalid or expired (InvalidClientTokenId, ExpiredToken, SignatureDoesNotMatch: also check the clock)'
          : f.kind === 'garbage'
            ? `something that is not STS answers at ${endpoint}: check endpoints.sts / AWS_ENDPOINT_URL_STS and any proxy or captive portal on the way`
            : 'check the connectivity to the STS endpoint (see the TLS findings)',
    ),
  ];
  return { findings, facts: { identity } };
}
