// The output boundary's redaction: known values (environment, shared credentials file, registered),
// the shapes of AWS secrets, and what it must leave alone (certificates, ids, digests, ordinary text).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { REDACTED, redact, rememberSecrets, resetKnownSecrets } from '../../src/util/redact.js';
import { PLANTED } from './support.js';

const saved = { ...process.env };
afterEach(() => {
  for (const k of [
    'AWS_ACCESS_KEY_ID',
    'AWS_SECRET_ACCESS_KEY',
    'AWS_SESSION_TOKEN',
    'AWS_SHARED_CREDENTIALS_FILE',
  ])
    if (saved[k] === undefined) delete process.env[k];
    else process.env[k] = saved[k];
  resetKnownSecrets();
});

const plant = () => {
  process.env.AWS_ACCESS_KEY_ID = PLANTED.accessKeyId;
  process.env.AWS_SECRET_ACCESS_KEY = PLANTED.secretAccessKey;
  process.env.AWS_SESSION_TOKEN = PLANTED.sessionToken;
  resetKnownSecrets();
};

const noSecret = (t: string) => {
  for (const s of Object.values(PLANTED)) {
    expect(t).not.toContain(s);
    expect(t).not.toContain(s.slice(0, 16));
    expect(t).not.toContain(s.slice(-16));
  }
};

const SIG = 'a'.repeat(20) + '0123456789abcdef'.repeat(2) + 'b'.repeat(12);

describe('redact: shapes', () => {
  const cases: Array<[string, string, string]> = [
    [
      'an echoed SigV4 Authorization header keeps the scope, not the key or signature',
      `invalid (AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20240101/us-east-1/sts/aws4_request, SignedHeaders=host;x-amz-date, Signature=${SIG})`,
      `invalid (AWS4-HMAC-SHA256 Credential=${REDACTED}/20240101/us-east-1/sts/aws4_request, SignedHeaders=host;x-amz-date, Signature=${REDACTED})`,
    ],
    [
      'presigned query parameters',
      `https://sts.amazonaws.com/?X-Amz-Security-Token=abc%2Fdef&X-Amz-Signature=${SIG}&X-Amz-Date=1`,
      `https://sts.amazonaws.com/?X-Amz-Security-Token=${REDACTED}&X-Amz-Signature=${REDACTED}&X-Amz-Date=1`,
    ],
    ['a header line', 'x-amz-security-token: FwoGZXIvYXdzEXAMPLE', `x-amz-security-token: ${REDACTED}`],
    [
      'JSON credentials (as IMDS or STS answer them)',
      '{"AccessKeyId":"ASIAIOSFODNN7EXAMPLE","SecretAccessKey":"x","Token":"IQoJb3JpZ2luX2VjEXAMPLE"}',
      `{"AccessKeyId":"${REDACTED}","SecretAccessKey":"${REDACTED}","Token":"${REDACTED}"}`,
    ],
    ['an INI line', 'aws_secret_access_key = abc123', `aws_secret_access_key = ${REDACTED}`],
    ['an access key id alone', 'key AKIAIOSFODNN7EXAMPLE used', `key ${REDACTED} used`],
    ['a secret access key alone', 'secret wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY!', `secret ${REDACTED}!`],
    ['a long base64 run (a session token)', `token ${'Q'.repeat(120)}.`, `token ${REDACTED}.`],
    ['a proxy password', 'via http://bob:hunter2x@proxy:3128 ok', `via http://bob:${REDACTED}@proxy:3128 ok`],
    ['a bearer authorization', 'Authorization: Bearer abc.def', `Authorization: Bearer ${REDACTED}`],
    [
      'a web identity token',
      'jwt eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJzeXN0ZW0ifQ.c2lnbmF0dXJl end',
      `jwt ${REDACTED} end`,
    ],
  ];
  it.each(cases)('%s', (_name, input, output) => {
    expect(redact(input)).toBe(output);
  });

  const kept = [
    'arn:aws:iam::123456789012:role/HsmWatchReadOnlyRoleForProduction01',
    'commit 3f786850e387550fdab836ed7e6dc881de23001b',
    'sha256 9A:3F:00:11 E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855',
    'cluster-abcdefghijk eni-0c11e470000000001 hsm-q7ruxmlbxwa 127.0.1.11:2223',
    'sts:GetCallerIdentity: access denied (InvalidClientTokenId); SignatureDoesNotMatch: check the clock',
    'file:///work/main/dist/src/cli/parser.js:12:5 /opt/cloudhsm/etc/customerCA.crt',
    'the credentials: none found; Credentials provider error',
    'http://127.0.0.1:8080/path @ noon',
  ];
  it.each(kept)('leaves alone: %s', (text) => {
    expect(redact(text)).toBe(text);
  });

  it('keeps PEM certificates whole (also JSON-escaped), masks private keys', () => {
    const body = `${'MIIB'.padEnd(64, 'A')}\n${'Zz09'.repeat(10)}`; // a last line of exactly 40 chars
    const cert = `-----BEGIN CERTIFICATE-----\n${body}\n-----END CERTIFICATE-----\n`;
    expect(redact(cert)).toBe(cert);
    const json = JSON.stringify({ ClusterCertificate: cert });
    expect(redact(json)).toBe(json);
    const key = `-----BEGIN PRIVATE KEY-----\n${body}\n-----END PRIVATE KEY-----`;
    expect(redact(`k ${key} k`)).toBe('k [redacted PRIVATE KEY] k');
    expect(redact(`cut -----BEGIN RSA PRIVATE KEY-----\n${body}`)).toBe('cut [redacted RSA PRIVATE KEY]');
  });
});

