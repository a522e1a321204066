// The TLS, clock, credentials, HSM-TLS and Client SDK probes end to end: the demo scenarios run in a
// simulated world on loopback (its HSM addresses moved to 127.7x.x.x so parallel tests never clash),
// diagnosed through the normal code path; and `hsmwatch tls` as a child process.
import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { clockSkew } from '../../probes/clock-skew.js';
import { credentials } from '../../probes/credentials.js';
import { PROBES } from '../../probes/index.js';
import { tlsEndpoints } from '../../probes/tls-endpoints/index.js';
import { metricsFactory } from '../../src/agent/metrics-factory.js';
import { resolveSettings } from '../../src/config/settings.js';
import { diagnose } from '../../src/diagnosis/diagnose.js';
import type { Report } from '../../src/model/index.js';
import { makeStyle, renderText } from '../../src/report/text.js';
import { loadScenario, type Scenario } from '../../src/sim/scenario.js';
import { DEMO_CREDENTIALS, startWorld } from '../../src/sim/world.js';
import { packageRoot } from '../../src/util/paths.js';
import { nodeTlsServer } from '../support/tls-peers.js';

const MY_PROBES = [
  'reachability',
  'tls-endpoints',
  'clock-skew',
  'credentials',
  'hsm-tls',
  'client-config',
  'permissions',
];
const SECRETS = [
  DEMO_CREDENTIALS.accessKeyId,
  DEMO_CREDENTIALS.secretAccessKey,
  process.env.AWS_ACCESS_KEY_ID!,
  process.env.AWS_SECRET_ACCESS_KEY!,
];

let slot = 0;
function relocated(name: string, patch: (s: Scenario) => void = () => {}): Scenario {
  // 127.0.<n>.<m> → 127.<70+slot>.<n>.<m>: a loopback range no other test uses
  const net = `127.${70 + ++slot}`;
  const s = JSON.parse(
    JSON.stringify(loadScenario(name))
      .replaceAll('"127.0.', `"${net}.`)
      .replaceAll(`"${net}.0.1"`, '"127.0.0.1"'),
  ) as Scenario;
  patch(s);
  return s;
}

async function run(s: Scenario, o: { staticCredentials?: boolean } = {}) {
  const world = await startWorld(s, { inPrivateNetns: false });
  try {
    const settings = world.apply(resolveSettings({ probes: { only: MY_PROBES } }));
    settings.timeoutMs = 1500;
    const d = await diagnose(
      settings,
      PROBES,
      o.staticCredentials === false ? {} : { credentials: DEMO_CREDENTIALS },
    );
    const text = renderText(d.report, d.env, makeStyle(false));
    return { report: d.report, text, world, runs: d.runs, env: d.env };
  } finally {
    await world.stop();
  }
}

const byId = (r: Report, id: string) => r.findings.filter((f) => f.id === id);
const noSecrets = (...outputs: string[]) => {
  for (const out of outputs) for (const s of SECRETS) expect(out).not.toContain(s);
};

