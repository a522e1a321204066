// The Client SDK configuration files and the trust anchor are read from the host as they are:
// whatever they hold, the parsers yield a value or a reason (a typed result), never a throw.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parsePemChain } from '../../src/clientsdk/client-cert.js';
import { parseJson, parseSdk3, parseSdk5, readClientSdkConfig } from '../../src/clientsdk/config.js';
import { parseTrustAnchor, readTrustAnchor } from '../../src/clientsdk/trust-anchor.js';
import { type Issued, TestPki } from '../support/pki.js';

const dir = mkdtempSync(join(tmpdir(), 'hsmwatch-sdkfuzz-'));
let pki: TestPki;
let ca: Issued;
beforeAll(() => {
  pki = new TestPki();
  ca = pki.issue('ca', { subject: '/CN=fuzz customer CA', ca: true, days: 30 }, null);
});
afterAll(() => {
  pki.cleanup();
  rmSync(dir, { recursive: true, force: true });
});

const scalar = fc.oneof(
  fc.string({ maxLength: 12 }),
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.constantFrom('10.0.1.12', '/opt/cloudhsm/etc/customerCA.crt', '', '\u001b[31mred'),
);
const value = fc.letrec<{ v: unknown }>((tie) => ({
  v: fc.oneof(
    { depthSize: 'small' },
    scalar,
    fc.array(tie('v'), { maxLength: 3 }),
    fc.dictionary(fc.string({ maxLength: 8 }), tie('v'), { maxKeys: 3 }),
  ),
})).v;
const serverLike = fc.record(
  { hostname: value, port: value, enable: value, CAfile: value },
  { requiredKeys: [] },
);
/** The real shapes (SDK 5 and SDK 3), with values of any type in them. */
const sdkLike = fc.oneof(
  fc.record({
    clusters: fc.oneof(
      fc.array(
        fc.record({
          type: value,
          cluster: fc.oneof(
            fc.record(
              {
                hsm_ca_file: value,
                servers: fc.oneof(fc.array(serverLike, { maxLength: 3 }), value),
                client_cert_hsm_tls_file: value,
                client_key_hsm_tls_file: value,
              },
              { requiredKeys: ['servers'] },
            ),
            value,
          ),
        }),
        { maxLength: 3 },
      ),
      value,
    ),
  }),
  fc.record({ server: fc.oneof(serverLike, value), servers: fc.oneof(fc.array(serverLike), value) }),
  value,
);

function checkFile(r: ReturnType<typeof parseSdk5>): void {
  if (typeof r === 'string') {
    expect(r).toMatch(/\w/);
    return;
  }
  for (const s of r.servers) {
    expect(typeof s.hostname).toBe('string');
    expect(s.hostname).not.toMatch(/[\u0000-\u001f\u007f-\u009f]/);
    expect(s.port === null || (Number.isInteger(s.port) && s.port >= 1 && s.port <= 65535)).toBe(true);
  }
  expect(r.caFile === null || (typeof r.caFile === 'string' && r.caFile !== '')).toBe(true);
  // Mutual TLS files: strings or absent, and a pair object only when one of them is set.
  if (r.mtls !== null) {
    for (const f of [r.mtls.certFile, r.mtls.keyFile])
      expect(f === null || (typeof f === 'string' && f.trim() !== '')).toBe(true);
    expect(r.mtls.certFile !== null || r.mtls.keyFile !== null).toBe(true);
  }
}

