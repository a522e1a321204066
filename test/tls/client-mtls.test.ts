// Client SDK 5 mutual TLS (hsm2m.medium, Client SDK 5.9+) and bootstrapping, against real files and
// real TLS servers on loopback. Expectations from the AWS CloudHSM User Guide:
// - "Set up mutual TLS between client and AWS CloudHSM": the client certificate chain file is the
//   client certificate followed by the trust anchor (`cat ssl-client.crt mtls_ca_root_1.crt >
//   ssl-client.pem`), set with configure-<component> --client-cert-hsm-tls-file … --client-key-hsm-tls-file …;
//   once enforcement is set (`cluster mtls set-enforcement --level cluster`) "you can only connect to
//   the cluster with mTLS certificates".
// - "Client SDK 5 configuration parameters": the two options are set together.
// - "Register a trust anchor with CloudHSM CLI": anchors are EC P-256/P-384/P-521 or RSA 2048/3072/4096.
// - The SDK 5 packages ship their configuration with the hostname %%HSM_IP_ADDRESS%% until the
//   component's configure tool is run ("Bootstrap the Client SDK"; --cluster-id reads every HSM
//   address with DescribeClusters, -a takes one).
import { execFileSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clientConfig, declareClientCertMetrics } from '../../probes/client-config.js';
import { hsmTls } from '../../probes/hsm-tls.js';
import { metricsFactory } from '../../src/agent/metrics-factory.js';
import { readClientSdkConfig } from '../../src/clientsdk/config.js';
import { type ClientSdkInstall, installOf } from '../../src/clientsdk/install.js';
import { resolveSettings } from '../../src/config/settings.js';
import type { Environment } from '../../src/core/environment.js';
import type { ProbeFinding } from '../../src/core/probe.js';
import { clustersToTargets } from '../../src/discovery/clusters.js';
import { vpcEstate } from '../../src/discovery/vpc.js';
import type { HsmTarget } from '../../src/model/index.js';
import { emptySnapshot } from '../../src/snapshot/format.js';
import { type Issued, stamp, TestPki } from '../support/pki.js';
import { nodeTlsServer, type Peer } from '../support/tls-peers.js';

let pki: TestPki;
let dir: string;
/** The cluster's customer CA (hsm_ca_file) and the HSM's certificate it signed. */
let customerCa: Issued;
let hsmCert: Issued;
/** The mutual TLS trust anchor (registered on the HSM) and a client certificate it signed. */
let mtlsRoot: Issued;
let client: Issued;
const peers: Peer[] = [];

beforeAll(() => {
  pki = new TestPki();
  dir = mkdtempSync(join(tmpdir(), 'hsmwatch-mtls-'));
  customerCa = pki.issue('customer', { subject: '/CN=customer CA', ca: true, days: 3650 }, null);
  hsmCert = pki.issue('hsm', { subject: '/CN=HSM', sans: ['IP:127.0.0.1'] }, customerCa);
  mtlsRoot = pki.issue('mtlsroot', { subject: '/CN=mtls root 1', ca: true, days: 3650 }, null);
  client = pki.issue('client', { subject: '/CN=app client', eku: 'clientAuth', days: 1826 }, mtlsRoot);
});
afterAll(async () => {
  await Promise.all(peers.map((p) => p.close()));
  pki.cleanup();
  rmSync(dir, { recursive: true, force: true });
});

const target = (ip: string, clusterId: string | null = 'cluster-abcdefghijk'): HsmTarget => ({
  clusterId,
  hsmId: 'hsm-abcdefghijk',
  eniId: 'eni-1',
  ip,
  family: 4,
  az: 'us-east-1a',
  subnetId: 'subnet-1',
  state: 'ACTIVE',
});

