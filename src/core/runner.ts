// Runs probes with deadlines. A probe that throws or overruns becomes a finding; the rest go on.
import { setMaxListeners } from 'node:events';
import type { Environment } from './environment.js';
import type { Facts } from './facts.js';
import { finding } from './findings.js';
import { type Need, type ProbeDefinition, type ProbeOutcome, producersOf } from './probe.js';

export interface ProbeRun {
  probe: string;
  startedAt: number;
  durationMs: number;
  result: 'ok' | 'timeout' | 'error' | 'skipped';
  outcome: ProbeOutcome;
}

export interface RunOptions {
  signal?: AbortSignal;
  progress?: (message: string) => void;
}

const NEED_CHECKS: Record<Need, (env: Environment) => string | null> = {
  'hsm-targets': (env) => (env.targets.length > 0 ? null : 'no HSM addresses were discovered'),
  region: (env) => (env.region ? null : 'no AWS region is known'),
  'live-network': (env) => (env.mode === 'live' ? null : 'offline analysis of a snapshot'),
};

/**
 * The probes to run: all but the opt-in ones (ProbeDefinition.optIn) and those added by `enable`;
 * with `only`, exactly those named (opt-in ones included: naming a probe runs it); less `skip`.
 */
export function selectProbes(
  all: readonly ProbeDefinition[],
  only: readonly string[],
  skip: readonly string[],
  enable: readonly string[] = [],
) {
  const known = new Set(all.map((p) => p.id));
  const unknown = [...only, ...skip, ...enable].filter((id) => !known.has(id));
  if (unknown.length) {
    return {
      ok: false as const,
      error: `unknown probe ${unknown.map((u) => `"${u}"`).join(', ')}; probes: ${[...known].join(', ')}`,
    };
  }
  return {
    ok: true as const,
    probes: all.filter(
      (p) =>
        (only.length > 0 ? only.includes(p.id) : !p.optIn || enable.includes(p.id)) && !skip.includes(p.id),
    ),
  };
}

/** The facts established by earlier outcomes: what a probe that consumes them is given. */
function factsOf(outcomes: Iterable<ProbeOutcome>): Facts {
  const facts: Facts = {};
  for (const o of outcomes) Object.assign(facts, o.facts);
  return facts;
}

export async function runProbe(
  probe: ProbeDefinition,
  env: Environment,
  earlier: ReadonlyMap<string, ProbeOutcome>,
  parent?: AbortSignal,
): Promise<ProbeRun> {
  const startedAt = Date.now();
  const t0 = performance.now();
  const done = (result: ProbeRun['result'], outcome: ProbeOutcome): ProbeRun => ({
    probe: probe.id,
    startedAt,
    durationMs: performance.now() - t0,
    result,
    outcome,
  });
  for (const need of probe.needs) {
    const missing = NEED_CHECKS[need](env);
    if (missing) {
      return done('skipped', {
        findings: [finding('probe.skipped', 'skip', probe.id, `${probe.title}: skipped, ${missing}`)],
      });
    }
  }
  const controller = new AbortController();
  const onParentAbort = () => controller.abort(parent?.reason);
  if (parent?.aborted) onParentAbort();
  else parent?.addEventListener('abort', onParentAbort, { once: true });
  let timer: NodeJS.Timeout | undefined;
  try {
    // Inside the try: a probe's own deadline function is probe code too, and may throw.
    const deadlineMs = probe.deadlineMs(env.settings, env);
    if (!Number.isFinite(deadlineMs) || deadlineMs <= 0)
      throw new Error(`its deadline is ${String(deadlineMs)} ms, not a positive number`);
    // Probes fan out: each in-flight operation may listen on the signal.
    setMaxListeners(Math.max(64, env.settings.concurrency * 2), controller.signal);
    const overrun = new Promise<'timeout'>((resolve) => {
      // Node fires a timer above 2^31-1 ms at once: clamp rather than time out immediately.
      timer = setTimeout(() => resolve('timeout'), Math.min(deadlineMs, 2 ** 31 - 1));
    });
    const r = await Promise.race([
      probe.run({ env, settings: env.settings, signal: controller.signal, facts: factsOf(earlier.values()) }),
      overrun,
    ]);
    if (r === 'timeout') {
      controller.abort(new Error('probe deadline'));
      return done('timeout', {
        findings: [
          finding(
            'probe.timeout',
            'error',
            probe.id,
            `${probe.title}: did not finish within ${deadlineMs} ms`,
            { deadlineMs },
          ),
        ],
      });
    }
    // What the report, the state and the metrics read: anything else is a probe bug, not a result.
    if (!r || typeof r !== 'object' || !Array.isArray(r.findings))
      throw new Error('it returned no outcome with a findings list');
    return done('ok', r);
  } catch (e) {
    const err = e as Error;
    return done('error', {
      findings: [
        finding(
          'probe.error',
          'error',
          probe.id,
          `${probe.title}: internal error: ${err?.message ?? String(e)}`,
          { error: err?.name ?? 'Error' },
        ),
      ],
    });
  } finally {
    clearTimeout(timer);
    controller.abort();
    parent?.removeEventListener('abort', onParentAbort);
  }
}

/** One round: probes concurrently, each as soon as the producers of the facts it consumes are done. */
export async function runRound(
  probes: readonly ProbeDefinition[],
  env: Environment,
  o: RunOptions = {},
): Promise<ProbeRun[]> {
  const runs: ProbeRun[] = [];
  const outcomes = new Map<string, ProbeOutcome>();
  let pending = [...probes];
  while (pending.length > 0) {
    const ready = pending.filter((p) => producersOf(p, probes).every((q) => outcomes.has(q.id)));
    if (ready.length === 0)
      throw new Error(`probe dependency cycle among ${pending.map((p) => p.id).join(', ')}`);
    o.progress?.(`running ${ready.map((p) => p.title).join(', ')}`);
    const results = await Promise.all(ready.map((p) => runProbe(p, env, outcomes, o.signal)));
    for (const r of results) {
      runs.push(r);
      outcomes.set(r.probe, r.outcome);
    }
    pending = pending.filter((p) => !ready.includes(p));
  }
  const order = new Map(probes.map((p, i) => [p.id, i]));
  return runs.sort((a, b) => order.get(a.probe)! - order.get(b.probe)!);
}