describe('Client SDK config parser under fuzzing', () => {
  it('settles any JSON value, and configs of the real shape with values of any type', () => {
    fc.assert(
      fc.property(sdkLike, (v) => {
        checkFile(parseSdk5('/x/cloudhsm-pkcs11.cfg', v));
        checkFile(parseSdk3('/x/cloudhsm_client.cfg', v));
      }),
      { numRuns: 2000 },
    );
  });

  it('settles any text as a certificate chain or a reason, also around real PEM blocks', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 300 }), fc.string({ maxLength: 40 }), (junk, inner) => {
        for (const text of [
          junk,
          `${junk}${ca.cert}${junk}`,
          `-----BEGIN CERTIFICATE-----${inner}-----END CERTIFICATE-----`,
        ]) {
          const r = parsePemChain(text);
          if (typeof r === 'string') expect(r).not.toMatch(/[\u0000-\u001f\u007f-\u009f]/);
          else expect(r.length).toBeGreaterThan(0);
        }
      }),
      { numRuns: 500 },
    );
  });

  it('settles any text as JSON or a reason', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 200 }), (t) => {
        const r = parseJson(t);
        if (!r.ok) expect(r.reason).not.toMatch(/[\u0000-\u001f\u007f-\u009f]/);
      }),
      { numRuns: 1000 },
    );
  });

  it('reads a directory of such files into files and problems, never a throw', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.oneof(
            sdkLike.map((v) => JSON.stringify(v) ?? ''),
            fc.string({ maxLength: 60 }),
          ),
          {
            minLength: 1,
            maxLength: 3,
          },
        ),
        (texts) => {
          const d = mkdtempSync(join(dir, 'cfg-'));
          texts.forEach((t, i) => {
            writeFileSync(join(d, i === 0 ? 'cloudhsm_client.cfg' : `cloudhsm-tool${i}.cfg`), t);
          });
          const r = readClientSdkConfig(d);
          expect(r.files.length + r.problems.length).toBe(texts.length);
        },
      ),
      { numRuns: 150 },
    );
  });

  it('names a directory it cannot read instead of saying there is no configuration', () => {
    const notDir = join(dir, 'a-file');
    writeFileSync(notDir, '');
    expect(readClientSdkConfig(notDir).problems).toEqual([
      { path: notDir, reason: 'cannot read the directory (ENOTDIR)', sdk: null },
    ]);
    // A config file that is a directory, or /dev/zero in its place, is a problem of that file.
    const d = mkdtempSync(join(dir, 'cfg-'));
    mkdirSync(join(d, 'cloudhsm-pkcs11.cfg'));
    expect(readClientSdkConfig(d).problems[0]?.reason).toMatch(/EISDIR/);
    expect(readClientSdkConfig(join(dir, 'absent')).problems).toEqual([]);
  });
});

describe('trust anchor reading under fuzzing', () => {
  const settles = (text: string) => {
    const r = parseTrustAnchor(text, '/x/customerCA.crt');
    if (!r.ok) {
      expect(r.reason).toBe('not-a-certificate');
      expect(r.detail).not.toMatch(/[\u0000-\u001f\u007f-\u009f]/);
    }
    return r;
  };

  it('reads the real anchor', () => {
    expect(settles(ca.cert).ok).toBe(true);
  });

  it('settles arbitrary text', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 300 }), (t) => void settles(t)),
      {
        numRuns: 1000,
      },
    );
  });

  it('settles every corruption of a real certificate: its DER bytes, its PEM text', () => {
    const b64 = ca.cert.replace(/-----[A-Z ]+-----|\s/g, '');
    const der = Buffer.from(b64, 'base64');
    const pem = (d: Buffer) =>
      `-----BEGIN CERTIFICATE-----\n${d.toString('base64').replace(/(.{64})/g, '$1\n')}\n-----END CERTIFICATE-----\n`;
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 4 }),
        fc.nat(),
        fc.nat(),
        (flips, cut, cutText) => {
          const bad = Buffer.from(der);
          for (const [at, v] of flips) bad[at % bad.length] = v;
          settles(pem(bad));
          settles(pem(der.subarray(0, cut % der.length)));
          settles(ca.cert.slice(0, cutText % ca.cert.length));
        },
      ),
      { numRuns: 600 },
    );
  });

  it('reads within a bound, and says why a file is unusable', () => {
    expect(readTrustAnchor('/dev/zero')).toMatchObject({ ok: false, reason: 'unreadable' });
    expect(readTrustAnchor(dir)).toMatchObject({
      ok: false,
      reason: 'unreadable',
      detail: expect.stringMatching(/EISDIR/),
    });
    expect(readTrustAnchor(join(dir, 'absent.crt'))).toMatchObject({ ok: false, reason: 'missing' });
  });
});
