// Negotiation and enumeration against real peers on loopback, with sslscan as the reference.
import type { TlsOptions } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkEndpoint } from '../../probes/tls-endpoints/check.js';
import { enumerate } from '../../src/tls/enumerate.js';
import { handshake } from '../../src/tls/handshake.js';
import { standardPki } from '../support/pki.js';
import { nodeTlsServer, opensslServer, type Peer, sslscan } from '../support/tls-peers.js';

let pki: ReturnType<typeof standardPki>;
const peers: Peer[] = [];
const chainOf = () => `${pki.good.cert}${pki.inter.cert}`;

beforeAll(() => {
  pki = standardPki();
});
afterAll(async () => {
  await Promise.all(peers.map((p) => p.close()));
  pki.pki.cleanup();
});

async function serve(o: TlsOptions): Promise<number> {
  const p = await nodeTlsServer({ key: pki.good.key, cert: chainOf(), ...o });
  peers.push(p);
  return p.port;
}

interface Case {
  name: string;
  server: TlsOptions;
  protocol: string;
  cipher: string;
  keyExchange: string;
  forwardSecrecy: boolean;
  versions: string[];
  nonFs: boolean;
}

const CASES: Case[] = [
  {
    name: 'TLS 1.3 only',
    server: { minVersion: 'TLSv1.3' },
    protocol: 'TLSv1.3',
    cipher: 'TLS_AES_256_GCM_SHA384',
    keyExchange: 'X25519',
    forwardSecrecy: true,
    versions: ['TLSv1.3'],
    nonFs: false,
  },
  {
    name: 'TLS 1.2 ECDHE only',
    server: { maxVersion: 'TLSv1.2', ciphers: 'ECDHE-RSA-AES128-GCM-SHA256', ecdhCurve: 'P-384' },
    protocol: 'TLSv1.2',
    cipher: 'TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256',
    keyExchange: 'P-384',
    forwardSecrecy: true,
    versions: ['TLSv1.2'],
    nonFs: false,
  },
  {
    name: 'TLS 1.2 static RSA only',
    server: { maxVersion: 'TLSv1.2', ciphers: 'AES128-SHA' },
    protocol: 'TLSv1.2',
    cipher: 'TLS_RSA_WITH_AES_128_CBC_SHA',
    keyExchange: 'RSA',
    forwardSecrecy: false,
    versions: ['TLSv1.2'],
    nonFs: true,
  },
  {
    name: 'TLS 1.2 DHE',
    server: { maxVersion: 'TLSv1.2', ciphers: 'DHE-RSA-AES128-GCM-SHA256', dhparam: 'auto' },
    protocol: 'TLSv1.2',
    cipher: 'TLS_DHE_RSA_WITH_AES_128_GCM_SHA256',
    keyExchange: 'DH',
    forwardSecrecy: true,
    versions: ['TLSv1.2'],
    nonFs: false,
  },
  {
    name: 'TLS 1.0 to 1.3, mixed suites (weak legacy server)',
    server: {
      minVersion: 'TLSv1',
      ciphers: 'ECDHE-RSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-SHA:AES128-SHA:@SECLEVEL=0',
    },
    protocol: 'TLSv1.3',
    cipher: 'TLS_AES_256_GCM_SHA384',
    keyExchange: 'X25519',
    forwardSecrecy: true,
    versions: ['TLSv1', 'TLSv1.1', 'TLSv1.2', 'TLSv1.3'],
    nonFs: true,
  },
];

