// A retry strategy for long paged reads (the estate of `hsmwatch audit`): throttling is retried with
// more attempts than other errors. The SDK's standard strategy gives every retryable error the same
// maxAttempts (aws.maxAttempts, 3 by default); a read of fifty pages in a busy account meets
// RequestLimitExceeded more often than that in a row, while a timeout retried ten times would only
// make an unreachable endpoint take ten times as long to say so. Each request counts its own retries,
// as the SDK's do. The delays are the SDK's: full jitter, min(20 s, base × 2^retry), base 500 ms for
// throttling and 100 ms otherwise, or the server's Retry-After when that is longer.

/** The SDK's RetryErrorInfo (@aws-sdk/types), structurally. */
interface RetryErrorInfo {
  errorType: 'TRANSIENT' | 'THROTTLING' | 'SERVER_ERROR' | 'CLIENT_ERROR';
  retryAfterHint?: Date;
}

interface RetryToken {
  getRetryCount(): number;
  getRetryDelay(): number;
}

const MAX_DELAY_MS = 20_000;
const THROTTLING_BASE_MS = 500;
const BASE_MS = 100;

const token = (count: number, delay: number): RetryToken => ({
  getRetryCount: () => count,
  getRetryDelay: () => delay,
});

export class PagedReadRetryStrategy {
  readonly mode = 'standard';

  /**
   * `retries`: for transient errors (timeouts, resets), as the SDK's maxAttempts counts them;
   * `throttlingRetries`: for throttling (RequestLimitExceeded, Throttling, …).
   */
  constructor(
    private readonly retries: number,
    private readonly throttlingRetries: number,
    private readonly random: () => number = Math.random,
  ) {}

  async acquireInitialRetryToken(_scope: string): Promise<RetryToken> {
    return token(0, 0);
  }

  async refreshRetryTokenForRetry(previous: RetryToken, info: RetryErrorInfo): Promise<RetryToken> {
    const count = previous.getRetryCount();
    const throttled = info.errorType === 'THROTTLING';
    // As the stock strategy: throttling and transient errors only (a 500 is not retried).
    if (!throttled && info.errorType !== 'TRANSIENT') throw new Error('not a retryable error');
    if (count >= (throttled ? this.throttlingRetries : this.retries)) throw new Error('no retry left');
    const base = throttled ? THROTTLING_BASE_MS : BASE_MS;
    let delay = Math.floor(Math.min(MAX_DELAY_MS, this.random() * 2 ** count * base));
    if (info.retryAfterHint)
      delay = Math.max(delay, Math.min(MAX_DELAY_MS, info.retryAfterHint.getTime() - Date.now()));
    return token(count + 1, delay);
  }

  recordSuccess(_token: RetryToken): void {}
}

/** The most the backoff of `retries` throttled attempts can wait in all. */
export function maxBackoffMs(retries: number): number {
  let total = 0;
  for (let i = 0; i < retries; i++) total += Math.min(MAX_DELAY_MS, THROTTLING_BASE_MS * 2 ** i);
  return total;
}
