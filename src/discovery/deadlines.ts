// The deadlines of discovery's steps, in one place: discovery keeps to them, and the agent gives its
// AWS process their sum (this module loads nothing, so the long-lived agent can read it).
import type { Settings } from '../config/settings.js';

/** All of IMDS discovery gets this many request deadlines (token, identity, ENIs, and slack). */
export const IMDS_BUDGET_REQUESTS = 5;

/** The overall deadline of IMDS discovery for a per-request deadline. */
export const imdsBudgetMs = (timeoutMs: number) => timeoutMs * IMDS_BUDGET_REQUESTS;

/**
 * One AWS call with its retries: each attempt within aws.timeout (src/aws/http.ts), and the SDK's
 * backoff between them (at most 500 ms × 2^retry for throttling). This SDK version makes one attempt
 * more than maxAttempts says (its retry count starts at 0), hence the + 1.
 */
export function awsCallDeadlineMs(s: Pick<Settings, 'aws'>): number {
  const attempts = s.aws.maxAttempts + 1;
  return s.aws.timeoutMs * attempts + Math.min(20_000, 500 * 2 ** attempts);
}

/** DescribeClusters, every page: one call's retries. */
export const clustersDeadlineMs = (s: Settings) => awsCallDeadlineMs(s);

/** The EC2 reads for the path checks (after a timeout the others are not asked). */
export const ec2DeadlineMs = (s: Settings) => awsCallDeadlineMs(s) * 4;

/** How long discovery can take at most: IMDS, CloudHSM and the EC2 reads, each within its own. */
export function discoveryDeadlineMs(s: Settings): number {
  return imdsBudgetMs(s.imds.timeoutMs) + clustersDeadlineMs(s) + ec2DeadlineMs(s) + 2000;
}

/** The most an estate read (`audit`, `snapshot --estate`) may take, however large the account. */
export const ESTATE_DEADLINE_CAP_MS = 15 * 60_000;

/**
 * The EC2 reads of an estate: they start with the per-diagnose EC2 deadline, and every page read
 * adds one call's budget (a 50,000-interface account is 50 pages of DescribeNetworkInterfaces, and
 * more when throttled), up to the cap; a read that stops answering still ends within its call's retries.
 */
export function estateDeadlineMs(s: Settings): { baseMs: number; perPageMs: number; capMs: number } {
  const baseMs = ec2DeadlineMs(s);
  return { baseMs, perPageMs: awsCallDeadlineMs(s), capMs: Math.max(baseMs, ESTATE_DEADLINE_CAP_MS) };
}

/**
 * A deadline that grows: `baseMs` at first, each extend() adds to it, never past `capMs` from the start.
 * The timer holds the controller (as src/util/deadline.ts: a collected signal would never fire).
 */
export function growingDeadline(
  baseMs: number,
  capMs: number,
  parent?: AbortSignal,
): { signal: AbortSignal; extend(ms: number): void; clear(): void } {
  const controller = new AbortController();
  const start = Date.now();
  let until = start + Math.min(baseMs, capMs);
  let timer: NodeJS.Timeout | undefined;
  const onParent = () => controller.abort(parent?.reason);
  const arm = () => {
    if (timer) clearTimeout(timer);
    timer = setTimeout(
      () => {
        parent?.removeEventListener('abort', onParent);
        controller.abort(new DOMException(`deadline of ${until - start} ms passed`, 'TimeoutError'));
      },
      Math.max(0, until - Date.now()),
    );
    timer.unref();
  };
  arm();
  if (parent?.aborted) onParent();
  else parent?.addEventListener('abort', onParent, { once: true });
  return {
    signal: controller.signal,
    extend(ms) {
      const later = Math.min(start + capMs, until + ms);
      if (later === until || controller.signal.aborted) return;
      until = later;
      arm();
    },
    clear() {
      if (timer) clearTimeout(timer);
      parent?.removeEventListener('abort', onParent);
    },
  };
}
