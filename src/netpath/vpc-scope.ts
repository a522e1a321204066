// Which VPCs can route to a cluster's: its own, those with an active peering to it, and those attached
// to a transit gateway it is attached to. One rule for `audit` (src/audit/scope.ts) and for the reads
// of `snapshot --estate` (src/discovery/estate-reads.ts), so the snapshot holds what the audit covers. Pure.
import type { NetFacts } from './facts.js';
import { forwards } from './transit-facts.js';

/** The cluster's VPC, VPCs with an active peering to it, and VPCs attached to a transit gateway it is attached to. */
export function vpcsInScope(facts: NetFacts, clusterVpc: string | null): string[] {
  if (!clusterVpc) return [];
  const vpcs = new Set([clusterVpc]);
  for (const p of facts.peerings?.values() ?? []) {
    if (p.status !== 'active') continue;
    if (p.requester.vpcId === clusterVpc && p.accepter.vpcId) vpcs.add(p.accepter.vpcId);
    if (p.accepter.vpcId === clusterVpc && p.requester.vpcId) vpcs.add(p.requester.vpcId);
  }
  const attachments = facts.transit.vpcAttachments ?? [];
  const gateways = new Set(
    attachments.filter((a) => a.vpcId === clusterVpc && forwards(a.state) && a.tgwId).map((a) => a.tgwId),
  );
  for (const a of attachments) {
    if (a.tgwId && gateways.has(a.tgwId) && forwards(a.state) && a.vpcId) vpcs.add(a.vpcId);
  }
  return [...vpcs].sort();
}
