// The audit's report: the JSON report contract with its `exposure` section, or the text summary.
import type { Settings } from '../config/settings.js';
import { isUsageFailure } from '../core/findings.js';
import type { Report } from '../model/index.js';
import { exitCodeFor, summarise } from '../report/build.js';
import { makeStyle, reportWidth, wantColour } from '../report/text.js';
import type { AuditResult } from './audit.js';
import { renderAudit } from './text.js';
import type { ExposureSection } from './types.js';

export type AuditReport = Report & { exposure: ExposureSection };

export function auditJson(r: AuditResult, now = new Date()): AuditReport {
  return {
    hsmwatchReport: 1,
    generatedAt: now.toISOString(),
    summary: summarise(r.findings),
    paths: [],
    endpoints: [],
    findings: r.findings,
    exposure: r.exposure,
  };
}

export function auditReport(
  r: AuditResult,
  settings: Settings,
  io: { stdout: NodeJS.WritableStream & { isTTY?: boolean; columns?: number } },
): number {
  const report = auditJson(r);
  if (settings.output === 'json') io.stdout.write(`${JSON.stringify(report)}\n`);
  else {
    const stdout = io.stdout as NodeJS.WriteStream;
    io.stdout.write(
      renderAudit(r.exposure, r.findings, makeStyle(wantColour(stdout)), {
        width: reportWidth(stdout),
        verbose: settings.verbose,
      }),
    );
  }
  return isUsageFailure(report.findings) ? 2 : exitCodeFor(report, settings.strict);
}
