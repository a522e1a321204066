// Proxy tunnelling (HTTPS_PROXY/NO_PROXY, CONNECT, interception) and clock skew, against real peers.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { checkEndpoint } from '../../probes/tls-endpoints/check.js';
import { bypassesProxy, parseProxyUrl, proxyFor } from '../../src/net/proxy.js';
import { measureSkew } from '../../src/tls/clock.js';
import { standardPki } from '../support/pki.js';
import { connectProxy, nodeTlsServer, type Peer } from '../support/tls-peers.js';

let pki: ReturnType<typeof standardPki>;
const peers: Peer[] = [];
let server: Peer;

beforeAll(async () => {
  pki = standardPki();
  server = await nodeTlsServer({ key: pki.good.key, cert: pki.good.cert + pki.inter.cert });
  peers.push(server);
});
afterAll(async () => {
  await Promise.all(peers.map((p) => p.close()));
  pki.pki.cleanup();
});
afterEach(() => {
  delete process.env.HTTPS_PROXY;
  delete process.env.NO_PROXY;
});

describe('proxy settings', () => {
  it('NO_PROXY: names, suffixes, wildcards, ports', () => {
    expect(bypassesProxy('sts.us-east-1.amazonaws.com', 443, '.amazonaws.com')).toBe(true);
    expect(bypassesProxy('sts.us-east-1.amazonaws.com', 443, 'amazonaws.com')).toBe(true);
    expect(bypassesProxy('notamazonaws.com', 443, 'amazonaws.com')).toBe(false);
    expect(bypassesProxy('a.example', 443, 'b.example, *')).toBe(true);
    expect(bypassesProxy('127.0.0.1', 8443, '127.0.0.1:443')).toBe(false);
    expect(bypassesProxy('127.0.0.1', 443, '127.0.0.1:443')).toBe(true);
    expect(bypassesProxy('x', 1, undefined)).toBe(false);
  });

  it('proxy credentials are used but never shown', () => {
    const p = parseProxyUrl('http://alice:s3cret-pw@127.0.0.1:3128')!;
    expect(p.url).toBe('http://127.0.0.1:3128');
    expect(JSON.stringify({ ...p, authorization: undefined })).not.toMatch(/s3cret|alice/);
    expect(p.authorization).toBe(`Basic ${Buffer.from('alice:s3cret-pw').toString('base64')}`);
  });

  it('HTTPS_PROXY from the environment, NO_PROXY exempts', () => {
    process.env.HTTPS_PROXY = 'http://127.0.0.1:3128';
    expect(proxyFor('sts.us-east-1.amazonaws.com', 443)?.url).toBe('http://127.0.0.1:3128');
    process.env.NO_PROXY = '.amazonaws.com';
    expect(proxyFor('sts.us-east-1.amazonaws.com', 443)).toBeNull();
  });
});

