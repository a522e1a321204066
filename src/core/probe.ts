// The contract every probe in probes/ implements. The engine knows probes only through this type.
import type { Registry } from 'prom-client';
import type { Settings } from '../config/settings.js';
import type { Environment } from '../discovery/index.js';
import type { FindingCatalogue } from './findings.js';
import type { EndpointRecord, Finding, LiveResult, PathKey, StaticResult, Status } from './model.js';

/** What a probe needs from discovery; unmet needs make the runner skip it with the reason. */
/** 'live-network': the probe sends packets, so `analyze` (offline, from a snapshot) does not run it. */
export type Need = 'hsm-targets' | 'region' | 'live-network';

export interface ProbeContext {
  env: Environment;
  settings: Settings;
  /** Aborted when the probe's deadline passes or the run is cancelled. */
  signal: AbortSignal;
  /** Outcomes of the probes named in `after`, from the same round. */
  earlier: ReadonlyMap<string, ProbeOutcome>;
}

export interface PathContribution extends PathKey {
  static?: StaticResult;
  live?: LiveResult;
}

export interface ProbeFinding<Id extends string = string> extends Finding {
  id: Id;
  status: Status;
}

export interface ProbeOutcome<Id extends string = string> {
  findings: ProbeFinding<Id>[];
  paths?: PathContribution[];
  endpoints?: EndpointRecord[];
}

/** Sets the probe's own metrics from its latest outcome (the engine owns the registry). */
export type MetricsUpdater = (outcome: ProbeOutcome, env: Environment) => void;

export interface ProbeDefinition<Id extends string = string> {
  /** Stable name: used in --probe/--skip-probe, metrics labels and logs. */
  id: string;
  title: string;
  needs: readonly Need[];
  /** Probes whose outcome this one reads (ctx.earlier); they run first. */
  after?: readonly string[];
  findings: FindingCatalogue<Id>;
  /** How often `hsmwatch agent` runs it unless configured (agent.intervals); else agent.defaultInterval. */
  defaultIntervalMs?: number;
  deadlineMs(settings: Settings, env: Environment): number;
  /** Never throws on expected failures: those are findings. A throw becomes a probe.error finding. */
  run(ctx: ProbeContext): Promise<ProbeOutcome<Id>>;
  declareMetrics?(registry: Registry): MetricsUpdater;
}

/** Keeps the literal finding ids of a probe so its findings are checked against its catalogue. */
export function defineProbe<const Id extends string>(def: ProbeDefinition<Id>): ProbeDefinition<Id> {
  return def;
}
