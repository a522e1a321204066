// Discovery: who am I (IMDS), which region, which clusters and HSM addresses to check.
import { CloudHSMV2Client } from '@aws-sdk/client-cloudhsm-v2';
import { makeCloudHsmClient, makeEc2Client, type StaticCredentials } from '../aws/clients.js';
import { resolveEndpoint } from '../aws/endpoints.js';
import { describeFailure } from '../aws/errors.js';
import type { Settings } from '../config/settings.js';
import { finding } from '../core/findings.js';
import type { ClientInfo, ClusterInfo, Finding, HsmTarget } from '../core/model.js';
import { emptySnapshot, type Snapshot } from '../snapshot/format.js';
import { clustersToTargets, targetsFromIps } from './clusters.js';
import { readInstanceMetadata } from './imds.js';

export interface Environment {
  /** live: discovered on this host now; offline: read from a snapshot (`analyze`). */
  mode: 'live' | 'offline';
  settings: Settings;
  region: string | null;
  client: ClientInfo | null;
  clusters: ClusterInfo[];
  targets: HsmTarget[];
  snapshot: Snapshot;
  findings: Finding[];
  credentials: StaticCredentials | undefined;
  /** The client's ephemeral (source) port range for return-traffic checks; absent: analyze's default. */
  ephemeralPorts?: { from: number; to: number; source: string };
}

export interface DiscoverOptions {
  credentials?: StaticCredentials;
  now?: () => Date;
  progress?: (message: string) => void;
  signal?: AbortSignal;
}

export const HOP_LIMIT_FIX =
  'aws ec2 modify-instance-metadata-options --instance-id <instance-id> --http-put-response-hop-limit 2 --http-endpoint enabled';

