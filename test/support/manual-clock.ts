// A clock that moves only when a test says so. advance(ms) fires the timers due within ms in the
// order of their due time (then of their creation), letting promises settle after each, so code
// driven by timers runs as it would in real time, without waiting for it.
import type { Clock, TimerHandle } from '../../src/agent/clock.js';

interface Timer {
  at: number;
  seq: number;
  fn: () => void;
}

/** A few turns of the event loop: enough for promise chains started by a timer to run out. */
export async function settle(turns = 5): Promise<void> {
  for (let i = 0; i < turns; i++) await new Promise<void>((r) => setImmediate(r));
}

export class ManualClock implements Clock {
  private t: number;
  private seq = 0;
  private readonly timers = new Map<TimerHandle, Timer>();

  constructor(start = Date.UTC(2026, 0, 1)) {
    this.t = start;
  }

  now(): number {
    return this.t;
  }

  setTimeout(fn: () => void, ms: number): TimerHandle {
    const handle: TimerHandle = { unref: () => handle };
    this.timers.set(handle, { at: this.t + Math.max(0, ms), seq: this.seq++, fn });
    return handle;
  }

  clearTimeout(handle: TimerHandle | undefined): void {
    if (handle) this.timers.delete(handle);
  }

  /** Resolves once this clock has moved `ms` on. */
  sleep(ms: number): Promise<void> {
    return new Promise((r) => this.setTimeout(r, ms));
  }

  /** Timers not yet fired. */
  pending(): number {
    return this.timers.size;
  }

  /** Moves time on by `ms`, firing every timer that falls due on the way, earliest first. */
  async advance(ms: number): Promise<void> {
    const end = this.t + ms;
    await settle();
    for (let fired = 0; ; fired++) {
      if (fired > 100_000) throw new Error('ManualClock.advance: timers keep re-arming without end');
      let next: [TimerHandle, Timer] | undefined;
      for (const e of this.timers) {
        if (e[1].at > end) continue;
        if (!next || e[1].at < next[1].at || (e[1].at === next[1].at && e[1].seq < next[1].seq)) next = e;
      }
      if (!next) break;
      this.timers.delete(next[0]);
      this.t = next[1].at;
      next[1].fn();
      await settle();
    }
    this.t = end;
    await settle();
  }
}
