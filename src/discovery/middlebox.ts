// EC2 reads for routes that send traffic through a middlebox, made only when a route table names
// one: the NAT gateways of the VPCs (every page, filtered by vpc-id) and the appliance network
// interfaces routes target, appended to the DescribeNetworkInterfaces answer (their
// source/destination check decides whether they can forward at all).
import {
  DescribeNatGatewaysCommand,
  DescribeNetworkInterfacesCommand,
  type EC2Client,
} from '@aws-sdk/client-ec2';
import { type OperationOf, snapshotKey } from '../aws/operations.js';

type Page = { NextToken?: string | undefined };

/** What of discovery's reader this needs: its answers so far, and one read into them. */
export interface Ec2Reader {
  readonly aws: Record<string, unknown>;
  read(name: OperationOf<'ec2'>, send: (token: string | undefined) => Promise<Page>): Promise<void>;
}

type Obj = Record<string, unknown>;
const list = (v: unknown): Obj[] =>
  Array.isArray(v) ? v.filter((x): x is Obj => typeof x === 'object' && x !== null) : [];

export async function readMiddleboxes(
  r: Ec2Reader,
  api: EC2Client,
  vpcs: readonly string[],
  opts: { abortSignal: AbortSignal },
): Promise<void> {
  const next = (t: string | undefined) => (t ? { NextToken: t } : {});
  const routes = list((r.aws[snapshotKey('DescribeRouteTables')] as Obj | undefined)?.RouteTables).flatMap(
    (t) => list(t.Routes),
  );
  if (vpcs.length && routes.some((x) => typeof x.NatGatewayId === 'string')) {
    await r.read('DescribeNatGateways', (t) =>
      api.send(
        new DescribeNatGatewaysCommand({ Filter: [{ Name: 'vpc-id', Values: [...vpcs] }], ...next(t) }),
        opts,
      ),
    );
  }
  const key = snapshotKey('DescribeNetworkInterfaces');
  const before = r.aws[key] as { NetworkInterfaces?: unknown[] } | undefined;
  const known = new Set(list(before?.NetworkInterfaces).map((e) => e.NetworkInterfaceId));
  const appliances = [
    ...new Set(
      routes
        .filter((x) => x.State !== 'blackhole')
        .map((x) => x.NetworkInterfaceId)
        .filter((id): id is string => typeof id === 'string' && !known.has(id)),
    ),
  ];
  // Only beside the path's own interfaces: alone they would hide that those were not read.
  if (!appliances.length || !before) return;
  await r.read('DescribeNetworkInterfaces', (t) =>
    api.send(
      new DescribeNetworkInterfacesCommand({
        Filters: [{ Name: 'network-interface-id', Values: appliances }],
        ...next(t),
      }),
      opts,
    ),
  );
  // One answer per key: the appliances join the interfaces read before (a failed read keeps those).
  const added = r.aws[key] as { NetworkInterfaces?: unknown[] } | undefined;
  if (added !== before) {
    r.aws[key] = {
      NetworkInterfaces: [...(before.NetworkInterfaces ?? []), ...(added?.NetworkInterfaces ?? [])],
    };
  }
}
