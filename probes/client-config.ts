// The CloudHSM Client SDK configuration on this host: the HSM addresses it lists against the
// cluster's current ENI addresses (stale entries after an HSM replacement are a classic outage, a
// file never bootstrapped another), the trust anchor (customerCA.crt) it uses, and the client
// certificate for mutual TLS. It establishes which Client SDK generations the host runs, for the
// probes that grade HSM ports by it.

import type { X509Certificate } from 'node:crypto';
import { basename } from 'node:path';
import { bootstrapCommand, configureTool } from '../src/clientsdk/bootstrap.js';
import {
  type ClientSdkConfig,
  type ClientSdkFile,
  isPlaceholder,
  readClientSdkConfig,
} from '../src/clientsdk/config.js';
import { installOf, portNotUsed } from '../src/clientsdk/install.js';
import { type AnchorCheck, readTrustAnchor, verifiesAgainst } from '../src/clientsdk/trust-anchor.js';
import type { Environment } from '../src/core/environment.js';
import { finding } from '../src/core/findings.js';
import { LabelPruner } from '../src/core/label-pruner.js';
import type { MetricsFactory } from '../src/core/metrics.js';
import { defineProbe, type ProbeFinding, type ProbeOutcome } from '../src/core/probe.js';
import type { ClusterInfo, HsmTarget } from '../src/model/index.js';
import { awsCommand } from '../src/util/aws-command.js';
import { clientCertFindings } from './support/client-cert-findings.js';

type Id =
  | 'clientsdk.config'
  | 'clientsdk.bootstrap'
  | 'clientsdk.stale-address'
  | 'clientsdk.trust-anchor'
  | 'clientsdk.client-cert';

export { configureTool };

export const clientConfig = defineProbe({
  id: 'client-config',
  title: 'Client SDK configuration',
  needs: ['live-network'],
  produces: ['clientSdk'],
  findings: {
    'clientsdk.config': {
      summary: 'The Client SDK configuration files on this host are present and readable.',
    },
    'clientsdk.bootstrap': {
      summary:
        'Every Client SDK configuration file was bootstrapped: it lists HSM addresses, not the %%HSM_IP_ADDRESS%% placeholder it ships with.',
    },
    'clientsdk.stale-address': {
      summary:
        "Every HSM address in the Client SDK configuration is one of the cluster's current ENI addresses.",
    },
    'clientsdk.trust-anchor': {
      summary:
        'The trust anchor exists, is a valid CA certificate, and the cluster certificate verifies against it.',
    },
    'clientsdk.client-cert': {
      summary:
        'The mutual TLS client certificate a Client SDK 5 configuration names is readable, matches its key, chains to its trust anchor and is valid.',
    },
  },
  deadlineMs: () => 5000,
  declareMetrics: (m) => declareClientCertMetrics(m),
  async run(ctx) {
    const { settings, env } = ctx;
    const dir = settings.clientSdk.configDir;
    const cfg = readClientSdkConfig(dir);
    // The trust anchor the configuration names, else the configured default.
    const anchorPath = cfg.files.find((f) => f.caFile)?.caFile ?? settings.hsm.trustAnchor;
    const anchor = readTrustAnchor(anchorPath);
    const install = installOf(cfg);
    const findings: ProbeFinding<Id>[] = [
      ...configFindings(cfg),
      ...cfg.files.flatMap((f) => bootstrapFindings(f, env)),
      ...cfg.files.flatMap((f) => staleAddressFindings(f, env.targets)),
      trustAnchorFinding(anchorPath, anchor, {
        clusters: env.clusters,
        haveConfig: cfg.files.length > 0,
        certWarnDays: settings.tls.certWarnDays,
        now: Date.now(),
        region: env.region,
      }),
      ...clientCertFindings(install.mtls, { now: Date.now(), warnDays: settings.tls.certWarnDays }),
    ];
    return { findings, facts: { clientSdk: install } };
  },
});

/**
 * A file whose servers still hold the package's placeholder was never bootstrapped: the component
 * reading it connects nowhere (it fails with "Config key hostname has invalid value").
 */
function bootstrapFindings(f: ClientSdkFile, env: Environment): ProbeFinding<Id>[] {
  const placeholders = f.servers.filter((s) => isPlaceholder(s.hostname));
  if (placeholders.length === 0) return [];
  const clusters = [...new Set(env.targets.map((t) => t.clusterId).filter((c) => c !== null))];
  const clusterId = clusters.length === 1 ? clusters[0]! : null;
  const hsmIp = env.targets.find((t) => clusterId === null || t.clusterId === clusterId)?.ip ?? null;
  const real = f.servers.length - placeholders.length;
  return [
    finding(
      'clientsdk.bootstrap',
      'fail',
      f.path,
      `${basename(f.path)} still lists ${placeholders.map((s) => s.hostname).join(', ')} as an HSM address: the configure tool was never run for it${real ? '' : ', so the Client SDK component reading it cannot reach the cluster'} (each Client SDK 5 component is bootstrapped on its own)`,
      { sdk: f.sdk, placeholders: placeholders.map((s) => s.hostname), listed: real },
      `${bootstrapCommand(f.path, f.sdk, { clusterId, region: env.region, hsmIp })}   # then restart the application using the Client SDK`,
    ),
  ];
}

