// The TLS side of the simulated world (issue 4): HTTPS for the simulated AWS endpoints with their own
// test PKI, TLS on the HSMs' port 2223 with a cluster PKI, an optional TLS-inspecting proxy, and a
// Client SDK 5 configuration on disk. world.ts wires these in.
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SecureVersion } from 'node:tls';
import type { Settings } from '../config/settings.js';
import type { Snapshot } from '../snapshot/format.js';
import { packageRoot } from '../util/paths.js';
import { type RunningProxy, startConnectProxy } from './connect-proxy.js';
import type { HsmTls } from './hsm-listeners.js';

export interface SimTlsSpec {
  /** Serve the AWS APIs over plain HTTP (no TLS checks possible). */
  plainHttp?: boolean;
  minVersion?: SecureVersion;
  maxVersion?: SecureVersion;
  /** OpenSSL cipher string of the simulated endpoints (e.g. a weak legacy configuration). */
  ciphers?: string;
}

export interface SimClientSdkSpec {
  /** HSM addresses written to the Client SDK config; default: the cluster's current ones. */
  servers?: string[];
  /** customerCA.crt written next to it: the cluster's, another cluster's, or none. */
  trustAnchor?: 'cluster' | 'other' | 'missing';
  /** Also Client SDK 3 (cloudhsm_client.cfg): the host then uses HSM ports 2223-2225, not 2223 alone. */
  sdk3?: boolean;
}

export const pkiDir = () => join(packageRoot(), 'scenarios', 'pki');
const pem = (name: string) => readFileSync(join(pkiDir(), name), 'utf8');

/** Like AWS's API endpoints: TLS 1.2 and 1.3, forward-secret suites only. */
export const AWS_LIKE_CIPHERS =
  'TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-RSA-AES256-GCM-SHA384:ECDHE-RSA-CHACHA20-POLY1305';

export function awsTls(spec: SimTlsSpec | undefined) {
  if (spec?.plainHttp) return undefined;
  return {
    key: pem('aws-server.key'),
    cert: pem('aws-server.crt'),
    minVersion: spec?.minVersion ?? ('TLSv1.2' as SecureVersion),
    ...(spec?.maxVersion ? { maxVersion: spec.maxVersion } : {}),
    ciphers: spec?.ciphers ?? AWS_LIKE_CIPHERS,
  };
}

export function hsmTls(port = 2223): HsmTls {
  return { port, key: pem('hsm.key'), cert: pem('hsm.crt') };
}

/** The snapshot with the demo cluster certificate in every cluster that has none. */
export function withClusterCertificates(snapshot: Snapshot): Snapshot {
  const key = 'cloudhsmv2:DescribeClusters';
  const dc = snapshot.aws[key] as { Clusters?: Array<Record<string, unknown>> } | undefined;
  if (!dc?.Clusters) return snapshot;
  const cert = pem('cluster.crt');
  const Clusters = dc.Clusters.map((c) =>
    (c.Certificates as { ClusterCertificate?: string } | undefined)?.ClusterCertificate
      ? c
      : { ...c, Certificates: { ...(c.Certificates as object), ClusterCertificate: cert } },
  );
  return { ...snapshot, aws: { ...snapshot.aws, [key]: { ...dc, Clusters } } };
}

export interface TlsExtras {
  proxy: RunningProxy | undefined;
  dir: string;
  caBundle: string;
  clientSdkDir: string;
  stop(): Promise<void>;
}

export async function startTlsExtras(
  o: { interceptingProxy?: boolean | undefined; clientSdk?: SimClientSdkSpec | undefined },
  hsmAddresses: readonly string[],
): Promise<TlsExtras> {
  const dir = mkdtempSync(join(tmpdir(), 'hsmwatch-demo-'));
  // What this host trusts for AWS: the simulation's root, plus the corporate CA when a TLS-inspecting
  // proxy is in the path (as an IT department installs it; it makes interception verify).
  const caBundle = join(dir, 'ca-bundle.pem');
  writeFileSync(caBundle, pem('aws-ca.crt') + (o.interceptingProxy ? pem('proxy-ca.crt') : ''));
  const proxy = o.interceptingProxy
    ? await startConnectProxy({ intercept: { key: pem('proxy-server.key'), cert: pem('proxy-server.crt') } })
    : undefined;
  const clientSdkDir = join(dir, 'cloudhsm-etc');
  const { mkdirSync } = await import('node:fs');
  mkdirSync(clientSdkDir);
  const anchor = o.clientSdk?.trustAnchor ?? 'cluster';
  if (anchor !== 'missing')
    writeFileSync(
      join(clientSdkDir, 'customerCA.crt'),
      pem(anchor === 'other' ? 'other-customerCA.crt' : 'customerCA.crt'),
    );
  const servers = (o.clientSdk?.servers ?? hsmAddresses.slice(0, 1)).map((hostname) => ({
    hostname,
    port: 2223,
    enable: true,
  }));
  writeFileSync(
    join(clientSdkDir, 'cloudhsm-pkcs11.cfg'),
    `${JSON.stringify(
      {
        clusters: [
          {
            type: 'hsm1',
            cluster: {
              hsm_ca_file: join(clientSdkDir, 'customerCA.crt'),
              servers,
            },
          },
        ],
        logging: {
          log_type: 'file',
          log_file: '/opt/cloudhsm/run/cloudhsm-pkcs11.log',
          log_level: 'info',
          log_interval: 'daily',
        },
      },
      null,
      2,
    )}\n`,
  );
  if (o.clientSdk?.sdk3)
    writeFileSync(
      join(clientSdkDir, 'cloudhsm_client.cfg'),
      `${JSON.stringify({ server: { hostname: servers[0]?.hostname, port: 2223, CAfile: join(clientSdkDir, 'customerCA.crt') } }, null, 2)}\n`,
    );
  return {
    proxy,
    dir,
    caBundle,
    clientSdkDir,
    async stop() {
      await proxy?.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Points the TLS-related settings at the simulation. */
export function applyTlsSettings(s: Settings, extras: TlsExtras): void {
  s.caBundle = extras.caBundle;
  s.tls.awsRoots = [new X509Certificate(pem('aws-ca.crt')).fingerprint256];
  if (extras.proxy) {
    s.proxy = extras.proxy.url;
    s.noProxy = '';
  }
  s.hsm.trustAnchor = join(extras.clientSdkDir, 'customerCA.crt');
  s.clientSdk.configDir = extras.clientSdkDir;
}
