// Time as the scheduler sees it: the current time and one-shot timers. The agent uses the real
// clock; tests pass a clock they advance by hand.

/** A pending timer. Real timers can be unref'd so they don't hold the process open. */
export interface TimerHandle {
  unref?(): unknown;
}

export interface Clock {
  /** Milliseconds since the epoch, like Date.now(). */
  now(): number;
  setTimeout(fn: () => void, ms: number): TimerHandle;
  clearTimeout(handle: TimerHandle | undefined): void;
}

/** Date.now and the global timers. */
export const realClock: Clock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout | undefined),
};
