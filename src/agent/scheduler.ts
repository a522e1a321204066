// Runs discovery and every selected probe on its own interval, with jitter, a bound on probes in
// flight and each probe's deadline (runProbe). Results go to the state and the metrics; nothing
// here knows a particular probe.
import type { Settings } from '../config/settings.js';
import type { Environment } from '../core/environment.js';
import { type ProbeDefinition, type ProbeOutcome, producersOf } from '../core/probe.js';
import { type ProbeRun, runProbe } from '../core/runner.js';
import { type Clock, realClock, type TimerHandle } from './clock.js';
import type { Logger } from './log.js';
import type { AgentMetrics } from './metrics.js';
import type { AgentState } from './state.js';

export const DISCOVERY_TASK = 'discovery';

export type DiscoverFn = (settings: Settings, signal: AbortSignal) => Promise<Environment>;

export interface SchedulerOptions {
  settings: Settings;
  probes: readonly ProbeDefinition[];
  discover: DiscoverFn;
  state: AgentState;
  metrics: AgentMetrics;
  log: Logger;
  random?: () => number;
  /** Time and timers for scheduling and the shutdown drain; the real clock unless given. */
  clock?: Clock;
  onReady?: () => void;
}

interface Task {
  id: string;
  probe: ProbeDefinition | null;
  intervalMs: number;
  nextDue: number;
  running: Promise<void> | null;
  controller: AbortController | null;
}

/** Interval of a task: its own setting, else the probe's own default, else the general default. */
export function intervalFor(settings: Settings, id: string, probe?: ProbeDefinition | null): number {
  return settings.agent.intervalsMs[id] ?? probe?.defaultIntervalMs ?? settings.agent.defaultIntervalMs;
}

export class Scheduler {
  private settings: Settings;
  private probes: readonly ProbeDefinition[];
  private readonly tasks = new Map<string, Task>();
  private timer: TimerHandle | undefined;
  private stopped = false;
  private readonly random: () => number;
  private readonly clock: Clock;
  /** Rounds completed per probe: for tests and the benchmark. */
  readonly completed = new Map<string, number>();

  constructor(private readonly o: SchedulerOptions) {
    this.settings = o.settings;
    this.probes = o.probes;
    this.random = o.random ?? Math.random;
    this.clock = o.clock ?? realClock;
    this.tasks.set(DISCOVERY_TASK, this.newTask(DISCOVERY_TASK, null));
    for (const p of this.probes) this.tasks.set(p.id, this.newTask(p.id, p));
  }

  private newTask(id: string, probe: ProbeDefinition | null): Task {
    return {
      id,
      probe,
      intervalMs: intervalFor(this.settings, id, probe),
      nextDue: this.clock.now(),
      running: null,
      controller: null,
    };
  }

  start(): void {
    this.tick();
  }

  /** A reloaded configuration: new intervals and probe selection, and discovery again now. */
  update(settings: Settings, probes: readonly ProbeDefinition[]): void {
    this.settings = settings;
    this.probes = probes;
    const ids = new Set(probes.map((p) => p.id));
    for (const [id, t] of this.tasks) {
      if (!t.probe || ids.has(id)) continue;
      // Deselected: a run in flight is stopped, and its result dropped when it returns (runOne).
      t.controller?.abort(new Error('probe deselected by a configuration reload'));
      this.tasks.delete(id);
    }
    for (const p of probes) if (!this.tasks.has(p.id)) this.tasks.set(p.id, this.newTask(p.id, p));
    for (const t of this.tasks.values()) {
      t.intervalMs = intervalFor(settings, t.id, t.probe);
      t.nextDue = Math.min(t.nextDue, this.clock.now() + t.intervalMs);
    }
    // Their results, findings and every series of theirs go now, not at some later run.
    this.o.state.retainProbes(ids);
    this.o.metrics.retainProbes(ids);
    this.o.metrics.setFindings(this.o.state.findings());
    this.tasks.get(DISCOVERY_TASK)!.nextDue = this.clock.now();
    this.checkReady();
    this.tick();
  }

