// The ENIs owning the kernel's source addresses (and an ECS task's addresses) that no ENI already read
// holds: a pod's branch ENI, a task's ENI. Always filtered by address (and VPC when known): an
// unfiltered DescribeNetworkInterfaces fails in large accounts ("If you have a large number of network
// interfaces, the operation fails unless you use pagination or one of the following filters",
// https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DescribeNetworkInterfaces.html).
import { DescribeNetworkInterfacesCommand, type EC2Client, type Filter } from '@aws-sdk/client-ec2';
import { snapshotKey } from '../aws/operations.js';
import type { ClientInfo } from '../model/index.js';

const KEY = snapshotKey('DescribeNetworkInterfaces');
const MAX_ADDRESSES = 200;

type Obj = Record<string, unknown>;
type Page = { NextToken?: string | undefined };

/** What discoverEc2's reads need: one operation read into `aws`, its outcome in `reads`. */
export interface EniReads {
  aws: Record<string, unknown>;
  reads: Record<string, unknown>;
  read(name: 'DescribeNetworkInterfaces', send: (token: string | undefined) => Promise<Page>): Promise<void>;
}

const stored = (aws: Record<string, unknown>): Obj[] => {
  const list = (aws[KEY] as { NetworkInterfaces?: unknown } | undefined)?.NetworkInterfaces;
  return Array.isArray(list) ? (list as Obj[]) : [];
};

/** Reads the owners of `addresses` (one call per address family); returns them and their VPCs. */
export async function readSourceEnis(
  api: EC2Client,
  r: EniReads,
  o: { client: ClientInfo | null; addresses: readonly string[]; vpcIds: readonly string[] },
  opts: { abortSignal: AbortSignal },
): Promise<{ found: Obj[]; vpcs: string[] }> {
  const known = o.client?.enis ?? [];
  const wanted = [...new Set(o.addresses)]
    .filter((ip) => !known.some((e) => e.privateIps.includes(ip) || e.ipv6s.includes(ip)))
    .slice(0, MAX_ADDRESSES);
  const vpcs = [...new Set([...known.map((e) => e.vpcId), ...o.vpcIds].filter((v): v is string => !!v))];
  const byVpc: Filter[] = vpcs.length ? [{ Name: 'vpc-id', Values: vpcs }] : [];
  const found: Obj[] = [];
  for (const [name, ips] of [
    ['addresses.private-ip-address', wanted.filter((ip) => !ip.includes(':'))],
    ['ipv6-addresses.ipv6-address', wanted.filter((ip) => ip.includes(':'))],
  ] as const) {
    if (!ips.length) continue;
    await r.read('DescribeNetworkInterfaces', (t) =>
      api.send(
        new DescribeNetworkInterfacesCommand({
          Filters: [{ Name: name, Values: ips }, ...byVpc],
          ...(t ? { NextToken: t } : {}),
        }),
        opts,
      ),
    );
    found.push(...stored(r.aws));
    delete r.aws[KEY];
  }
  return {
    found,
    vpcs: [...new Set(found.map((e) => e.VpcId).filter((v): v is string => typeof v === 'string'))],
  };
}

/** Adds the source ENIs to the by-id answer, once each (by NetworkInterfaceId), in the SDK's shape. */
export function mergeSourceEnis(r: EniReads, found: readonly Obj[]): void {
  if (!found.length) return;
  const merged = stored(r.aws);
  const ids = new Set(merged.map((e) => e.NetworkInterfaceId));
  for (const e of found) {
    if (ids.has(e.NetworkInterfaceId)) continue;
    ids.add(e.NetworkInterfaceId);
    merged.push(e);
  }
  r.aws[KEY] = { NetworkInterfaces: merged };
  r.reads[KEY] ??= { result: 'ok', detail: `${KEY} read` };
}
