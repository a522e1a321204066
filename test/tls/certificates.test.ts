// Certificate verdicts, interception detection and hostile peers, each against a real peer.
import { X509Certificate } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkEndpoint } from '../../probes/tls-endpoints/check.js';
import { analyseChain } from '../../src/tls/certificate.js';
import { standardPki } from '../support/pki.js';
import { hostilePeer, nodeTlsServer, type Peer } from '../support/tls-peers.js';

let pki: ReturnType<typeof standardPki>;
const peers: Peer[] = [];

beforeAll(() => {
  pki = standardPki();
});
afterAll(async () => {
  await Promise.all(peers.map((p) => p.close()));
  pki.pki.cleanup();
});

async function check(
  cert: string,
  key: string,
  o: { aws?: boolean; host?: string; extraAwsRoots?: string[] } = {},
) {
  const p = await nodeTlsServer({ key, cert });
  peers.push(p);
  return checkEndpoint(
    { host: o.host ?? '127.0.0.1', port: p.port, label: 'test', aws: o.aws ?? false },
    {
      timeoutMs: 3000,
      warnDays: 30,
      ca: [pki.root.cert],
      ...(o.extraAwsRoots ? { extraAwsRoots: o.extraAwsRoots } : {}),
    },
  );
}
const cert = (r: Awaited<ReturnType<typeof check>>) => r.findings.find((f) => f.id === 'tls.certificate')!;

describe('certificates', () => {
  it('a good chain passes, with subject, issuer and days left', async () => {
    const r = await check(pki.good.cert + pki.inter.cert, pki.good.key);
    expect(cert(r).status).toBe('pass');
    expect(r.record.certificate).toMatchObject({
      subject: 'O=hsmwatch test, CN=localhost',
      issuer: 'O=hsmwatch test, CN=hsmwatch Test Intermediate',
      verified: true,
      hostnameMatch: true,
      intercepted: false,
    });
    expect(Object.keys(r.record.certificate as object)).toEqual([
      'subject',
      'issuer',
      'notAfter',
      'daysLeft',
      'verified',
      'hostnameMatch',
      'intercepted',
    ]);
    expect((r.record.certificate as { daysLeft: number }).daysLeft).toBeGreaterThan(360);
  });

  it('the endpoint record has exactly the contract keys, in order', async () => {
    const r = await check(pki.good.cert + pki.inter.cert, pki.good.key);
    expect(Object.keys(r.record)).toEqual([
      'host',
      'port',
      'addresses',
      'private',
      'proxy',
      'protocol',
      'cipher',
      'keyExchange',
      'forwardSecrecy',
      'acceptedVersions',
      'nonForwardSecretAccepted',
      'handshakeMs',
      'certificate',
    ]);
  });

  it('a name that resolves locally: localhost is checked by name (SNI and hostname match)', async () => {
    const r = await check(pki.good.cert + pki.inter.cert, pki.good.key, { host: 'localhost' });
    expect(r.record.certificate).toMatchObject({ hostnameMatch: true, verified: true });
    expect(r.findings.find((f) => f.id === 'dns.resolve')?.status).toBe('pass');
  });

  it('expired', async () => {
    const r = await check(pki.expired.cert + pki.inter.cert, pki.expired.key);
    expect(cert(r).status).toBe('fail');
    expect(cert(r).message).toMatch(/expired on/);
    expect(r.record.certificate).toMatchObject({ verified: false });
    expect((r.record.certificate as { daysLeft: number }).daysLeft).toBeLessThan(0);
  });

  it('not yet valid', async () => {
    const r = await check(pki.notYet.cert + pki.inter.cert, pki.notYet.key);
    expect(cert(r).status).toBe('fail');
    expect(cert(r).message).toMatch(/not valid before/);
    expect(cert(r).remediation).toMatch(/clock/);
  });

  it('expiring within the warning threshold', async () => {
    const r = await check(pki.soon.cert + pki.inter.cert, pki.soon.key);
    expect(cert(r).status).toBe('warn');
    expect(cert(r).message).toMatch(/expires in (9|10) day/);
  });

  it('wrong host', async () => {
    const r = await check(pki.wrongHost.cert + pki.inter.cert, pki.wrongHost.key);
    expect(cert(r).status).toBe('fail');
    expect(cert(r).message).toMatch(/does not match the name/);
    expect(r.record.certificate).toMatchObject({ hostnameMatch: false, verified: true });
  });

  it('self-signed', async () => {
    const r = await check(pki.selfSigned.cert, pki.selfSigned.key);
    expect(cert(r).status).toBe('fail');
    expect(cert(r).message).toMatch(/self-signed/);
  });

  it('incomplete chain (leaf without its intermediate)', async () => {
    const r = await check(pki.good.cert, pki.good.key);
    expect(cert(r).status).toBe('fail');
    expect(cert(r).message).toMatch(/chain incomplete/);
    expect(cert(r).evidence.verifyError).toBe('UNABLE_TO_VERIFY_LEAF_SIGNATURE');
  });
});

