// Discovery: who am I (IMDS), which region, which clusters and HSM addresses to check, and the VPC
// as EC2 describes it. Yields the typed Environment the probes read, with discovery's own findings.
import { readFile } from 'node:fs/promises';
import { collectApiErrors } from '../aws/api-errors.js';
import { makeCloudHsmClient, makeEc2Client } from '../aws/clients.js';
import { missingProfile, missingProfileReason, profileRegion } from '../aws/credential-source.js';
import { isRegionName, resolveEndpoint } from '../aws/endpoints.js';
import { type AwsFailure, describeFailure } from '../aws/errors.js';
import { foreignText } from '../aws/foreign.js';
import { AWS_OPERATIONS, snapshotKey } from '../aws/operations.js';
import type { Settings } from '../config/settings.js';
import type { AwsRead, DiscoveryStatus, Environment, StaticCredentials } from '../core/environment.js';
import { finding } from '../core/findings.js';
import type { ClientInfo, ClusterInfo, Finding, HsmTarget } from '../model/index.js';
import { emptySnapshot, type Snapshot } from '../snapshot/format.js';
import { awsCommand } from '../util/aws-command.js';
import { deadline } from '../util/deadline.js';
import { clustersToTargets, targetsFromIps } from './clusters.js';
import { clustersDeadlineMs, ec2DeadlineMs, estateDeadlineMs, growingDeadline } from './deadlines.js';
import { regionOfTask } from './ecs-task.js';
import { readEphemeralRange } from './ephemeral.js';
import { discoverInstance } from './instance.js';
import { kernelSources } from './source.js';
import { clientView, sourceLookups } from './source-view.js';
import { vpcEstate } from './vpc.js';

export interface DiscoverOptions {
  credentials?: StaticCredentials;
  now?: () => Date;
  progress?: (message: string) => void;
  signal?: AbortSignal;
  /** `audit` and `snapshot --estate`: every interface of the VPCs that can route to the clusters. */
  estate?: boolean;
}

// On Nitro instances the DMI board asset tag is the instance id: readable locally when IMDS is not.
const BOARD_ASSET_TAG = '/sys/devices/virtual/dmi/id/board_asset_tag';

/** The hop-limit fix, complete: this instance's id (or the shell to read it) and the region. */
export async function hopLimitFix(region: string | null, tagFile = BOARD_ASSET_TAG): Promise<string> {
  const tag = await readFile(tagFile, 'utf8').then(
    (t) => t.trim(),
    () => '',
  );
  const id = /^i-[0-9a-f]{8,17}$/.test(tag) ? [tag] : [];
  return awsCommand(
    region,
    'ec2',
    'modify-instance-metadata-options',
    [...(id.length ? ['--instance-id', ...id] : [])],
    [
      ...(id.length ? [] : ['--instance-id', `"$(cat ${tagFile})"`]),
      '--http-put-response-hop-limit',
      '2',
      '--http-endpoint',
      'enabled',
    ],
  );
}

const DESCRIBE_CLUSTERS = snapshotKey('DescribeClusters');

interface ClusterDiscovery {
  clusters: ClusterInfo[];
  targets: HsmTarget[];
  findings: Finding[];
  read: AwsRead | null;
}

export async function discover(settings: Settings, o: DiscoverOptions = {}): Promise<Environment> {
  // Every failed AWS call of discovery, for the agent's error counter.
  const { value: env, errors } = await collectApiErrors(() => discoverOnce(settings, o));
  return { ...env, discovery: { ...env.discovery, apiErrors: errors } };
}