function env(o: { targets: HsmTarget[]; configDir: string; tlsPort?: number }): Environment {
  mkdirSync(o.configDir, { recursive: true });
  const anchor = join(o.configDir, 'customerCA.crt');
  writeFileSync(anchor, customerCa.cert);
  const settings = resolveSettings({
    clientSdk: { configDir: o.configDir },
    hsm: { trustAnchor: anchor, tlsPort: o.tlsPort ?? 2223 },
    timeout: 1500,
  });
  const snapshot = emptySnapshot(new Date(), 'us-east-1', null);
  const raw = [{ ClusterId: 'cluster-abcdefghijk', State: 'ACTIVE' }];
  snapshot.aws['cloudhsmv2:DescribeClusters'] = { Clusters: raw };
  return {
    mode: 'live',
    settings,
    region: 'us-east-1',
    client: null,
    clusters: clustersToTargets(raw, []).clusters,
    targets: o.targets,
    vpc: vpcEstate(snapshot),
    snapshot,
    findings: [],
    discovery: { hsmsListed: true, reads: {}, apiErrors: [] },
    credentials: undefined,
  };
}
const ctx = (e: Environment, facts: { clientSdk?: ClientSdkInstall } = {}) => ({
  env: e,
  settings: e.settings,
  signal: new AbortController().signal,
  facts,
});

/** A configuration directory with one SDK 5 file (cloudhsm-<tool>.cfg). */
function sdk5Dir(o: { tool?: string; servers?: string[]; cert?: string | null; key?: string | null }) {
  const d = mkdtempSync(join(dir, 'cfg-'));
  const cluster: Record<string, unknown> = {
    hsm_ca_file: join(d, 'customerCA.crt'),
    servers: (o.servers ?? ['127.0.0.1']).map((hostname) => ({ hostname, port: 2223, enable: true })),
  };
  if (o.cert) cluster.client_cert_hsm_tls_file = o.cert;
  if (o.key) cluster.client_key_hsm_tls_file = o.key;
  writeFileSync(
    join(d, `cloudhsm-${o.tool ?? 'pkcs11'}.cfg`),
    JSON.stringify({ clusters: [{ type: 'hsm2m', cluster }] }),
  );
  return d;
}

/** A file of its own with the given text (a chain, a key). */
function file(name: string, text: string): string {
  const d = mkdtempSync(join(dir, 'f-'));
  const p = join(d, name);
  writeFileSync(p, text);
  return p;
}

const certFinding = async (d: string) => {
  const e = env({ targets: [target('127.0.0.1')], configDir: d });
  const r = await clientConfig.run(ctx(e));
  return { e, r, f: r.findings.filter((x) => x.id === 'clientsdk.client-cert') };
};

/** No key material anywhere in what a finding carries. */
function expectNoKey(findings: readonly ProbeFinding[], ...keys: string[]) {
  const text = JSON.stringify(findings);
  expect(text).not.toMatch(/PRIVATE KEY/);
  for (const k of keys) {
    const body = k.split('\n').filter((l) => l && !l.startsWith('-----'));
    for (const line of body) expect(text).not.toContain(line);
  }
}

