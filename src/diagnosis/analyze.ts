// An offline analysis: every static check on a snapshot. No network: discovery is replaced by the
// snapshot's own answers, and the probes that need the live network are not part of it.
import type { Settings } from '../config/settings.js';
import { UsageError } from '../config/settings.js';
import type { ProbeDefinition } from '../core/probe.js';
import { runRound, selectProbes } from '../core/runner.js';
import { environmentFromSnapshot } from '../discovery/from-snapshot.js';
import { buildReport } from '../report/build.js';
import type { Snapshot } from '../snapshot/format.js';
import type { Diagnosis } from './diagnose.js';

export interface AnalyzeOptions {
  ephemeralPorts?: { from: number; to: number };
  now?: Date;
}

export async function analyzeSnapshot(
  snapshot: Snapshot,
  settings: Settings,
  probes: readonly ProbeDefinition[],
  o: AnalyzeOptions = {},
): Promise<Diagnosis> {
  const selected = selectProbes(probes, settings.probes.only, settings.probes.skip, settings.probes.enable);
  if (!selected.ok) throw new UsageError(selected.error);
  const env = environmentFromSnapshot(snapshot, settings);
  if (o.ephemeralPorts) env.ephemeralPorts = { ...o.ephemeralPorts, source: '--ephemeral-ports' };
  // Offline there is nothing to send packets to: probes that need the live network are not part of an
  // analysis (rather than 'skipped' in it).
  const offline = selected.probes.filter((p) => !p.needs.includes('live-network'));
  const runs = await runRound(offline, env);
  return { env, runs, report: buildReport(env, runs, o.now) };
}
