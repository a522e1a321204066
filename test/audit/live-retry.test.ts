// The estate reads' retry strategy and deadline, on their own: throttling gets its own, larger retry
// count, each request counts its own, delays back off exponentially within the SDK's bounds; the
// deadline grows with each page and never past its cap.
import { describe, expect, it } from 'vitest';
import { maxBackoffMs, PagedReadRetryStrategy } from '../../src/aws/retry.js';
import { growingDeadline } from '../../src/discovery/deadlines.js';

type Info = Parameters<PagedReadRetryStrategy['refreshRetryTokenForRetry']>[1];

async function retriesUntilRefused(s: PagedReadRetryStrategy, info: Info): Promise<number[]> {
  let token = await s.acquireInitialRetryToken('ec2');
  const delays: number[] = [];
  for (;;) {
    try {
      token = await s.refreshRetryTokenForRetry(token, info);
    } catch {
      return delays;
    }
    delays.push(token.getRetryDelay());
  }
}

describe('PagedReadRetryStrategy', () => {
  it('retries throttling more often than transient errors, and client errors never', async () => {
    const s = new PagedReadRetryStrategy(3, 10, () => 1);
    const throttled = await retriesUntilRefused(s, { errorType: 'THROTTLING' });
    expect(throttled).toEqual([500, 1000, 2000, 4000, 8000, 16000, 20000, 20000, 20000, 20000]);
    expect(await retriesUntilRefused(s, { errorType: 'TRANSIENT' })).toEqual([100, 200, 400]);
    expect(await retriesUntilRefused(s, { errorType: 'CLIENT_ERROR' })).toEqual([]);
    expect(await retriesUntilRefused(s, { errorType: 'SERVER_ERROR' })).toEqual([]);
    // Each request starts again at no retry: an earlier request's retries do not count.
    expect(await retriesUntilRefused(s, { errorType: 'THROTTLING' })).toHaveLength(10);
    expect(maxBackoffMs(10)).toBe(throttled.reduce((a, b) => a + b, 0));
  });

  it('waits at least what Retry-After asks, within the 20 s bound', async () => {
    const s = new PagedReadRetryStrategy(3, 10, () => 0);
    const token = await s.acquireInitialRetryToken('ec2');
    const next = await s.refreshRetryTokenForRetry(token, {
      errorType: 'THROTTLING',
      retryAfterHint: new Date(Date.now() + 3000),
    });
    expect(next.getRetryDelay()).toBeGreaterThan(2500);
    expect(next.getRetryDelay()).toBeLessThanOrEqual(3000);
    const far = await s.refreshRetryTokenForRetry(token, {
      errorType: 'THROTTLING',
      retryAfterHint: new Date(Date.now() + 3_600_000),
    });
    expect(far.getRetryDelay()).toBe(20_000);
  });
});

describe('growingDeadline', () => {
  it('fires at its base without pages, later with each, never past the cap', async () => {
    const idle = growingDeadline(50, 1000);
    await new Promise((r) => setTimeout(r, 120));
    expect(idle.signal.aborted).toBe(true);
    expect((idle.signal.reason as DOMException).name).toBe('TimeoutError');

    const grown = growingDeadline(50, 200);
    const t0 = Date.now();
    for (let i = 0; i < 10; i++) grown.extend(100); // asks for 1,050 ms: capped at 200
    await new Promise<void>((r) => grown.signal.addEventListener('abort', () => r()));
    const took = Date.now() - t0;
    expect(took).toBeGreaterThanOrEqual(190);
    expect(took).toBeLessThan(600);
  });

  it("follows the caller's cancellation, and clear() stops it", async () => {
    const parent = new AbortController();
    const d = growingDeadline(10_000, 10_000, parent.signal);
    parent.abort(new Error('stop'));
    expect(d.signal.aborted).toBe(true);
    const cleared = growingDeadline(30, 30);
    cleared.clear();
    await new Promise((r) => setTimeout(r, 60));
    expect(cleared.signal.aborted).toBe(false);
  });
});
