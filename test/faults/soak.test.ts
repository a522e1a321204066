// The soak, short (bench:soak is the long one, figures in BENCHMARKS.md): the built agent with every
// probe against a world that flips faults every 250 ms — the AWS API answering, 5xx, trickling,
// garbage, TLS garbage, resets, silence; HSM ports open, refused, reset, silent — for a few hundred
// reachability rounds. /-/healthy and /metrics answer all along, descriptors and RSS stay within a
// bound, nothing unhandled, no credential in the output.
import { describe, expect, it } from 'vitest';
import { requireBuild } from '../agent/helpers.js';
import {
  medianOf,
  SOAK_CREDENTIALS,
  SOAK_INTERVALS,
  soak,
  soakEnv,
  startSoakWorld,
} from '../bench/soak-world.js';

describe('soak (short)', () => {
  it('stays up, flat and quiet against a flipping world', { timeout: 60_000 }, async () => {
    requireBuild();
    const w = await startSoakWorld(243, SOAK_INTERVALS);
    try {
      const r = await soak(w, {
        rounds: 300,
        minMs: 15_000,
        maxMs: 25_000,
        flipMs: 250,
        seed: 7,
        env: soakEnv(),
      });
      const s = r.samples;
      const detail = JSON.stringify({ rounds: r.rounds, runs: r.runs, modes: r.modes, samples: s.length });
      expect(r.exitedEarly, detail).toBeNull();
      expect(r.rounds, detail).toBeGreaterThanOrEqual(300);
      expect(r.flips, detail).toBeGreaterThanOrEqual(20);
      // The faults reached the agent: refused connects and failed AWS calls were counted.
      expect(r.hsmFailures.refused ?? 0, detail).toBeGreaterThan(0);
      expect(r.pollFailures, detail).toEqual([]);
      expect(r.slowestPollMs).toBeLessThan(2000);
      expect(r.unhandled).toEqual([]);
      const fdsStart = medianOf(s, 'fds', 0, 0.25);
      const fdsEnd = medianOf(s, 'fds', 0.75, 1);
      const rssStart = medianOf(s, 'rss', 0, 0.25);
      const rssEnd = medianOf(s, 'rss', 0.75, 1);
      expect(fdsEnd, `fds ${fdsStart} → ${fdsEnd}`).toBeLessThanOrEqual(fdsStart + 10);
      expect(Math.max(...s.map((x) => x.fds))).toBeLessThan(fdsStart + 40);
      expect(rssEnd, `RSS ${rssStart} → ${rssEnd}`).toBeLessThan(rssStart * 1.5);
      expect(Math.max(...s.map((x) => x.rss))).toBeLessThan(400 * 1024 * 1024);
      // Its AWS processes come and go: never a pile of them.
      expect(Math.max(...s.map((x) => x.children))).toBeLessThanOrEqual(4);
      for (const secret of Object.values(SOAK_CREDENTIALS)) {
        expect(r.stdout).not.toContain(secret.slice(0, 16));
        expect(r.stderr).not.toContain(secret.slice(0, 16));
      }
    } finally {
      await w.stop();
    }
  });
});
