// Transit gateway facts, normalised once from the snapshot's answers (SDK output shape, PascalCase):
// the gateways, their attachments, the VPC attachments' subnets and options, and the routes of the
// route tables that were readable. Absent answers stay null (undecidable); fields of the wrong type
// are treated as absent. Pure.
import { snapshotKey } from '../aws/operations.js';
import { type Cidr, parseCidr } from './cidr.js';

/** The transit gateway answers the path checks read (the per-route-table ones keyed by tgw-rtb- id). */
export const TGW_KEYS = {
  tgwGateways: snapshotKey('DescribeTransitGateways'),
  tgwAttachments: snapshotKey('DescribeTransitGatewayAttachments'),
  tgwVpcAttachments: snapshotKey('DescribeTransitGatewayVpcAttachments'),
  tgwRouteTables: snapshotKey('DescribeTransitGatewayRouteTables'),
  tgwRoutes: snapshotKey('SearchTransitGatewayRoutes'),
  tgwAssociations: snapshotKey('GetTransitGatewayRouteTableAssociations'),
  tgwPropagations: snapshotKey('GetTransitGatewayRouteTablePropagations'),
} as const;

/** 'enable' | 'disable' as EC2 answers an option; null: not in the answer (its value is unknown). */
export type TgwOption = 'enable' | 'disable' | null;

export interface TransitGateway {
  id: string;
  ownerId: string | null;
  state: string | null;
  sgReferencing: TgwOption;
}

/** A DescribeTransitGatewayAttachments item: any kind of attachment, with its associated route table. */
export interface TgwAttachment {
  id: string;
  tgwId: string | null;
  tgwOwnerId: string | null;
  resourceType: string | null;
  resourceId: string | null;
  resourceOwnerId: string | null;
  state: string | null;
  /** The route table associated with it (state associated); null: none. */
  routeTableId: string | null;
}

export interface TgwVpcAttachment {
  id: string;
  tgwId: string | null;
  vpcId: string | null;
  vpcOwnerId: string | null;
  state: string | null;
  subnetIds: string[];
  applianceMode: TgwOption;
  ipv6Support: TgwOption;
  sgReferencing: TgwOption;
}

export interface TgwRouteTarget {
  attachmentId: string | null;
  resourceType: string | null;
  resourceId: string | null;
}

export interface TgwRoute {
  destination: string;
  cidr: Cidr | null;
  prefixListId: string | null;
  /** static | propagated, as EC2 answers it. */
  type: string | null;
  /** active | blackhole (the reads ask for these two states). */
  state: string | null;
  targets: TgwRouteTarget[];
}

export interface TgwRouteTable {
  id: string;
  /** null: SearchTransitGatewayRoutes for this table is not in the snapshot. */
  routes: TgwRoute[] | null;
  /** AdditionalRoutesAvailable: the answer stopped at its limit, more routes exist. */
  truncated: boolean;
  /** Attachment ids associated with it (GetTransitGatewayRouteTableAssociations); null: not read. */
  associations: string[] | null;
  /** Attachment ids propagating into it (GetTransitGatewayRouteTablePropagations); null: not read. */
  propagations: string[] | null;
}

export interface TransitFacts {
  gateways: Map<string, TransitGateway> | null;
  attachments: Map<string, TgwAttachment> | null;
  vpcAttachments: TgwVpcAttachment[] | null;
  /** Route table ids DescribeTransitGatewayRouteTables listed (those this account may read). */
  listedRouteTables: Set<string> | null;
  /** Per tgw-rtb- id, whatever of its per-table answers the snapshot holds. */
  routeTables: Map<string, TgwRouteTable>;
  /** Subnet id → Availability Zone: zone IDs when every subnet has one, else zone names. */
  subnetAz: Map<string, string>;
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown): string | null => (typeof v === 'string' && v !== '' ? v : null);
const list = (v: unknown): Obj[] => (Array.isArray(v) ? v.filter(isObj) : []);
const strs = (v: unknown): string[] =>
  Array.isArray(v) ? v.map(str).filter((s): s is string => s !== null) : [];
const option = (v: unknown): TgwOption => (v === 'enable' || v === 'disable' ? v : null);
const optionsOf = (o: Obj): Obj => (isObj(o.Options) ? o.Options : {});

/** The list an answer holds, or null when the answer is absent or malformed. */
function items(aws: Obj, key: string, field: string): Obj[] | null {
  const a = aws[key];
  return isObj(a) && Array.isArray(a[field]) ? list(a[field]) : null;
}

/** A per-route-table answer: { "tgw-rtb-…": { <field>: [...] } }, or null when absent. */
function perTable(aws: Obj, key: string): Map<string, Obj> | null {
  const a = aws[key];
  if (!isObj(a)) return null;
  return new Map(Object.entries(a).filter((e): e is [string, Obj] => isObj(e[1])));
}

function gateway(g: Obj): TransitGateway {
  return {
    id: str(g.TransitGatewayId)!,
    ownerId: str(g.OwnerId),
    state: str(g.State),
    sgReferencing: option(optionsOf(g).SecurityGroupReferencingSupport),
  };
}

function attachment(a: Obj): TgwAttachment {
  const assoc = isObj(a.Association) ? a.Association : {};
  return {
    id: str(a.TransitGatewayAttachmentId)!,
    tgwId: str(a.TransitGatewayId),
    tgwOwnerId: str(a.TransitGatewayOwnerId),
    resourceType: str(a.ResourceType),
    resourceId: str(a.ResourceId),
    resourceOwnerId: str(a.ResourceOwnerId),
    state: str(a.State),
    routeTableId: assoc.State === 'associated' ? str(assoc.TransitGatewayRouteTableId) : null,
  };
}

