// `hsmwatch audit`: who can reach the HSMs. Every interface in scope, classified and evaluated with the
// path evaluator `diagnose` uses, from a snapshot's answers (captured live or read from a file). Pure.
import { AWS_OPERATIONS, snapshotKey } from '../aws/operations.js';
import type { Settings } from '../config/settings.js';
import { finding } from '../core/findings.js';
import { clustersToTargets } from '../discovery/clusters.js';
import type { ClusterInfo, Finding, HsmTarget } from '../model/index.js';
import { DEFAULT_EPHEMERAL } from '../netpath/evaluate.js';
import { EC2_KEYS, factsFromSnapshot, type NetFacts, type NetworkInterface } from '../netpath/facts.js';
import { ruleNumberAllocator } from '../netpath/group-fix.js';
import type { PortRange } from '../netpath/ranges.js';
import type { RawCluster, Snapshot } from '../snapshot/format.js';
import { broadRules, ingressRules, permissionText, selfReference } from './broad-rules.js';
import { pathAddresses, sourceClasses } from './classes.js';
import {
  auditTargets,
  type EvaluationInput,
  evaluateGrouped,
  evaluatePerPath,
  evaluateSource,
  sourceVerdict,
} from './evaluate.js';
import {
  type AuditFindingId,
  broadRuleFinding,
  intendedBlocked,
  privateSubnetFinding,
  selfReferenceFinding,
  unintendedReachable,
} from './findings.js';
import { intendedTest } from './intended.js';
import { sourcesInScope, vpcsInScope } from './scope.js';
import {
  type ClusterExposure,
  EXPOSURE_CLASSES,
  type ExposureSection,
  type ExposureSource,
  type ExposureSummary,
} from './types.js';

export interface AuditOptions {
  ephemeral?: PortRange;
  /** per-path: every interface on its own, no grouping (the benchmark's reference). */
  evaluation?: 'grouped' | 'per-path';
  /** A live audit's discovery findings (denied or failed reads), in place of those read off the snapshot. */
  discovery?: readonly Finding[];
}

