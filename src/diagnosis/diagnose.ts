// One diagnosis: discover, run the selected probes once, build the report.
import { PROBES } from '../../probes/index.js';
import type { StaticCredentials } from '../aws/clients.js';
import { type Settings, UsageError } from '../config/settings.js';
import type { Report } from '../core/model.js';
import { type ProbeRun, runRound, selectProbes } from '../core/runner.js';
import { discover, type Environment } from '../discovery/index.js';
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

export async function diagnose(settings: Settings, o: DiagnoseOptions = {}): Promise<Diagnosis> {
  const selected = selectProbes(PROBES, settings.probes.only, settings.probes.skip);
  if (!selected.ok) throw new UsageError(selected.error);
  const env = await discover(settings, {
    ...(o.credentials ? { credentials: o.credentials } : {}),
    ...(o.progress ? { progress: o.progress } : {}),
  });
  await o.beforeProbes?.(env);
  const runs = await runRound(selected.probes, env, o.progress ? { progress: o.progress } : {});
  return { env, runs, report: buildReport(env, runs) };
}