function vpcAttachment(a: Obj): TgwVpcAttachment {
  const o = optionsOf(a);
  return {
    id: str(a.TransitGatewayAttachmentId)!,
    tgwId: str(a.TransitGatewayId),
    vpcId: str(a.VpcId),
    vpcOwnerId: str(a.VpcOwnerId),
    state: str(a.State),
    subnetIds: strs(a.SubnetIds),
    applianceMode: option(o.ApplianceModeSupport),
    ipv6Support: option(o.Ipv6Support),
    sgReferencing: option(o.SecurityGroupReferencingSupport),
  };
}

function tgwRoute(r: Obj): TgwRoute | null {
  const destination = str(r.DestinationCidrBlock) ?? str(r.PrefixListId);
  if (!destination) return null;
  return {
    destination,
    cidr: parseCidr(str(r.DestinationCidrBlock) ?? ''),
    prefixListId: str(r.PrefixListId),
    type: str(r.Type),
    state: str(r.State),
    targets: list(r.TransitGatewayAttachments).map((t) => ({
      attachmentId: str(t.TransitGatewayAttachmentId),
      resourceType: str(t.ResourceType),
      resourceId: str(t.ResourceId),
    })),
  };
}

/** Association and propagation states in which they no longer apply. */
const GONE = new Set(['disassociating', 'disassociated', 'disabling', 'disabled']);

function routeTablesOf(aws: Obj): Map<string, TgwRouteTable> {
  const routes = perTable(aws, TGW_KEYS.tgwRoutes);
  const assocs = perTable(aws, TGW_KEYS.tgwAssociations);
  const props = perTable(aws, TGW_KEYS.tgwPropagations);
  const ids = new Set([...(routes?.keys() ?? []), ...(assocs?.keys() ?? []), ...(props?.keys() ?? [])]);
  const attachmentIds = (o: Obj | undefined, field: string) =>
    o && Array.isArray(o[field])
      ? list(o[field])
          .filter((x) => !GONE.has(String(x.State)))
          .map((x) => str(x.TransitGatewayAttachmentId))
          .filter((s): s is string => s !== null)
      : null;
  const out = new Map<string, TgwRouteTable>();
  for (const id of ids) {
    const r = routes?.get(id);
    out.set(id, {
      id,
      routes:
        r && Array.isArray(r.Routes)
          ? list(r.Routes)
              .map(tgwRoute)
              .filter((x): x is TgwRoute => x !== null)
          : null,
      truncated: r?.AdditionalRoutesAvailable === true,
      associations: attachmentIds(assocs?.get(id), 'Associations'),
      propagations: attachmentIds(props?.get(id), 'TransitGatewayRouteTablePropagations'),
    });
  }
  return out;
}

export function transitFacts(aws: Obj): TransitFacts {
  const byId = <T extends { id: string }>(xs: Obj[] | null, idField: string, f: (o: Obj) => T) =>
    xs && new Map(xs.filter((x) => str(x[idField])).map((x) => [str(x[idField])!, f(x)]));
  const vpcAtt = items(aws, TGW_KEYS.tgwVpcAttachments, 'TransitGatewayVpcAttachments');
  const listed = items(aws, TGW_KEYS.tgwRouteTables, 'TransitGatewayRouteTables');
  // One kind of zone key for every subnet: zone IDs when all have one (they name the same zone in
  // every account), else zone names; a subnet without that kind stays unknown, never mismatched.
  const subnets = items(aws, snapshotKey('DescribeSubnets'), 'Subnets') ?? [];
  const byZoneId = subnets.every((s) => str(s.AvailabilityZoneId) || !str(s.AvailabilityZone));
  const subnetAz = new Map<string, string>();
  for (const s of subnets) {
    const id = str(s.SubnetId);
    const az = byZoneId ? str(s.AvailabilityZoneId) : str(s.AvailabilityZone);
    if (id && az) subnetAz.set(id, az);
  }
  return {
    gateways: byId(items(aws, TGW_KEYS.tgwGateways, 'TransitGateways'), 'TransitGatewayId', gateway),
    attachments: byId(
      items(aws, TGW_KEYS.tgwAttachments, 'TransitGatewayAttachments'),
      'TransitGatewayAttachmentId',
      attachment,
    ),
    vpcAttachments: vpcAtt
      ? vpcAtt.filter((a) => str(a.TransitGatewayAttachmentId)).map(vpcAttachment)
      : null,
    listedRouteTables:
      listed &&
      new Set(listed.map((t) => str(t.TransitGatewayRouteTableId)).filter((s): s is string => s !== null)),
    routeTables: routeTablesOf(aws),
    subnetAz,
  };
}

/** States in which an attachment forwards traffic. */
const FORWARDING = new Set(['available', 'modifying']);
export const forwards = (state: string | null) => state !== null && FORWARDING.has(state);

/** The VPC's attachment to the gateway (the live one first), or undefined. */
export function vpcAttachmentOf(
  t: TransitFacts,
  tgwId: string,
  vpcId: string | null,
): TgwVpcAttachment | undefined {
  const all = (t.vpcAttachments ?? []).filter((a) => a.tgwId === tgwId && a.vpcId === vpcId);
  return all.find((a) => forwards(a.state)) ?? all.find((a) => a.state !== 'deleted') ?? all[0];
}
