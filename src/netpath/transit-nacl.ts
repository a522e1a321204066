// The network ACLs around a transit gateway hop. AWS evaluates the ACL of each attachment subnet for
// traffic to and from the gateway, and, where an instance shares a subnet with the attachment, does not
// evaluate that subnet's ACL for the traffic the gateway delivers to it (AWS Transit Gateway guide,
// "Network ACLs for transit gateways"). Which attachment ENI carries a flow, and so which of those rules
// apply, is not modelled here. So they never decide a verdict either way: the hop stays allowed only
// when every attachment subnet's ACL admits both directions whole; otherwise it is unknown, naming the
// ACL. And an endpoint-subnet ACL that would block, in a subnet that is also an attachment subnet, is
// unknown, never blocked (it may not be evaluated at all). Pure.
import type { Nacl, NetFacts } from './facts.js';
import { naclDecide, naclForSubnet } from './nacl.js';
import type { PortRange } from './ranges.js';
import { vpcAttachmentOf } from './transit-facts.js';
import type { Check, Component, Endpoint } from './types.js';

const TGW_ID = /^tgw-(?!attach-|rtb-)/;

/** The transit gateways an allowing route check passes through. */
function crossed(checks: readonly Check[]): string[] {
  const ids = checks
    .filter(
      (c) => (c.component === 'client-route' || c.component === 'hsm-return-route') && c.status === 'allow',
    )
    .flatMap((c) => c.resourceIds.filter((id) => TGW_ID.test(id)));
  return [...new Set(ids)];
}

const ENDPOINT_ACLS: Record<'client' | 'hsm', Component[]> = {
  client: ['client-nacl-outbound', 'client-nacl-inbound-return'],
  hsm: ['hsm-nacl-inbound', 'hsm-nacl-outbound-return'],
};

/** The port-independent part of a path's transit ACL checks: computed once, used for every port. */
export interface TransitAclContext {
  sides: { client: string[]; hsm: string[] };
  /** Per end and attachment subnet: its ACL, and whether it denies part of the return traffic. */
  acls: Map<string, { naclId: string; nacl: Nacl; returnDenies: boolean } | null>;
}

/**
 * The transit gateways the path's allowing route checks pass through, and their attachment subnets;
 * null when it crosses none (or the ACLs were not read). `checks` holds the path's route checks (the
 * same for every port).
 */
export function transitAclContext(
  facts: NetFacts,
  client: Endpoint,
  hsm: Endpoint,
  checks: readonly Check[],
): TransitAclContext | null {
  const tgws = crossed(checks);
  if (tgws.length === 0 || facts.nacls === null) return null;
  const attachmentSubnets = (vpcId: string | null) =>
    tgws.flatMap((tgw) => vpcAttachmentOf(facts.transit, tgw, vpcId)?.subnetIds ?? []);
  return {
    sides: { client: attachmentSubnets(client.vpcId), hsm: attachmentSubnets(hsm.vpcId) },
    acls: new Map(),
  };
}

export function withTransitAcls(
  facts: NetFacts,
  path: { client: Endpoint; hsm: Endpoint; port: number; ephemeral: PortRange },
  checks: Check[],
  context: TransitAclContext | null = transitAclContext(facts, path.client, path.hsm, checks),
): Check[] {
  if (context === null) return checks;
  const { client, hsm, port, ephemeral } = path;
  const { sides } = context;
  const out = checks.map((c) => {
    for (const end of ['client', 'hsm'] as const) {
      const subnet = (end === 'client' ? client : hsm).subnetId;
      if (c.status !== 'block' || !ENDPOINT_ACLS[end].includes(c.component)) continue;
      if (!subnet || !sides[end].includes(subnet)) continue;
      const { fix: _fix, ...rest } = c;
      return {
        ...rest,
        status: 'unknown' as const,
        detail: `${c.detail}; but ${subnet} is also a transit gateway attachment subnet, where AWS does not evaluate its network ACL for the traffic the gateway delivers: not decided`,
      };
    }
    return c;
  });
  const service: PortRange = { from: port, to: port };
  for (const [end, subnets] of Object.entries(sides)) {
    const vpcId = end === 'client' ? client.vpcId : hsm.vpcId;
    // One check per ACL that would deny, naming the attachment subnets it serves.
    const denying = new Map<string, string[]>();
    for (const subnet of subnets) {
      const key = `${end}|${subnet}`;
      let acl = context.acls.get(key);
      if (acl === undefined) {
        const found = naclForSubnet(facts, subnet, vpcId);
        acl = found.nacl && {
          naclId: found.nacl.id,
          nacl: found.nacl,
          returnDenies:
            naclDecide(found.nacl, false, hsm.ip, ephemeral).denied.length > 0 ||
            naclDecide(found.nacl, true, client.ip, ephemeral).denied.length > 0,
        };
        context.acls.set(key, acl);
      }
      if (!acl) continue;
      const denies =
        acl.returnDenies ||
        naclDecide(acl.nacl, false, client.ip, service).denied.length > 0 ||
        naclDecide(acl.nacl, true, hsm.ip, service).denied.length > 0;
      if (denies) denying.set(acl.naclId, [...(denying.get(acl.naclId) ?? []), subnet]);
    }
    for (const [naclId, where] of denying) {
      out.push({
        component: end === 'client' ? 'client-route' : 'hsm-return-route',
        status: 'unknown',
        resourceIds: [naclId, ...where],
        detail: `${naclId}, the network ACL of transit gateway attachment subnet(s) ${where.join(', ')}, does not admit all the traffic between ${client.ip} and ${hsm.ip}:${port} (and its return); AWS evaluates attachment subnets' ACLs for traffic to and from the gateway, and which attachment carries a flow is not modelled: not decided`,
      });
    }
  }
  return out;
}
