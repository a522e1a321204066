// The one long-lived Prometheus registry of the agent and the metrics every probe shares. Probes
// declare their own metrics once (ProbeDefinition.declareMetrics) and set them from their latest
// outcome; nothing here names a particular probe.
import { Counter, collectDefaultMetrics, Gauge, Registry, type RegistryContentType } from 'prom-client';
import type { Environment } from '../core/environment.js';
import { findingSeries, stateSet } from '../core/finding-labels.js';
import { LabelPruner } from '../core/label-pruner.js';
import type { MetricsUpdater, ProbeDefinition } from '../core/probe.js';
import type { ProbeRun } from '../core/runner.js';
import type { Finding } from '../model/index.js';
import { metricsFactory } from './metrics-factory.js';

const RUN_RESULTS: readonly ProbeRun['result'][] = ['ok', 'timeout', 'error', 'skipped'];

export interface AgentMetricsOptions {
  version: string;
  /** The git commit of the build, as `revision` (Prometheus' own build_info spelling). */
  revision?: string;
  probes: readonly ProbeDefinition[];
  /** Process and Node.js default metrics (off in unit tests that build many registries). */
  defaults?: boolean;
}

/** The process and Node.js default metrics, less the ones promtool rejects. */
function collectProcessMetrics(proc: Registry): void {
  collectDefaultMetrics({ register: proc });
  // Gauges named like counters (promtool lint fails on them); the per-type gauges say the same.
  for (const name of [
    'nodejs_active_handles_total',
    'nodejs_active_requests_total',
    'nodejs_active_resources_total',
  ])
    proc.removeSingleMetric(name);
}

export class AgentMetrics {
  /** Results: the shared metrics and every probe's own. Changes only when a result changes. */
  readonly registry = new Registry<RegistryContentType>();
  /** Process and Node.js defaults: read at scrape time, kept apart so results need no re-render. */
  readonly processRegistry = new Registry<RegistryContentType>();
  /** Bumped on every change of the results registry: a rendered exposition is reused until then. */
  version = 0;
  private readonly updaters = new Map<string, MetricsUpdater>();
  /** Each probe's own metrics, by probe id: cleared when a reload deselects the probe. */
  private readonly ownMetrics = new Map<string, Array<{ reset(): void }>>();
  // prom-client types a registry by its content type; this one switches per request (render()).
  private readonly results = this.registry as unknown as Registry;

  // The shared metrics, registered (and so exposed) in this order, before the probes' own.
  private readonly buildInfo = new Gauge({
    name: 'cloudhsm_agent_build_info',
    help: 'hsmwatch agent build: version, git commit (revision) and Node.js version (always 1).',
    labelNames: ['version', 'revision', 'nodejs_version'],
    registers: [this.results],
  });
  private readonly lastRun = new Gauge({
    name: 'cloudhsm_probe_last_run_timestamp_seconds',
    help: 'When the probe last finished (Unix time).',
    labelNames: ['probe'],
    registers: [this.results],
  });
  private readonly duration = new Gauge({
    name: 'cloudhsm_probe_duration_seconds',
    help: 'How long the last run of the probe took.',
    labelNames: ['probe'],
    registers: [this.results],
  });
  private readonly success = new Gauge({
    name: 'cloudhsm_probe_success',
    help: 'Whether the last run of the probe completed (1) or timed out, failed internally or was skipped (0).',
    labelNames: ['probe'],
    registers: [this.results],
  });
  private readonly runs = new Counter({
    name: 'cloudhsm_probe_runs_total',
    help: 'Probe runs by result: ok, timeout, error, skipped.',
    labelNames: ['probe', 'result'],
    registers: [this.results],
  });
  // A state set (OpenMetrics StateSet convention, exposed as a gauge): per finding, one series per
  // status, 1 for the current one and 0 for the others. target holds the ids the finding names.
  private readonly findingStatus = new Gauge({
    name: 'cloudhsm_finding_status',
    help: 'Latest status of each finding as a state set: 1 for its current status (pass, warn, fail, skip, error), 0 for the others. target: the ids the finding names.',
    labelNames: ['id', 'target', 'status'],
    registers: [this.results],
  });
  private readonly findingPruner = new LabelPruner();
  private readonly findingsMerged = new Gauge({
    name: 'cloudhsm_finding_label_collisions',
    help: 'Findings of the latest results exported under the id and target labels of another one (the series shows the worst status of them; /report lists each).',
    registers: [this.results],
  });
  private readonly apiErrors = new Counter({
    name: 'cloudhsm_aws_api_errors_total',
    help: 'AWS API calls that failed (after retries), by service, operation and AWS error code, or the kind of failure when AWS gave none (timeout, network, garbage, credentials).',
    labelNames: ['service', 'operation', 'code'],
    registers: [this.results],
  });
  private readonly clusterHsms = new Gauge({
    name: 'cloudhsm_cluster_hsms',
    help: 'HSMs of each discovered cluster by CloudHSM state.',
    labelNames: ['cluster', 'state'],
    registers: [this.results],
  });
  private readonly discoveryLastSuccess = new Gauge({
    name: 'cloudhsm_discovery_last_success_timestamp_seconds',
    help: 'When discovery last listed the HSMs successfully (Unix time; 0 never).',
    registers: [this.results],
  });
  private readonly discoveryLastAttempt = new Gauge({
    name: 'cloudhsm_discovery_last_run_timestamp_seconds',
    help: 'When discovery last ran (Unix time).',
    registers: [this.results],
  });
  private readonly dataStale = new Gauge({
    name: 'cloudhsm_agent_data_stale',
    help: 'Whether the agent probes HSMs from a previous discovery because the latest one failed (1) or not (0).',
    registers: [this.results],
  });
  private readonly staleSince = new Gauge({
    name: 'cloudhsm_agent_data_stale_since_timestamp_seconds',
    help: 'Since when discovery has been failing (Unix time; 0 when it is not).',
    registers: [this.results],
  });
  private readonly ready = new Gauge({
    name: 'cloudhsm_agent_ready',
    help: 'Whether the first round of probes has finished (1) or not (0).',
    registers: [this.results],
  });
  private readonly targets = new Gauge({
    name: 'cloudhsm_agent_targets',
    help: 'HSM addresses the agent probes now.',
    registers: [this.results],
  });