describe('client certificate for mutual TLS (clientsdk.client-cert)', () => {
  it('a chain (client certificate + trust anchor) whose key matches passes, by fingerprint only', async () => {
    const chain = file('ssl-client.pem', client.cert + mtlsRoot.cert);
    const d = sdk5Dir({ cert: chain, key: client.keyFile });
    const cfg = readClientSdkConfig(d);
    expect(cfg.files[0]?.mtls).toEqual({ certFile: chain, keyFile: client.keyFile });
    const { r, f } = await certFinding(d);
    expect(f).toHaveLength(1);
    expect(f[0]!.status).toBe('pass');
    const leaf = new X509Certificate(client.cert);
    const root = new X509Certificate(mtlsRoot.cert);
    expect(f[0]!.evidence.fingerprint256).toBe(leaf.fingerprint256);
    expect((f[0]!.evidence.anchor as { fingerprint256: string }).fingerprint256).toBe(root.fingerprint256);
    expect(f[0]!.evidence.keyMatches).toBe(true);
    expect(f[0]!.message).toMatch(/CN=mtls root 1 .*must be registered on the HSM/);
    expect(f[0]!.evidence.daysLeft).toBeGreaterThan(1800);
    expectNoKey(r.findings, client.key);
    // The fact the port grading and the handshake read.
    expect(r.facts?.clientSdk?.generations).toEqual([5]);
    expect(r.facts?.clientSdk?.mtls).toEqual([
      { config: join(d, 'cloudhsm-pkcs11.cfg'), certFile: chain, keyFile: client.keyFile },
    ]);
  });

  it("another certificate's key fails", async () => {
    const other = pki.issue('otherclient', { subject: '/CN=other', eku: 'clientAuth' }, mtlsRoot);
    const d = sdk5Dir({ cert: file('c.pem', client.cert + mtlsRoot.cert), key: other.keyFile });
    const { r, f } = await certFinding(d);
    expect(f[0]!.status).toBe('fail');
    expect(f[0]!.message).toMatch(/the key is not the certificate’s/);
    expect(f[0]!.evidence.keyMatches).toBe(false);
    expectNoKey(r.findings, other.key, client.key);
  });

  it('a missing file, and a half setup (key without certificate), fail', async () => {
    const missing = await certFinding(sdk5Dir({ cert: join(dir, 'nope.pem'), key: client.keyFile }));
    expect(missing.f[0]!.status).toBe('fail');
    expect(missing.f[0]!.message).toMatch(/does not exist/);
    const half = await certFinding(sdk5Dir({ key: client.keyFile }));
    expect(half.f[0]!.status).toBe('fail');
    expect(half.f[0]!.message).toMatch(/a client key for mutual TLS but no client certificate/);
    expect(half.f[0]!.remediation).toBe(
      `sudo /opt/cloudhsm/bin/configure-pkcs11 --client-cert-hsm-tls-file <client certificate chain .pem> --client-key-hsm-tls-file ${client.keyFile}`,
    );
  });

  it('a chain out of order fails; the client certificate alone warns', async () => {
    const reversed = await certFinding(
      sdk5Dir({ cert: file('r.pem', mtlsRoot.cert + client.cert), key: client.keyFile }),
    );
    expect(reversed.f[0]!.status).toBe('fail');
    expect(reversed.f[0]!.message).toMatch(/is not issued by the next one in the file/);
    const alone = await certFinding(sdk5Dir({ cert: file('a.pem', client.cert), key: client.keyFile }));
    expect(alone.f[0]!.status).toBe('warn');
    expect(alone.f[0]!.message).toMatch(/holds the client certificate alone/);
  });

  it('expired, expiring soon, and an anchor key register-trust-anchor refuses', async () => {
    const now = Date.now();
    const old = pki.issue(
      'oldclient',
      {
        subject: '/CN=old client',
        eku: 'clientAuth',
        keyFile: client.keyFile,
        start: stamp(new Date(now - 400 * 86_400_000)),
        end: stamp(new Date(now - 86_400_000)),
      },
      mtlsRoot,
    );
    const expired = await certFinding(
      sdk5Dir({ cert: file('o.pem', old.cert + mtlsRoot.cert), key: client.keyFile }),
    );
    expect(expired.f[0]!.status).toBe('fail');
    expect(expired.f[0]!.message).toMatch(/CN=old client expired on/);
    const soon = pki.issue(
      'soonclient',
      { subject: '/CN=soon', eku: 'clientAuth', keyFile: client.keyFile, days: 5 },
      mtlsRoot,
    );
    const expiring = await certFinding(
      sdk5Dir({ cert: file('s.pem', soon.cert + mtlsRoot.cert), key: client.keyFile }),
    );
    expect(expiring.f[0]!.status).toBe('warn');
    expect(expiring.f[0]!.message).toMatch(/expires in [45] day/);
    const weak = pki.issue(
      'weakroot',
      { subject: '/CN=weak root', ca: true, keyFile: pki.newKey('weak', 1024) },
      null,
    );
    const weakClient = pki.issue(
      'weakclient',
      { subject: '/CN=c', eku: 'clientAuth', keyFile: client.keyFile },
      weak,
    );
    const refused = await certFinding(
      sdk5Dir({ cert: file('w.pem', weakClient.cert + weak.cert), key: client.keyFile }),
    );
    expect(refused.f[0]!.status).toBe('fail');
    expect(refused.f[0]!.message).toMatch(
      /an RSA 1024-bit key \(trust anchors: RSA 2048, 3072 or 4096 bits\)/,
    );
  });

  it('an encrypted key cannot be compared: a warning that says so, without the key', async () => {
    const enc = join(mkdtempSync(join(dir, 'enc-')), 'enc.key');
    execFileSync('openssl', ['pkey', '-in', client.keyFile, '-aes256', '-passout', 'pass:x', '-out', enc]);
    const { r, f } = await certFinding(
      sdk5Dir({ cert: file('e.pem', client.cert + mtlsRoot.cert), key: enc }),
    );
    expect(f[0]!.status).toBe('warn');
    expect(f[0]!.message).toMatch(/encrypted private key .* unchecked/);
    expectNoKey(r.findings, client.key);
  });

  it('the metrics: notAfter per certificate file (none when unreadable), the ports the SDK uses', async () => {
    const { Registry } = await import('prom-client');
    const registry = new Registry();
    const update = declareClientCertMetrics(metricsFactory(registry));
    const series = async (name: string) =>
      (await registry.metrics()).split('\n').filter((l) => l.startsWith(`${name}{`));
    const expiry = 'cloudhsm_client_cert_expiry_timestamp_seconds';
    const used = 'cloudhsm_client_sdk_port_used';
    const ok = await certFinding(
      sdk5Dir({ cert: file('ssl-client.pem', client.cert + mtlsRoot.cert), key: client.keyFile }),
    );
    update(ok.r, ok.e);
    const notAfter = Date.parse(new X509Certificate(client.cert).validTo) / 1000;
    expect(await series(expiry)).toEqual([`${expiry}{file="ssl-client.pem"} ${notAfter}`]);
    // Client SDK 5 only: 2223 yes, 2224-2225 no.
    expect(await series(used)).toEqual([
      `${used}{port="2223"} 1`,
      `${used}{port="2224"} 0`,
      `${used}{port="2225"} 0`,
    ]);
    const gone = await certFinding(sdk5Dir({ cert: join(dir, 'gone.pem'), key: client.keyFile }));
    update(gone.r, gone.e);
    expect(await series(expiry)).toEqual([]);
    // No configuration at all: nothing says which ports matter, so no series.
    const none = await certFinding(join(dir, 'no-such-dir'));
    update(none.r, none.e);
    expect(await series(used)).toEqual([]);
  });
});

