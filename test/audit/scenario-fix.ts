// Applies an audit finding's remediation (`aws ec2 ... && aws ec2 ...`) to a copy of a snapshot the
// way EC2 would change it, so a test can audit again and see what the fix really does. Authorize,
// create-network-acl-entry and the route commands as test/netpath/apply-fix.ts applies them (EC2's
// refusals included: a rule number already taken, a route that exists); revoke-security-group-ingress
// removes the one peer of the permission it names, as EC2 does (it fails when no rule matches).
import { expect } from 'vitest';
import type { Snapshot } from '../../src/snapshot/format.js';
import { applyFix } from '../netpath/apply-fix.js';
import { parseAwsCli, parseShorthand, shellSplit } from '../netpath/aws-cli-parse.js';

type Obj = Record<string, unknown>;
const list = (o: unknown, key: string): Obj[] => ((o as Obj | undefined)?.[key] as Obj[] | undefined) ?? [];

const PEERS = ['IpRanges', 'Ipv6Ranges', 'UserIdGroupPairs', 'PrefixListIds'] as const;
const peerKey = (p: Obj) => String(p.CidrIp ?? p.CidrIpv6 ?? p.GroupId ?? p.PrefixListId);

function revokeIngress(aws: Obj, line: string): void {
  const words = shellSplit(line);
  const opt = (k: string) => words[words.indexOf(k) + 1];
  const groupId = opt('--group-id');
  const perm = parseShorthand(opt('--ip-permissions') ?? '');
  const sg = list(aws['ec2:DescribeSecurityGroups'], 'SecurityGroups').find((g) => g.GroupId === groupId);
  if (!sg) throw new Error(`no security group ${groupId}`);
  const same = (p: Obj) =>
    String(p.IpProtocol) === String(perm.IpProtocol) &&
    (String(perm.IpProtocol) === '-1' ||
      (Number(p.FromPort) === Number(perm.FromPort) && Number(p.ToPort) === Number(perm.ToPort)));
  let removed = 0;
  for (const p of list(sg, 'IpPermissions').filter(same)) {
    for (const k of PEERS) {
      const gone = new Set(list(perm, k).map(peerKey));
      const kept = list(p, k).filter((x) => !gone.has(peerKey(x)));
      removed += list(p, k).length - kept.length;
      p[k] = kept;
    }
  }
  if (removed === 0) throw new Error(`InvalidPermission.NotFound: ${line}`); // EC2 refuses
  sg.IpPermissions = list(sg, 'IpPermissions').filter((p) => PEERS.some((k) => list(p, k).length > 0));
}

/** The snapshot after every command of `remediation`, in order. */
export function afterRemediation(snapshot: Snapshot, remediation: string): Snapshot {
  const next = structuredClone(snapshot);
  const commands = remediation.split(' && ');
  for (const line of commands) {
    expect(line.startsWith('aws ec2 '), line).toBe(true);
    if (line.startsWith('aws ec2 revoke-security-group-ingress ')) revokeIngress(next.aws, line);
    else expect(applyFix(next.aws, parseAwsCli(line)), line).toBe(true);
  }
  return next;
}