// The profile goes to the SDK in each client's config (src/aws/clients.ts), never into process.env:
// the agent re-reads its settings on SIGHUP, and an environment variable would outlive them.
async function discoverOnce(settings: Settings, o: DiscoverOptions): Promise<Environment> {
  const progress = o.progress ?? (() => {});
  progress('reading instance metadata (IMDSv2)');
  const { client: instance, ecsTask, findings } = await discoverInstance(settings);
  const { region, rejected } = resolveRegion(
    settings,
    instance?.region ?? (ecsTask && regionOfTask(ecsTask)),
  );
  const hopLimit = findings.find((f) => f.id === 'discovery.imds-hop-limit' && f.status === 'fail');
  if (hopLimit) hopLimit.remediation = await hopLimitFix(region);
  const snapshot = emptySnapshot((o.now ?? (() => new Date()))(), region, instance?.instanceId ?? null);
  snapshot.ports = [...settings.ports];
  if (ecsTask) snapshot.client.ecsTask = ecsTask;

  const found = await discoverClusters(settings, region, snapshot, o, rejected);
  findings.push(...found.findings);
  // With --hsm-ip no region is needed to list HSMs, but a malformed one is still said.
  if (rejected && settings.hsmIps.length > 0)
    findings.push(finding('discovery.region', 'warn', 'region', `${rejected}: ignored`, {}));
  const { clusters, targets } = found;
  const reads: Record<string, AwsRead> = found.read ? { [DESCRIBE_CLUSTERS]: found.read } : {};
  // The kernel's source address per HSM address: its ENI is the one AWS judges the traffic by.
  if (targets.length) snapshot.client.sources = await kernelSources(targets.map((t) => t.ip));
  if (region && (instance || ecsTask || clusters.length > 0)) {
    progress(
      o.estate
        ? 'reading every interface of the VPCs that route to the clusters (EC2)'
        : 'reading the VPC network configuration (EC2)',
    );
    const ec2 = await readEc2(settings, region, o, { client: instance, clusters, targets, snapshot });
    Object.assign(snapshot.aws, ec2.aws);
    Object.assign(reads, ec2.reads);
    findings.push(...ec2.findings);
    if (ec2.estate) snapshot.estate = ec2.estate;
  }
  const ephemeralPorts = await readEphemeralRange();
  findings.push(...targetFindings(targets, findings));
  const vpc = vpcEstate(snapshot);
  const client = clientView(
    instance,
    snapshot,
    vpc.facts,
    targets.map((t) => t.ip),
  );
  const discovery: DiscoveryStatus = {
    hsmsListed: settings.hsmIps.length > 0 || found.read?.result === 'ok',
    reads,
    apiErrors: [],
  };
  return {
    mode: 'live',
    settings,
    region,
    client,
    clusters,
    targets,
    vpc,
    snapshot,
    findings,
    discovery,
    credentials: o.credentials,
    ...(ephemeralPorts ? { ephemeralPorts } : {}),
  };
}

/**
 * The EC2 reads, within their deadline. An estate's grows with the pages read (src/discovery/deadlines.ts),
 * and its client retries throttling longer, each request on its own (src/aws/retry.ts).
 */
async function readEc2(
  settings: Settings,
  region: string,
  o: DiscoverOptions,
  x: { client: ClientInfo | null; clusters: ClusterInfo[]; targets: HsmTarget[]; snapshot: Snapshot },
) {
  const { discoverEc2 } = await import('./ec2.js');
  const api = await makeEc2Client({
    settings,
    region,
    ...(o.credentials ? { credentials: o.credentials } : {}),
    ...(o.estate ? { pagedReads: true } : {}),
  });
  const budget = estateDeadlineMs(settings);
  const grown = o.estate ? growingDeadline(budget.baseMs, budget.capMs, o.signal) : null;
  try {
    return await discoverEc2(api, {
      client: x.client,
      clusters: x.clusters,
      targets: x.targets,
      signal: grown?.signal ?? withDeadline(o.signal, ec2DeadlineMs(settings)),
      ...sourceLookups(x.snapshot),
      ...(grown ? { estate: true, onPage: () => grown.extend(budget.perPageMs) } : {}),
    });
  } finally {
    grown?.clear();
    api.destroy();
  }
}

/** The HSM addresses: given with --hsm-ip, else every page of DescribeClusters. */
async function discoverClusters(
  settings: Settings,
  region: string | null,
  snapshot: Snapshot,
  o: DiscoverOptions,
  rejected: string | null,
): Promise<ClusterDiscovery> {
  if (settings.hsmIps.length > 0) {
    const message = 'HSM addresses given with --hsm-ip: the CloudHSM API is not asked';
    return {
      clusters: [],
      targets: targetsFromIps(settings.hsmIps),
      findings: [finding('discovery.cloudhsm', 'skip', 'cloudhsmv2', message, { hsmIps: settings.hsmIps })],
      read: { result: 'not-called', detail: message },
    };
  }
  if (!region) {
    return {
      clusters: [],
      targets: [],
      findings: [
        finding(
          'discovery.region',
          'fail',
          'region',
          rejected ?? 'no AWS region: not given, not in the environment or profile, and IMDS did not tell',
          {},
          'pass --region us-east-1 (or set AWS_REGION), or list HSM addresses with --hsm-ip',
        ),
      ],
      read: null,
    };
  }
  o.progress?.(`asking CloudHSM for clusters in ${region}`);
  const { describeAllClusters } = await import('./cloudhsm.js');
  const api = await makeCloudHsmClient({
    settings,
    region,
    ...(o.credentials ? { credentials: o.credentials } : {}),
  });
  const endpoint = resolveEndpoint('cloudhsmv2', settings)?.url ?? 'default';
  try {
    const r = await describeAllClusters(
      api,
      settings.clusterIds,
      withDeadline(o.signal, clustersDeadlineMs(settings)),
    );
    if (!r.ok) {
      const missing = o.credentials ? null : missingProfile(settings.profile);
      return { clusters: [], targets: [], ...clustersFailure(r.failure, endpoint, missing) };
    }
    snapshot.aws[DESCRIBE_CLUSTERS] = { Clusters: r.clusters };
    const view = clustersToTargets(r.clusters, settings.clusterIds, region);
    const listed = finding(
      'discovery.cloudhsm',
      'pass',
      'cloudhsmv2',
      `DescribeClusters listed ${view.clusters.length} cluster(s) with ${view.targets.length} HSM address(es)`,
      { pages: r.pages, clusters: view.clusters.map((c) => c.clusterId), endpoint },
    );
    return {
      clusters: view.clusters,
      targets: view.targets,
      findings: [listed, ...view.findings],
      read: { result: 'ok', detail: listed.message },
    };
  } finally {
    api.destroy();
  }
}

