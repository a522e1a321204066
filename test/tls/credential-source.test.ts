// Which source of the SDK chain supplies credentials, from the environment and shared files alone.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { credentialSource } from '../../src/aws/credential-source.js';

const dir = mkdtempSync(join(tmpdir(), 'hsmwatch-creds-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const config = join(dir, 'config');
const creds = join(dir, 'credentials');
writeFileSync(
  config,
  '[profile sso]\nsso_session = corp\nsso_account_id = 111122223333\n[profile assume]\nrole_arn = arn:aws:iam::111122223333:role/x\nsource_profile = default\n[profile proc]\ncredential_process = /bin/true\n',
);
writeFileSync(
  creds,
  '[keys]\naws_access_key_id = AKIAFILEKEY000000000\naws_secret_access_key = file-secret\n',
);
const files = { AWS_CONFIG_FILE: config, AWS_SHARED_CREDENTIALS_FILE: creds };

describe('credential source', () => {
  it.each([
    [{ AWS_ACCESS_KEY_ID: 'AKIAX', AWS_SECRET_ACCESS_KEY: 'y' }, undefined, 'environment'],
    [{}, 'sso', 'profile (SSO)'],
    [{}, 'assume', 'profile (assume role)'],
    [{}, 'proc', 'profile (credential_process)'],
    [{}, 'keys', 'profile'],
    [
      { AWS_WEB_IDENTITY_TOKEN_FILE: '/var/run/token', AWS_ROLE_ARN: 'arn:aws:iam::1:role/r' },
      undefined,
      'web identity',
    ],
    [{ AWS_CONTAINER_CREDENTIALS_RELATIVE_URI: '/v2/credentials/x' }, undefined, 'container role'],
    [{}, undefined, 'instance role (IMDS)'],
  ])('%j profile %s → %s', (env, profile, source) => {
    const r = credentialSource({ profile, staticCredentials: false }, { ...files, ...env });
    expect(r.source).toBe(source);
    expect(JSON.stringify(r)).not.toMatch(/AKIA|secret/);
  });
});
