// The endpoint set, DNS classification with an injected resolver (no real name is ever resolved),
// the endpoint record contract, and the new settings.
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { checkEndpoint } from '../../probes/tls-endpoints/check.js';
import { ConfigError, resolveSettings, validateConfig } from '../../src/config/settings.js';
import { isPrivateAddress, resolveHost } from '../../src/net/dns.js';
import { endpointSet, parseTarget } from '../../src/tls/endpoint-set.js';

const noEnv = {} as NodeJS.ProcessEnv;

describe('endpoint set', () => {
  it('regional names of cloudhsmv2, ec2 and sts, plus FIPS candidates and VPC endpoints when configured', () => {
    const s = resolveSettings(
      validateConfig(
        { tls: { fips: true, vpcEndpoints: { sts: 'vpce-0abc-xyz.sts.eu-west-1.vpce.amazonaws.com' } } },
        't',
      ),
    );
    const set = endpointSet(s, 'eu-west-1', noEnv);
    expect(set.map((e) => `${e.host}:${e.port} ${e.label}${e.optional ? ' (optional)' : ''}`)).toEqual([
      'cloudhsmv2.eu-west-1.amazonaws.com:443 cloudhsmv2',
      'cloudhsmv2-fips.eu-west-1.api.aws:443 cloudhsmv2 (FIPS) (optional)',
      'ec2.eu-west-1.amazonaws.com:443 ec2',
      'ec2-fips.eu-west-1.amazonaws.com:443 ec2 (FIPS) (optional)',
      'sts.eu-west-1.amazonaws.com:443 sts',
      'sts-fips.eu-west-1.amazonaws.com:443 sts (FIPS) (optional)',
      'vpce-0abc-xyz.sts.eu-west-1.vpce.amazonaws.com:443 sts (VPC endpoint)',
    ]);
    expect(set.every((e) => e.aws)).toBe(true);
  });

  it('overrides replace the names; one endpoint serving several services is checked once', () => {
    const s = resolveSettings(
      validateConfig(
        { endpointUrl: 'https://127.0.0.1:8443', endpoints: { sts: 'http://127.0.0.1:8080' } },
        't',
      ),
    );
    const set = endpointSet(s, 'us-east-1', noEnv);
    expect(set.map((e) => `${e.host}:${e.port} ${e.label} ${e.plainHttp ? 'http' : 'https'}`)).toEqual([
      '127.0.0.1:8443 cloudhsmv2, ec2 https',
      '127.0.0.1:8080 sts http',
    ]);
  });

  it('HOST[:PORT] targets', () => {
    expect(parseTarget('example.com')).toMatchObject({ host: 'example.com', port: 443 });
    expect(parseTarget('[::1]:8443')).toMatchObject({ host: '::1', port: 8443 });
    expect(parseTarget('https://127.0.0.1:9443/path')).toMatchObject({ host: '127.0.0.1', port: 9443 });
    expect(parseTarget('')).toBeNull();
  });
});

