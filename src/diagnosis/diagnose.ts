// One diagnosis: discover, run the selected probes once, build the report. The probes are given by
// the caller (the composition root in src/cli): the engine knows them only through their contract.

import { type Settings, UsageError } from '../config/settings.js';
import type { Environment, StaticCredentials } from '../core/environment.js';
import type { ProbeDefinition } from '../core/probe.js';
import { type ProbeRun, runRound, selectProbes } from '../core/runner.js';
import { discover } from '../discovery/index.js';
import type { Report } from '../model/index.js';
import { buildReport } from '../report/build.js';

export interface DiagnoseOptions {
  credentials?: StaticCredentials;
  progress?: (message: string) => void;
  /** Called between discovery and probing (tests use it to change the world mid-run). */
  beforeProbes?: (env: Environment) => Promise<void> | void;
}

export interface Diagnosis {
  env: Environment;
  runs: ProbeRun[];
  report: Report;
}

export async function diagnose(
  settings: Settings,
  probes: readonly ProbeDefinition[],
  o: DiagnoseOptions = {},
): Promise<Diagnosis> {
  const selected = selectProbes(probes, settings.probes.only, settings.probes.skip, settings.probes.enable);
  if (!selected.ok) throw new UsageError(selected.error);
  const env = await discover(settings, {
    ...(o.credentials ? { credentials: o.credentials } : {}),
    ...(o.progress ? { progress: o.progress } : {}),
  });
  await o.beforeProbes?.(env);
  const runs = await runRound(selected.probes, env, o.progress ? { progress: o.progress } : {});
  return { env, runs, report: buildReport(env, runs) };
}
