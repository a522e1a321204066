// Exposure audit as an agent probe (off by default, hourly): the estate read live — every interface
// of the VPCs that route to the clusters — audited as `hsmwatch audit` audits it, and per cluster the
// number of sources in each class as cloudhsm_exposure_sources{cluster,class}. A cluster whose estate
// was not read completely exports no series: absent means unknown, never 0.
import { AUDIT_FINDINGS, type AuditFindingId } from '../src/audit/findings.js';
import { EXPOSURE_CLASSES, type ExposureClass, type ExposureSection } from '../src/audit/types.js';
import { finding } from '../src/core/findings.js';
import type { MetricsFactory } from '../src/core/metrics.js';
import { defineProbe, type ProbeFinding, type ProbeOutcome } from '../src/core/probe.js';
import { clustersDeadlineMs, estateDeadlineMs, imdsBudgetMs } from '../src/discovery/deadlines.js';
import type { Finding, Status } from '../src/model/index.js';

type Id = 'exposure.audit';
type Out = ProbeFinding<Id | AuditFindingId>;

/** The target of the run's own finding (per-cluster ones name their cluster). */
const RUN_TARGET = 'exposure';
/** Evaluating a large estate once read (the reads have their own deadlines). */
const AUDIT_MS = 60_000;
/**
 * Per-source findings kept of each kind: an estate can have thousands of unintended sources, and
 * each finding is a report entry and five series of cloudhsm_finding_status. `hsmwatch audit` lists all.
 */
export const MAX_SOURCE_FINDINGS = 100;
const PER_SOURCE: ReadonlySet<string> = new Set([
  'exposure.intended-blocked',
  'exposure.unintended-reachable',
]);

const isAuditFinding = (f: Finding): f is Finding<AuditFindingId> => Object.hasOwn(AUDIT_FINDINGS, f.id);
const errorText = (e: unknown) => (e as Error)?.message ?? String(e);

export const exposure = defineProbe({
  id: 'exposure',
  title: 'Exposure audit',
  needs: ['region', 'live-network'],
  optIn: true,
  usesAwsSdk: true,
  defaultIntervalMs: 3_600_000,
  findings: {
    'exposure.audit': {
      summary:
        'The exposure audit read every interface of the VPCs that route to each cluster and classified them (cloudhsm_exposure_sources).',
    },
  },
  passesOn: AUDIT_FINDINGS,
  // IMDS, DescribeClusters, the estate's EC2 reads (growing with the pages, capped), the evaluation.
  deadlineMs: (s) =>
    imdsBudgetMs(s.imds.timeoutMs) + clustersDeadlineMs(s) + estateDeadlineMs(s).capMs + AUDIT_MS,
  declareMetrics: (m) => declareExposureMetrics(m),
  async run(ctx): Promise<ProbeOutcome<Id | AuditFindingId>> {
    const [{ captureEstate }, { auditSnapshot }] = await Promise.all([
      import('../src/discovery/estate.js'),
      import('../src/audit/audit.js'),
    ]);
    const credentials = ctx.env.credentials;
    let captured: Awaited<ReturnType<typeof captureEstate>>;
    try {
      captured = await captureEstate(ctx.settings, {
        signal: ctx.signal,
        ...(credentials ? { credentials } : {}),
      });
    } catch (e) {
      return { findings: [runFinding('error', `could not read the estate: ${errorText(e)}`)] };
    }
    if (!captured.ok)
      return { findings: [runFinding('error', `could not read the estate: ${captured.error}`)] };
    try {
      const result = auditSnapshot(captured.snapshot, ctx.settings);
      return { findings: auditFindings(result, captured.findings) };
    } catch (e) {
      return { findings: [runFinding('error', `the audit failed: ${errorText(e)}`)] };
    }
  },
});

function runFinding(status: Status, message: string, evidence: Record<string, unknown> = {}): Out {
  return finding('exposure.audit', status, RUN_TARGET, `Exposure audit: ${message}`, evidence);
}

