// runProbe turns whatever a probe does wrong into a result: a throw from run() or from its deadline
// function, a deadline that is not a positive number, an outcome without findings. Nothing escapes.
import { describe, expect, it } from 'vitest';
import { DEFAULTS } from '../../src/config/settings.js';
import type { Environment } from '../../src/core/environment.js';
import { defineProbe, type ProbeDefinition } from '../../src/core/probe.js';
import { runProbe } from '../../src/core/runner.js';
import { vpcEstate } from '../../src/discovery/vpc.js';
import { emptySnapshot } from '../../src/snapshot/format.js';

const snapshot = emptySnapshot(new Date(), 'us-east-1', null);
const env: Environment = {
  mode: 'live',
  settings: structuredClone(DEFAULTS),
  region: 'us-east-1',
  client: null,
  clusters: [],
  targets: [],
  vpc: vpcEstate(snapshot),
  snapshot,
  findings: [],
  discovery: { hsmsListed: false, reads: {}, apiErrors: [] },
  credentials: undefined,
};

const probe = (
  deadlineMs: () => number,
  run: (ctx: { signal: AbortSignal }) => unknown = async () => ({ findings: [] }),
) =>
  defineProbe({
    id: 'p',
    title: 'Probe P',
    needs: [],
    findings: {},
    deadlineMs,
    run: run as never,
  }) as ProbeDefinition;

describe('runProbe', () => {
  it.each([
    [
      'a deadline function that throws',
      probe(() => {
        throw new TypeError('cannot read the deadline');
      }),
      /Probe P: internal error: cannot read the deadline/,
    ],
    ['a deadline that is NaN', probe(() => Number.NaN), /its deadline is NaN ms, not a positive number/],
    ['a deadline of 0', probe(() => 0), /its deadline is 0 ms/],
    ['an infinite deadline', probe(() => Number.POSITIVE_INFINITY), /its deadline is Infinity ms/],
    [
      'an outcome without findings',
      probe(
        () => 1000,
        async () => undefined,
      ),
      /it returned no outcome with a findings list/,
    ],
    [
      'a run() that throws synchronously',
      probe(
        () => 1000,
        () => {
          throw new Error('sync boom');
        },
      ),
      /internal error: sync boom/,
    ],
  ])('%s is a probe.error result', async (_name, p, message) => {
    const run = await runProbe(p, env, new Map());
    expect(run.result).toBe('error');
    expect(run.outcome.findings).toHaveLength(1);
    expect(run.outcome.findings[0]).toEqual(
      expect.objectContaining({ id: 'probe.error', status: 'error', target: 'p' }),
    );
    expect(run.outcome.findings[0]!.message).toMatch(message);
  });

  it('passes an already aborted parent signal on to the probe', async () => {
    let seen: boolean | undefined;
    const watching = probe(
      () => 1000,
      async (ctx) => {
        seen = ctx.signal.aborted;
        return { findings: [] };
      },
    );
    const parent = new AbortController();
    parent.abort(new Error('shutting down'));
    await runProbe(watching, env, new Map(), parent.signal);
    expect(seen).toBe(true);
  });
});
