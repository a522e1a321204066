// Every source of the estate against every HSM address × port, with the path evaluator `diagnose`
// uses. Grouped: one evaluation per class of interfaces that must share a verdict (classes.ts);
// per-path: every interface on its own (the benchmark's reference, and what a finding's fix needs). Pure.
import type { ClusterInfo, HsmTarget } from '../model/index.js';
import { familyOf } from '../netpath/cidr.js';
import { hsmEndpoint } from '../netpath/endpoints.js';
import { evaluatePair } from '../netpath/evaluate.js';
import type { NetFacts, NetworkInterface } from '../netpath/facts.js';
import type { PortRange } from '../netpath/ranges.js';
import type { Endpoint, PathVerdict } from '../netpath/types.js';
import type { SourceClass } from './classes.js';
import type { PortResult, PortVerdict, SourceVerdict } from './types.js';

export interface AuditTarget {
  hsmId: string;
  target: HsmTarget;
  endpoint: Endpoint;
}

export interface EvaluationInput {
  facts: NetFacts;
  targets: readonly AuditTarget[];
  ports: readonly number[];
  ephemeral: PortRange;
}

export function auditTargets(
  facts: NetFacts,
  cluster: ClusterInfo,
  targets: readonly HsmTarget[],
): AuditTarget[] {
  return targets
    .filter((t) => t.clusterId === cluster.clusterId)
    .map((t) => ({ hsmId: t.hsmId ?? t.ip, target: t, endpoint: hsmEndpoint(facts, t, [cluster]) }));
}

export function sourceEndpoint(eni: NetworkInterface, family: 4 | 6): Endpoint {
  return {
    eniId: eni.id,
    ip: (family === 4 ? eni.privateIps[0] : eni.ipv6s[0]) ?? '',
    subnetId: eni.subnetId,
    vpcId: eni.vpcId,
    groupIds: eni.groupIds,
  };
}

/** The HSM addresses a source is judged on: those of a family it has an address in (else all, to say so). */
function applicable(eni: NetworkInterface, targets: readonly AuditTarget[]): AuditTarget[] {
  const has = (f: 4 | 6) => (f === 4 ? eni.privateIps.length > 0 : eni.ipv6s.length > 0);
  const byHsm = new Map<string, AuditTarget[]>();
  for (const t of targets) byHsm.set(t.hsmId, [...(byHsm.get(t.hsmId) ?? []), t]);
  return [...byHsm.values()].flatMap((ts) => {
    const usable = ts.filter((t) => has(t.target.family));
    return usable.length ? usable : ts;
  });
}

/** The full verdicts of one interface, per target address: what findings and fixes are built from. */
export function evaluateSource(
  input: EvaluationInput,
  eni: NetworkInterface,
): Array<{ target: AuditTarget; verdicts: PathVerdict[] }> {
  return applicable(eni, input.targets).map((t) => ({
    target: t,
    verdicts: evaluatePair(input.facts, {
      client: sourceEndpoint(eni, familyOf(t.target.ip) ?? 4),
      hsm: t.endpoint,
      ports: input.ports,
      ephemeral: input.ephemeral,
    }),
  }));
}

function portResults(
  evaluated: ReturnType<typeof evaluateSource>,
  rename: (id: string) => string,
): PortResult[] {
  return evaluated.flatMap(({ target, verdicts }) =>
    verdicts.map((v) => ({
      hsmId: target.hsmId,
      address: target.target.ip,
      port: v.port,
      verdict: v.verdict,
      blockedBy: v.blockedBy.map((b) => ({ component: b.component, resourceIds: b.resourceIds.map(rename) })),
    })),
  );
}

/**
 * Per interface id, its port results: each class evaluated once, its verdicts given to every member.
 * Results name the representative's own id only where a check names the interface itself; elsewhere
 * every member gets the same results (one array, never modified), and its verdict is worked out once.
 */
export function evaluateGrouped(
  input: EvaluationInput,
  classes: readonly SourceClass[],
): Map<string, PortResult[]> {
  const out = new Map<string, PortResult[]>();
  for (const c of classes) {
    const evaluated = evaluateSource(input, c.representative);
    const rep = c.representative.id;
    const shared = portResults(evaluated, (id) => id);
    const named = shared.some((r) => r.blockedBy.some((b) => b.resourceIds.includes(rep)));
    if (!named) verdicts.set(shared, verdictOf(shared));
    for (const m of c.members) {
      out.set(
        m.id,
        named && m.id !== rep ? portResults(evaluated, (id) => (id === rep ? m.id : id)) : shared,
      );
    }
  }
  return out;
}

/** The reference: every interface evaluated on its own. */
export function evaluatePerPath(
  input: EvaluationInput,
  sources: readonly NetworkInterface[],
): Map<string, PortResult[]> {
  return new Map(sources.map((s) => [s.id, portResults(evaluateSource(input, s), (id) => id)]));
}

const RANK: Record<PortVerdict, number> = { reachable: 2, unknown: 1, blocked: 0 };

// The verdicts of the results evaluateGrouped shares between the members of a class.
const verdicts = new WeakMap<readonly PortResult[], SourceVerdict>();

/** Per HSM and port, the best of its addresses; then all, some or none of them reachable. */
export function sourceVerdict(results: readonly PortResult[]): SourceVerdict {
  return verdicts.get(results) ?? verdictOf(results);
}

function verdictOf(results: readonly PortResult[]): SourceVerdict {
  const best = new Map<string, PortVerdict>();
  for (const r of results) {
    const key = `${r.hsmId}|${r.port}`;
    const was = best.get(key);
    if (was === undefined || RANK[r.verdict] > RANK[was]) best.set(key, r.verdict);
  }
  const vs = [...best.values()];
  if (vs.length === 0) return 'unknown';
  const reachable = vs.filter((v) => v === 'reachable').length;
  if (reachable === vs.length) return 'reachable';
  if (reachable > 0) return 'partial';
  return vs.includes('unknown') ? 'unknown' : 'blocked';
}
