// The agent's latest results, kept in memory. Scrapes and pages read from here; they never run probes.

import type { Environment } from '../core/environment.js';
import type { ProbeRun } from '../core/runner.js';
import type { Finding, Report } from '../model/index.js';
import { buildReport } from '../report/build.js';

export interface DiscoveryStatus {
  /** When discovery last ran, and whether it listed the HSMs. */
  at: number;
  ok: boolean;
  lastSuccessAt: number | null;
  /** Since when discovery fails while the agent probes the last known HSMs; null when fresh. */
  staleSince: number | null;
}

export class AgentState {
  env: Environment | null = null;
  discovery: DiscoveryStatus | null = null;
  readonly runs = new Map<string, ProbeRun>();
  ready = false;
  readonly startedAt = Date.now();
  private cachedReport: { report: Report; json: string } | null = null;

  setEnvironment(env: Environment, discovery: DiscoveryStatus): void {
    this.env = env;
    this.discovery = discovery;
    this.cachedReport = null;
  }

  setRun(run: ProbeRun): void {
    this.runs.set(run.probe, run);
    this.cachedReport = null;
  }

  /** Runs of probes no longer selected (after a reload) leave the results. */
  retainProbes(ids: ReadonlySet<string>): void {
    for (const id of this.runs.keys()) if (!ids.has(id)) this.runs.delete(id);
    this.cachedReport = null;
  }

  findings(): Finding[] {
    return [...(this.env?.findings ?? []), ...[...this.runs.values()].flatMap((r) => r.outcome.findings)];
  }

  /** The report contract of the latest results; built once per change, not per request. */
  report(): { report: Report; json: string } | null {
    if (!this.env) return null;
    if (!this.cachedReport) {
      const report = buildReport(this.env, [...this.runs.values()]);
      this.cachedReport = { report, json: `${JSON.stringify(report, null, 2)}\n` };
    }
    return this.cachedReport;
  }
}
