// Cluster subnets that route to an internet gateway: the HSM subnets are then not private. Pure.
import type { NetFacts, Route } from './facts.js';
import { routeTableFor } from './route.js';

export interface ExposedSubnet {
  subnet: string;
  table: string;
  route: Route;
}

export function subnetsRoutingToInternet(
  facts: NetFacts,
  subnetIds: readonly string[],
  vpcId: string | null,
): ExposedSubnet[] {
  return subnetIds.flatMap((s) => {
    const t = routeTableFor(facts, s, vpcId);
    const igw = t?.routes.find((r) => r.targetId.startsWith('igw-'));
    return t && igw ? [{ subnet: s, table: t.id, route: igw }] : [];
  });
}