export interface AuditResult {
  exposure: ExposureSection;
  findings: Finding[];
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

export function auditSnapshot(snapshot: Snapshot, settings: Settings, o: AuditOptions = {}): AuditResult {
  const ports = snapshot.ports?.length ? [...snapshot.ports] : settings.ports;
  const clustersAnswer = snapshot.aws[snapshotKey('DescribeClusters')];
  const findings: Finding[] = [];
  if (!isObj(clustersAnswer)) {
    findings.push(
      finding(
        'discovery.cloudhsm',
        'skip',
        'cloudhsmv2',
        'cloudhsmv2:DescribeClusters is not in the snapshot: no cluster to audit',
        {
          operation: 'cloudhsmv2:DescribeClusters',
        },
      ),
    );
    return { exposure: { clusters: [], summary: emptySummary() }, findings };
  }
  const view = clustersToTargets(
    (Array.isArray(clustersAnswer.Clusters) ? clustersAnswer.Clusters : []) as RawCluster[],
    settings.clusterIds,
    snapshot.region,
  );
  findings.push(...(o.discovery ?? view.findings).filter((f) => f.status !== 'pass'));
  const facts = factsFromSnapshot(snapshot.aws, snapshot.region);
  const missing = [
    EC2_KEYS.enis,
    EC2_KEYS.sgs,
    EC2_KEYS.subnets,
    EC2_KEYS.nacls,
    EC2_KEYS.routeTables,
  ].filter((k) => snapshot.aws[k] === undefined);
  const clusters = view.clusters.map((c) => {
    const r = auditCluster({
      snapshot,
      settings,
      facts,
      cluster: c,
      targets: view.targets,
      ports,
      o,
      missing,
    });
    findings.push(...r.findings);
    return r.exposure;
  });
  return { exposure: { clusters, summary: addSummaries(clusters.map((c) => c.summary)) }, findings };
}

interface ClusterInput {
  snapshot: Snapshot;
  settings: Settings;
  facts: NetFacts;
  cluster: ClusterInfo;
  targets: readonly HsmTarget[];
  ports: number[];
  o: AuditOptions;
  missing: string[];
}

function auditCluster(x: ClusterInput): {
  exposure: ClusterExposure;
  findings: Finding<AuditFindingId | 'discovery.ec2'>[];
} {
  const { facts, cluster, settings, snapshot } = x;
  const region = snapshot.region;
  const vpcs = vpcsInScope(facts, cluster.vpcId);
  const sources = sourcesInScope(facts, vpcs, x.targets);
  const targets = auditTargets(facts, cluster, x.targets);
  const input: EvaluationInput = {
    facts,
    targets,
    ports: x.ports,
    ephemeral: x.o.ephemeral ?? DEFAULT_EPHEMERAL,
  };
  const classes = sourceClasses(facts, snapshot.aws, sources);
  const results =
    x.o.evaluation === 'per-path' ? evaluatePerPath(input, sources) : evaluateGrouped(input, classes);
  const isIntended = intendedTest(facts, cluster.securityGroup, settings.audit.intended);
  const exposed: ExposureSource[] = sources.map((eni) =>
    exposureSource(eni, isIntended(eni), results.get(eni.id) ?? []),
  );
  const summary = summaryOf(exposed, x.o.evaluation === 'per-path' ? sources.length : classes.length);
  const exposure: ClusterExposure = {
    clusterId: cluster.clusterId,
    vpcId: cluster.vpcId,
    securityGroup: cluster.securityGroup,
    vpcs,
    hsms: [...new Set(targets.map((t) => t.hsmId))].map((hsmId) => ({
      hsmId,
      addresses: targets.filter((t) => t.hsmId === hsmId).map((t) => t.target.ip),
    })),
    ports: x.ports,
    summary,
    sources: exposed,
  };
  const byId = new Map(sources.map((s) => [s.id, s]));
  const out: Finding<AuditFindingId | 'discovery.ec2'>[] = [];
  if (x.missing.length) {
    out.push(
      finding(
        'discovery.ec2',
        'skip',
        cluster.clusterId,
        `the snapshot lacks ${x.missing.join(', ')}: the paths that need them are unknown`,
        {
          missing: x.missing,
        },
      ),
    );
  }
  out.push(scopeFinding(snapshot, cluster, vpcs, sources.length));
  out.push(
    finding(
      'exposure.summary',
      'pass',
      cluster.clusterId,
      `${sources.length} interface(s) in ${vpcs.length} VPC(s) against ${targets.length} HSM address(es) × ${x.ports.length} port(s): ${summary.intended} intended, ${summary.classes['unintended-reachable'] + summary.classes['unintended-partial']} unintended that can reach an HSM`,
      { ...summary },
    ),
  );
  const allocate = ruleNumberAllocator(facts);
  for (const s of exposed) {
    if (s.intended && s.verdict !== 'reachable')
      out.push(intendedBlocked(s, evaluateSource(input, byId.get(s.eniId)!), region, facts.nacls, allocate));
    if (!s.intended && (s.verdict === 'reachable' || s.verdict === 'partial'))
      out.push(unintendedReachable(s, settings.strict));
  }
  out.push(
    ...groupFindings(
      x,
      exposure,
      sources.filter((_, i) => exposed[i]!.intended),
    ),
  );
  const priv = privateSubnetFinding(facts, cluster);
  if (priv) out.push(priv);
  return { exposure, findings: out };
}

/** The cluster group's own rules: broader than needed, and its self-references. */
function groupFindings(
  x: ClusterInput,
  exposure: ClusterExposure,
  intended: readonly NetworkInterface[],
): Finding<AuditFindingId>[] {
  const group = rawSecurityGroup(x.snapshot, x.cluster.securityGroup);
  if (!group) return [];
  const region = x.snapshot.region;
  const proposed = new Set(ingressRules(group).map(permissionText));
  return [
    ...broadRules(x.facts, group, intended, x.ports).map((b) => broadRuleFinding(b, region, proposed)),
    selfReferenceFinding(exposure, selfReference(group, x.ports), region),
  ];
}

function exposureSource(
  eni: NetworkInterface,
  intendedBy: string | null,
  ports: ExposureSource['ports'],
): ExposureSource {
  return {
    eniId: eni.id,
    kind: eni.kind,
    owner: eni.instanceId ?? eni.description,
    vpcId: eni.vpcId,
    subnetId: eni.subnetId,
    securityGroups: eni.groupIds,
    addresses: pathAddresses(eni),
    intended: intendedBy !== null,
    intendedBy,
    verdict: sourceVerdict(ports),
    ports,
  };
}

function rawSecurityGroup(snapshot: Snapshot, id: string | null): Obj | null {
  const answer = snapshot.aws[snapshotKey('DescribeSecurityGroups')];
  const groups = isObj(answer) ? answer[AWS_OPERATIONS.DescribeSecurityGroups.listField] : null;
  if (!id || !Array.isArray(groups)) return null;
  return (groups.find((g) => isObj(g) && g.GroupId === id) as Obj | undefined) ?? null;
}

function scopeFinding(
  snapshot: Snapshot,
  cluster: ClusterInfo,
  vpcs: string[],
  count: number,
): Finding<AuditFindingId> {
  const captured = new Set(snapshot.estate?.vpcIds ?? []);
  const unread = vpcs.filter((v) => !captured.has(v));
  if (unread.length === 0) {
    return finding(
      'exposure.scope',
      'pass',
      cluster.clusterId,
      `every interface of ${vpcs.join(', ')} was read`,
      { vpcs },
    );
  }
  return finding(
    'exposure.scope',
    'warn',
    cluster.clusterId,
    `the snapshot was not captured with \`hsmwatch snapshot --estate\` for ${unread.join(', ')}: only the ${count} interface(s) it holds are audited, others may exist`,
    { vpcs, notCaptured: unread },
    'hsmwatch snapshot --estate --out FILE',
  );
}

function emptySummary(): ExposureSummary {
  return {
    sources: 0,
    intended: 0,
    classes: Object.fromEntries(EXPOSURE_CLASSES.map((k) => [k, 0])) as ExposureSummary['classes'],
    evaluations: 0,
  };
}

function summaryOf(sources: readonly ExposureSource[], evaluations: number): ExposureSummary {
  const s = emptySummary();
  s.sources = sources.length;
  s.evaluations = evaluations;
  for (const x of sources) {
    if (x.intended) s.intended++;
    s.classes[`${x.intended ? 'intended' : 'unintended'}-${x.verdict}`]++;
  }
  return s;
}

function addSummaries(all: readonly ExposureSummary[]): ExposureSummary {
  const s = emptySummary();
  for (const x of all) {
    s.sources += x.sources;
    s.intended += x.intended;
    s.evaluations += x.evaluations;
    for (const k of EXPOSURE_CLASSES) s.classes[k] += x.classes[k];
  }
  return s;
}
