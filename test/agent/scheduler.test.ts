// The scheduler's answers to issue 13's code review, on a fake clock: a reload that deselects a
// probe (in flight or not) removes it for good, results, findings and series alike; the concurrency
// bound holds back probes but never a due discovery; a probe whose deadline function throws is an
// error result like any other throw, and the agent still becomes ready.
import { describe, expect, it } from 'vitest';
import { makeLogger } from '../../src/agent/log.js';
import { AgentMetrics } from '../../src/agent/metrics.js';
import { Scheduler } from '../../src/agent/scheduler.js';
import { AgentState } from '../../src/agent/state.js';
import type { Settings } from '../../src/config/settings.js';
import { defineProbe, type ProbeDefinition } from '../../src/core/probe.js';
import { ManualClock } from '../support/manual-clock.js';
import { agentEnv, agentSettings } from './in-process.js';

const quiet = makeLogger({ out: { write: () => true }, level: 'error' });

interface Fake {
  probe: ProbeDefinition;
  runs: number;
  /** Signals of the runs, to see which were aborted. */
  signals: AbortSignal[];
}

/** A probe that takes `ms` of the fake clock, ignoring its signal, with one finding and one own metric. */
function fake(id: string, clock: ManualClock, ms: number, deadline?: () => number): Fake {
  const f: Fake = { probe: undefined as unknown as ProbeDefinition, runs: 0, signals: [] };
  f.probe = defineProbe({
    id,
    title: id,
    needs: [],
    findings: { 'fake.ok': { summary: 'fake' } },
    deadlineMs: deadline ?? (() => 600_000),
    async run(ctx) {
      f.runs++;
      f.signals.push(ctx.signal);
      await clock.sleep(ms);
      return {
        findings: [
          { id: 'fake.ok' as const, status: 'pass' as const, target: id, message: 'ok', evidence: {} },
        ],
      };
    },
    declareMetrics(m) {
      const g = m.gauge({ name: `fake_${id}_up`, help: 'fake', labelNames: ['ip'] });
      return (_outcome, e) => {
        for (const t of e.targets) g.set({ ip: t.ip }, 1);
      };
    },
  }) as ProbeDefinition;
  return f;
}

function world(probes: Fake[], s: Settings, clock: ManualClock) {
  const state = new AgentState();
  const metrics = new AgentMetrics({ version: 't', probes: probes.map((p) => p.probe), defaults: false });
  let discoveries = 0;
  const sched = new Scheduler({
    settings: s,
    probes: probes.map((p) => p.probe),
    discover: async (x) => {
      discoveries++;
      return agentEnv(x, ['127.0.0.1']);
    },
    state,
    metrics,
    log: quiet,
    clock,
  });
  const text = () => metrics.registry.metrics();
  return { state, metrics, sched, text, discoveries: () => discoveries };
}

/** Stops the scheduler, moving the fake clock on so a drain deadline can pass. */
async function stop(sched: Scheduler, clock: ManualClock) {
  const stopped = sched.stop(1000);
  await clock.advance(20_000);
  return stopped;
}

/** Every exposition line that names probe `id` (shared series, its own metric, its finding). */
const linesOf = (text: string, id: string) =>
  text
    .split('\n')
    .filter((l) => !l.startsWith('#'))
    .filter(
      (l) => l.includes(`probe="${id}"`) || l.startsWith(`fake_${id}_up`) || l.includes(`target="${id}"`),
    );

