// The simulated EC2 API: the EC2 query protocol (form-encoded Action=..., XML answers in the EC2
// namespace, NextToken paging, DryRun, error XML), served from the scenario snapshot so the real
// @aws-sdk/client-ec2 talks to it over HTTP. Read operations only.
import type { OperationHandler, Protocol } from './aws-server.js';
import { paginate } from './aws-server.js';
import { EC2_XML_SHAPES } from './ec2-xml-shapes.js';

export const EC2_API_VERSION = '2016-11-15';
const EC2_NS = `http://ec2.amazonaws.com/doc/${EC2_API_VERSION}/`;
/** A handler's answer carrying this key is written as the DryRunOperation error. */
const DRY_RUN = '__hsmwatchDryRun';

/** Form fields (Filter.1.Value.2=x) → nested params ({Filter:[{Value:[,x]}]}), 1-based lists. */
export function parseQueryParams(body: string): Record<string, unknown> {
  const root: Record<string, unknown> = {};
  for (const [key, value] of new URLSearchParams(body)) {
    const parts = key.split('.');
    let node: Record<string, unknown> | unknown[] = root;
    for (let i = 0; i < parts.length; i++) {
      const part = parts[i]!;
      const last = i === parts.length - 1;
      const index = /^\d+$/.test(part) ? Number(part) - 1 : null;
      const nextIsIndex = !last && /^\d+$/.test(parts[i + 1]!);
      const slot = index === null ? part : index;
      const container = node as Record<string | number, unknown>;
      if (last) {
        container[slot] = value;
      } else {
        container[slot] ??= nextIsIndex ? [] : {};
        node = container[slot] as Record<string, unknown>;
      }
    }
  }
  return root;
}

const escapeXml = (s: string) =>
  s.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c]!,
  );

/** Writes a PascalCase SDK-shaped value as EC2 XML, with the element names the SDK reads. */
export function toEc2Xml(value: Record<string, unknown>, shape: string): string {
  const fields = EC2_XML_SHAPES[shape] ?? {};
  let out = '';
  for (const [name, v] of Object.entries(value)) {
    const spec = fields[name];
    if (!spec || v === undefined || v === null) continue;
    const [xml, kind, child] = spec;
    if (kind === 'list' && Array.isArray(v)) {
      const items = v
        .map((item) =>
          child && typeof item === 'object' && item !== null
            ? `<item>${toEc2Xml(item as Record<string, unknown>, child)}</item>`
            : `<item>${escapeXml(String(item))}</item>`,
        )
        .join('');
      out += `<${xml}>${items}</${xml}>`;
    } else if (kind === 'struct' && child && typeof v === 'object') {
      out += `<${xml}>${toEc2Xml(v as Record<string, unknown>, child)}</${xml}>`;
    } else if (typeof v !== 'object') {
      out += `<${xml}>${escapeXml(String(v))}</${xml}>`;
    }
  }
  return out;
}

let counter = 0;
const requestId = () => `ec2sim00-0000-4000-8000-${String(++counter).padStart(12, '0')}`;