  /** Stops scheduling; in-flight work gets `drainMs` to finish, then is aborted. True if drained. */
  async stop(drainMs: number): Promise<boolean> {
    this.stopped = true;
    this.clock.clearTimeout(this.timer);
    const inFlight = [...this.tasks.values()].flatMap((t) => (t.running ? [t.running] : []));
    if (inFlight.length === 0) return true;
    let timer: TimerHandle | undefined;
    const drained = await Promise.race([
      Promise.allSettled(inFlight).then(() => true),
      new Promise<false>((resolve) => {
        timer = this.clock.setTimeout(() => resolve(false), drainMs);
      }),
    ]);
    this.clock.clearTimeout(timer);
    if (!drained) {
      for (const t of this.tasks.values()) t.controller?.abort(new Error('agent shutting down'));
      // Probes honour their signal; give them a moment to return.
      await Promise.race([
        Promise.allSettled(inFlight),
        new Promise<void>((r) => this.clock.setTimeout(r, 1000).unref?.()),
      ]);
    }
    return drained;
  }

  inFlight(): string[] {
    return [...this.tasks.values()].filter((t) => t.running).map((t) => t.id);
  }

  private runningProbes(): number {
    let n = 0;
    for (const t of this.tasks.values()) if (t.probe && t.running) n++;
    return n;
  }

  private tick = (): void => {
    if (this.stopped) return;
    this.clock.clearTimeout(this.timer);
    const now = this.clock.now();
    const due = [...this.tasks.values()].filter((t) => !t.running && t.nextDue <= now);
    due.sort((a, b) => a.nextDue - b.nextDue);
    for (const t of due) {
      if (!t.probe) {
        this.launch(t, () => this.runDiscovery(t));
        continue;
      }
      if (!this.o.state.env) continue; // probes start after the first discovery
      // `continue`, not `break`: the bound holds back probes only, never a due discovery after them.
      if (this.runningProbes() >= this.settings.agent.maxConcurrentProbes) continue;
      // A probe that consumes others' facts waits for their producers to have run and not be mid-run.
      const deps = producersOf(t.probe, this.probes).map((p) => p.id);
      if (deps.some((a) => this.tasks.get(a)?.running || !this.o.state.runs.has(a))) continue;
      const probe = t.probe;
      this.launch(t, () => this.runOne(t, probe));
    }
    // Due tasks held back (no environment yet, concurrency bound, dependencies) start when a running
    // task finishes; the timer is for the next task not yet due.
    const later = [...this.tasks.values()].filter((t) => !t.running && t.nextDue > now).map((t) => t.nextDue);
    if (later.length === 0) return;
    this.timer = this.clock.setTimeout(this.tick, Math.min(Math.min(...later) - now, 60_000));
  };

  private launch(t: Task, fn: () => Promise<void>): void {
    t.controller = new AbortController();
    t.running = fn()
      .catch((e) => this.o.log.error('task failed unexpectedly', { task: t.id, error: e }))
      .finally(() => {
        t.running = null;
        t.controller = null;
        const j = this.settings.agent.jitter;
        t.nextDue = this.clock.now() + t.intervalMs * (1 + j * (2 * this.random() - 1));
        this.completed.set(t.id, (this.completed.get(t.id) ?? 0) + 1);
        this.tick();
      });
  }