describe('redact: known values', () => {
  it('masks the environment credentials, whole and cut, also JSON-escaped', () => {
    plant();
    const t = [
      PLANTED.secretAccessKey,
      `x${PLANTED.secretAccessKey.slice(0, 20)}`,
      `${PLANTED.sessionToken.slice(-30)} y`,
      JSON.stringify({ k: PLANTED.secretAccessKey }),
    ].join(' | ');
    const out = redact(t);
    noSecret(out);
  });

  it('masks the values in the shared credentials file, and notices when it changes', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hsmwatch-redact-'));
    try {
      const file = join(dir, 'credentials');
      process.env.AWS_SHARED_CREDENTIALS_FILE = file;
      writeFileSync(
        file,
        '[default]\naws_access_key_id=AKIDFILE00000001\naws_secret_access_key = "file-secret-one"\n',
      );
      resetKnownSecrets();
      expect(redact('a file-secret-one b AKIDFILE00000001')).toBe(`a ${REDACTED} b ${REDACTED}`);
      writeFileSync(file, '[default]\naws_secret_access_key = file-secret-two-longer\n');
      await new Promise((r) => setTimeout(r, 1100));
      expect(redact('file-secret-two-longer')).toBe(REDACTED);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('masks registered values (credentials resolved elsewhere)', () => {
    rememberSecrets('resolved-by-the-sdk-0001', 'short');
    expect(redact('got resolved-by-the-sdk-0001 and short')).toBe(`got ${REDACTED} and short`);
  });
});

describe('redact: output stays well-formed', () => {
  const secretish = fc.oneof(
    fc.constant(PLANTED.sessionToken),
    fc.constant(PLANTED.secretAccessKey),
    fc.constant(`Credential=${PLANTED.accessKeyId}/20240101/us-east-1/sts/aws4_request`),
    fc.constant(`Signature=${SIG}`),
    fc.constant('-----BEGIN PRIVATE KEY-----\nMIIE\n-----END PRIVATE KEY-----'),
    fc.constant('"SecretAccessKey": "x"'),
    fc.string(),
  );
  const value = fc.letrec((tie) => ({
    v: fc.oneof(
      { depthSize: 'small' },
      secretish,
      fc.integer(),
      fc.boolean(),
      fc.array(tie('v'), { maxLength: 4 }),
      fc.dictionary(secretish, tie('v'), { maxKeys: 4 }),
    ),
  })).v;

  it('JSON in, JSON out, and no planted secret survives', () => {
    plant();
    fc.assert(
      fc.property(value, (v) => {
        const text = JSON.stringify(v, null, 2);
        const out = redact(text);
        JSON.parse(out);
        noSecret(out);
      }),
      { numRuns: 300 },
    );
  });

  it('never throws on arbitrary text, and is idempotent', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 400 }), (s) => {
        const once = redact(s);
        expect(redact(once)).toBe(once);
      }),
      { numRuns: 300 },
    );
  });
});

describe('redact: a coloured terminal report', () => {
  it('sees a token right after a colour code, and keeps the code', () => {
    plant();
    const line = `\x1b[1m${PLANTED.sessionToken}\x1b[0m \x1b[31mAKIAIOSFODNN7EXAMPLE\x1b[0m`;
    expect(redact(line)).toBe(`\x1b[1m${REDACTED}\x1b[0m \x1b[31m${REDACTED}\x1b[0m`);
    resetKnownSecrets();
    process.env.AWS_SESSION_TOKEN = '';
    expect(redact(`\x1b[1m${'Q'.repeat(90)}\x1b[0m`)).toBe(`\x1b[1m${REDACTED}\x1b[0m`);
  });
});
