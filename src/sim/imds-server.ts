// A simulated EC2 instance metadata service (IMDSv2) on loopback, built from a scenario's snapshot.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Snapshot } from '../snapshot/format.js';
import { listenOnLoopback } from './loopback-server.js';

export interface ImdsBehaviour {
  /** The token PUT is swallowed, as when the hop limit is too low for the caller. */
  tokenBlocked?: boolean;
}

interface Eni {
  MacAddress?: string;
  NetworkInterfaceId?: string;
  SubnetId?: string;
  VpcId?: string;
  Groups?: Array<{ GroupId?: string }>;
  PrivateIpAddresses?: Array<{ PrivateIpAddress?: string }>;
  PrivateIpAddress?: string;
  Ipv6Addresses?: Array<{ Ipv6Address?: string }>;
  Attachment?: { DeviceIndex?: number };
}

interface Instance {
  InstanceId?: string;
  Placement?: { AvailabilityZone?: string };
  NetworkInterfaces?: Eni[];
}

/** The metadata tree (path → text) of the snapshot's client instance. */
export function metadataTree(snapshot: Snapshot): Map<string, string> {
  const tree = new Map<string, string>();
  const id = snapshot.client.instanceId;
  if (!id) return tree;
  const reservations =
    (
      snapshot.aws['ec2:DescribeInstances'] as
        | { Reservations?: Array<{ Instances?: Instance[] }> }
        | undefined
    )?.Reservations ?? [];
  const inst = reservations.flatMap((r) => r.Instances ?? []).find((i) => i.InstanceId === id);
  tree.set('instance-id', id);
  const az = inst?.Placement?.AvailabilityZone ?? (snapshot.region ? `${snapshot.region}a` : undefined);
  if (az) tree.set('placement/availability-zone', az);
  if (snapshot.region) tree.set('placement/region', snapshot.region);
  const enis = inst?.NetworkInterfaces ?? [];
  const macs: string[] = [];
  for (const e of enis) {
    if (!e.MacAddress || !e.NetworkInterfaceId) continue;
    macs.push(`${e.MacAddress}/`);
    const base = `network/interfaces/macs/${e.MacAddress}`;
    tree.set(`${base}/interface-id`, e.NetworkInterfaceId);
    tree.set(`${base}/device-number`, String(e.Attachment?.DeviceIndex ?? 0));
    if (e.SubnetId) tree.set(`${base}/subnet-id`, e.SubnetId);
    if (e.VpcId) tree.set(`${base}/vpc-id`, e.VpcId);
    tree.set(
      `${base}/security-group-ids`,
      (e.Groups ?? [])
        .map((g) => g.GroupId)
        .filter(Boolean)
        .join('\n'),
    );
    const v4 = (e.PrivateIpAddresses ?? []).map((p) => p.PrivateIpAddress).filter(Boolean);
    tree.set(`${base}/local-ipv4s`, (v4.length ? v4 : [e.PrivateIpAddress]).filter(Boolean).join('\n'));
    const v6 = (e.Ipv6Addresses ?? []).map((p) => p.Ipv6Address).filter(Boolean);
    if (v6.length) tree.set(`${base}/ipv6s`, v6.join('\n'));
  }
  tree.set('network/interfaces/macs/', macs.join('\n'));
  return tree;
}

export class SimulatedImds {
  readonly calls: Array<{ method: string; path: string; status: number | 'no answer' }> = [];
  private server: Server | undefined;
  private close: (() => Promise<void>) | undefined;
  private readonly tokens = new Set<string>();

  constructor(
    private snapshot: Snapshot,
    private readonly behaviour: ImdsBehaviour = {},
  ) {}

  get url(): string {
    const a = this.server?.address() as AddressInfo | undefined;
    if (!a) throw new Error('simulated IMDS is not started');
    return `http://127.0.0.1:${a.port}`;
  }

  setSnapshot(s: Snapshot): void {
    this.snapshot = s;
  }

  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      const path = req.url ?? '/';
      const done = (status: number, body = '') => {
        this.calls.push({ method: req.method ?? '?', path, status });
        res.writeHead(status, { 'content-type': 'text/plain' });
        res.end(body);
      };
      if (req.method === 'PUT' && path === '/latest/api/token') {
        if (this.behaviour.tokenBlocked) {
          this.calls.push({ method: 'PUT', path, status: 'no answer' });
          return; // the answer never reaches the caller
        }
        const ttl = Number(req.headers['x-aws-ec2-metadata-token-ttl-seconds']);
        if (!Number.isInteger(ttl) || ttl < 1 || ttl > 21600) return done(400, 'invalid TTL');
        const token = `sim-token-${this.tokens.size + 1}`;
        this.tokens.add(token);
        return done(200, token);
      }
      if (req.method !== 'GET' || !path.startsWith('/latest/meta-data/')) return done(404);
      const token = req.headers['x-aws-ec2-metadata-token'];
      if (typeof token !== 'string' || !this.tokens.has(token)) return done(401); // IMDSv2 required
      const value = metadataTree(this.snapshot).get(path.slice('/latest/meta-data/'.length));
      return value === undefined ? done(404) : done(200, value);
    });
    this.close = await listenOnLoopback(this.server);
    return this;
  }

  async stop(): Promise<void> {
    const close = this.close;
    this.server = undefined;
    this.close = undefined;
    await close?.();
  }
}
