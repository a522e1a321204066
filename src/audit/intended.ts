// Which interfaces are meant to reach the HSMs. Configured (audit.intended: security groups, tags,
// CIDRs; any match), else AWS's documented setup: clients carry the cluster security group, or a group
// the cluster security group admits by reference. Pure.
import type { IntendedSources } from '../config/settings.js';
import { type Cidr, cidrContains, parseCidr, parseIp } from '../netpath/cidr.js';
import type { NetFacts, NetworkInterface } from '../netpath/facts.js';

/** Why an interface is intended, or null when it is not. */
export type IntendedTest = (eni: NetworkInterface) => string | null;

export function isConfigured(intended: IntendedSources): boolean {
  return intended.securityGroups.length + intended.tags.length + intended.cidrs.length > 0;
}

/** The groups the cluster group's ingress rules name (itself included when it references itself). */
export function referencedByClusterGroup(facts: NetFacts, clusterSg: string | null): Set<string> {
  const sg = clusterSg ? facts.sgs?.get(clusterSg) : undefined;
  return new Set(sg?.ingress.flatMap((r) => r.groups.map((g) => g.groupId)) ?? []);
}

export function intendedTest(
  facts: NetFacts,
  clusterSg: string | null,
  intended: IntendedSources,
): IntendedTest {
  if (isConfigured(intended)) {
    const groups = new Set(intended.securityGroups);
    const tags = new Set(intended.tags);
    const cidrs = intended.cidrs
      .map((c) => [c, parseCidr(c)] as const)
      .filter((x): x is [string, Cidr] => !!x[1]);
    return (eni) => {
      const g = eni.groupIds.find((id) => groups.has(id));
      if (g) return `audit.intended.securityGroups: ${g}`;
      const t = eni.tags.find((x) => tags.has(x));
      if (t) return `audit.intended.tags: ${t}`;
      for (const a of [...eni.privateIps, ...eni.ipv6s]) {
        const ip = parseIp(a);
        const hit = ip && cidrs.find(([, c]) => cidrContains(c, ip));
        if (hit) return `audit.intended.cidrs: ${hit[0]}`;
      }
      return null;
    };
  }
  const referenced = referencedByClusterGroup(facts, clusterSg);
  return (eni) => {
    if (clusterSg && eni.groupIds.includes(clusterSg))
      return `carries the cluster security group ${clusterSg}`;
    const g = eni.groupIds.find((id) => referenced.has(id));
    return g ? `carries ${g}, which the cluster security group ${clusterSg} admits by reference` : null;
  };
}