describe('through a CONNECT proxy', () => {
  it('tunnels every handshake through HTTPS_PROXY and reports the proxy', async () => {
    const proxy = await connectProxy();
    peers.push(proxy);
    process.env.HTTPS_PROXY = `http://127.0.0.1:${proxy.port}`;
    const r = await checkEndpoint(
      { host: '127.0.0.1', port: server.port, label: 'test', aws: false },
      { timeoutMs: 3000, warnDays: 30, ca: [pki.root.cert] },
    );
    expect(r.record.proxy).toBe(`http://127.0.0.1:${proxy.port}`);
    expect(r.record.acceptedVersions).toEqual(['TLSv1.2', 'TLSv1.3']);
    expect(r.record.certificate).toMatchObject({ verified: true, intercepted: false });
    // negotiation (which also answers TLS 1.3) + 4 forced handshakes, all through the tunnel
    expect(proxy.connects.filter((c) => c === `127.0.0.1:${server.port}`).length).toBe(5);
    expect(r.findings.find((f) => f.id === 'proxy.in-use')?.status).toBe('pass');
  });

  it('NO_PROXY bypasses it', async () => {
    const proxy = await connectProxy();
    peers.push(proxy);
    process.env.HTTPS_PROXY = `http://127.0.0.1:${proxy.port}`;
    process.env.NO_PROXY = '127.0.0.1';
    const r = await checkEndpoint(
      { host: '127.0.0.1', port: server.port, label: 'test', aws: false },
      { timeoutMs: 3000, warnDays: 30 },
    );
    expect(r.record.proxy).toBeNull();
    expect(proxy.connects).toEqual([]);
  });

  it('a proxy that refuses CONNECT is a proxy.in-use failure', async () => {
    const proxy = await connectProxy({ refuse: true });
    peers.push(proxy);
    const r = await checkEndpoint(
      { host: '127.0.0.1', port: server.port, label: 'test', aws: false },
      { timeoutMs: 3000, warnDays: 30, proxy: `http://127.0.0.1:${proxy.port}` },
    );
    const f = r.findings.find((x) => x.id === 'proxy.in-use')!;
    expect(f.status).toBe('fail');
    expect(f.message).toMatch(/HTTP 403/);
  });

  it('an intercepting proxy whose CA this host trusts: verified, but intercepted', async () => {
    const proxyCa = pki.pki.issue(
      'proxyca',
      { subject: '/O=Example Corp/CN=Example Corp TLS Inspection CA', ca: true },
      null,
    );
    const proxyLeaf = pki.pki.issue(
      'proxyleaf',
      { subject: '/CN=localhost', sans: ['IP:127.0.0.1'], keyFile: pki.good.keyFile },
      proxyCa,
    );
    const proxy = await connectProxy({
      intercept: { key: proxyLeaf.key, cert: proxyLeaf.cert + proxyCa.cert },
    });
    peers.push(proxy);
    const r = await checkEndpoint(
      { host: '127.0.0.1', port: server.port, label: 'sts', aws: true },
      {
        timeoutMs: 3000,
        warnDays: 30,
        proxy: `http://127.0.0.1:${proxy.port}`,
        ca: [pki.root.cert, proxyCa.cert],
      },
    );
    expect(r.record.certificate).toMatchObject({
      verified: true,
      intercepted: true,
      issuer: 'O=Example Corp, CN=Example Corp TLS Inspection CA',
    });
    const f = r.findings.find((x) => x.id === 'tls.intercepted')!;
    expect(f.status).toBe('fail');
    expect(f.message).toMatch(/Example Corp TLS Inspection CA/);
    expect(f.evidence.proxy).toBe(`http://127.0.0.1:${proxy.port}`);
  });
});

describe('clock skew', () => {
  it('measures the offset of the Date header, corrected for the round trip', async () => {
    const ahead = await nodeTlsServer({
      key: pki.good.key,
      cert: pki.good.cert + pki.inter.cert,
      date: () => new Date(Date.now() + 600_000).toUTCString(),
    });
    peers.push(ahead);
    const r = await measureSkew({ host: '127.0.0.1', port: ahead.port, timeoutMs: 3000 });
    expect(r.ok).toBe(true);
    if (r.ok) {
      // The server's clock is 10 minutes ahead: this host is 10 minutes behind (negative).
      expect(Math.abs(r.skewMs + 600_000)).toBeLessThan(1500);
      expect(r.rttMs).toBeLessThan(1000);
    }
    const r2 = await measureSkew({ host: '127.0.0.1', port: server.port, timeoutMs: 3000 });
    expect(r2.ok && Math.abs(r2.skewMs)).toBeLessThan(1500);
  });

  it('works through the proxy tunnel too', async () => {
    const proxy = await connectProxy();
    peers.push(proxy);
    const r = await measureSkew({
      host: '127.0.0.1',
      port: server.port,
      timeoutMs: 3000,
      proxy: parseProxyUrl(`http://127.0.0.1:${proxy.port}`),
    });
    expect(r.ok).toBe(true);
    expect(proxy.connects.length).toBe(1);
  });

  it('an answer without a Date header is reported, not guessed', async () => {
    const { hostilePeer } = await import('../support/tls-peers.js');
    const p = await hostilePeer('silent');
    peers.push(p);
    const r = await measureSkew({ host: '127.0.0.1', port: p.port, timeoutMs: 500 });
    expect(r.ok).toBe(false);
  });
});
