// The narrowest `aws ec2 ...` command for a fix, copy-pasteable into a POSIX shell. Pure.
import { awsCommand } from '../util/aws-command.js';
import { formatRanges } from './ranges.js';
import type { Fix } from './types.js';

export { shellWord } from '../util/aws-command.js';

/** The command for a fix; with the region, it runs against the VPC that was analysed whatever the CLI's default. */
export function fixCommand(fix: Fix, region?: string | null): string {
  const cmd = (subcommand: string, ...args: string[]) => awsCommand(region, 'ec2', subcommand, args);
  switch (fix.kind) {
    case 'sg-rule': {
      const peer =
        'groupId' in fix.peer
          ? `UserIdGroupPairs=[{GroupId=${fix.peer.groupId}}]`
          : fix.peer.cidr.includes(':')
            ? `Ipv6Ranges=[{CidrIpv6=${fix.peer.cidr}}]`
            : `IpRanges=[{CidrIp=${fix.peer.cidr}}]`;
      const [only] = fix.ports;
      // The short form (ingress only, one range, a group or an IPv4 address) keeps every word short.
      if (fix.direction === 'ingress' && only && fix.ports.length === 1 && !peer.startsWith('Ipv6')) {
        return cmd(
          'authorize-security-group-ingress',
          '--group-id',
          fix.groupId,
          '--protocol',
          'tcp',
          '--port',
          only.from === only.to ? String(only.from) : `${only.from}-${only.to}`,
          ...('groupId' in fix.peer ? ['--source-group', fix.peer.groupId] : ['--cidr', fix.peer.cidr]),
        );
      }
      const perms = fix.ports.map((r) => `IpProtocol=tcp,FromPort=${r.from},ToPort=${r.to},${peer}`);
      return cmd(
        `authorize-security-group-${fix.direction}`,
        '--group-id',
        fix.groupId,
        '--ip-permissions',
        ...perms,
      );
    }
    case 'nacl-entry':
      return fix.entries
        .map((e) =>
          cmd(
            'create-network-acl-entry',
            '--network-acl-id',
            fix.naclId,
            fix.egress ? '--egress' : '--ingress',
            '--rule-number',
            String(e.ruleNumber),
            '--protocol',
            'tcp',
            '--port-range',
            `From=${e.range.from},To=${e.range.to}`,
            fix.cidr.includes(':') ? '--ipv6-cidr-block' : '--cidr-block',
            fix.cidr,
            '--rule-action',
            'allow',
          ),
        )
        .join(' && ');
    case 'route':
      return cmd(
        fix.replace ? 'replace-route' : 'create-route',
        '--route-table-id',
        fix.routeTableId,
        fix.destination.includes(':') ? '--destination-ipv6-cidr-block' : '--destination-cidr-block',
        fix.destination,
        '--vpc-peering-connection-id',
        fix.peeringId,
      );
    case 'accept-peering':
      return cmd('accept-vpc-peering-connection', '--vpc-peering-connection-id', fix.peeringId);
    case 'create-peering':
      return cmd('create-vpc-peering-connection', '--vpc-id', fix.vpcId, '--peer-vpc-id', fix.peerVpcId);
    case 'assign-ipv6':
      return cmd('assign-ipv6-addresses', '--network-interface-id', fix.eniId, '--ipv6-address-count', '1');
  }
}

/** Merges fixes that differ only by port (one command for TCP 2223-2225, not three). */
export function mergeFixes(fixes: readonly Fix[]): Fix[] {
  const out: Fix[] = [];
  for (const f of fixes) {
    const prev = out.find((o) => sameTarget(o, f));
    if (prev && prev.kind === 'sg-rule' && f.kind === 'sg-rule') {
      const ports = [...prev.ports, ...f.ports].flatMap((r) => range(r.from, r.to));
      prev.ports = toRangesLocal(ports);
    } else if (!prev) {
      out.push(
        f.kind === 'sg-rule'
          ? { ...f, ports: [...f.ports] }
          : f.kind === 'nacl-entry'
            ? { ...f, entries: f.entries.map((e) => ({ ...e })) }
            : { ...f },
      );
    } else if (prev.kind === 'nacl-entry' && f.kind === 'nacl-entry') {
      for (const e of f.entries) {
        const adj = prev.entries.find(
          (p) => p.range.to + 1 === e.range.from || p.range.from - 1 === e.range.to,
        );
        if (adj)
          adj.range = {
            from: Math.min(adj.range.from, e.range.from),
            to: Math.max(adj.range.to, e.range.to),
          };
        else if (!prev.entries.some((p) => p.range.from <= e.range.from && p.range.to >= e.range.to))
          prev.entries.push(e);
      }
    }
  }
  return out;
}

function sameTarget(a: Fix, b: Fix): boolean {
  if (a.kind !== b.kind) return false;
  if (a.kind === 'sg-rule' && b.kind === 'sg-rule') {
    const pa = 'groupId' in a.peer ? a.peer.groupId : a.peer.cidr;
    const pb = 'groupId' in b.peer ? b.peer.groupId : b.peer.cidr;
    return a.direction === b.direction && a.groupId === b.groupId && pa === pb;
  }
  if (a.kind === 'nacl-entry' && b.kind === 'nacl-entry') {
    return a.naclId === b.naclId && a.egress === b.egress && a.cidr === b.cidr;
  }
  return JSON.stringify(a) === JSON.stringify(b);
}

const range = (a: number, b: number) => Array.from({ length: b - a + 1 }, (_, i) => a + i);

function toRangesLocal(ports: number[]) {
  const sorted = [...new Set(ports)].sort((a, b) => a - b);
  const out: Array<{ from: number; to: number }> = [];
  for (const p of sorted) {
    const last = out[out.length - 1];
    if (last && last.to + 1 === p) last.to = p;
    else out.push({ from: p, to: p });
  }
  return out;
}

export { formatRanges };