describe('DNS', () => {
  it('private and public addresses', () => {
    for (const ip of [
      '10.1.2.3',
      '172.16.0.1',
      '172.31.255.1',
      '192.168.1.1',
      '127.0.0.1',
      '::1',
      'fd00::1',
      '100.64.0.1',
    ])
      expect(isPrivateAddress(ip), ip).toBe(true);
    for (const ip of ['52.94.1.1', '172.32.0.1', '3.5.1.1', '2600:1f18::1'])
      expect(isPrivateAddress(ip), ip).toBe(false);
  });

  it('localhost resolves locally', async () => {
    const r = await resolveHost('localhost', 2000);
    expect(r.ok && r.private).toBe(true);
  });

  it('NXDOMAIN of a FIPS candidate warns that the name is not published; of a regional name fails', async () => {
    const nx = async () => {
      throw Object.assign(new Error('getaddrinfo ENOTFOUND'), { code: 'ENOTFOUND' });
    };
    const fips = await checkEndpoint(
      {
        host: 'cloudhsmv2-fips.xx-test-1.api.aws',
        port: 443,
        label: 'cloudhsmv2 (FIPS)',
        aws: true,
        optional: true,
      },
      { timeoutMs: 500, warnDays: 30, lookup: nx },
    );
    expect(fips.findings).toHaveLength(1);
    expect(fips.findings[0]).toMatchObject({ id: 'dns.resolve', status: 'warn' });
    expect(fips.findings[0]?.message).toMatch(/not published for this region/);
    const regional = await checkEndpoint(
      { host: 'sts.xx-test-1.amazonaws.com', port: 443, label: 'sts', aws: true },
      { timeoutMs: 500, warnDays: 30, lookup: nx },
    );
    expect(regional.findings[0]).toMatchObject({ id: 'dns.resolve', status: 'fail' });
    expect(regional.record).toMatchObject({
      addresses: [],
      private: null,
      protocol: null,
      certificate: null,
    });
  });

  it('a resolver that never answers ends at the deadline', async () => {
    const t0 = performance.now();
    const r = await resolveHost('sts.xx-test-1.amazonaws.com', 300, () => new Promise(() => {}));
    expect(r.ok).toBe(false);
    expect(!r.ok && r.code).toBe('ETIMEOUT');
    expect(performance.now() - t0).toBeLessThan(1000);
  });

  it('a private answer for an AWS name points at a VPC interface endpoint', async () => {
    const r = await checkEndpoint(
      { host: 'sts.xx-test-1.amazonaws.com', port: 9, label: 'sts', aws: true },
      { timeoutMs: 500, warnDays: 30, lookup: async () => [{ address: '127.0.0.1', family: 4 }] },
    );
    const f = r.findings.find((x) => x.id === 'dns.resolve')!;
    expect(f.message).toMatch(/private address\(es\) 127\.0\.0\.1.*VPC interface endpoint/);
    expect(r.record).toMatchObject({ addresses: ['127.0.0.1'], private: true });
  });
});

describe('contract and settings', () => {
  const certificate = z.strictObject({
    subject: z.string(),
    issuer: z.string(),
    notAfter: z.string(),
    daysLeft: z.number().int(),
    verified: z.boolean(),
    hostnameMatch: z.boolean(),
    intercepted: z.boolean(),
  });
  const endpoint = z.strictObject({
    host: z.string(),
    port: z.number().int(),
    addresses: z.array(z.string()),
    private: z.boolean().nullable(),
    proxy: z.string().nullable(),
    protocol: z.enum(['TLSv1', 'TLSv1.1', 'TLSv1.2', 'TLSv1.3']).nullable(),
    cipher: z.string().regex(/^TLS_/).nullable(),
    keyExchange: z.string().nullable(),
    forwardSecrecy: z.boolean().nullable(),
    acceptedVersions: z.array(z.enum(['TLSv1', 'TLSv1.1', 'TLSv1.2', 'TLSv1.3'])),
    nonForwardSecretAccepted: z.boolean().nullable(),
    handshakeMs: z.number().nullable(),
    certificate: certificate.nullable(),
  });

  it('a failed endpoint still has every contract key', async () => {
    const r = await checkEndpoint(
      { host: '127.0.0.1', port: 9, label: 't', aws: false },
      { timeoutMs: 500, warnDays: 30 },
    );
    expect(() => endpoint.parse(r.record)).not.toThrow();
  });

  it('new settings are validated with their path', () => {
    expect(() => validateConfig({ tls: { awsRoots: ['AB:CD'] } }, 'c.yaml')).toThrow(ConfigError);
    expect(() => validateConfig({ tls: { awsRoots: ['AB:CD'] } }, 'c.yaml')).toThrow(
      /c\.yaml: tls\.awsRoots\[0\]: must be a SHA-256 fingerprint/,
    );
    expect(() => validateConfig({ hsm: { tlsPort: 0 } }, 'c.yaml')).toThrow(/hsm\.tlsPort/);
    expect(() => validateConfig({ proxy: 'not a url' }, 'c.yaml')).toThrow(/proxy/);
    const s = resolveSettings(
      validateConfig(
        {
          tls: { timeout: '2s', certWarnDays: 10 },
          hsm: { trustAnchor: '/x.crt' },
          clientSdk: { configDir: '/y' },
        },
        'c',
      ),
    );
    expect(s.tls).toMatchObject({ timeoutMs: 2000, certWarnDays: 10 });
    expect(s.hsm).toEqual({ trustAnchor: '/x.crt', tlsPort: 2223 });
    expect(s.clientSdk.configDir).toBe('/y');
  });
});