describe('configuration never bootstrapped (clientsdk.bootstrap)', () => {
  it('SDK 5: the component’s own configure tool, by cluster id (and an address)', async () => {
    const d = sdk5Dir({ tool: 'jce', servers: ['%%HSM_IP_ADDRESS%%'] });
    const r = await clientConfig.run(ctx(env({ targets: [target('127.0.0.1')], configDir: d })));
    const f = r.findings.find((x) => x.id === 'clientsdk.bootstrap')!;
    expect(f.status).toBe('fail');
    expect(f.message).toMatch(/cloudhsm-jce\.cfg still lists %%HSM_IP_ADDRESS%%/);
    expect(f.remediation).toBe(
      'sudo /opt/cloudhsm/bin/configure-jce --cluster-id cluster-abcdefghijk --region us-east-1   # or: sudo /opt/cloudhsm/bin/configure-jce -a 127.0.0.1   # then restart the application using the Client SDK',
    );
    // The placeholder is no stale address.
    expect(r.findings.some((x) => x.id === 'clientsdk.stale-address')).toBe(false);
  });

  it('SDK 5 with HSM addresses given by hand (no cluster known): -a with the first one', async () => {
    const d = sdk5Dir({ tool: 'cli', servers: ['%%HSM_IP_ADDRESS%%'] });
    const r = await clientConfig.run(ctx(env({ targets: [target('127.0.0.9', null)], configDir: d })));
    expect(r.findings.find((x) => x.id === 'clientsdk.bootstrap')?.remediation).toBe(
      'sudo /opt/cloudhsm/bin/configure-cli -a 127.0.0.9   # then restart the application using the Client SDK',
    );
  });

  it('SDK 3: configure -a (one tool for the client daemon and the management utilities)', async () => {
    const d = mkdtempSync(join(dir, 'sdk3-'));
    writeFileSync(
      join(d, 'cloudhsm_client.cfg'),
      JSON.stringify({ server: { hostname: '%%HSM_IP_ADDRESS%%', port: 2223 } }),
    );
    const r = await clientConfig.run(ctx(env({ targets: [target('127.0.0.1')], configDir: d })));
    const f = r.findings.find((x) => x.id === 'clientsdk.bootstrap')!;
    expect(f.status).toBe('fail');
    expect(f.remediation).toBe(
      'sudo /opt/cloudhsm/bin/configure -a 127.0.0.1   # then restart the application using the Client SDK',
    );
    expect(r.facts?.clientSdk?.generations).toEqual([3]);
  });

  it('a bootstrapped file has no such finding; both generations are detected', () => {
    const d = sdk5Dir({});
    writeFileSync(join(d, 'cloudhsm_mgmt_util.cfg'), '{ broken');
    const install = installOf(readClientSdkConfig(d));
    // A file that does not parse still says which SDK is installed.
    expect(install.generations).toEqual([3, 5]);
  });
});