describe('demo scenarios', () => {
  it('healthy: every TLS, clock, identity, HSM TLS and client config check passes', async () => {
    const { report, text } = await run(relocated('healthy'));
    const mine = report.findings.filter((f) => !f.id.startsWith('discovery.') && !f.id.startsWith('probe.'));
    expect(mine.filter((f) => f.status !== 'pass').map((f) => `${f.id}: ${f.message}`)).toEqual([]);
    for (const id of [
      'tls.protocol',
      'tls.forward-secrecy',
      'tls.versions',
      'tls.non-forward-secret',
      'tls.certificate',
      'tls.intercepted',
      'clock.skew',
      'credentials.identity',
      'clientsdk.config',
      'clientsdk.stale-address',
      'clientsdk.trust-anchor',
    ])
      expect(byId(report, id).length, id).toBeGreaterThan(0);
    expect(byId(report, 'hsm.tls')).toHaveLength(3);
    expect(report.endpoints).toHaveLength(1);
    expect(report.endpoints[0]).toMatchObject({
      protocol: 'TLSv1.3',
      forwardSecrecy: true,
      acceptedVersions: ['TLSv1.2', 'TLSv1.3'],
      nonForwardSecretAccepted: false,
      proxy: null,
    });
    expect(byId(report, 'credentials.identity')[0]?.evidence).toMatchObject({
      account: '111122223333',
      source: 'static (demo)',
    });
    noSecrets(JSON.stringify(report), text);
  });

  it('metrics: TLS, clock and credentials gauges from the outcomes, no secret in the exposition', async () => {
    const { report, runs, env } = await run(relocated('tls-weak'));
    const registry = new Registry();
    // Each probe's metrics from its own outcome of the run, as the agent sets them.
    const outcome = (id: string) => runs.find((r) => r.probe === id)!.outcome;
    for (const p of [tlsEndpoints, clockSkew, credentials])
      p.declareMetrics!(metricsFactory(registry))(outcome(p.id), env);
    const text = await registry.metrics();
    const ep = `127.0.0.1:${report.endpoints[0]!.port}`;
    expect(text).toContain(`cloudhsm_tls_protocol_accepted{endpoint="${ep}",version="TLSv1"} 1`);
    expect(text).toContain(`cloudhsm_tls_protocol_accepted{endpoint="${ep}",version="TLSv1.3"} 0`);
    expect(text).toContain(
      `cloudhsm_tls_cipher_info{endpoint="${ep}",cipher="TLS_RSA_WITH_AES_128_GCM_SHA256",pfs="false"} 1`,
    );
    expect(text).toContain(`cloudhsm_tls_version_info{endpoint="${ep}",version="TLSv1.2"} 1`);
    expect(text).toContain(`cloudhsm_tls_intercepted{endpoint="${ep}"} 0`);
    const skew = byId(report, 'clock.skew')[0]!.evidence;
    expect(text).toContain(
      `cloudhsm_clock_skew_seconds{endpoint="${skew.reference as string}"} ${(skew.skewMs as number) / 1000}\n`,
    );
    noSecrets(text);
  });

  it('tls-weak: TLS 1.2 with static RSA fails forward secrecy; TLS 1.0 accepted warns', async () => {
    const { report } = await run(relocated('tls-weak'));
    expect(report.endpoints[0]).toMatchObject({
      protocol: 'TLSv1.2',
      cipher: 'TLS_RSA_WITH_AES_128_GCM_SHA256',
      keyExchange: 'RSA',
      forwardSecrecy: false,
      acceptedVersions: ['TLSv1', 'TLSv1.1', 'TLSv1.2'],
      nonForwardSecretAccepted: true,
    });
    expect(byId(report, 'tls.forward-secrecy')[0]?.status).toBe('fail');
    expect(byId(report, 'tls.protocol')[0]?.status).toBe('warn');
    expect(byId(report, 'tls.versions')[0]?.status).toBe('warn');
    expect(report.summary.fail).toBeGreaterThan(0);
  });

  it('intercepted: the re-signing proxy is found and named, through HTTPS_PROXY', async () => {
    const { report } = await run(relocated('intercepted'));
    const e = report.endpoints[0]!;
    expect(e.proxy).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(e.certificate).toMatchObject({
      verified: true,
      intercepted: true,
      issuer: 'O=Example Corp, CN=Example Corp TLS Inspection CA',
    });
    expect(byId(report, 'tls.intercepted')[0]?.status).toBe('fail');
    expect(byId(report, 'proxy.in-use')[0]?.status).toBe('pass');
  });

  it('clock-skew: 5.5 minutes ahead fails', async () => {
    const { report } = await run(relocated('clock-skew'));
    const f = byId(report, 'clock.skew')[0]!;
    expect(f.status).toBe('fail');
    // The simulated AWS answers 330 s in the past: this host is 330 s ahead (positive).
    expect(Math.abs((f.evidence.skewMs as number) - 330_000)).toBeLessThan(1500);
    expect(f.message).toMatch(/\+5\.5 min|\+330|ahead of AWS/);
    expect(f.remediation).toMatch(/169\.254\.169\.123/);
  });

  it('stale-client-config: the replaced HSM address fails with the configure command', async () => {
    const { report } = await run(relocated('stale-client-config'));
    const f = byId(report, 'clientsdk.stale-address')[0]!;
    expect(f.status).toBe('fail');
    expect(f.message).toMatch(/127\.7\d\.1\.10 is no longer an HSM of the cluster/);
    expect(f.remediation).toMatch(/^sudo \/opt\/cloudhsm\/bin\/configure-pkcs11 -a 127\.7\d\./);
  });

  it('the SDK credential chain (environment): identity found, source named, no key printed', async () => {
    const { report, text } = await run(relocated('healthy'), { staticCredentials: false });
    const f = byId(report, 'credentials.identity')[0]!;
    expect(f.status).toBe('pass');
    expect(f.evidence).toMatchObject({ source: 'environment', kind: 'long-term' });
    noSecrets(JSON.stringify(report), text);
  });

  it('permissions: every action allowed in the healthy world; a denied DryRun names the action', async () => {
    const ok = await run(relocated('healthy'));
    const all = byId(ok.report, 'permissions.action');
    expect(all.map((f) => `${f.target} ${f.status}`)).toContain('ec2:DescribeSecurityGroups pass');
    expect(all.every((f) => f.status === 'pass')).toBe(true);
    const s = relocated('healthy', (x) => {
      x.sim = {
        ...x.sim,
        faults: { 'ec2:DescribeNetworkAcls': { code: 'UnauthorizedOperation', status: 403 } },
      };
    });
    const denied = byId((await run(s)).report, 'permissions.action').find(
      (f) => f.target === 'ec2:DescribeNetworkAcls',
    )!;
    expect(denied.status).toBe('fail');
    expect(denied.remediation).toMatch(/add ec2:DescribeNetworkAcls/);
  });

  it('STS refusing the credentials is a credentials failure', async () => {
    const s = relocated('healthy', (x) => {
      x.sim = {
        ...x.sim,
        faults: { 'sts:GetCallerIdentity': { code: 'InvalidClientTokenId', status: 403 } },
      };
    });
    const { report } = await run(s);
    const f = byId(report, 'credentials.identity')[0]!;
    expect(f.status).toBe('fail');
    expect(f.evidence.code).toBe('InvalidClientTokenId');
  });

  it('a trust anchor of another cluster: HSM TLS and the trust anchor check fail', async () => {
    const s = relocated('healthy', (x) => {
      x.sim = { ...x.sim, clientSdk: { trustAnchor: 'other' } };
    });
    const { report } = await run(s);
    expect(byId(report, 'clientsdk.trust-anchor')[0]?.status).toBe('fail');
    expect(byId(report, 'clientsdk.trust-anchor')[0]?.message).toMatch(
      /does not sign the cluster certificate/,
    );
    expect(byId(report, 'hsm.tls').map((f) => f.status)).toEqual(['fail', 'fail', 'fail']);
  });
});