describe('negotiation and enumeration against Node TLS servers, agreeing with sslscan', () => {
  for (const c of CASES) {
    it(c.name, async () => {
      const port = await serve(c.server);
      const r = await checkEndpoint(
        { host: '127.0.0.1', port, label: 'test', aws: false },
        { timeoutMs: 3000, warnDays: 30, ca: [pki.root.cert] },
      );
      expect(r.record).toMatchObject({
        host: '127.0.0.1',
        port,
        addresses: ['127.0.0.1'],
        private: true,
        proxy: null,
        protocol: c.protocol,
        cipher: c.cipher,
        keyExchange: c.keyExchange,
        forwardSecrecy: c.forwardSecrecy,
        acceptedVersions: c.versions,
        nonForwardSecretAccepted: c.nonFs,
      });
      expect(r.record.certificate).toMatchObject({ verified: true, hostnameMatch: true, intercepted: false });
      const ref = await sslscan(port);
      expect(r.record.acceptedVersions).toEqual(ref.versions);
      expect(r.record.nonForwardSecretAccepted).toBe(ref.nonForwardSecret);
      const fs = r.findings.find((f) => f.id === 'tls.forward-secrecy')!;
      expect(fs.status).toBe(c.forwardSecrecy ? 'pass' : 'fail');
      const versions = r.findings.find((f) => f.id === 'tls.versions')!;
      expect(versions.status).toBe(c.versions.includes('TLSv1') ? 'warn' : 'pass');
    });
  }

  it('TLS 1.0 only: negotiated protocol below 1.2 fails', async () => {
    const port = await serve({ minVersion: 'TLSv1', maxVersion: 'TLSv1', ciphers: 'DEFAULT:@SECLEVEL=0' });
    // The host's defaults (minVersion TLSv1.2) cannot talk to it at all.
    const r = await checkEndpoint(
      { host: '127.0.0.1', port, label: 'test', aws: false },
      { timeoutMs: 3000, warnDays: 30, ca: [pki.root.cert] },
    );
    expect(r.record.acceptedVersions).toEqual(['TLSv1']);
    const byId = (id: string) => r.findings.find((f) => f.id === id);
    expect(byId('tls.handshake')?.status).toBe('fail');
    expect(byId('tls.handshake')?.message).toMatch(/^no TLS version in common .* accepts only TLSv1,/);
    // The verdicts of what it accepts, although the host's defaults cannot talk to it.
    expect(byId('tls.protocol')?.status).toBe('fail');
    expect(byId('tls.versions')?.status).toBe('warn');
    expect(r.record.certificate).toMatchObject({ verified: true, hostnameMatch: true });
    const ref = await sslscan(port);
    expect(ref.versions).toEqual(['TLSv1']);
    expect(r.record.nonForwardSecretAccepted).toBe(ref.nonForwardSecret);
    // A client allowed to go down to TLS 1.0 negotiates it, and hsmwatch says so.
    const h = await handshake({
      host: '127.0.0.1',
      port,
      timeoutMs: 3000,
      minVersion: 'TLSv1',
      ciphers: 'DEFAULT:@SECLEVEL=0',
    });
    expect(h.ok && h.protocol).toBe('TLSv1');
  });

  it('openssl s_server serving one connection at a time: no false negatives (retry alone)', async () => {
    const p = await opensslServer([
      '-cert',
      pki.good.certFile,
      '-key',
      pki.good.keyFile,
      '-tls1_2',
      '-cipher',
      'AES256-SHA:ECDHE-RSA-AES256-GCM-SHA384',
    ]);
    peers.push(p);
    const e = await enumerate({ host: '127.0.0.1', port: p.port, timeoutMs: 3000 });
    const ref = await sslscan(p.port);
    expect(e.acceptedVersions).toEqual(['TLSv1.2']);
    expect(e.acceptedVersions).toEqual(ref.versions);
    expect(e.nonForwardSecretAccepted).toBe(true);
    expect(ref.nonForwardSecret).toBe(true);
  });

  it('openssl s_server with TLS 1.3 and 1.2 forward-secret suites only', async () => {
    const p = await opensslServer([
      '-cert',
      pki.good.certFile,
      '-key',
      pki.good.keyFile,
      '-cipher',
      'ECDHE-RSA-AES128-GCM-SHA256',
      '-no_tls1',
      '-no_tls1_1',
    ]);
    peers.push(p);
    const e = await enumerate({ host: '127.0.0.1', port: p.port, timeoutMs: 3000 });
    const ref = await sslscan(p.port);
    expect(e.acceptedVersions).toEqual(['TLSv1.2', 'TLSv1.3']);
    expect(e.acceptedVersions).toEqual(ref.versions);
    expect(e.nonForwardSecretAccepted).toBe(false);
    expect(ref.nonForwardSecret).toBe(false);
  });
});