function errorXml(code: string, message: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n<Response><Errors><Error><Code>${escapeXml(code)}</Code><Message>${escapeXml(message)}</Message></Error></Errors><RequestID>${requestId()}</RequestID></Response>`;
}

export const ec2QueryProtocol: Protocol = {
  match(req, body) {
    if (req.method !== 'POST' || !/x-www-form-urlencoded/.test(String(req.headers['content-type'] ?? '')))
      return null;
    const params = parseQueryParams(body);
    if (params.Version !== EC2_API_VERSION || typeof params.Action !== 'string') return null;
    return { service: 'ec2', operation: params.Action, params };
  },
  answer(res, _service, operation, result) {
    if (result[DRY_RUN]) {
      res.writeHead(412, { 'content-type': 'text/xml;charset=UTF-8' });
      res.end(errorXml('DryRunOperation', 'Request would have succeeded, but DryRun flag is set.'));
      return;
    }
    const xml = `<?xml version="1.0" encoding="UTF-8"?>\n<${operation}Response xmlns="${EC2_NS}"><requestId>${requestId()}</requestId>${toEc2Xml(result, `${operation}Result`)}</${operation}Response>`;
    res.writeHead(200, { 'content-type': 'text/xml;charset=UTF-8' });
    res.end(xml);
  },
  error(res, _service, status, code, message) {
    res.writeHead(status, { 'content-type': 'text/xml;charset=UTF-8' });
    res.end(errorXml(code, message));
  },
};

type Item = Record<string, unknown>;

const FILTER_FIELDS: Record<string, string> = {
  'vpc-id': 'VpcId',
  'network-interface-id': 'NetworkInterfaceId',
  'group-id': 'GroupId',
  'subnet-id': 'SubnetId',
  'instance-id': 'InstanceId',
  'network-acl-id': 'NetworkAclId',
  'route-table-id': 'RouteTableId',
  'vpc-peering-connection-id': 'VpcPeeringConnectionId',
  'nat-gateway-id': 'NatGatewayId',
  'transit-gateway-id': 'TransitGatewayId',
  'transit-gateway-attachment-id': 'TransitGatewayAttachmentId',
  'transit-gateway-route-table-id': 'TransitGatewayRouteTableId',
  'resource-id': 'ResourceId',
  'resource-type': 'ResourceType',
  state: 'State',
  type: 'Type',
};

function filterValues(item: Item, name: string): unknown[] {
  if (name === 'requester-vpc-info.vpc-id' || name === 'accepter-vpc-info.vpc-id') {
    const side = item[name.startsWith('requester') ? 'RequesterVpcInfo' : 'AccepterVpcInfo'] as
      | Item
      | undefined;
    return [side?.VpcId];
  }
  if (name === 'association.subnet-id') {
    return ((item.Associations as Item[] | undefined) ?? []).map((a) => a.SubnetId);
  }
  // An ENI's addresses, primary and secondary (the source-address lookups of discovery).
  if (name === 'addresses.private-ip-address')
    return ((item.PrivateIpAddresses as Item[] | undefined) ?? []).map((a) => a.PrivateIpAddress);
  if (name === 'ipv6-addresses.ipv6-address')
    return ((item.Ipv6Addresses as Item[] | undefined) ?? []).map((a) => a.Ipv6Address);
  const field = FILTER_FIELDS[name];
  if (!field) throw new Error(`InvalidParameterValue: the filter '${name}' is invalid`);
  return [item[field]];
}

function applyFilters(
  items: Item[],
  params: Record<string, unknown>,
  idParam: string,
  idField: string,
): Item[] {
  let out = items;
  const ids = params[idParam];
  if (Array.isArray(ids)) out = out.filter((i) => ids.includes(i[idField]));
  const filters = Array.isArray(params.Filter)
    ? (params.Filter as Array<{ Name?: string; Value?: string[] }>)
    : [];
  for (const f of filters) {
    if (!f?.Name) continue;
    const wanted = (f.Value ?? []).filter((v) => v !== undefined);
    out = out.filter((i) => filterValues(i, f.Name!).some((v) => wanted.includes(String(v))));
  }
  return out;
}

function stored(answer: unknown, field: string): Item[] {
  const list = (answer as Record<string, unknown> | undefined)?.[field];
  return Array.isArray(list) ? (list as Item[]) : [];
}

/** MaxResults, or the scenario's page size when smaller: EC2 may answer fewer items than asked. */
const pageSizeOf = (params: Record<string, unknown>, fallback: number | undefined) => {
  if (params.MaxResults === undefined) return fallback;
  const asked = Number(params.MaxResults);
  return fallback === undefined ? asked : Math.min(asked, fallback);
};

/** A Describe* operation over one list of the snapshot, with ids, filters, paging and DryRun. */
function describe(key: string, field: string, idParam: string, idField: string): OperationHandler {
  return (params, ctx) => {
    if (params.DryRun === 'true') return { body: { [DRY_RUN]: true } };
    const items = applyFilters(stored(ctx.snapshot.aws[key], field), params, idParam, idField);
    const { page, nextToken } = paginate(items, params.NextToken, pageSizeOf(params, ctx.pageSize));
    return { body: { [field]: page, ...(nextToken ? { NextToken: nextToken } : {}) } };
  };
}

/**
 * DescribeNetworkInterfaces checks MaxResults as EC2 does: 5 to 1,000, and not with NetworkInterfaceId
 * (https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DescribeNetworkInterfaces.html).
 */
const describeEnis = describe(
  'ec2:DescribeNetworkInterfaces',
  'NetworkInterfaces',
  'NetworkInterfaceId',
  'NetworkInterfaceId',
);
const describeNetworkInterfaces: OperationHandler = (params, ctx) => {
  if (params.MaxResults !== undefined) {
    const n = Number(params.MaxResults);
    if (!Number.isInteger(n) || n < 5 || n > 1000)
      throw new Error(
        `InvalidParameterValue: MaxResults must be between 5 and 1000, not ${params.MaxResults}`,
      );
    if (params.NetworkInterfaceId !== undefined)
      throw new Error('InvalidParameterCombination: MaxResults cannot be used with NetworkInterfaceIds');
  }
  return describeEnis(params, ctx);
};

const describeInstances: OperationHandler = (params, ctx) => {
  if (params.DryRun === 'true') return { body: { [DRY_RUN]: true } };
  const ids = Array.isArray(params.InstanceId) ? (params.InstanceId as string[]) : null;
  const reservations = stored(ctx.snapshot.aws['ec2:DescribeInstances'], 'Reservations')
    .map((r) => ({
      ...r,
      Instances: applyFilters((r.Instances as Item[] | undefined) ?? [], params, 'InstanceId', 'InstanceId'),
    }))
    .filter((r) => r.Instances.length > 0);
  if (ids && reservations.flatMap((r) => r.Instances).length < ids.length) {
    throw new Error(`InvalidInstanceID.NotFound: The instance IDs '${ids.join(', ')}' do not all exist`);
  }
  const { page, nextToken } = paginate(reservations, params.NextToken, pageSizeOf(params, ctx.pageSize));
  return { body: { Reservations: page, ...(nextToken ? { NextToken: nextToken } : {}) } };
};

const getManagedPrefixListEntries: OperationHandler = (params, ctx) => {
  if (params.DryRun === 'true') return { body: { [DRY_RUN]: true } };
  const lists = (ctx.snapshot.aws['ec2:GetManagedPrefixListEntries'] ?? {}) as Record<
    string,
    { Entries?: Item[] }
  >;
  const id = String(params.PrefixListId ?? '');
  const list = lists[id];
  if (!list) throw new Error(`InvalidPrefixListID.NotFound: The prefix list ID '${id}' does not exist`);
  const { page, nextToken } = paginate(
    list.Entries ?? [],
    params.NextToken,
    pageSizeOf(params, ctx.pageSize),
  );
  return { body: { Entries: page, ...(nextToken ? { NextToken: nextToken } : {}) } };
};

/**
 * An answer kept per transit gateway route table, like prefix lists: Get…Associations and
 * …Propagations page with NextToken; SearchTransitGatewayRoutes does not page, it stops at
 * MaxResults (1,000 at most) and says so with AdditionalRoutesAvailable.
 */
function perRouteTable(key: string, field: string, paged: boolean): OperationHandler {
  return (params, ctx) => {
    if (params.DryRun === 'true') return { body: { [DRY_RUN]: true } };
    const tables = (ctx.snapshot.aws[key] ?? {}) as Record<string, Item>;
    const id = String(params.TransitGatewayRouteTableId ?? '');
    const table = tables[id];
    if (!table)
      throw new Error(`InvalidRouteTableID.NotFound: The transitGatewayRouteTable ID '${id}' does not exist`);
    const items = applyFilters(stored(table, field), params, '', '');
    if (paged) {
      const { page, nextToken } = paginate(items, params.NextToken, pageSizeOf(params, ctx.pageSize));
      return { body: { [field]: page, ...(nextToken ? { NextToken: nextToken } : {}) } };
    }
    if (!Array.isArray(params.Filter) || params.Filter.length === 0)
      throw new Error('MissingParameter: The request must contain the parameter Filters');
    const max = Math.min(pageSizeOf(params, 1000) ?? 1000, 1000);
    // A stored answer that was cut at the limit stands for a table with more routes than it holds.
    const more = items.length > max || table.AdditionalRoutesAvailable === true;
    return { body: { [field]: items.slice(0, max), AdditionalRoutesAvailable: more } };
  };
}

export const EC2_OPERATIONS: Record<string, OperationHandler> = {
  'ec2:DescribeInstances': describeInstances,
  'ec2:DescribeNetworkInterfaces': describeNetworkInterfaces,
  'ec2:DescribeSecurityGroups': describe(
    'ec2:DescribeSecurityGroups',
    'SecurityGroups',
    'GroupId',
    'GroupId',
  ),
  'ec2:DescribeSubnets': describe('ec2:DescribeSubnets', 'Subnets', 'SubnetId', 'SubnetId'),
  'ec2:DescribeNetworkAcls': describe(
    'ec2:DescribeNetworkAcls',
    'NetworkAcls',
    'NetworkAclId',
    'NetworkAclId',
  ),
  'ec2:DescribeRouteTables': describe(
    'ec2:DescribeRouteTables',
    'RouteTables',
    'RouteTableId',
    'RouteTableId',
  ),
  'ec2:DescribeVpcPeeringConnections': describe(
    'ec2:DescribeVpcPeeringConnections',
    'VpcPeeringConnections',
    'VpcPeeringConnectionId',
    'VpcPeeringConnectionId',
  ),
  'ec2:GetManagedPrefixListEntries': getManagedPrefixListEntries,
  'ec2:DescribeNatGateways': describe(
    'ec2:DescribeNatGateways',
    'NatGateways',
    'NatGatewayId',
    'NatGatewayId',
  ),
  'ec2:DescribeTransitGateways': describe(
    'ec2:DescribeTransitGateways',
    'TransitGateways',
    'TransitGatewayIds',
    'TransitGatewayId',
  ),
  'ec2:DescribeTransitGatewayAttachments': describe(
    'ec2:DescribeTransitGatewayAttachments',
    'TransitGatewayAttachments',
    'TransitGatewayAttachmentIds',
    'TransitGatewayAttachmentId',
  ),
  'ec2:DescribeTransitGatewayVpcAttachments': describe(
    'ec2:DescribeTransitGatewayVpcAttachments',
    'TransitGatewayVpcAttachments',
    'TransitGatewayAttachmentIds',
    'TransitGatewayAttachmentId',
  ),
  'ec2:DescribeTransitGatewayRouteTables': describe(
    'ec2:DescribeTransitGatewayRouteTables',
    'TransitGatewayRouteTables',
    'TransitGatewayRouteTableIds',
    'TransitGatewayRouteTableId',
  ),
  'ec2:GetTransitGatewayRouteTableAssociations': perRouteTable(
    'ec2:GetTransitGatewayRouteTableAssociations',
    'Associations',
    true,
  ),
  'ec2:GetTransitGatewayRouteTablePropagations': perRouteTable(
    'ec2:GetTransitGatewayRouteTablePropagations',
    'TransitGatewayRouteTablePropagations',
    true,
  ),
  'ec2:SearchTransitGatewayRoutes': perRouteTable('ec2:SearchTransitGatewayRoutes', 'Routes', false),
};
