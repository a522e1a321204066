// Security group references across a transit gateway (AWS, "Introducing security group referencing
// for AWS Transit Gateway", 2024): a rule may reference a group of another VPC attached to the same
// transit gateway, in the same Region, in inbound rules only, when SecurityGroupReferencingSupport is
// enabled on the transit gateway and on the VPC attachments. An option missing from the answer leaves
// the reference undecided, never assumed. Pure.
import type { NetFacts } from './facts.js';
import { activePeeringBetween } from './peering.js';
import { forwards, type TgwOption, type TransitFacts } from './transit-facts.js';

/** What a group reference comes to (the shape of sg.ts's Match, kept here to avoid an import cycle). */
type Match = { kind: 'yes'; how: string } | { kind: 'no'; why: string } | { kind: 'unknown'; why: string };

const ON = (o: TgwOption) => o === 'enable';

/** Transit gateways both VPCs are attached to. */
function sharedGateways(t: TransitFacts, a: string, b: string): string[] {
  const of = (vpc: string) =>
    new Set(
      (t.vpcAttachments ?? [])
        .filter((x) => x.vpcId === vpc && x.tgwId && forwards(x.state))
        .map((x) => x.tgwId!),
    );
  const other = of(b);
  return [...of(a)].filter((id) => other.has(id));
}

/** Whether a route of either VPC names a transit gateway (so a reference might go across one). */
function routesViaGateway(facts: NetFacts, vpcs: string[]): string | null {
  for (const table of facts.routeTables ?? []) {
    if (table.vpcId === null || !vpcs.includes(table.vpcId)) continue;
    const r = table.routes.find((x) => x.targetKind === 'TransitGatewayId');
    if (r) return r.targetId;
  }
  return null;
}

function throughGateway(t: TransitFacts, tgwId: string, vpcs: [string, string], label: string): Match {
  const gw = t.gateways?.get(tgwId);
  const atts = vpcs.map((v) =>
    (t.vpcAttachments ?? []).find((x) => x.vpcId === v && x.tgwId === tgwId && forwards(x.state)),
  );
  const options = [
    { what: tgwId, value: gw ? gw.sgReferencing : null },
    ...atts.map((a, i) => ({
      what: a?.id ?? `the attachment of ${vpcs[i]}`,
      value: a?.sgReferencing ?? null,
    })),
  ];
  const off = options.find((o) => o.value === 'disable');
  if (off) {
    return {
      kind: 'no',
      why: `${label} is referenced across transit gateway ${tgwId}, but security group referencing is disabled on ${off.what} (SecurityGroupReferencingSupport must be enabled on the transit gateway and on the VPC attachments)`,
    };
  }
  const unread = options.filter((o) => !ON(o.value));
  if (unread.length) {
    return {
      kind: 'unknown',
      why: `${label} is referenced across transit gateway ${tgwId}, and whether SecurityGroupReferencingSupport is enabled on ${unread.map((o) => o.what).join(', ')} is not in the answers (DescribeTransitGateways, DescribeTransitGatewayVpcAttachments)`,
    };
  }
  return { kind: 'yes', how: `group ${label} across transit gateway ${tgwId}` };
}

/**
 * A reference to a group of `peerVpc` from a rule of a group of `selfVpc`, when the two VPCs meet at a
 * transit gateway; null when they do not (or an active peering joins them: that decides instead).
 */
export function transitGroupRef(
  facts: NetFacts,
  label: string,
  selfVpc: string,
  peerVpc: string,
  direction: 'ingress' | 'egress' | undefined,
): Match | null {
  if (activePeeringBetween(facts, selfVpc, peerVpc)) return null;
  const t = facts.transit;
  if (t.vpcAttachments === null) {
    const tgw = routesViaGateway(facts, [selfVpc, peerVpc]);
    return tgw
      ? {
          kind: 'unknown',
          why: `${label} is in ${peerVpc}, which may be reached across transit gateway ${tgw}: DescribeTransitGatewayVpcAttachments is not in the snapshot`,
        }
      : null;
  }
  const gateways = sharedGateways(t, selfVpc, peerVpc);
  if (!gateways.length) return null;
  if (direction !== 'ingress') {
    return {
      kind: direction === 'egress' ? 'no' : 'unknown',
      why: `${label} is in ${peerVpc}, reached across transit gateway ${gateways.join(', ')}: AWS supports security group references across a transit gateway in inbound rules only (an outbound rule needs the peer's CIDR)`,
    };
  }
  const results = gateways.map((id) => throughGateway(t, id, [selfVpc, peerVpc], label));
  return results.find((m) => m.kind === 'yes') ?? results.find((m) => m.kind === 'unknown') ?? results[0]!;
}
