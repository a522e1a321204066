// The web config loader (exporter-toolkit format) meets the file given as --web.config.file: it
// yields a config or throws its typed ConfigError (the agent does not start, a reload is rejected).
// A config it accepts never makes a request fail: every basic-auth check settles as true or false.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import bcrypt from 'bcryptjs';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { BasicAuth, loadWebConfig, type WebConfig } from '../../src/agent/web-config.js';
import { ConfigError } from '../../src/config/settings.js';

const dir = mkdtempSync(join(tmpdir(), 'hsmwatch-webfuzz-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const file = join(dir, 'web.yml');

function load(text: string): WebConfig | ConfigError {
  writeFileSync(file, text);
  try {
    return loadWebConfig(file);
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    for (const line of e.message.split('\n')) {
      expect(line).toMatch(/^web config \S+web\.yml: \S/);
      expect(line).not.toMatch(/: Invalid input$/);
      expect(line).not.toMatch(/[\u0000-\u001f\u007f-\u009f]/);
    }
    return e;
  }
}

const B64 = './ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
/** Strings shaped like bcrypt hashes, mostly almost right: any version, cost, length, alphabet. */
const hashLike = fc
  .record({
    version: fc.constantFrom('2', '2a', '2b', '2y', '2x', '1', ''),
    cost: fc.oneof(
      fc.integer({ min: 0, max: 99 }).map((n) => String(n).padStart(2, '0')),
      fc.string({ maxLength: 3 }),
    ),
    body: fc.oneof(
      fc.string({ unit: fc.constantFrom(...B64), minLength: 53, maxLength: 53 }),
      fc.string({ minLength: 50, maxLength: 56 }),
    ),
  })
  .map(({ version, cost, body }) => `$${version}$${cost}$${body}`);

const scalar = fc.oneof(
  fc.string({ maxLength: 12 }),
  fc.integer(),
  fc.boolean(),
  fc.constant(null),
  hashLike,
);
const value = fc.letrec<{ v: unknown }>((tie) => ({
  v: fc.oneof(
    { depthSize: 'small' },
    scalar,
    fc.array(tie('v'), { maxLength: 3 }),
    fc.dictionary(fc.string({ maxLength: 8 }), tie('v'), { maxKeys: 3 }),
  ),
})).v;
const webLike = fc.record(
  {
    basic_auth_users: fc.oneof(
      fc.dictionary(fc.string({ minLength: 1, maxLength: 6 }), scalar, { maxKeys: 3 }),
      value,
    ),
    http_server_config: fc.oneof(
      fc.record({ headers: fc.dictionary(fc.string({ maxLength: 6 }), scalar, { maxKeys: 2 }) }),
      value,
    ),
    tls_server_config: fc.oneof(
      fc.record(
        {
          cert_file: fc.constantFrom('/dev/zero', dir, '/nonexistent.pem', 'c.pem'),
          key_file: fc.constantFrom('/dev/zero', 'k.pem'),
          min_version: fc.constantFrom('TLS12', 'TLS13', 'TLS99', 5),
          client_auth_type: fc.constantFrom('NoClientCert', 'RequireAndVerifyClientCert', 'x'),
        },
        { requiredKeys: [] },
      ),
      value,
    ),
  },
  { requiredKeys: [] },
);

const basic = (u: string, p: string) => `Basic ${Buffer.from(`${u}:${p}`).toString('base64')}`;

describe('web config loader under fuzzing', () => {
  it('never throws anything but ConfigError on arbitrary text', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 200 }), (t) => void load(t)),
      { numRuns: 400 },
    );
  });

  it('settles web configs of the real shape with values of any type', () => {
    fc.assert(
      fc.property(webLike, (v) => void load(stringify(v))),
      {
        numRuns: 500,
        // Cost 99 used to load and then answer every request 500 (bcrypt refuses costs over 31).
        examples: [[{ basic_auth_users: { bob: `$2y$99$${'a'.repeat(53)}` } }]],
      },
    );
  });

  it('accepts only hashes bcrypt can check in time, and each check then settles', async () => {
    await fc.assert(
      fc.asyncProperty(hashLike, fc.string({ maxLength: 10 }), async (hash, password) => {
        const r = load(stringify({ basic_auth_users: { bob: hash } }));
        if (r instanceof ConfigError) return;
        expect(bcrypt.getRounds(hash)).toBeGreaterThanOrEqual(4);
        expect(bcrypt.getRounds(hash)).toBeLessThanOrEqual(14);
        // Cost ≥ 10 would take a while per run; the format is what is proven here.
        if (bcrypt.getRounds(hash) > 6) return;
        await expect(new BasicAuth(r.users).check(basic('bob', password))).resolves.toBe(false);
      }),
      {
        numRuns: 300,
        examples: [[`$2y$04$${'a'.repeat(53)}`, 'pw']],
      },
    );
  });

  it('answers any Authorization header with true or false, never a throw', async () => {
    const auth = new BasicAuth(new Map([['alice', bcrypt.hashSync('pw', 4)]]));
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.string({ unit: 'binary', maxLength: 80 }),
          fc.string({ maxLength: 40 }).map((s) => `Basic ${Buffer.from(s).toString('base64')}`),
          // Unknown users are checked against a cost-10 dummy hash (~75 ms): few of them.
          fc
            .tuple(fc.constantFrom('alice', 'al', ''), fc.string({ maxLength: 8 }))
            .map(([u, p]) => basic(u, p)),
        ),
        async (header) => {
          expect(typeof (await auth.check(header))).toBe('boolean');
        },
      ),
      { numRuns: 40 },
    );
    expect(await auth.check(basic('alice', 'pw'))).toBe(true);
  });
});
