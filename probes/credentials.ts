// Credentials and identity: which source of the SDK chain supplied them, who they are
// (sts:GetCallerIdentity), long-term or temporary, and when they expire. Never prints a key.
import { GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import { makeStsClient } from '../src/aws/clients.js';
import { credentialSource } from '../src/aws/credential-source.js';
import { resolveEndpoint } from '../src/aws/endpoints.js';
import { classifyAwsError, describeFailure } from '../src/aws/errors.js';
import type { Identity } from '../src/core/facts.js';
import { finding } from '../src/core/findings.js';
import { defineProbe, type ProbeFinding, type ProbeOutcome } from '../src/core/probe.js';
import { declareCredentialsMetrics } from './support/tls-metrics.js';

type Id = 'credentials.identity' | 'credentials.expiry';
const EXPIRY_WARN_MS = 15 * 60_000;

export const credentials = defineProbe({
  id: 'credentials',
  title: 'Credentials and identity',
  needs: ['region', 'live-network'],
  produces: ['identity'],
  findings: {
    'credentials.identity': {
      summary: 'Credentials are found in the SDK chain and sts:GetCallerIdentity accepts them.',
    },
    'credentials.expiry': { summary: 'Temporary credentials are not about to expire.' },
  },
  deadlineMs: (settings) => settings.aws.timeoutMs * (settings.aws.maxAttempts + 1) + 1000,
  declareMetrics: (registry) => declareCredentialsMetrics(registry),
  async run(ctx): Promise<ProbeOutcome<Id, 'identity'>> {
    const { settings, env } = ctx;
    const src = credentialSource({ profile: settings.profile, staticCredentials: Boolean(env.credentials) });
    const endpoint = resolveEndpoint('sts', settings)?.url ?? 'regional';
    const client = makeStsClient({
      settings,
      region: env.region!,
      ...(env.credentials ? { credentials: env.credentials } : {}),
    });
    const findings: ProbeFinding<Id>[] = [];
    let identity: Identity;
    try {
      const out = await client.send(new GetCallerIdentityCommand({}), { abortSignal: ctx.signal });
      const creds = await client.config.credentials();
      const temporary = Boolean(creds.sessionToken) || creds.accessKeyId.startsWith('ASIA');
      const expiration = creds.expiration ? creds.expiration.toISOString() : null;
      identity = { ok: true, account: out.Account ?? null, arn: out.Arn ?? null, temporary, expiration };
      const evidence = {
        source: src.source,
        ...(src.profile ? { profile: src.profile } : {}),
        account: out.Account ?? null,
        arn: out.Arn ?? null,
        kind: temporary ? 'temporary' : 'long-term',
        expiration,
        endpoint,
      };
      findings.push(
        finding(
          'credentials.identity',
          'pass',
          'credentials',
          `${temporary ? 'temporary' : 'long-term'} credentials from ${src.source}${src.profile ? ` "${src.profile}"` : ''}: ${out.Arn} (account ${out.Account})`,
          evidence,
        ),
      );
      if (!temporary && /:user\//.test(out.Arn ?? '')) {
        findings.push(
          finding(
            'credentials.expiry',
            'warn',
            'credentials',
            'long-term IAM user access keys: they never expire and must be rotated by hand',
            evidence,
            'run the agent with an instance profile role (temporary credentials rotated by EC2) instead of access keys',
          ),
        );
      } else if (creds.expiration) {
        const left = creds.expiration.getTime() - Date.now();
        findings.push(
          finding(
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
          ),
        );
      }
    } catch (e) {
      const f = classifyAwsError(e);
      const evidence = {
        source: src.source,
        code: f.code,
        kind: f.kind,
        endpoint,
        ...(f.httpStatus ? { httpStatus: f.httpStatus } : {}),
      };
      const detail = `sts:GetCallerIdentity: ${describeFailure(f)}`;
      identity = { ok: false, kind: f.kind, code: f.code, detail };
      findings.push(
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
              : 'check the connectivity to the STS endpoint (see the TLS findings)',
        ),
      );
    } finally {
      client.destroy();
    }
    return { findings, facts: { identity } };
  },
});
