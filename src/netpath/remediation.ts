// The narrowest `aws ec2 ...` command for a fix, copy-pasteable into a POSIX shell. Pure.
import { formatRanges } from './ranges.js';
import type { Fix } from './types.js';

/** Single-quotes a shell word when it holds anything but safe characters. */
export function shellWord(s: string): string {
  return /^[A-Za-z0-9_./:=,@+-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

const cmd = (...words: string[]) => words.map(shellWord).join(' ');

export function fixCommand(fix: Fix): string {
  switch (fix.kind) {
    case 'sg-rule': {
      const peer =
        'groupId' in fix.peer
          ? `UserIdGroupPairs=[{GroupId=${fix.peer.groupId}}]`
          : fix.peer.cidr.includes(':')
            ? `Ipv6Ranges=[{CidrIpv6=${fix.peer.cidr}}]`
            : `IpRanges=[{CidrIp=${fix.peer.cidr}}]`;
      const perms = fix.ports.map((r) => `IpProtocol=tcp,FromPort=${r.from},ToPort=${r.to},${peer}`);
      return cmd(
        'aws',
        'ec2',
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
            'aws',
            'ec2',
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
        'aws',
        'ec2',
        fix.replace ? 'replace-route' : 'create-route',
        '--route-table-id',
        fix.routeTableId,
        fix.destination.includes(':') ? '--destination-ipv6-cidr-block' : '--destination-cidr-block',
        fix.destination,
        '--vpc-peering-connection-id',
        fix.peeringId,
      );
    case 'accept-peering':
      return cmd('aws', 'ec2', 'accept-vpc-peering-connection', '--vpc-peering-connection-id', fix.peeringId);
    case 'create-peering':
      return cmd(
        'aws',
        'ec2',
        'create-vpc-peering-connection',
        '--vpc-id',
        fix.vpcId,
        '--peer-vpc-id',
        fix.peerVpcId,
      );
    case 'assign-ipv6':
      return cmd(
        'aws',
        'ec2',
        'assign-ipv6-addresses',
        '--network-interface-id',
        fix.eniId,
        '--ipv6-address-count',
        '1',
      );
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
