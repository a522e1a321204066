// VPC peering connections between two VPCs. Pure.
import type { NetFacts, Peering } from './facts.js';

const joins = (p: Peering, a: string, b: string) =>
  (p.requester.vpcId === a && p.accepter.vpcId === b) || (p.requester.vpcId === b && p.accepter.vpcId === a);

export function peeringBetween(facts: NetFacts, a: string, b: string): Peering | undefined {
  const all = [...(facts.peerings?.values() ?? [])].filter((p) => joins(p, a, b));
  return all.find((p) => p.status === 'active') ?? all[0];
}

export function activePeeringBetween(facts: NetFacts, a: string, b: string): Peering | undefined {
  const p = peeringBetween(facts, a, b);
  return p?.status === 'active' ? p : undefined;
}

export { joins as peeringJoins };