  private async runOne(t: Task, probe: ProbeDefinition): Promise<void> {
    const env = this.o.state.env!;
    const earlier = new Map<string, ProbeOutcome>();
    for (const [id, r] of this.o.state.runs) earlier.set(id, r.outcome);
    const run: ProbeRun = await runProbe(probe, env, earlier, t.controller!.signal);
    if (this.stopped && t.controller?.signal.aborted) return; // cut short by shutdown: not a result
    if (this.tasks.get(t.id) !== t) return; // deselected by a reload meanwhile: no longer wanted
    this.o.state.setRun(run);
    this.o.metrics.observeRun(run, env);
    this.o.metrics.setFindings(this.o.state.findings());
    const fields = { probe: run.probe, result: run.result, durationMs: Math.round(run.durationMs) };
    if (run.result === 'timeout' || run.result === 'error') this.o.log.warn('probe did not complete', fields);
    else this.o.log.debug('probe finished', fields);
    this.checkReady();
  }

  private checkReady(): void {
    if (this.o.state.ready || !this.o.state.env) return;
    if (this.probes.every((p) => this.o.state.runs.has(p.id))) {
      this.o.state.ready = true;
      this.o.metrics.setReady(true);
      this.o.log.info('first round finished: ready', { probes: this.probes.length });
      this.o.onReady?.();
    }
  }

  private async runDiscovery(t: Task): Promise<void> {
    const at = this.clock.now();
    const prev = this.o.state.env;
    const prevStatus = this.o.state.discovery;
    let env: Environment;
    try {
      env = await this.o.discover(this.settings, t.controller!.signal);
    } catch (e) {
      this.o.log.error('discovery failed', { error: e });
      if (!prev) {
        // Nothing known yet: try again soon rather than after a whole interval.
        t.intervalMs = Math.min(intervalFor(this.settings, t.id, t.probe), 15_000);
        return;
      }
      env = { ...prev, findings: prev.findings };
    }
    for (const e of env.discovery.apiErrors) this.o.metrics.awsApiError(e.service, e.operation, e.code);
    const ok = env.discovery.hsmsListed;
    let staleSince: number | null = null;
    if (!ok && prev && prev.targets.length > 0) {
      // Keep probing the last known HSMs, and say since when that list is stale.
      staleSince = prevStatus?.staleSince ?? at;
      env = {
        ...env,
        clusters: prev.clusters,
        targets: prev.targets,
        vpc: prev.vpc,
        snapshot: prev.snapshot,
      };
      this.o.log.warn('discovery failed: probing the last known HSMs', {
        staleSince: new Date(staleSince).toISOString(),
        targets: env.targets.length,
        findings: env.findings.filter((f) => f.status !== 'pass').map((f) => `${f.id}: ${f.message}`),
      });
    } else if (!ok) {
      this.o.log.warn('discovery found no HSM to probe', {
        findings: env.findings.filter((f) => f.status !== 'pass').map((f) => `${f.id}: ${f.message}`),
      });
    }
    const lastSuccessAt = ok ? at : (prevStatus?.lastSuccessAt ?? null);
    const status = { at, ok, lastSuccessAt, staleSince };
    const key = (e: Environment | null) =>
      (e?.targets ?? [])
        .map((x) => `${x.clusterId}/${x.hsmId}/${x.ip}/${x.state}`)
        .sort()
        .join(',');
    const changed = key(prev) !== key(env);
    this.o.state.setEnvironment(env, status);
    this.o.metrics.observeDiscovery(env, status);
    this.o.metrics.setFindings(this.o.state.findings());
    t.intervalMs = intervalFor(this.settings, t.id, t.probe);
    if (changed) {
      const before = new Set((prev?.targets ?? []).map((x) => x.ip));
      const after = new Set(env.targets.map((x) => x.ip));
      this.o.log.info(prev ? 'HSM targets changed' : 'discovered HSM targets', {
        clusters: env.clusters.map((c) => c.clusterId),
        targets: env.targets.length,
        added: [...after].filter((ip) => !before.has(ip)),
        removed: [...before].filter((ip) => !after.has(ip)),
      });
      // New addresses are probed now, and series of vanished ones are dropped by the next runs.
      for (const task of this.tasks.values()) if (task.probe) task.nextDue = this.clock.now();
    }
    this.checkReady();
  }
}
