// Client SDK configuration parsing, trust anchor checks, and the HSM-side TLS handshake against real
// peers (TLS, mutual TLS that asks for a client certificate, not TLS at all).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clientConfig } from '../../probes/client-config.js';
import { hsmTls } from '../../probes/hsm-tls.js';
import { readClientSdkConfig } from '../../src/clientsdk/config.js';
import { resolveSettings } from '../../src/config/settings.js';
import type { Environment } from '../../src/core/environment.js';
import { clustersToTargets } from '../../src/discovery/clusters.js';
import { vpcEstate } from '../../src/discovery/vpc.js';
import type { HsmTarget } from '../../src/model/index.js';
import { emptySnapshot } from '../../src/snapshot/format.js';
import { stamp, standardPki } from '../support/pki.js';
import { hostilePeer, nodeTlsServer, type Peer } from '../support/tls-peers.js';

let pki: ReturnType<typeof standardPki>;
let dir: string;
const peers: Peer[] = [];

beforeAll(() => {
  pki = standardPki();
  dir = mkdtempSync(join(tmpdir(), 'hsmwatch-sdk-'));
});
afterAll(async () => {
  await Promise.all(peers.map((p) => p.close()));
  pki.pki.cleanup();
  rmSync(dir, { recursive: true, force: true });
});

const target = (ip: string): HsmTarget => ({
  clusterId: 'cluster-abcdefghijk',
  hsmId: 'hsm-abcdefghijk',
  eniId: 'eni-1',
  ip,
  family: 4,
  az: 'us-east-1a',
  subnetId: 'subnet-1',
  state: 'ACTIVE',
});

function env(o: {
  targets: HsmTarget[];
  clusterCert?: string;
  configDir: string;
  anchor: string;
  tlsPort?: number;
}): Environment {
  const settings = resolveSettings({
    clientSdk: { configDir: o.configDir },
    hsm: { trustAnchor: o.anchor, tlsPort: o.tlsPort ?? 2223 },
    timeout: 1000,
  });
  const snapshot = emptySnapshot(new Date(), 'us-east-1', null);
  const raw = [
    {
      ClusterId: 'cluster-abcdefghijk',
      State: 'ACTIVE',
      ...(o.clusterCert ? { Certificates: { ClusterCertificate: o.clusterCert } } : {}),
    },
  ];
  snapshot.aws['cloudhsmv2:DescribeClusters'] = { Clusters: raw };
  return {
    mode: 'live',
    settings,
    region: 'us-east-1',
    client: null,
    // Discovery's own reading of the DescribeClusters answer.
    clusters: clustersToTargets(raw, []).clusters,
    targets: o.targets,
    vpc: vpcEstate(snapshot),
    snapshot,
    findings: [],
    discovery: { hsmsListed: true, reads: {}, apiErrors: [] },
    credentials: undefined,
  };
}
const ctx = (e: Environment) => ({
  env: e,
  settings: e.settings,
  signal: new AbortController().signal,
  facts: {},
});

