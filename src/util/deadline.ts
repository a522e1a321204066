// A deadline as an AbortSignal, joined with the caller's signal. Not `AbortSignal.any([signal,
// AbortSignal.timeout(ms)])`: Node 20 holds the sources of AbortSignal.any weakly, so a timeout
// signal referenced only there is collected at the next garbage collection and never fires
// (nodejs/node#57736) — under load (an agent probing back to back collects garbage every few
// milliseconds) the wait it was meant to bound then has no deadline at all. Here the timer itself
// holds the controller, so the deadline fires whatever the collector does.

export interface Deadline {
  /** Aborted when `ms` have passed (a TimeoutError) or when the caller's signal is. */
  signal: AbortSignal;
  /** The wait is over: stop the timer and let go of the caller's signal. */
  clear(): void;
}

export function deadline(ms: number, parent?: AbortSignal): Deadline {
  const controller = new AbortController();
  const onParent = () => controller.abort(parent?.reason);
  const timer = setTimeout(() => {
    // Also let go of a long-lived caller's signal when nobody called clear().
    parent?.removeEventListener('abort', onParent);
    controller.abort(new DOMException(`deadline of ${ms} ms passed`, 'TimeoutError'));
  }, ms);
  // Like AbortSignal.timeout: a deadline alone does not keep the process alive.
  timer.unref();
  if (parent?.aborted) onParent();
  else parent?.addEventListener('abort', onParent, { once: true });
  return {
    signal: controller.signal,
    clear() {
      clearTimeout(timer);
      parent?.removeEventListener('abort', onParent);
    },
  };
}
