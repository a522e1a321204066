// Assembles the report contract from discovery and probe outcomes, and decides the exit code.

import type { Environment } from '../core/environment.js';
import type { ProbeRun } from '../core/runner.js';
import {
  carrierEniIds,
  type EndpointRecord,
  type Finding,
  type PathRecord,
  type Report,
  STATUSES,
  type Summary,
} from '../model/index.js';

const pathId = (p: { eniIp: string; port: number; clientEni: string | null }) =>
  `${p.clientEni ?? '-'}|${p.eniIp}|${p.port}`;

export function buildReport(env: Environment, runs: readonly ProbeRun[], now: Date = new Date()): Report {
  const { client } = env;
  const paths: PathRecord[] = [];
  const byId = new Map<string, PathRecord>();
  for (const t of env.targets) {
    // One row per ENI the traffic to this address leaves from (see carrierEniIds).
    const carriers = client?.enis.length ? carrierEniIds(client, t.ip) : [];
    const clientEnis = carriers.length ? carriers : [null];
    for (const port of env.settings.ports) {
      for (const clientEni of clientEnis) {
        const p: PathRecord = { clusterId: t.clusterId, hsmId: t.hsmId, eniIp: t.ip, port, clientEni };
        paths.push(p);
        byId.set(pathId(p), p);
      }
    }
  }
  for (const run of runs) {
    for (const c of run.outcome.paths ?? []) {
      const { static: st, live, ...key } = c;
      // A contribution without a client ENI holds for every client ENI's path to that address and port.
      const matches =
        key.clientEni === null
          ? paths.filter((p) => p.eniIp === key.eniIp && p.port === key.port)
          : [byId.get(pathId(key))].filter((p): p is PathRecord => p !== undefined);
      if (matches.length === 0) {
        const p: PathRecord = { ...key };
        paths.push(p);
        byId.set(pathId(p), p);
        matches.push(p);
      }
      for (const p of matches) {
        if (st) p.static = st;
        if (live) p.live = live;
      }
    }
  }
  const endpoints: EndpointRecord[] = runs.flatMap((r) => r.outcome.endpoints ?? []);
  const findings: Finding[] = [...env.findings, ...runs.flatMap((r) => r.outcome.findings)];
  return {
    hsmwatchReport: 1,
    generatedAt: now.toISOString(),
    summary: summarise(findings),
    paths: paths.map(orderPathKeys),
    endpoints,
    findings: findings.map(orderFindingKeys),
  };
}

export function summarise(findings: readonly Finding[]): Summary {
  const s = Object.fromEntries(STATUSES.map((k) => [k, 0])) as Summary;
  for (const f of findings) s[f.status]++;
  return s;
}

/**
 * 0: nothing failed; 1: a check failed or could not run for an error (a diagnosis that did not
 * happen is no pass), or a warning with --strict. Usage errors (2) never reach here.
 */
export function exitCodeFor(report: Pick<Report, 'summary'>, strict: boolean): 0 | 1 {
  const { fail, warn, error } = report.summary;
  if (fail > 0 || error > 0) return 1;
  return strict && warn > 0 ? 1 : 0;
}

// Key order as in the contract, so the JSON reads the same as product.md.
function orderPathKeys(p: PathRecord): PathRecord {
  const o: PathRecord = {
    clusterId: p.clusterId,
    hsmId: p.hsmId,
    eniIp: p.eniIp,
    port: p.port,
    clientEni: p.clientEni,
  };
  if (p.static) o.static = p.static;
  // The contract's live record is state and connect time; the errno stays in the finding's evidence.
  if (p.live) o.live = { state: p.live.state, connectMs: p.live.connectMs };
  return o;
}

function orderFindingKeys(f: Finding): Finding {
  const o: Finding = {
    id: f.id,
    status: f.status,
    target: f.target,
    message: f.message,
    evidence: f.evidence,
  };
  if (f.remediation !== undefined) o.remediation = f.remediation;
  return o;
}
