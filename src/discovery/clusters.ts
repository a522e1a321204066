// Pure: CloudHSM answers → clusters, HSM targets and discovery findings.
import { isIP } from 'node:net';
import { foreignText } from '../aws/foreign.js';
import { finding } from '../core/findings.js';
import type { ClusterInfo, Finding, HsmTarget } from '../model/index.js';
import type { RawCluster, RawHsm } from '../snapshot/format.js';
import { awsCommand } from '../util/aws-command.js';

const str = (v: unknown): string | null => (typeof v === 'string' && v !== '' ? v : null);
// Ids name findings and metric labels as they are: anything else an endpoint sends is no id.
const ID = /^[A-Za-z0-9._-]{1,64}$/;
const id = (v: unknown): string | null => {
  const s = str(v);
  return s !== null && ID.test(s) ? s : null;
};
/** Free text of the API (a state, a state message) as a message shows it. */
const text = (v: unknown): string | null => {
  const s = str(v);
  return s === null ? null : foreignText(s, 200);
};

export interface ClusterView {
  clusters: ClusterInfo[];
  targets: HsmTarget[];
  findings: Finding[];
}

export function clustersToTargets(
  raw: readonly RawCluster[],
  requestedIds: readonly string[],
  region: string | null = null,
): ClusterView {
  const clusters: ClusterInfo[] = [];
  const targets: HsmTarget[] = [];
  const findings: Finding[] = [];
  for (const rc of raw) {
    const clusterId = id(rc.ClusterId);
    if (!clusterId) continue;
    const state = text(rc.State) ?? 'UNKNOWN';
    // Deleted clusters linger in DescribeClusters; they matter only when asked for by id.
    if (requestedIds.length === 0 && state === 'DELETED') continue;
    const hsms = Array.isArray(rc.Hsms)
      ? (rc.Hsms as RawHsm[]).filter((h) => h && typeof h === 'object')
      : [];
    clusters.push(clusterInfo(rc, clusterId, state, hsms.length));
    findings.push(clusterFinding(rc, clusterId, state, hsms.length, region));
    for (const h of hsms) {
      const hsm = hsmTargets(clusterId, h);
      targets.push(...hsm.targets);
      if (hsm.finding) findings.push(hsm.finding);
    }
  }
  findings.push(...missingClusterFindings(clusters, requestedIds, region));
  return { clusters, targets, findings };
}

function clusterInfo(rc: RawCluster, clusterId: string, state: string, hsmCount: number): ClusterInfo {
  const mapping =
    rc.SubnetMapping && typeof rc.SubnetMapping === 'object'
      ? (rc.SubnetMapping as Record<string, unknown>)
      : {};
  return {
    clusterId,
    state,
    securityGroup: id(rc.SecurityGroup),
    vpcId: id(rc.VpcId),
    subnetIds: Object.values(mapping)
      .map(id)
      .filter((s): s is string => s !== null),
    networkType: text(rc.NetworkType),
    hsmCount,
    certificate:
      rc.Certificates && typeof rc.Certificates === 'object'
        ? str((rc.Certificates as Record<string, unknown>).ClusterCertificate)
        : null,
  };
}

/** One verdict per cluster: not ACTIVE, ACTIVE but empty, or ACTIVE with HSMs to probe. */
function clusterFinding(
  rc: RawCluster,
  clusterId: string,
  state: string,
  hsmCount: number,
  region: string | null,
): Finding {
  if (state !== 'ACTIVE') {
    const msg = text(rc.StateMessage);
    return finding(
      'discovery.cluster',
      state === 'DEGRADED' || state === 'DELETED' ? 'fail' : 'warn',
      clusterId,
      `cluster is ${state}${msg ? `: ${msg}` : ''}`,
      { state },
    );
  }
  if (hsmCount === 0) {
    return finding(
      'discovery.cluster',
      'fail',
      clusterId,
      'cluster is ACTIVE but has no HSMs: clients have nothing to connect to',
      { state },
      createHsmFix(rc, clusterId, region),
    );
  }
  return finding(
    'discovery.cluster',
    'pass',
    clusterId,
    `cluster is ACTIVE with ${hsmCount} HSM${hsmCount > 1 ? 's' : ''}`,
    { state, hsms: hsmCount },
  );
}

/** A target per usable ENI address (IPv4 first), and a warning when the HSM is not ready. */
function hsmTargets(clusterId: string, h: RawHsm): { targets: HsmTarget[]; finding: Finding | null } {
  const hsmId = id(h.HsmId);
  const hsmState = text(h.State);
  const base = {
    clusterId,
    hsmId,
    eniId: id(h.EniId),
    az: id(h.AvailabilityZone),
    subnetId: id(h.SubnetId),
    state: hsmState,
  };
  const v4 = str(h.EniIp);
  const v6 = str(h.EniIpV6);
  const usable4 = v4 !== null && isIP(v4) === 4;
  const usable6 = v6 !== null && isIP(v6) === 6;
  const targets: HsmTarget[] = [];
  if (usable4) targets.push({ ...base, ip: v4, family: 4 });
  if (usable6) targets.push({ ...base, ip: v6, family: 6 });
  // A not-ACTIVE HSM with an address is still probed: its ports tell whether it is coming up.
  if (hsmState === 'ACTIVE' && (usable4 || usable6)) return { targets, finding: null };
  const msg = text(h.StateMessage);
  const noAddress =
    !usable4 && !usable6
      ? '; it has no usable ENI address yet, so nothing can be probed'
      : '; its ports are still probed';
  return {
    targets,
    finding: finding(
      'hsm.state',
      'warn',
      `${clusterId}/${hsmId ?? '?'}`,
      `HSM is ${hsmState ?? 'in an unknown state'}${msg ? ` (${msg})` : ''}${noAddress}`,
      {
        state: hsmState,
        EniIp: h.EniIp ?? null,
      },
    ),
  };
}

/** One HSM in the first AZ the cluster has a subnet in (a second one, in another AZ, for availability). */
function createHsmFix(rc: RawCluster, clusterId: string, region: string | null): string {
  const azs =
    rc.SubnetMapping && typeof rc.SubnetMapping === 'object' ? Object.keys(rc.SubnetMapping).sort() : [];
  const create = (az: string) =>
    awsCommand(region, 'cloudhsmv2', 'create-hsm', ['--cluster-id', clusterId, '--availability-zone', az]);
  if (azs.length === 0)
    return `the cluster has no subnet mapping: add an HSM in one of its AZs (${awsCommand(region, 'cloudhsmv2', 'describe-clusters', ['--filters', `clusterIds=${clusterId}`])} shows them)`;
  return azs.slice(0, 2).map(create).join(' && ');
}

function missingClusterFindings(
  clusters: readonly ClusterInfo[],
  requestedIds: readonly string[],
  region: string | null,
): Finding[] {
  return requestedIds
    .filter((id) => !clusters.some((c) => c.clusterId === id))
    .map((id) =>
      finding(
        'discovery.cloudhsm',
        'fail',
        id,
        'cluster not found in this region and account',
        { requested: id },
        `check --cluster-id and --region; list the clusters with: ${awsCommand(region, 'cloudhsmv2', 'describe-clusters', ['--query', 'Clusters[].ClusterId'])}`,
      ),
    );
}

export function targetsFromIps(ips: readonly string[]): HsmTarget[] {
  return ips.map((ip) => ({
    clusterId: null,
    hsmId: null,
    eniId: null,
    ip,
    family: isIP(ip) === 6 ? 6 : 4,
    az: null,
    subnetId: null,
    state: null,
  }));
}
