// What an audit covers: the cluster's VPC and the VPCs that can route to it, and the interfaces in
// them (all but the HSMs' own). Pure.
import type { ClusterInfo, HsmTarget } from '../model/index.js';
import type { NetFacts, NetworkInterface } from '../netpath/facts.js';

// The VPCs in scope: the rule discovery's estate reads use too (src/netpath/vpc-scope.ts).
export { vpcsInScope } from '../netpath/vpc-scope.js';

/** Every interface read in those VPCs except the cluster's own HSM interfaces, in a stable order. */
export function sourcesInScope(
  facts: NetFacts,
  vpcs: readonly string[],
  hsmTargets: readonly HsmTarget[],
): NetworkInterface[] {
  const inScope = new Set(vpcs);
  const hsmEnis = new Set(hsmTargets.map((t) => t.eniId).filter((id): id is string => id !== null));
  const hsmIps = new Set(hsmTargets.map((t) => t.ip));
  return [...(facts.enis?.values() ?? [])]
    .filter((e) => e.vpcId !== null && inScope.has(e.vpcId) && !hsmEnis.has(e.id))
    .filter((e) => !e.privateIps.some((ip) => hsmIps.has(ip)) && !e.ipv6s.some((ip) => hsmIps.has(ip)))
    .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

/** The HSM addresses of one cluster, grouped by HSM (a dual-stack HSM has two). */
export function hsmsOf(cluster: ClusterInfo, targets: readonly HsmTarget[]): Map<string, HsmTarget[]> {
  const byHsm = new Map<string, HsmTarget[]>();
  for (const t of targets) {
    if (t.clusterId !== cluster.clusterId) continue;
    const key = t.hsmId ?? t.ip;
    byHsm.set(key, [...(byHsm.get(key) ?? []), t]);
  }
  return byHsm;
}