describe('mutual TLS with the HSM (hsm.mtls), against TLS servers that ask for client certificates', () => {
  const serve = async (o: { require: boolean; maxVersion: 'TLSv1.2' | 'TLSv1.3'; ca?: string }) => {
    const p = await nodeTlsServer({
      key: hsmCert.key,
      cert: hsmCert.cert,
      requestCert: true,
      rejectUnauthorized: o.require,
      ca: [o.ca ?? mtlsRoot.cert],
      maxVersion: o.maxVersion,
    });
    peers.push(p);
    return p.port;
  };
  const run = async (port: number, cfg: { cert?: string; key?: string } | null) => {
    const d = cfg ? sdk5Dir({ cert: cfg.cert ?? null, key: cfg.key ?? null }) : sdk5Dir({});
    const e = env({ targets: [target('127.0.0.1')], configDir: d, tlsPort: port });
    return hsmTls.run(ctx(e, { clientSdk: installOf(readClientSdkConfig(d)) }));
  };
  const chain = () => file('ssl-client.pem', client.cert + mtlsRoot.cert);

  for (const maxVersion of ['TLSv1.2', 'TLSv1.3'] as const) {
    it(`${maxVersion}: required and none configured fails, with the configure command`, async () => {
      const r = await run(await serve({ require: true, maxVersion }), null);
      const tls = r.findings.find((f) => f.id === 'hsm.tls')!;
      expect(tls.evidence.verified).toBe(true);
      const f = r.findings.find((x) => x.id === 'hsm.mtls')!;
      expect(f.status).toBe('fail');
      expect(f.message).toMatch(
        /requires a client certificate .* no Client SDK 5 configuration in .* names one/,
      );
      expect(f.remediation).toMatch(
        /sudo \/opt\/cloudhsm\/bin\/configure-pkcs11 --client-cert-hsm-tls-file <client certificate chain \.pem> --client-key-hsm-tls-file <client key>/,
      );
      expect(f.evidence.enforced).toBe(true);
    });

    it(`${maxVersion}: required and configured: presented and accepted`, async () => {
      const r = await run(await serve({ require: true, maxVersion }), { cert: chain(), key: client.keyFile });
      const f = r.findings.find((x) => x.id === 'hsm.mtls')!;
      expect(f.status).toBe('pass');
      expect(f.message).toMatch(/mutual TLS is enforced/);
      const presented = f.evidence.clientCertificate as { fingerprint256: string };
      expect(presented.fingerprint256).toBe(new X509Certificate(client.cert).fingerprint256);
      expectNoKey(r.findings, client.key);
    });

    it(`${maxVersion}: the HSM trusts another anchor: the configured certificate is rejected`, async () => {
      const other = pki.issue(`otherroot${maxVersion}`, { subject: '/CN=mtls root 2', ca: true }, null);
      const port = await serve({ require: true, maxVersion, ca: other.cert });
      const r = await run(port, { cert: chain(), key: client.keyFile });
      const f = r.findings.find((x) => x.id === 'hsm.mtls')!;
      expect(f.status).toBe('fail');
      expect(f.message).toMatch(/the HSM rejects the client certificate CN=app client/);
      expect(f.remediation).toMatch(/cluster mtls list-trust-anchors/);
    });
  }

  it('asked for but not required: the configured certificate passes, not enforced', async () => {
    const r = await run(await serve({ require: false, maxVersion: 'TLSv1.3' }), {
      cert: chain(),
      key: client.keyFile,
    });
    const f = r.findings.find((x) => x.id === 'hsm.mtls')!;
    expect(f.status).toBe('pass');
    expect(f.message).toMatch(/mutual TLS not enforced/);
    expect(f.evidence.enforced).toBe(false);
  });

  it('not required and none configured: nothing to say', async () => {
    const r = await run(await serve({ require: false, maxVersion: 'TLSv1.3' }), null);
    expect(r.findings.map((f) => f.id)).toEqual(['hsm.tls']);
    expect(r.findings[0]?.status).toBe('pass');
  });
});