/** The configuration files themselves: the unusable ones, then what was found (or that none was). */
function configFindings(cfg: ClientSdkConfig): ProbeFinding<Id>[] {
  const { dir } = cfg;
  const findings: ProbeFinding<Id>[] = cfg.problems.map((p) =>
    finding(
      'clientsdk.config',
      'warn',
      p.path,
      `cannot use ${p.path}: ${p.reason}`,
      { reason: p.reason },
      `fix or remove ${p.path}`,
    ),
  );
  if (cfg.files.length > 0)
    findings.push(
      finding(
        'clientsdk.config',
        'pass',
        dir,
        `${cfg.files.length} Client SDK configuration file(s): ${cfg.files.map((f) => `${basename(f.path)} (SDK ${f.sdk}, ${f.servers.length} HSM address(es))`).join(', ')}`,
        {
          files: cfg.files.map((f) => ({ path: f.path, sdk: f.sdk, servers: f.servers, caFile: f.caFile })),
        },
      ),
    );
  // Unusable files already explain the absence of a usable one.
  else if (cfg.problems.length === 0)
    findings.push(
      finding(
        'clientsdk.config',
        'skip',
        dir,
        `no CloudHSM Client SDK configuration in ${dir} (the Client SDK is not installed here, or configure clientSdk.configDir)`,
        { dir },
      ),
    );
  return findings;
}

/** The enabled HSM addresses of one file against the cluster's current ENI addresses. */
function staleAddressFindings(f: ClientSdkFile, targets: readonly HsmTarget[]): ProbeFinding<Id>[] {
  // A placeholder is no address at all: clientsdk.bootstrap reports it.
  const listed = f.servers.filter((s) => s.enabled && !isPlaceholder(s.hostname));
  if (listed.length === 0 && f.servers.some((s) => isPlaceholder(s.hostname))) return [];
  return [staleAddressFinding(f, listed, targets)];
}

function staleAddressFinding(
  f: ClientSdkFile,
  listed: ClientSdkFile['servers'],
  targets: readonly HsmTarget[],
): ProbeFinding<Id> {
  // Only meaningful when the cluster's current addresses come from the API, not from --hsm-ip.
  if (!targets.some((t) => t.clusterId !== null))
    return finding(
      'clientsdk.stale-address',
      'skip',
      f.path,
      "the cluster's current HSM addresses are unknown (no DescribeClusters answer): cannot compare",
      {
        listed: listed.map((s) => s.hostname),
      },
    );
  const current = new Set(targets.map((t) => t.ip));
  const stale = listed.filter((s) => !current.has(s.hostname));
  const evidence = {
    listed: listed.map((s) => s.hostname),
    current: [...current],
    stale: stale.map((s) => s.hostname),
  };
  if (stale.length === 0)
    return finding(
      'clientsdk.stale-address',
      'pass',
      f.path,
      `every listed HSM address (${evidence.listed.join(', ') || 'none'}) belongs to the cluster`,
      evidence,
    );
  const all = stale.length === listed.length;
  return finding(
    'clientsdk.stale-address',
    'fail',
    f.path,
    `${stale.map((s) => s.hostname).join(', ')} ${stale.length > 1 ? 'are' : 'is'} no longer an HSM of the cluster (replaced HSM?)${all ? ': the client cannot reach the cluster with this configuration' : ''}`,
    evidence,
    `sudo ${configureTool(f.path, f.sdk)} -a ${[...current][0] ?? '<current HSM IP>'}   # then restart the application using the Client SDK`,
  );
}

interface AnchorContext {
  clusters: readonly ClusterInfo[];
  /** Some Client SDK configuration exists: a missing anchor is then a failure, not a skip. */
  haveConfig: boolean;
  certWarnDays: number;
  now: number;
  region: string | null;
}