describe('interception', () => {
  it("an AWS endpoint answered by a chain that verifies (corporate CA trusted) but is not Amazon's is intercepted", async () => {
    const r = await check(pki.good.cert + pki.inter.cert, pki.good.key, { aws: true });
    expect(r.record.certificate).toMatchObject({ verified: true, intercepted: true });
    const f = r.findings.find((x) => x.id === 'tls.intercepted')!;
    expect(f.status).toBe('fail');
    expect(f.message).toMatch(/hsmwatch Test Intermediate/);
    expect(f.message).toMatch(/verifies only because its CA was added/);
  });

  it('a chain ending at a configured AWS root (the simulation) is not intercepted', async () => {
    const fp = new X509Certificate(pki.root.cert).fingerprint256;
    const r = await check(pki.good.cert + pki.inter.cert, pki.good.key, { aws: true, extraAwsRoots: [fp] });
    expect(r.findings.find((x) => x.id === 'tls.intercepted')?.status).toBe('pass');
  });

  it('names are not enough: an "Amazon RSA 2048 M01" issuer under a fake "Amazon Root CA 1" is intercepted', () => {
    const root = pki.pki.issue(
      'fakeroot',
      { subject: '/C=US/O=Amazon/CN=Amazon Root CA 1', ca: true, days: 3650 },
      null,
    );
    const inter = pki.pki.issue(
      'fakeinter',
      { subject: '/C=US/O=Amazon/CN=Amazon RSA 2048 M01', ca: true, days: 3650 },
      root,
    );
    const leaf = pki.pki.issue(
      'fakeleaf',
      {
        subject: '/CN=sts.us-east-1.amazonaws.com',
        sans: ['DNS:sts.us-east-1.amazonaws.com'],
        keyFile: pki.good.keyFile,
      },
      inter,
    );
    const chain = [leaf, inter, root].map((c) => new X509Certificate(c.cert));
    const a = analyseChain(chain, { hostname: 'sts.us-east-1.amazonaws.com', awsEndpoint: true });
    expect(a.hostnameMatch).toBe(true);
    expect(a.intercepted).toBe(true);
    expect(a.trustPath).toMatch(/not at an Amazon Root CA/);
    // Without the root in the chain, the intermediate is not signed by any real Amazon root either.
    expect(
      analyseChain(chain.slice(0, 2), { hostname: 'sts.us-east-1.amazonaws.com', awsEndpoint: true })
        .intercepted,
    ).toBe(true);
  });

  it('non-AWS targets skip the interception check', async () => {
    const r = await check(pki.good.cert + pki.inter.cert, pki.good.key);
    expect(r.findings.find((x) => x.id === 'tls.intercepted')?.status).toBe('skip');
  });
});

describe('hostile peers end within their deadline with a clear finding', () => {
  const run = async (port: number, timeoutMs = 1000) => {
    const t0 = performance.now();
    const r = await checkEndpoint(
      { host: '127.0.0.1', port, label: 'test', aws: false },
      { timeoutMs, warnDays: 30 },
    );
    return { r, ms: performance.now() - t0, f: r.findings.find((x) => x.id === 'tls.handshake')! };
  };

  it('accepts TCP and never speaks', async () => {
    const p = await hostilePeer('silent');
    peers.push(p);
    const { f, ms } = await run(p.port, 800);
    expect(f.status).toBe('fail');
    expect(f.evidence.stage).toBe('timeout');
    expect(f.message).toMatch(/did not complete TLS/);
    expect(ms).toBeLessThan(800 + 600); // one deadline: a silent peer gets no retries
  });

  it('sends garbage', async () => {
    const p = await hostilePeer('garbage');
    peers.push(p);
    const { f, ms } = await run(p.port);
    expect(f.status).toBe('fail');
    expect(f.message).toMatch(/does not speak TLS/);
    expect(ms).toBeLessThan(1000);
  });

  it('answers plain HTTP', async () => {
    const p = await hostilePeer('http');
    peers.push(p);
    const { f } = await run(p.port);
    expect(f.message).toMatch(/does not speak TLS/);
  });

  it('resets mid-handshake', async () => {
    const p = await hostilePeer('reset');
    peers.push(p);
    const { f, ms } = await run(p.port);
    expect(f.status).toBe('fail');
    expect(f.evidence.code).toBe('ECONNRESET');
    expect(ms).toBeLessThan(1000);
  });

  it('sends a huge certificate chain', async () => {
    const huge = pki.good.cert + pki.inter.cert.repeat(150);
    const p = await nodeTlsServer({ key: pki.good.key, cert: huge });
    peers.push(p);
    const { f, ms } = await run(p.port, 2000);
    expect(f.status).toBe('fail');
    expect(String(f.evidence.code)).toMatch(/EXCESSIVE_MESSAGE_SIZE|ETIMEDOUT/);
    expect(ms).toBeLessThan(4000);
  });

  it('nothing listens', async () => {
    const p = await hostilePeer('silent');
    await p.close();
    const { f } = await run(p.port);
    expect(f.message).toMatch(/cannot connect: ECONNREFUSED/);
  });
});