  private readonly awsPeak = new Gauge({
    name: 'cloudhsm_agent_aws_process_peak_rss_bytes',
    help: 'Peak resident memory of the last short-lived AWS process (discovery, SDK-using probes), by task.',
    labelNames: ['task'],
    registers: [this.results],
  });

  constructor(o: AgentMetricsOptions) {
    if (o.defaults !== false) collectProcessMetrics(this.processRegistry as unknown as Registry);
    this.buildInfo.set(
      { version: o.version, revision: o.revision ?? 'unknown', nodejs_version: process.versions.node },
      1,
    );
    // Exposed from the start: 0 until discovery and the first round say otherwise.
    this.discoveryLastSuccess.set(0);
    this.dataStale.set(0);
    this.staleSince.set(0);
    this.ready.set(0);
    this.targets.set(0);
    this.findingsMerged.set(0);
    for (const p of o.probes) {
      const own: Array<{ reset(): void }> = [];
      const updater = p.declareMetrics?.(metricsFactory(this.results, own));
      if (updater) this.updaters.set(p.id, updater);
      this.ownMetrics.set(p.id, own);
    }
  }

  /** Probes no longer selected (a reload) lose every series: the shared per-probe ones and their own. */
  retainProbes(ids: ReadonlySet<string>): void {
    this.version++;
    for (const [id, own] of this.ownMetrics) {
      if (ids.has(id)) continue;
      for (const m of own) m.reset();
      for (const g of [this.lastRun, this.duration, this.success]) g.remove({ probe: id });
      for (const result of RUN_RESULTS) this.runs.remove({ probe: id, result });
      this.awsPeak.remove({ task: id });
    }
  }

  /** After each probe run: the shared metrics, then the probe's own from its outcome. */
  observeRun(run: ProbeRun, env: Environment): void {
    this.version++;
    const labels = { probe: run.probe };
    this.lastRun.set(labels, (run.startedAt + run.durationMs) / 1000);
    this.duration.set(labels, run.durationMs / 1000);
    this.success.set(labels, run.result === 'ok' ? 1 : 0);
    this.runs.inc({ probe: run.probe, result: run.result });
    for (const e of run.outcome.awsApiErrors ?? []) this.awsApiError(e.service, e.operation, e.code);
    // A timed-out or crashed run tells nothing about the targets: the probe's metrics keep the last
    // known values (cloudhsm_probe_success says why they are old). A skipped run has no targets.
    if (run.result === 'ok' || run.result === 'skipped') {
      try {
        this.updaters.get(run.probe)?.(run.outcome, env);
      } catch {
        // A metrics bug in one probe must not stop the agent; its success gauge says it ran.
      }
    }
  }

