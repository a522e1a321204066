// Applies a parsed `aws ec2 ...` fix to a snapshot's EC2 answers the way EC2 would change them, so a
// test can re-analyse and see whether the fix really lets the traffic through.
import { type ParsedCli, parseShorthand } from './aws-cli-parse.js';

type Obj = Record<string, unknown>;
const list = (o: Obj | undefined, key: string): Obj[] => (o?.[key] as Obj[] | undefined) ?? [];

/** Returns false for a command whose effect the snapshot cannot show (e.g. a new peering request). */
export function applyFix(aws: Obj, cmd: ParsedCli): boolean {
  const opt = (k: string) => cmd.options[k]?.[0];
  switch (cmd.subcommand) {
    case 'authorize-security-group-ingress':
    case 'authorize-security-group-egress': {
      const sg = list(aws['ec2:DescribeSecurityGroups'] as Obj, 'SecurityGroups').find(
        (g) => g.GroupId === opt('--group-id'),
      );
      if (!sg) throw new Error(`no security group ${opt('--group-id')} in the snapshot`);
      const key = cmd.subcommand.endsWith('ingress') ? 'IpPermissions' : 'IpPermissionsEgress';
      const perms = (cmd.options['--ip-permissions'] ?? []).map(parseShorthand);
      if (opt('--port')) {
        const [from, to = from] = opt('--port')!.split('-');
        const peer = opt('--source-group')
          ? { UserIdGroupPairs: [{ GroupId: opt('--source-group') }] }
          : { IpRanges: [{ CidrIp: opt('--cidr') }] };
        perms.push({ IpProtocol: opt('--protocol'), FromPort: from, ToPort: to, ...peer });
      }
      for (const perm of perms) {
        sg[key] = [
          ...list(sg, key),
          {
            IpProtocol: perm.IpProtocol,
            FromPort: Number(perm.FromPort),
            ToPort: Number(perm.ToPort),
            IpRanges: perm.IpRanges ?? [],
            Ipv6Ranges: perm.Ipv6Ranges ?? [],
            PrefixListIds: perm.PrefixListIds ?? [],
            UserIdGroupPairs: perm.UserIdGroupPairs ?? [],
          },
        ];
      }
      return true;
    }
    case 'create-network-acl-entry': {
      const acl = list(aws['ec2:DescribeNetworkAcls'] as Obj, 'NetworkAcls').find(
        (n) => n.NetworkAclId === opt('--network-acl-id'),
      );
      if (!acl) throw new Error(`no network ACL ${opt('--network-acl-id')} in the snapshot`);
      const egress = cmd.flags.includes('--egress');
      const ruleNumber = Number(opt('--rule-number'));
      if (list(acl, 'Entries').some((e) => e.Egress === egress && e.RuleNumber === ruleNumber))
        throw new Error(`rule ${ruleNumber} already exists in ${acl.NetworkAclId}`); // EC2 refuses
      const range = opt('--port-range') ? parseShorthand(opt('--port-range')!) : undefined;
      acl.Entries = [
        ...list(acl, 'Entries'),
        {
          RuleNumber: ruleNumber,
          Egress: egress,
          RuleAction: opt('--rule-action'),
          Protocol: opt('--protocol') === 'tcp' ? '6' : opt('--protocol'),
          ...(opt('--cidr-block') ? { CidrBlock: opt('--cidr-block') } : {}),
          ...(opt('--ipv6-cidr-block') ? { Ipv6CidrBlock: opt('--ipv6-cidr-block') } : {}),
          ...(range ? { PortRange: { From: Number(range.From), To: Number(range.To) } } : {}),
        },
      ];
      return true;
    }
    case 'create-route':
    case 'replace-route':
    case 'delete-route': {
      const table = list(aws['ec2:DescribeRouteTables'] as Obj, 'RouteTables').find(
        (t) => t.RouteTableId === opt('--route-table-id'),
      );
      if (!table) throw new Error(`no route table ${opt('--route-table-id')} in the snapshot`);
      const v4 = opt('--destination-cidr-block');
      const dest = v4
        ? { DestinationCidrBlock: v4 }
        : { DestinationIpv6CidrBlock: opt('--destination-ipv6-cidr-block') };
      const same = (r: Obj) =>
        v4 ? r.DestinationCidrBlock === v4 : r.DestinationIpv6CidrBlock === dest.DestinationIpv6CidrBlock;
      const exists = list(table, 'Routes').some(same);
      if (cmd.subcommand === 'create-route' && exists) throw new Error('the route already exists');
      if (cmd.subcommand !== 'create-route' && !exists) throw new Error('no such route to replace or delete');
      const kept = list(table, 'Routes').filter((r) => !same(r));
      table.Routes =
        cmd.subcommand === 'delete-route'
          ? kept
          : [
              ...kept,
              {
                ...dest,
                VpcPeeringConnectionId: opt('--vpc-peering-connection-id'),
                Origin: 'CreateRoute',
                State: 'active',
              },
            ];
      return true;
    }
    case 'accept-vpc-peering-connection': {
      const pcx = list(aws['ec2:DescribeVpcPeeringConnections'] as Obj, 'VpcPeeringConnections').find(
        (p) => p.VpcPeeringConnectionId === opt('--vpc-peering-connection-id'),
      );
      if (!pcx) throw new Error('no such peering connection');
      pcx.Status = { Code: 'active', Message: 'Active' };
      return true;
    }
    default:
      return false;
  }
}