/** The audit's findings (per-source ones bounded), each cluster's export verdict, the run's own. */
function auditFindings(
  result: { exposure: ExposureSection; findings: Finding[] },
  discovery: readonly Finding[],
): Out[] {
  // A read that failed leaves the estate incomplete: which ones, as discovery said.
  const failedReads = discovery.filter((f) => f.id === 'discovery.ec2' && f.status !== 'pass');
  const clusters = result.exposure.clusters;
  if (clusters.length === 0) return [noCluster(result.findings, discovery)];
  const out: Out[] = [];
  const kept = new Map<string, number>();
  let leftOut = 0;
  for (const f of result.findings.filter(isAuditFinding)) {
    // Said per cluster below, with what a live read (not a snapshot) lacked.
    if (f.id === 'exposure.scope' && f.status !== 'pass') continue;
    if (PER_SOURCE.has(f.id)) {
      const n = (kept.get(f.id) ?? 0) + 1;
      kept.set(f.id, n);
      if (n > MAX_SOURCE_FINDINGS) {
        leftOut++;
        continue;
      }
    }
    out.push(f);
  }
  for (const c of clusters) out.push(clusterFinding(c, result.findings, failedReads));
  const sources = clusters.reduce((n, c) => n + c.summary.sources, 0);
  const note = leftOut
    ? `; ${leftOut} per-source finding(s) beyond the first ${MAX_SOURCE_FINDINGS} of each kind are left out (hsmwatch audit lists every one)`
    : '';
  out.push(
    runFinding('pass', `audited ${clusters.length} cluster(s), ${sources} interface(s)${note}`, {
      clusters: clusters.length,
      sources,
      leftOut,
    }),
  );
  return out;
}

/** No cluster was audited: nothing listed (skip), or the CloudHSM read failed (error). */
function noCluster(audit: readonly Finding[], discovery: readonly Finding[]): Out {
  const failed = discovery.find(
    (f) => f.id === 'discovery.cloudhsm' && f.status !== 'pass' && f.status !== 'skip',
  );
  const why =
    failed ?? [...discovery, ...audit].find((f) => f.id.startsWith('discovery.') && f.status !== 'pass');
  return runFinding(failed ? 'error' : 'skip', `no cluster to audit${why ? `: ${why.message}` : ''}`);
}

/** Whether the cluster's counts are complete (exported), else why not (no series). */
function clusterFinding(
  c: ExposureSection['clusters'][number],
  audit: readonly Finding[],
  failedReads: readonly Finding[],
): Out {
  const gaps: string[] = [];
  const evidence: Record<string, unknown> = {};
  const lacking = audit.find((f) => f.id === 'discovery.ec2' && f.target === c.clusterId);
  if (lacking) {
    evidence.missing = lacking.evidence.missing;
    gaps.push(`EC2 did not answer ${[lacking.evidence.missing].flat().join(', ')}`);
  }
  const scope = audit.find((f) => f.id === 'exposure.scope' && f.target === c.clusterId);
  if (scope && scope.status !== 'pass') {
    evidence.notRead = scope.evidence.notCaptured;
    gaps.push(`the interfaces of ${[scope.evidence.notCaptured].flat().join(', ')} could not be read`);
  }
  if (failedReads.length) {
    evidence.failedReads = failedReads.map((f) => f.target);
    gaps.push(`EC2 reads failed (${failedReads[0]!.message})`);
  }
  if (gaps.length) {
    return finding(
      'exposure.audit',
      'error',
      c.clusterId,
      `Exposure audit of ${c.clusterId}: incomplete, no counts exported: ${gaps.join('; ')}`,
      evidence,
    );
  }
  const s = c.summary;
  const reach = s.classes['unintended-reachable'] + s.classes['unintended-partial'];
  return finding(
    'exposure.audit',
    'pass',
    c.clusterId,
    `Exposure audit of ${c.clusterId}: ${s.sources} interface(s) in ${c.vpcs.length} VPC(s), ${s.intended} intended, ${reach} unintended that can reach an HSM`,
    { sources: s.sources, intended: s.intended, classes: { ...s.classes } },
  );
}

/** The class counts a finding carries for the metric, or null (then the cluster has no series). */
export function exportedCounts(f: Finding): Record<ExposureClass, number> | null {
  if (f.id !== 'exposure.audit' || f.status !== 'pass' || f.target === RUN_TARGET) return null;
  const classes = f.evidence.classes;
  if (typeof classes !== 'object' || classes === null) return null;
  const counts: Partial<Record<ExposureClass, number>> = {};
  for (const k of EXPOSURE_CLASSES) {
    const v: unknown = (classes as Record<string, unknown>)[k];
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) return null;
    counts[k] = v;
  }
  return counts as Record<ExposureClass, number>;
}

export function declareExposureMetrics(m: MetricsFactory) {
  const sources = m.gauge({
    name: 'cloudhsm_exposure_sources',
    help: 'Interfaces of the VPCs that route to the cluster, by class: intended or not, and whether they reach its HSMs (reachable, partial: some ports, blocked, unknown). From the exposure audit; absent when it could not read the estate.',
    labelNames: ['cluster', 'class'],
  });
  return (outcome: ProbeOutcome) => {
    // Reset and refill in one synchronous step: a scrape never sees half of it.
    sources.reset();
    for (const f of outcome.findings) {
      const counts = exportedCounts(f);
      if (counts) for (const k of EXPOSURE_CLASSES) sources.set({ cluster: f.target, class: k }, counts[k]);
    }
  };
}
