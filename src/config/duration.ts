// Durations as operators write them: "500ms", "3s", "5m", or a plain number of seconds.
import type { Parsed } from './ports.js';

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
const MAX_MS = 24 * 3_600_000;

export function parseDuration(input: string | number): Parsed<number> {
  let ms: number;
  if (typeof input === 'number') {
    ms = input * 1000;
  } else {
    const m = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h)?\s*$/.exec(input);
    if (!m) return { ok: false, error: `"${input}" is not a duration (examples: 500ms, 3s, 5m)` };
    ms = Number(m[1]) * UNITS[m[2] ?? 's']!;
  }
  if (!Number.isFinite(ms) || ms <= 0) return { ok: false, error: 'must be a positive duration' };
  if (ms > MAX_MS) return { ok: false, error: 'must be at most 24h' };
  // Deadlines are whole milliseconds: 0.4ms (or 5e-324 seconds) would round to no deadline at all.
  if (Math.round(ms) < 1) return { ok: false, error: 'must be at least 1ms' };
  return { ok: true, value: Math.round(ms) };
}

export function formatMs(ms: number): string {
  if (ms < 1) return `${ms.toFixed(2)}ms`;
  if (ms < 1000) return `${ms < 10 ? ms.toFixed(1) : Math.round(ms)}ms`;
  return `${(ms / 1000).toFixed(ms < 10_000 ? 1 : 0)}s`;
}
