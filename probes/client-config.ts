// The CloudHSM Client SDK configuration on this host: the HSM addresses it lists against the
// cluster's current ENI addresses (stale entries after an HSM replacement are a classic outage), and
// the trust anchor (customerCA.crt) it uses.

import type { X509Certificate } from 'node:crypto';
import { basename } from 'node:path';
import { type ClientSdkConfig, type ClientSdkFile, readClientSdkConfig } from '../src/clientsdk/config.js';
import { type AnchorCheck, readTrustAnchor, verifiesAgainst } from '../src/clientsdk/trust-anchor.js';
import { finding } from '../src/core/findings.js';
import { defineProbe, type ProbeFinding } from '../src/core/probe.js';
import type { ClusterInfo, HsmTarget } from '../src/model/index.js';
import { awsCommand } from '../src/util/aws-command.js';

type Id = 'clientsdk.config' | 'clientsdk.stale-address' | 'clientsdk.trust-anchor';

/** The configure tool of a config file: cloudhsm-pkcs11.cfg → configure-pkcs11; SDK 3 → configure. */
export function configureTool(path: string, sdk: 3 | 5): string {
  if (sdk === 3) return '/opt/cloudhsm/bin/configure';
  const m = /^cloudhsm-([a-z0-9-]+)\.cfg$/.exec(basename(path));
  return `/opt/cloudhsm/bin/configure-${m?.[1] ?? 'cli'}`;
}

export const clientConfig = defineProbe({
  id: 'client-config',
  title: 'Client SDK configuration',
  needs: ['live-network'],
  findings: {
    'clientsdk.config': {
      summary: 'The Client SDK configuration files on this host are present and readable.',
    },
    'clientsdk.stale-address': {
      summary:
        "Every HSM address in the Client SDK configuration is one of the cluster's current ENI addresses.",
    },
    'clientsdk.trust-anchor': {
      summary:
        'The trust anchor exists, is a valid CA certificate, and the cluster certificate verifies against it.',
    },
  },
  deadlineMs: () => 5000,
  async run(ctx): Promise<{ findings: ProbeFinding<Id>[] }> {
    const { settings, env } = ctx;
    const dir = settings.clientSdk.configDir;
    const cfg = readClientSdkConfig(dir);
    // The trust anchor the configuration names, else the configured default.
    const anchorPath = cfg.files.find((f) => f.caFile)?.caFile ?? settings.hsm.trustAnchor;
    const anchor = readTrustAnchor(anchorPath);
    const findings: ProbeFinding<Id>[] = [
      ...configFindings(cfg),
      ...cfg.files.map((f) => staleAddressFinding(f, env.targets)),
      trustAnchorFinding(anchorPath, anchor, {
        clusters: env.clusters,
        haveConfig: cfg.files.length > 0,
        certWarnDays: settings.tls.certWarnDays,
        now: Date.now(),
        region: env.region,
      }),
    ];
    return { findings };
  },
});

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
function staleAddressFinding(f: ClientSdkFile, targets: readonly HsmTarget[]): ProbeFinding<Id> {
  const listed = f.servers.filter((s) => s.enabled);
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