  /**
   * Every finding of the latest results, as a state set per id and target label (findings sharing
   * them: the worst status, and counted as collisions); series of findings no longer reported go.
   */
  setFindings(findings: readonly Finding[]): void {
    this.version++;
    const current: Array<Record<string, string>> = [];
    let merged = 0;
    for (const series of findingSeries(findings)) {
      merged += series.findings - 1;
      for (const { status, value } of stateSet(series.status)) {
        const labels = { id: series.id, target: series.target, status };
        this.findingStatus.set(labels, value);
        current.push(labels);
      }
    }
    this.findingPruner.keep(this.findingStatus, current);
    this.findingsMerged.set(merged);
  }

  // AWS error codes are a bounded set, but an endpoint that is not AWS can send any: past this many
  // distinct codes, a new one is counted as `other`.
  private readonly apiErrorCodes = new Set<string>();
  private static readonly MAX_API_ERROR_CODES = 50;

  /** A failed AWS call (discovery's, or a probe's in the AWS process): code is an AWS code or a kind. */
  awsApiError(service: string, operation: string, code: string): void {
    this.version++;
    let c = /^[A-Za-z][A-Za-z0-9._-]{0,63}$/.test(code) ? code : 'other';
    if (!this.apiErrorCodes.has(c)) {
      if (this.apiErrorCodes.size >= AgentMetrics.MAX_API_ERROR_CODES) c = 'other';
      else this.apiErrorCodes.add(c);
    }
    this.apiErrors.inc({ service, operation, code: c });
  }

  observeDiscovery(
    env: Environment,
    o: { ok: boolean; at: number; lastSuccessAt: number | null; staleSince: number | null },
  ): void {
    this.version++;
    this.discoveryLastAttempt.set(o.at / 1000);
    this.discoveryLastSuccess.set((o.lastSuccessAt ?? 0) / 1000);
    this.dataStale.set(o.staleSince === null ? 0 : 1);
    this.staleSince.set((o.staleSince ?? 0) / 1000);
    this.targets.set(env.targets.length);
    if (!o.ok && o.staleSince !== null) return; // keep the last known cluster view
    const counts = new Map<string, { cluster: string; state: string; n: number }>();
    for (const c of env.clusters) {
      for (const t of env.targets.filter((x) => x.clusterId === c.clusterId && x.family === 4)) {
        const state = t.state ?? 'UNKNOWN';
        const key = `${c.clusterId}|${state}`;
        const e = counts.get(key) ?? { cluster: c.clusterId, state, n: 0 };
        e.n++;
        counts.set(key, e);
      }
    }
    // Reset and refill in one synchronous step: a scrape never sees half of it.
    this.clusterHsms.reset();
    for (const e of counts.values()) this.clusterHsms.set({ cluster: e.cluster, state: e.state }, e.n);
  }

  awsProcessPeak(task: string, bytes: number): void {
    this.awsPeak.set({ task }, bytes);
    this.version++;
  }

  setReady(ready: boolean): void {
    this.version++;
    this.ready.set(ready ? 1 : 0);
  }

  // One exposition at a time: the content type is a registry-wide setting.
  private rendering: Promise<unknown> = Promise.resolve();

  /** One registry's exposition in the Prometheus text format, or OpenMetrics (without `# EOF`). */
  render(which: 'results' | 'process', openMetrics: boolean): Promise<{ body: string; contentType: string }> {
    const registry = which === 'results' ? this.registry : this.processRegistry;
    const next = this.rendering.then(async () => {
      const type = openMetrics ? Registry.OPENMETRICS_CONTENT_TYPE : Registry.PROMETHEUS_CONTENT_TYPE;
      // prom-client renames counters in place (drops `_total`) for OpenMetrics: put the names back.
      const names = registry.getMetricsAsArray().map((m) => [m, m.name] as const);
      registry.setContentType(type);
      try {
        let body = await registry.metrics();
        if (openMetrics) body = body.replace(/# EOF\n$/, '');
        if (body.trim() === '') body = '';
        else body = `${body.trimEnd()}\n`;
        return { body, contentType: registry.contentType as string };
      } finally {
        registry.setContentType(Registry.PROMETHEUS_CONTENT_TYPE);
        for (const [m, name] of names) (m as { name: string }).name = name;
      }
    });
    this.rendering = next.catch(() => {});
    return next;
  }
}