function clustersFailure(
  f: AwsFailure,
  endpoint: string,
  missing: { profile: string; known: string[] } | null,
): { findings: Finding[]; read: AwsRead } {
  const evidence = {
    code: f.code,
    kind: f.kind,
    ...(f.httpStatus ? { httpStatus: f.httpStatus } : {}),
    endpoint,
  };
  const code = f.code;
  const action = AWS_OPERATIONS.DescribeClusters.action;
  let found: Finding;
  if (f.kind === 'denied') {
    found = finding(
      'discovery.cloudhsm',
      'skip',
      'cloudhsmv2',
      `cannot list clusters: ${describeFailure(f)}; the IAM action ${action} is missing`,
      { ...evidence, missingAction: action },
      `grant ${action} (see \`hsmwatch iam-policy\`), or list HSM addresses with --hsm-ip`,
    );
    return {
      findings: [found],
      read: { result: 'denied', deniedAction: action, code, detail: found.message },
    };
  }
  found =
    f.kind === 'credentials'
      ? finding(
          'discovery.cloudhsm',
          'skip',
          'cloudhsmv2',
          `cannot list clusters: ${missing ? missingProfileReason(missing) : describeFailure(f)}`,
          evidence,
          missing
            ? `pass a profile that exists with --profile (or AWS_PROFILE), or create it: aws configure --profile ${missing.profile}`
            : 'give the instance a role, set AWS_PROFILE, or list HSM addresses with --hsm-ip',
        )
      : finding(
          'discovery.cloudhsm',
          'error',
          'cloudhsmv2',
          `cannot list clusters: ${describeFailure(f)}`,
          evidence,
        );
  return { findings: [found], read: { result: 'failed', code, detail: found.message } };
}

/** Says so when there is nothing to check, unless an earlier finding already explains why. */
function targetFindings(targets: readonly HsmTarget[], earlier: readonly Finding[]): Finding[] {
  if (targets.length > 0) return [];
  const explained = earlier.some(
    (f) =>
      f.status === 'fail' || f.status === 'error' || (f.id === 'discovery.cloudhsm' && f.status === 'skip'),
  );
  if (explained)
    return [
      finding(
        'discovery.targets',
        'skip',
        'hsms',
        'no HSM address to check (see the discovery findings above)',
      ),
    ];
  return [
    finding(
      'discovery.targets',
      'fail',
      'hsms',
      'no HSM address to check: no cluster has an HSM with an address',
      {},
      'name the cluster with --cluster-id, or list HSM addresses with --hsm-ip',
    ),
  ];
}

/**
 * The region, in the order the README documents (and the AWS CLI uses): --region or the config,
 * AWS_REGION / AWS_DEFAULT_REGION, the shared-config profile, then IMDS (or the ECS task's ARN or AZ). A value from the environment
 * or the profile that is not a region name is not used (it would go into every request's host and
 * signature): `rejected` says which and why. IMDS answers are checked where they are read.
 */
function resolveRegion(
  settings: Settings,
  metadataRegion: string | null | undefined,
): { region: string | null; rejected: string | null } {
  const candidates: Array<[string, string | null | undefined]> = [
    ['the settings', settings.region],
    ['AWS_REGION', process.env.AWS_REGION],
    ['AWS_DEFAULT_REGION', process.env.AWS_DEFAULT_REGION],
    [`the profile's region`, profileRegion(settings.profile)],
  ];
  for (const [source, value] of candidates) {
    if (!value) continue;
    if (isRegionName(value)) return { region: value, rejected: null };
    return {
      region: null,
      rejected: `no AWS region: ${source} has "${foreignText(value, 40)}", which is not a region name`,
    };
  }
  return { region: metadataRegion ?? null, rejected: null };
}

/**
 * The caller's signal (the agent's: cancellation only) joined with a deadline of our own: each attempt
 * is bounded by the HTTP layer (src/aws/http.ts), this bounds a step's attempts and pages together.
 */
function withDeadline(signal: AbortSignal | undefined, ms: number): AbortSignal {
  // Not AbortSignal.any with AbortSignal.timeout: a garbage collection can drop that deadline (deadline.ts).
  return deadline(ms, signal).signal;
}