describe('Client SDK configuration files', () => {
  it('parses SDK 5 (cloudhsm-<tool>.cfg) and SDK 3 (cloudhsm_client.cfg, cloudhsm_mgmt_util.cfg)', () => {
    const d = mkdtempSync(join(dir, 'cfg-'));
    writeFileSync(
      join(d, 'cloudhsm-cli.cfg'),
      JSON.stringify({
        clusters: [
          {
            type: 'hsm1',
            cluster: {
              hsm_ca_file: '/opt/cloudhsm/etc/customerCA.crt',
              servers: [
                { hostname: '10.0.1.12', port: 2223, enable: true },
                { hostname: '10.0.2.12', port: 2223, enable: false },
              ],
            },
          },
        ],
      }),
    );
    writeFileSync(
      join(d, 'cloudhsm_client.cfg'),
      JSON.stringify({
        client: { CertFile: 'client.crt' },
        server: { hostname: '10.0.3.12', port: 2223, CAfile: '/opt/cloudhsm/etc/customerCA.crt' },
      }),
    );
    writeFileSync(
      join(d, 'cloudhsm_mgmt_util.cfg'),
      JSON.stringify({ servers: [{ name: 'h', hostname: '10.0.3.12', port: 2225, enable: true }] }),
    );
    writeFileSync(join(d, 'cloudhsm-jce.cfg'), '{ not json');
    writeFileSync(join(d, 'unrelated.cfg'), 'x');
    const c = readClientSdkConfig(d);
    expect(
      c.files.map((f) => [f.sdk, f.servers.map((s) => `${s.hostname}${s.enabled ? '' : ' (disabled)'}`)]),
    ).toEqual([
      [5, ['10.0.1.12', '10.0.2.12 (disabled)']],
      [3, ['10.0.3.12']],
      [3, ['10.0.3.12']],
    ]);
    expect(c.files[0]?.caFile).toBe('/opt/cloudhsm/etc/customerCA.crt');
    expect(c.problems).toHaveLength(1);
    expect(c.problems[0]?.reason).toMatch(/not valid JSON/);
  });

  it('no configuration: skip with the reason', async () => {
    const e = env({
      targets: [target('127.0.0.1')],
      configDir: join(dir, 'nope'),
      anchor: join(dir, 'nope.crt'),
    });
    const r = await clientConfig.run(ctx(e));
    expect(r.findings.map((f) => [f.id, f.status])).toEqual([
      ['clientsdk.config', 'skip'],
      ['clientsdk.trust-anchor', 'skip'],
    ]);
  });

  const anchorCase = (name: string, pem: string | null) => {
    const d = mkdtempSync(join(dir, `${name}-`));
    const anchor = join(d, 'customerCA.crt');
    if (pem !== null) writeFileSync(anchor, pem);
    writeFileSync(
      join(d, 'cloudhsm-pkcs11.cfg'),
      JSON.stringify({
        clusters: [
          {
            type: 'hsm1',
            cluster: { hsm_ca_file: anchor, servers: [{ hostname: '127.0.0.1', port: 2223, enable: true }] },
          },
        ],
      }),
    );
    return env({ targets: [target('127.0.0.1')], clusterCert: pki.inter.cert, configDir: d, anchor });
  };
  const anchorFinding = async (e: Environment) =>
    (await clientConfig.run(ctx(e))).findings.find((f) => f.id === 'clientsdk.trust-anchor')!;

  it('trust anchor: the CA that signed the cluster certificate passes', async () => {
    const f = await anchorFinding(anchorCase('ok', pki.root.cert));
    expect(f.status).toBe('pass');
    expect(f.message).toMatch(/signs the cluster certificate of cluster-abcdefghijk/);
  });
  it('trust anchor: missing', async () => {
    expect((await anchorFinding(anchorCase('missing', null))).message).toMatch(/does not exist/);
  });
  it('trust anchor: not a certificate', async () => {
    const f = await anchorFinding(anchorCase('garbage', 'hello'));
    expect(f.status).toBe('fail');
    expect(f.message).toMatch(/not a PEM certificate/);
  });
  it("trust anchor: not a CA, and not the cluster's", async () => {
    const f = await anchorFinding(anchorCase('leaf', pki.good.cert));
    expect(f.status).toBe('fail');
    expect(f.message).toMatch(/is not a CA certificate/);
    expect(f.message).toMatch(/does not sign the cluster certificate/);
  });
  it('trust anchor: expired', async () => {
    const old = pki.pki.issue(
      'oldca',
      {
        subject: '/CN=old customer CA',
        ca: true,
        start: stamp(new Date(Date.now() - 900 * 86_400_000)),
        end: stamp(new Date(Date.now() - 86_400_000)),
      },
      null,
    );
    const f = await anchorFinding(anchorCase('expired', old.cert));
    expect(f.status).toBe('fail');
    expect(f.message).toMatch(/expired on/);
  });
  it('stale addresses: listed but not in the cluster', async () => {
    const d = mkdtempSync(join(dir, 'stale-'));
    writeFileSync(
      join(d, 'cloudhsm-cli.cfg'),
      JSON.stringify({
        clusters: [
          {
            type: 'hsm1',
            cluster: {
              servers: [
                { hostname: '10.0.9.9', port: 2223, enable: true },
                { hostname: '127.0.0.1', port: 2223, enable: true },
              ],
            },
          },
        ],
      }),
    );
    const r = await clientConfig.run(
      ctx(env({ targets: [target('127.0.0.1')], configDir: d, anchor: join(d, 'x.crt') })),
    );
    const f = r.findings.find((x) => x.id === 'clientsdk.stale-address')!;
    expect(f.status).toBe('fail');
    expect(f.remediation).toBe(
      'sudo /opt/cloudhsm/bin/configure-cli -a 127.0.0.1   # then restart the application using the Client SDK',
    );
  });
});

describe('HSM TLS on port 2223', () => {
  const anchorFile = () => {
    const f = join(dir, 'anchor.pem');
    writeFileSync(f, pki.root.cert);
    return f;
  };

  it('a chain that verifies against the trust anchor passes; another anchor fails', async () => {
    const p = await nodeTlsServer({ key: pki.good.key, cert: pki.good.cert + pki.inter.cert });
    peers.push(p);
    const ok = await hsmTls.run(
      ctx(env({ targets: [target('127.0.0.1')], configDir: dir, anchor: anchorFile(), tlsPort: p.port })),
    );
    expect(ok.findings[0]?.status).toBe('pass');
    const otherAnchor = join(dir, 'other.pem');
    writeFileSync(otherAnchor, pki.selfSigned.cert);
    const bad = await hsmTls.run(
      ctx(env({ targets: [target('127.0.0.1')], configDir: dir, anchor: otherAnchor, tlsPort: p.port })),
    );
    expect(bad.findings[0]?.status).toBe('fail');
    expect(bad.findings[0]?.message).toMatch(/does not verify against the trust anchor/);
  });

  it('an HSM that requires a client certificate: what was learned, and why it stopped', async () => {
    const p = await nodeTlsServer({
      key: pki.good.key,
      cert: pki.good.cert + pki.inter.cert,
      requestCert: true,
      rejectUnauthorized: true,
      ca: [pki.root.cert],
      maxVersion: 'TLSv1.2',
    });
    peers.push(p);
    const r = await hsmTls.run(
      ctx(env({ targets: [target('127.0.0.1')], configDir: dir, anchor: anchorFile(), tlsPort: p.port })),
    );
    const f = r.findings[0]!;
    expect(f.message).toMatch(/client certificate|handshake stopped/);
    expect((f.evidence.chain as unknown[]).length).toBeGreaterThan(0);
    expect(f.evidence.verified).toBe(true);
  });

  it('a port that is open but not TLS', async () => {
    const p = await hostilePeer('garbage');
    peers.push(p);
    const r = await hsmTls.run(
      ctx(env({ targets: [target('127.0.0.1')], configDir: dir, anchor: anchorFile(), tlsPort: p.port })),
    );
    expect(r.findings[0]?.status).toBe('warn');
    expect(r.findings[0]?.message).toMatch(/does not speak TLS/);
  });

  it('a closed port is left to the reachability probe', async () => {
    const p = await hostilePeer('silent');
    await p.close();
    const r = await hsmTls.run(
      ctx(env({ targets: [target('127.0.0.1')], configDir: dir, anchor: anchorFile(), tlsPort: p.port })),
    );
    expect(r.findings[0]?.status).toBe('skip');
  });
});
