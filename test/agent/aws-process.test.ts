// The agent's AWS process: the same outcomes as in-process, over the real SDK clients and the
// simulated AWS; and when the child misbehaves (dies, hangs, fails), a clear error, the child gone,
// no secret in what is logged or reported.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { PROBES } from '../../probes/index.js';
import { AwsProcess } from '../../src/agent/aws-process.js';
import { makeLogger } from '../../src/agent/log.js';
import { DEFAULTS, resolveSettings } from '../../src/config/settings.js';
import { runProbe } from '../../src/core/runner.js';
import { discover } from '../../src/discovery/index.js';
import { ROOT, requireBuild, startSimWorld } from './helpers.js';

const fixture = (name: string) => fileURLToPath(new URL(`../fixtures/aws-task/${name}`, import.meta.url));
const realScript = join(ROOT, 'dist', 'src', 'cli', 'aws-task.js');

function capturingLog() {
  const lines: string[] = [];
  return { lines, log: makeLogger({ out: { write: (s: string) => lines.push(s) }, format: 'json' }) };
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/** What a finding says, without the figures that differ from one run to the next. */
const gist = (fs: Array<{ id: string; status: string; target: string }>) =>
  fs.map((f) => `${f.id} ${f.status} ${f.target}`).sort();

describe('AWS process', () => {
  it('discovers the same environment and gives the same probe outcomes as in-process', async () => {
    requireBuild();
    const world = await startSimWorld('healthy', 67);
    try {
      const settings = world.apply(resolveSettings());
      settings.timeoutMs = 1000;
      {
        const peaks: Array<[string, number]> = [];
        const aws = new AwsProcess({
          script: realScript,
          log: capturingLog().log,
          onPeakRss: (task, bytes) => peaks.push([task, bytes]),
        });
        const here = await discover(settings, {});
        const there = await aws.discover(settings, AbortSignal.timeout(30_000));
        expect(there.targets).toEqual(here.targets);
        expect(there.clusters).toEqual(here.clusters);
        expect(there.snapshot.aws).toEqual(here.snapshot.aws);
        expect(there.vpc.missing).toEqual(here.vpc.missing);
        expect(gist(there.findings)).toEqual(gist(here.findings));
        for (const id of ['credentials', 'permissions']) {
          const probe = PROBES.find((p) => p.id === id)!;
          expect(probe.usesAwsSdk).toBe(true);
          const local = await runProbe(probe, here, new Map(), AbortSignal.timeout(30_000));
          const remote = await runProbe(aws.isolate(probe), there, new Map(), AbortSignal.timeout(30_000));
          expect(remote.result).toBe('ok');
          expect(gist(remote.outcome.findings)).toEqual(gist(local.outcome.findings));
          expect(remote.outcome.facts).toEqual(local.outcome.facts);
        }
        // The child's own peak memory, for the agent's metric: a real figure, more than a bare Node.
        expect(peaks.map(([t]) => t)).toEqual(['discovery', 'credentials', 'permissions']);
        for (const [, bytes] of peaks) expect(bytes).toBeGreaterThan(30 * 1024 * 1024);
      }
    } finally {
      await world.stop();
    }
  }, 60_000);

  it('a child that dies is an error naming its exit, with its stderr redacted', async () => {
    const { lines, log } = capturingLog();
    const aws = new AwsProcess({ script: fixture('crashes.mjs'), log });
    const err = await aws
      .discover(structuredClone(DEFAULTS), AbortSignal.timeout(10_000))
      .catch((e: Error) => e);
    expect(err).toBeInstanceOf(Error);
    const message = (err as Error).message;
    expect(message).toMatch(/exited before answering \(exit code 7\)/);
    expect(message).toContain('[redacted]');
    expect(message).not.toContain(process.env.AWS_SECRET_ACCESS_KEY!);
    expect(message).not.toContain('AKIAABCDEFGHIJKLMNOP');
    expect(lines.join('')).not.toContain(process.env.AWS_SECRET_ACCESS_KEY!);
  });

  it('an error answered by the child is redacted too', async () => {
    const aws = new AwsProcess({ script: fixture('answers-error.mjs'), log: capturingLog().log });
    const err = (await aws
      .discover(structuredClone(DEFAULTS), AbortSignal.timeout(10_000))
      .catch((e) => e)) as Error;
    expect(err.message).toBe('denied: token [redacted]');
  });

  it('a hanging child is killed when the run is aborted, even if it ignores SIGTERM', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hsmwatch-aws-'));
    const pidFile = join(dir, 'pid');
    process.env.HANG_PID_FILE = pidFile;
    try {
      const aws = new AwsProcess({ script: fixture('hangs.mjs'), log: capturingLog().log });
      const ac = new AbortController();
      const pending = aws.discover(structuredClone(DEFAULTS), ac.signal).catch((e: Error) => e);
      for (let i = 0; i < 100 && !existsSync(pidFile); i++) await new Promise((r) => setTimeout(r, 50));
      const pid = Number(readFileSync(pidFile, 'utf8'));
      expect(alive(pid)).toBe(true);
      ac.abort();
      expect(((await pending) as Error).message).toMatch(/stopped \(deadline or shutdown\)/);
      // SIGTERM is ignored; SIGKILL follows a second later.
      for (let i = 0; i < 60 && alive(pid); i++) await new Promise((r) => setTimeout(r, 50));
      expect(alive(pid)).toBe(false);
    } finally {
      delete process.env.HANG_PID_FILE;
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
