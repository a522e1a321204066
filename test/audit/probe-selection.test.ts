// Opt-in probes (ProbeDefinition.optIn, such as the exposure audit): off by default for diagnose,
// analyze and the agent; run when enabled (probes.enable, --enable-probe) or named (--probe). The
// engine knows the flag, never the probe: the opt-in probe here is found by its flag.
import { describe, expect, it } from 'vitest';
import { PROBES } from '../../probes/index.js';
import { prepareAgentConfig } from '../../src/agent/index.js';
import { DEFAULTS, resolveSettings, type Settings, validateConfig } from '../../src/config/settings.js';
import type { ProbeDefinition } from '../../src/core/probe.js';
import { selectProbes } from '../../src/core/runner.js';
import { analyzeSnapshot } from '../../src/diagnosis/analyze.js';
import { loadScenario } from '../../src/sim/scenario.js';
import { runCli } from '../support/cli.js';

const OPT_IN = PROBES.filter((p) => p.optIn).map((p) => p.id);
const DEFAULT = PROBES.filter((p) => !p.optIn).map((p) => p.id);
const ids = (ps: readonly ProbeDefinition[]) => ps.map((p) => p.id);
const select = (only: string[], skip: string[], enable?: string[]) => {
  const r = selectProbes(PROBES, only, skip, enable);
  if (!r.ok) throw new Error(r.error);
  return ids(r.probes);
};
const settingsWith = (probes: Record<string, unknown>): Settings =>
  resolveSettings(validateConfig({ probes }, 'test'));

describe('opt-in probes', () => {
  it('the exposure audit is the opt-in one; every other probe is on by default', () => {
    expect(OPT_IN).toEqual(['exposure']);
    expect(DEFAULT.length).toBeGreaterThanOrEqual(9);
  });

  it('selection: off by default, added by enable, run when named by only, skip wins', () => {
    expect(select([], [])).toEqual(DEFAULT);
    expect(select([], [], [])).toEqual(DEFAULT);
    expect(select([], [], ['exposure'])).toEqual([...DEFAULT, 'exposure']);
    expect(select(['exposure'], [])).toEqual(['exposure']);
    expect(select(['reachability', 'exposure'], [])).toEqual(['reachability', 'exposure']);
    // only means only: enable adds to the default set, not to a list given with --probe.
    expect(select(['reachability'], [], ['exposure'])).toEqual(['reachability']);
    expect(select([], ['exposure'], ['exposure'])).toEqual(DEFAULT);
    // Enabling a probe that is on anyway changes nothing.
    expect(select([], [], ['reachability'])).toEqual(DEFAULT);
    const bad = selectProbes(PROBES, [], [], ['nope']);
    expect(bad.ok).toBe(false);
    expect(!bad.ok && bad.error).toMatch(/^unknown probe "nope"; probes: .*exposure/);
  });

  it('settings: probes.enable in a file, --enable-probe on the command line; absent by default', () => {
    expect(DEFAULTS.probes).toEqual({ only: [], skip: [] });
    expect(settingsWith({ enable: 'exposure' }).probes).toEqual({ only: [], skip: [], enable: ['exposure'] });
    expect(() => validateConfig({ probes: { enable: [3] } }, 'command line', true)).toThrow(
      /command line: --enable-probe: /,
    );
    expect(() => validateConfig({ probes: { enable: [3] } }, 'x.yml')).toThrow(
      /x\.yml: probes\.enable\[0\]: /,
    );
  });

  it('agent: not scheduled by default, scheduled when enabled; an unknown id rejects the config', () => {
    const base = structuredClone(DEFAULTS);
    expect(ids(prepareAgentConfig(base, PROBES).probes)).toEqual(DEFAULT);
    const on = settingsWith({ enable: ['exposure'] });
    expect(ids(prepareAgentConfig(on, PROBES).probes)).toEqual([...DEFAULT, 'exposure']);
    expect(() => prepareAgentConfig(settingsWith({ enable: ['nope'] }), PROBES)).toThrow(
      /unknown probe "nope"/,
    );
  });

  it('analyze: enabled or named, a probe that reads AWS live is still not part of an offline analysis', async () => {
    const snapshot = loadScenario('healthy').snapshot;
    for (const probes of [{ enable: ['exposure'] }, { only: ['exposure', 'network-path'] }]) {
      const d = await analyzeSnapshot(snapshot, settingsWith(probes), PROBES);
      expect(d.runs.map((r) => r.probe)).not.toContain('exposure');
      expect(d.runs.length).toBeGreaterThan(0);
    }
  });

  it('help lists it under "Off by default", the agent with its hourly interval; flags take its id', async () => {
    const diagnose = (await runCli(['diagnose', '--help'])).stdout;
    const [on, off] = diagnose.split('Off by default (add with --enable-probe <id>, config probes.enable):');
    expect(off).toMatch(/^ {2}exposure +Exposure audit$/m);
    expect(on).not.toMatch(/^ {2}exposure /m);
    expect(diagnose).toMatch(/--enable-probe +also run these probes that are off by default/);
    const agent = (await runCli(['agent', '--help'])).stdout;
    expect(agent.split('Off by default')[1]).toMatch(/^ {2}exposure +Exposure audit, every 1h$/m);
    const unknown = await runCli(['diagnose', '--enable-probe', 'nope', '--hsm-ip', '127.0.0.1']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('unknown probe "nope"');
    const completed = await runCli(['--get-yargs-completions', 'diagnose', '--enable-probe', 'exp']);
    expect(completed.stdout.split('\n')).toContain('exposure');
  });
});