describe('hsmwatch tls (built CLI)', () => {
  it('prints endpoints and findings only, exits by status, no secret', async () => {
    const { standardPki } = await import('../support/pki.js');
    const pki = standardPki();
    const server = await nodeTlsServer({
      key: pki.good.key,
      cert: pki.good.cert + pki.inter.cert,
      minVersion: 'TLSv1.3',
    });
    const bundle = join(pki.pki.dir, 'bundle.pem');
    writeFileSync(bundle, pki.root.cert);
    try {
      const { code, stdout } = await new Promise<{ code: number; stdout: string }>((resolve) =>
        execFile(
          process.execPath,
          [
            join(packageRoot(), 'bin', 'hsmwatch.js'),
            'tls',
            `127.0.0.1:${server.port}`,
            '--output',
            'json',
            '--ca-bundle',
            bundle,
          ],
          { timeout: 20_000 },
          (err, stdout) => resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout }),
        ),
      );
      const out = JSON.parse(stdout) as { endpoints: Array<Record<string, unknown>>; findings: unknown[] };
      expect(Object.keys(out)).toEqual(['endpoints', 'findings']);
      expect(out.endpoints[0]).toMatchObject({
        host: '127.0.0.1',
        protocol: 'TLSv1.3',
        acceptedVersions: ['TLSv1.3'],
      });
      expect(code).toBe(0);
      noSecrets(stdout);
    } finally {
      await server.close();
      pki.pki.cleanup();
    }
  });
});