export async function discover(settings: Settings, o: DiscoverOptions = {}): Promise<Environment> {
  const findings: Finding[] = [];
  const progress = o.progress ?? (() => {});
  if (settings.profile) process.env.AWS_PROFILE = settings.profile;

  progress('reading instance metadata (IMDSv2)');
  const imds = await readInstanceMetadata({
    endpoint: settings.imds.endpoint,
    disabled: settings.imds.disabled,
    timeoutMs: settings.imds.timeoutMs,
  });
  let client: ClientInfo | null = null;
  switch (imds.kind) {
    case 'ok':
      client = imds.client;
      findings.push(
        finding(
          'discovery.imds',
          'pass',
          imds.client.instanceId ?? 'instance',
          `instance ${imds.client.instanceId} in ${imds.client.availabilityZone ?? imds.client.region ?? '?'} with ${imds.client.enis.length} network interface(s)`,
          { endpoint: imds.endpoint, enis: imds.client.enis.map((e) => e.eniId) },
        ),
      );
      break;
    case 'hop-limit':
      findings.push(
        finding(
          'discovery.imds-hop-limit',
          'fail',
          'imds',
          `the IMDSv2 token request got no answer${imds.plainAnswered ? ' while plain metadata requests did' : ''}${imds.inContainer ? ' from inside a container' : ''}: the instance's PUT response hop limit is too low for this network path (the classic container problem)`,
          {
            endpoint: imds.endpoint,
            plainAnswered: imds.plainAnswered,
            inContainer: imds.inContainer,
            detail: imds.detail,
          },
          HOP_LIMIT_FIX,
        ),
      );
      break;
    case 'absent':
      findings.push(
        finding('discovery.imds', 'skip', 'imds', `not on EC2, or IMDS unreachable: ${imds.detail}`, {
          endpoint: imds.endpoint,
        }),
      );
      break;
    case 'disabled':
      findings.push(finding('discovery.imds', 'skip', 'imds', imds.detail));
      break;
    case 'error':
      findings.push(
        finding('discovery.imds', 'error', 'imds', `IMDS lookup failed: ${imds.detail}`, {
          endpoint: imds.endpoint,
        }),
      );
      break;
  }

  const region = await resolveRegion(settings, client);
  const snapshot = emptySnapshot((o.now ?? (() => new Date()))(), region, client?.instanceId ?? null);
  snapshot.ports = [...settings.ports];

  let clusters: ClusterInfo[] = [];
  let targets: HsmTarget[] = [];
  if (settings.hsmIps.length > 0) {
    targets = targetsFromIps(settings.hsmIps);
    findings.push(
      finding(
        'discovery.cloudhsm',
        'skip',
        'cloudhsmv2',
        'HSM addresses given with --hsm-ip: the CloudHSM API is not asked',
        { hsmIps: settings.hsmIps },
      ),
    );
  } else if (!region) {
    findings.push(
      finding(
        'discovery.region',
        'fail',
        'region',
        'no AWS region: not given, not in the environment or profile, and IMDS did not tell',
        {},
        'pass --region us-east-1 (or set AWS_REGION), or list HSM addresses with --hsm-ip',
      ),
    );
  } else {
    progress(`asking CloudHSM for clusters in ${region}`);
    const { describeAllClusters } = await import('./cloudhsm.js');
    const api = makeCloudHsmClient({
      settings,
      region,
      ...(o.credentials ? { credentials: o.credentials } : {}),
    });
    try {
      const r = await describeAllClusters(
        api,
        settings.clusterIds,
        withDeadline(o.signal, settings.aws.timeoutMs * (settings.aws.maxAttempts + 1)),
      );
      if (r.ok) {
        snapshot.aws['cloudhsmv2:DescribeClusters'] = { Clusters: r.clusters };
        const view = clustersToTargets(r.clusters, settings.clusterIds);
        clusters = view.clusters;
        targets = view.targets;
        findings.push(
          finding(
            'discovery.cloudhsm',
            'pass',
            'cloudhsmv2',
            `DescribeClusters listed ${clusters.length} cluster(s) with ${targets.length} HSM address(es)`,
            {
              pages: r.pages,
              clusters: clusters.map((c) => c.clusterId),
              endpoint: resolveEndpoint('cloudhsmv2', settings)?.url ?? 'default',
            },
          ),
          ...view.findings,
        );
      } else {
        const f = r.failure;
        const evidence = {
          code: f.code,
          kind: f.kind,
          ...(f.httpStatus ? { httpStatus: f.httpStatus } : {}),
          endpoint: resolveEndpoint('cloudhsmv2', settings)?.url ?? 'default',
        };
        if (f.kind === 'denied') {
          findings.push(
            finding(
              'discovery.cloudhsm',
              'skip',
              'cloudhsmv2',
              `cannot list clusters: ${describeFailure(f)}; the IAM action cloudhsm:DescribeClusters is missing`,
              { ...evidence, missingAction: 'cloudhsm:DescribeClusters' },
              'grant cloudhsm:DescribeClusters (see `hsmwatch iam-policy`), or list HSM addresses with --hsm-ip',
            ),
          );
        } else if (f.kind === 'credentials') {
          findings.push(
            finding(
              'discovery.cloudhsm',
              'skip',
              'cloudhsmv2',
              `cannot list clusters: ${describeFailure(f)}`,
              evidence,
              'give the instance a role, set AWS_PROFILE, or list HSM addresses with --hsm-ip',
            ),
          );
        } else {
          findings.push(
            finding(
              'discovery.cloudhsm',
              'error',
              'cloudhsmv2',
              `cannot list clusters: ${describeFailure(f)}`,
              evidence,
            ),
          );
        }
      }
    } finally {
      api.destroy();
    }
  }
  if (region && (client || clusters.length > 0)) {
    progress('reading the VPC network configuration (EC2)');
    const { discoverEc2 } = await import('./ec2.js');
    const ec2Api = makeEc2Client({
      settings,
      region,
      ...(o.credentials ? { credentials: o.credentials } : {}),
    });
    try {
      const ec2 = await discoverEc2(ec2Api, {
        client,
        clusters,
        targets,
        signal: withDeadline(o.signal, settings.aws.timeoutMs * (settings.aws.maxAttempts + 1) * 4),
      });
      Object.assign(snapshot.aws, ec2.aws);
      findings.push(...ec2.findings);
    } finally {
      ec2Api.destroy();
    }
  }
  const ephemeralPorts = await (await import('./ec2.js')).readEphemeralRange();
  if (
    targets.length === 0 &&
    !findings.some(
      (f) =>
        f.status === 'fail' || f.status === 'error' || (f.id === 'discovery.cloudhsm' && f.status === 'skip'),
    )
  ) {
    findings.push(
      finding(
        'discovery.targets',
        'fail',
        'hsms',
        'no HSM address to check: no cluster has an HSM with an address',
        {},
        'name the cluster with --cluster-id, or list HSM addresses with --hsm-ip',
      ),
    );
  } else if (targets.length === 0) {
    findings.push(
      finding(
        'discovery.targets',
        'skip',
        'hsms',
        'no HSM address to check (see the discovery findings above)',
      ),
    );
  }
  return {
    mode: 'live',
    settings,
    region,
    client,
    clusters,
    targets,
    snapshot,
    findings,
    credentials: o.credentials,
    ...(ephemeralPorts ? { ephemeralPorts } : {}),
  };
}

async function resolveRegion(settings: Settings, client: ClientInfo | null): Promise<string | null> {
  const fromEnv =
    settings.region ?? process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION ?? client?.region;
  if (fromEnv) return fromEnv;
  // Last: the region of the shared config profile, as the SDK reads it.
  try {
    const probe = new CloudHSMV2Client({});
    const r = await probe.config.region();
    probe.destroy();
    return r || null;
  } catch {
    return null;
  }
}

/**
 * The caller's signal (the agent's: cancellation only) joined with a deadline of our own: the SDK's
 * request timeout fires only on an idle socket, so a peer that trickles bytes would hold a call forever.
 */
function withDeadline(signal: AbortSignal | undefined, ms: number): AbortSignal {
  const deadline = AbortSignal.timeout(ms);
  return signal ? AbortSignal.any([signal, deadline]) : deadline;
}
