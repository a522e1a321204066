// The contract every probe in probes/ implements. The engine knows probes only through this type.
import type { Settings } from '../config/settings.js';
import type { EndpointRecord, Finding, PathContribution } from '../model/index.js';
import type { Environment } from './environment.js';
import type { FactName, Facts } from './facts.js';
import type { FindingCatalogue } from './findings.js';
import type { MetricsFactory } from './metrics.js';

export type { PathContribution } from '../model/index.js';

/** What a probe needs from discovery; unmet needs make the runner skip it with the reason. */
/** 'live-network': the probe sends packets, so `analyze` (offline, from a snapshot) does not run it. */
export type Need = 'hsm-targets' | 'region' | 'live-network';

export interface ProbeContext<Consumed extends FactName = never> {
  env: Environment;
  settings: Settings;
  /** Aborted when the probe's deadline passes or the run is cancelled. */
  signal: AbortSignal;
  /** The facts this probe consumes, as their producers established them in this round. */
  facts: Facts<Consumed>;
}

export type ProbeFinding<Id extends string = string> = Finding<Id>;

export interface ProbeOutcome<Id extends string = string, Produced extends FactName = FactName> {
  findings: ProbeFinding<Id>[];
  paths?: PathContribution[];
  endpoints?: EndpointRecord[];
  facts?: Facts<Produced>;
  /** The AWS calls of the run that failed, for the agent's error counter (set by its AWS process). */
  awsApiErrors?: ReadonlyArray<{ service: string; operation: string; code: string }>;
}

/** Sets the probe's own metrics from its latest outcome (the engine owns the registry). */
export type MetricsUpdater = (outcome: ProbeOutcome, env: Environment) => void;

export interface ProbeDefinition<
  Id extends string = string,
  Consumed extends FactName = FactName,
  Produced extends FactName = FactName,
  Passed extends string = never,
> {
  /** Stable name: used in --probe/--skip-probe, metrics labels and logs. */
  id: string;
  title: string;
  needs: readonly Need[];
  /** Facts of other probes this one reads (ctx.facts); their producers run first. */
  consumes?: readonly Consumed[];
  /** Facts this probe establishes (outcome.facts) for the probes that consume them. */
  produces?: readonly Produced[];
  findings: FindingCatalogue<Id>;
  /**
   * Findings the engine (src/) declares and this probe's outcome carries too (an audit it runs): the
   * catalogue holds them once, as the engine's, not among the probe's own.
   */
  passesOn?: FindingCatalogue<Passed>;
  /**
   * Off by default: selected only when named in probes.enable (--enable-probe) or probes.only
   * (--probe). For checks beyond this client's own paths, such as an audit of the whole estate.
   */
  optIn?: boolean;
  /** How often `hsmwatch agent` runs it unless configured (agent.intervals); else agent.defaultInterval. */
  defaultIntervalMs?: number;
  deadlineMs(settings: Settings, env: Environment): number;
  /**
   * Running it loads the AWS SDK (tens of MB, half a second): the agent runs such a probe in a
   * short-lived child process, so the long-lived daemon never carries the SDK. Its outcome must
   * survive JSON.
   */
  usesAwsSdk?: boolean;
  /**
   * Never throws on expected failures: those are findings. A throw becomes a probe.error finding.
   * The ids are inferred from the catalogues alone: an outcome cannot widen them.
   */
  run(ctx: ProbeContext<Consumed>): Promise<ProbeOutcome<NoInfer<Id | Passed>, Produced>>;
  declareMetrics?(metrics: MetricsFactory): MetricsUpdater;
}

/**
 * Keeps the literal finding ids and fact names of a probe, so its findings are checked against its
 * catalogue and its facts against its declarations.
 */
export function defineProbe<
  const Id extends string,
  const Consumed extends FactName = never,
  const Produced extends FactName = never,
  const Passed extends string = never,
>(def: ProbeDefinition<Id, Consumed, Produced, Passed>): ProbeDefinition<Id, Consumed, Produced, Passed> {
  return def;
}

/** The probes among `all` that produce a fact `probe` consumes. */
export function producersOf(probe: ProbeDefinition, all: readonly ProbeDefinition[]): ProbeDefinition[] {
  const wanted = new Set<FactName>(probe.consumes ?? []);
  return all.filter((p) => p !== probe && (p.produces ?? []).some((f) => wanted.has(f)));
}