describe('a reload that deselects a probe', () => {
  it('drops its results, findings and every series at once, and they stay gone', async () => {
    const clock = new ManualClock();
    const a = fake('a', clock, 5, undefined);
    const b = fake('b', clock, 5, undefined);
    const s = agentSettings({ intervalsMs: { discovery: 60_000, a: 100, b: 100 } });
    const w = world([a, b], s, clock);
    w.sched.start();
    await clock.advance(50);
    expect(w.state.ready).toBe(true);
    expect(linesOf(await w.text(), 'a').length).toBeGreaterThanOrEqual(5);
    w.sched.update(s, [b.probe]);
    expect(w.state.runs.has('a')).toBe(false);
    expect(w.state.findings().some((f) => f.target === 'a')).toBe(false);
    expect(linesOf(await w.text(), 'a')).toEqual([]);
    // b goes on; a never runs again.
    await clock.advance(1000);
    expect(a.runs).toBe(1);
    expect(b.runs).toBeGreaterThan(5);
    expect(linesOf(await w.text(), 'a')).toEqual([]);
    expect(linesOf(await w.text(), 'b').length).toBeGreaterThanOrEqual(5);
    await stop(w.sched, clock);
  });

  it('stops a run in flight, and its result does not bring it back when it returns', async () => {
    const clock = new ManualClock();
    const a = fake('a', clock, 1000); // ignores its signal: returns at 1000 ms whatever happens
    const b = fake('b', clock, 5);
    const s = agentSettings({ intervalsMs: { discovery: 60_000, a: 100, b: 100 } });
    const w = world([a, b], s, clock);
    w.sched.start();
    await clock.advance(10);
    expect(w.sched.inFlight()).toContain('a');
    w.sched.update(s, [b.probe]);
    expect(a.signals[0]!.aborted).toBe(true);
    expect(w.sched.inFlight()).not.toContain('a');
    // a's run returns at 1000 ms: dropped, not recorded.
    await clock.advance(2000);
    expect(a.runs).toBe(1);
    expect(w.state.runs.has('a')).toBe(false);
    expect(w.state.findings().some((f) => f.target === 'a')).toBe(false);
    expect(linesOf(await w.text(), 'a')).toEqual([]);
    // Selected again, it runs and reports afresh.
    w.sched.update(s, [a.probe, b.probe]);
    await clock.advance(1005);
    expect(a.runs).toBe(2);
    expect(w.state.runs.get('a')?.result).toBe('ok');
    expect(linesOf(await w.text(), 'a').length).toBeGreaterThanOrEqual(5);
    await stop(w.sched, clock);
  });
});

describe('the concurrency bound', () => {
  it('holds back due probes but not a due discovery', async () => {
    const clock = new ManualClock();
    const long = fake('long', clock, 10_000);
    const short = fake('short', clock, 1);
    const s = agentSettings({
      maxConcurrentProbes: 1,
      intervalsMs: { discovery: 100, long: 60_000, short: 60_000 },
    });
    const w = world([long, short], s, clock);
    w.sched.start();
    await clock.advance(1000);
    // 'long' holds the only slot for 10 s; 'short' waits, discovery runs every 100 ms all the same.
    expect(long.runs).toBe(1);
    expect(short.runs).toBe(0);
    expect(w.discoveries()).toBeGreaterThanOrEqual(10);
    await clock.advance(10_000);
    expect(short.runs).toBe(1);
    await stop(w.sched, clock);
  });
});

describe('a probe whose deadline function throws', () => {
  it('is an error result with the cause, and the agent becomes ready', async () => {
    const clock = new ManualClock();
    const broken = fake('broken', clock, 1, () => {
      throw new Error('no deadline for you');
    });
    const ok = fake('ok', clock, 1);
    const s = agentSettings({ intervalsMs: { discovery: 60_000, broken: 100, ok: 100 } });
    const w = world([broken, ok], s, clock);
    w.sched.start();
    await clock.advance(350);
    expect(w.state.ready).toBe(true);
    const run = w.state.runs.get('broken');
    expect(run?.result).toBe('error');
    expect(run?.outcome.findings[0]).toEqual(
      expect.objectContaining({ id: 'probe.error', status: 'error', target: 'broken' }),
    );
    expect(run?.outcome.findings[0]?.message).toContain('no deadline for you');
    // It is scheduled on like any probe: runs at 0, 100, 200 and 300 ms (it never reaches run()).
    expect(broken.runs).toBe(0);
    expect(await w.text()).toMatch(/cloudhsm_probe_runs_total\{probe="broken",result="error"\} 4/);
    await stop(w.sched, clock);
  });
});