/** The trust anchor as read: a CA, valid now and for long enough, signing every known cluster certificate. */
function trustAnchorFinding(anchorPath: string, anchor: AnchorCheck, ctx: AnchorContext): ProbeFinding<Id> {
  if (!anchor.ok)
    return finding(
      'clientsdk.trust-anchor',
      anchor.reason === 'missing' && !ctx.haveConfig ? 'skip' : 'fail',
      anchorPath,
      anchor.detail,
      { reason: anchor.reason },
      `copy the certificate that signed the cluster's CSR (customerCA.crt) to ${anchorPath}`,
    );
  const c = anchor.cert;
  const { now } = ctx;
  const notAfter = new Date(c.validTo);
  const daysLeft = Math.floor((notAfter.getTime() - now) / 86_400_000);
  const withCert = ctx.clusters.flatMap((cl) =>
    cl.certificate ? [{ id: cl.clusterId, cert: cl.certificate }] : [],
  );
  const notVerifying = withCert.filter((cl) => !verifiesAgainst(cl.cert, c));
  const evidence = {
    subject: c.subject.split('\n').join(', '),
    notAfter: notAfter.toISOString(),
    daysLeft,
    isCa: c.ca,
    clustersChecked: withCert.map((cl) => cl.id),
    ...(notVerifying.length ? { notVerifying: notVerifying.map((cl) => cl.id) } : {}),
  };
  const problems = anchorProblems(c, now, notVerifying);
  if (problems.length)
    return finding(
      'clientsdk.trust-anchor',
      'fail',
      anchorPath,
      `trust anchor ${anchorPath} ${problems.join('; ')}`,
      evidence,
      `replace ${anchorPath} with the customer CA certificate that signed this cluster's certificate (compare: ${awsCommand(ctx.region, 'cloudhsmv2', 'describe-clusters', [...(ctx.clusters.length === 1 ? ['--filters', `clusterIds=${ctx.clusters[0]!.clusterId}`] : []), '--query', 'Clusters[].Certificates.ClusterCertificate', '--output', 'text'])})`,
    );
  if (daysLeft < ctx.certWarnDays)
    return finding(
      'clientsdk.trust-anchor',
      'warn',
      anchorPath,
      `trust anchor expires in ${daysLeft} day(s)`,
      evidence,
      'plan the rotation of the customer CA',
    );
  return finding(
    'clientsdk.trust-anchor',
    'pass',
    anchorPath,
    `trust anchor ${evidence.subject} is a CA valid for ${daysLeft} days${withCert.length ? ` and signs the cluster certificate of ${withCert.map((cl) => cl.id).join(', ')}` : ' (no cluster certificate known to check it against)'}`,
    evidence,
  );
}

/** Why the anchor cannot serve, in report order; empty when it can. */
function anchorProblems(
  c: X509Certificate,
  now: number,
  notVerifying: ReadonlyArray<{ id: string }>,
): string[] {
  const problems: string[] = [];
  if (!c.ca) problems.push('is not a CA certificate (basicConstraints CA:FALSE)');
  const notAfter = new Date(c.validTo);
  if (notAfter.getTime() < now) problems.push(`expired on ${notAfter.toISOString()}`);
  if (new Date(c.validFrom).getTime() > now)
    problems.push(`is not valid before ${new Date(c.validFrom).toISOString()}`);
  if (notVerifying.length)
    problems.push(
      `does not sign the cluster certificate of ${notVerifying.map((cl) => cl.id).join(', ')} (the trust anchor of another cluster?)`,
    );
  return problems;
}

/**
 * cloudhsm_client_cert_expiry_timestamp_seconds{file}: notAfter of each mutual TLS client
 * certificate the configuration names, by the base name of its file (a handful per host); no series
 * when no certificate could be read — unknown is absent, never 0.
 * cloudhsm_client_sdk_port_used{port}: whether the installed Client SDK uses each probed HSM port,
 * so that alerts can leave out a closed 2225 on a Client SDK 5-only host; no series when no
 * configuration says which SDK is installed.
 */
export function declareClientCertMetrics(m: MetricsFactory) {
  const expiry = m.gauge({
    name: 'cloudhsm_client_cert_expiry_timestamp_seconds',
    help: 'notAfter of the client certificate a Client SDK 5 configuration names for mutual TLS with the HSM, in Unix seconds, by certificate file (absent when none is configured or it cannot be read).',
    labelNames: ['file'],
  });
  const portUsed = m.gauge({
    name: 'cloudhsm_client_sdk_port_used',
    help: 'Whether a Client SDK installed on this host uses the HSM port (1) or not (0: 2224-2225 on a Client SDK 5-only host); absent when no configuration says.',
    labelNames: ['port'],
  });
  const pruner = new LabelPruner();
  return (outcome: ProbeOutcome, env: Environment) => {
    const current: Array<{ file: string }> = [];
    for (const f of outcome.findings) {
      const { certFile, notAfter } = f.evidence as { certFile?: unknown; notAfter?: unknown };
      if (f.id !== 'clientsdk.client-cert' || typeof certFile !== 'string' || typeof notAfter !== 'string')
        continue;
      const labels = { file: basename(certFile) };
      expiry.set(labels, Date.parse(notAfter) / 1000);
      current.push(labels);
    }
    pruner.keep(expiry, current);
    portUsed.reset();
    const install = outcome.facts?.clientSdk;
    if (install?.generations.length)
      for (const port of env.settings.ports)
        portUsed.set({ port: String(port) }, portNotUsed(port, install) === null ? 1 : 0);
  };
}
