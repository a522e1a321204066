// The NAT gateways a route can send traffic through (ec2:DescribeNatGateways, SDK output shape).
// Fields of the wrong type are treated as absent. Pure.
import { AWS_OPERATIONS, snapshotKey } from '../aws/operations.js';
import { familyOf } from './cidr.js';

export interface NatGateway {
  id: string;
  /** pending | failed | available | deleting | deleted; null when not given. */
  state: string | null;
  subnetId: string | null;
  vpcId: string | null;
  /** public | private: inside AWS both send from their private address. */
  connectivityType: string | null;
  /** Its private IPv4 addresses, the primary one first. */
  privateIps: string[];
  /** Its (requester-managed) network interface, when given. */
  eniId: string | null;
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown): string | null => (typeof v === 'string' && v !== '' ? v : null);
const list = (v: unknown): Obj[] => (Array.isArray(v) ? v.filter(isObj) : []);

function natGateway(n: Obj): NatGateway {
  const addresses = list(n.NatGatewayAddresses).sort(
    (a, b) => Number(b.IsPrimary === true) - Number(a.IsPrimary === true),
  );
  const ips = addresses
    .map((a) => str(a.PrivateIp))
    .filter((ip): ip is string => ip !== null && familyOf(ip) === 4);
  return {
    id: str(n.NatGatewayId)!,
    state: str(n.State),
    subnetId: str(n.SubnetId),
    vpcId: str(n.VpcId),
    connectivityType: str(n.ConnectivityType),
    privateIps: [...new Set(ips)],
    eniId: addresses.map((a) => str(a.NetworkInterfaceId)).find((id) => id !== null) ?? null,
  };
}

/** By NAT gateway id; null when the snapshot does not hold the answer (undecidable, not empty). */
export function natGateways(aws: Obj): Map<string, NatGateway> | null {
  const a = aws[snapshotKey('DescribeNatGateways')];
  if (!isObj(a)) return null;
  return new Map(
    list(a[AWS_OPERATIONS.DescribeNatGateways.listField])
      .filter((n) => str(n.NatGatewayId))
      .map((n) => [str(n.NatGatewayId)!, natGateway(n)]),
  );
}

/** [ec2:DescribeNatGateways] when a route names a NAT gateway and the snapshot lacks the answer. */
export function unreadNatGateways(aws: Obj): string[] {
  const key = snapshotKey('DescribeNatGateways');
  if (aws[key] !== undefined) return [];
  const tables = aws[snapshotKey('DescribeRouteTables')];
  const routes = isObj(tables) ? list(tables.RouteTables).flatMap((t) => list(t.Routes)) : [];
  return routes.some((r) => str(r.NatGatewayId) !== null) ? [key] : [];
}
