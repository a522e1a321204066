// `hsmwatch analyze`: every static check on a snapshot, offline. No network: the probes that need
// it are skipped by the runner, and discovery is replaced by the snapshot's own answers.
import { renameSync, writeFileSync } from 'node:fs';
import { PROBES } from '../../probes/index.js';
import type { Settings } from '../config/settings.js';
import { UsageError } from '../config/settings.js';
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
  o: AnalyzeOptions = {},
): Promise<Diagnosis> {
  const selected = selectProbes(PROBES, settings.probes.only, settings.probes.skip);
  if (!selected.ok) throw new UsageError(selected.error);
  const env = environmentFromSnapshot(snapshot, settings);
  if (o.ephemeralPorts) env.ephemeralPorts = { ...o.ephemeralPorts, source: '--ephemeral-ports' };
  // Offline there is nothing to send packets to: probes that need the live network are not part of an
  // analysis (rather than 'skipped' in it).
  const offline = selected.probes.filter((p) => !p.needs.includes('live-network'));
  const runs = await runRound(offline, env);
  return { env, runs, report: buildReport(env, runs, o.now) };
}

/** Parses "32768-60999". */
export function parseEphemeralRange(text: string): { from: number; to: number } {
  const m = /^(\d{1,5})-(\d{1,5})$/.exec(text.trim());
  const from = Number(m?.[1]);
  const to = Number(m?.[2]);
  if (!m || from < 1 || to > 65535 || from > to) {
    throw new UsageError(`--ephemeral-ports: "${text}" is not a range like 32768-60999 within 1-65535`);
  }
  return { from, to };
}

/** Writes a file whole or not at all: a temporary file renamed over the target. */
export function writeFileAtomic(path: string, text: string): void {
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, text, { mode: 0o600 });
  renameSync(tmp, path);
}
