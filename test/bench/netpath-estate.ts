// The synthetic estate of bench:netpath, deterministic: rules mostly miss (so every rule is read).
import type { Snapshot } from '../../src/snapshot/format.js';

export interface Scale {
  groups: number;
  rulesPerGroup: number;
  nacls: number;
  routeTables: number;
  prefixEntries: number;
  clusters: number;
  hsmsPerCluster: number;
  clientEnis: number;
}

export const BASE: Scale = {
  groups: 500,
  rulesPerGroup: 10,
  nacls: 50,
  routeTables: 100,
  prefixEntries: 1000,
  clusters: 4,
  hsmsPerCluster: 28,
  clientEnis: 8,
};

const VPC = 'vpc-0bench00000000001';
const perm = (p: Record<string, unknown>) => ({
  IpRanges: [],
  Ipv6Ranges: [],
  PrefixListIds: [],
  UserIdGroupPairs: [],
  ...p,
});
const ip = (n: number) => `10.${(n >> 16) & 255}.${(n >> 8) & 255}.${n & 255}`;

/** A deterministic estate: rules mostly miss (so every rule is read), the last ones allow. */
export function estate(s: Scale): Snapshot {
  const groups = Array.from({ length: s.groups }, (_, g) => {
    const rules = Array.from({ length: s.rulesPerGroup }, (_, r) => {
      const kind = r % 4;
      if (kind === 0)
        return perm({
          IpProtocol: 'tcp',
          FromPort: 8000 + r,
          ToPort: 8000 + r,
          IpRanges: [{ CidrIp: `172.16.${g % 256}.0/24` }],
        });
      if (kind === 1)
        return perm({
          IpProtocol: 'tcp',
          FromPort: 2223,
          ToPort: 2225,
          UserIdGroupPairs: [{ GroupId: `sg-b${(g + r + 1) % s.groups}` }],
        });
      if (kind === 2)
        return perm({
          IpProtocol: 'tcp',
          FromPort: 2223,
          ToPort: 2225,
          PrefixListIds: [{ PrefixListId: `pl-b${r % 3}` }],
        });
      return perm({ IpProtocol: 'udp', FromPort: 2223, ToPort: 2225, IpRanges: [{ CidrIp: '10.0.0.0/8' }] });
    });
    return {
      GroupId: `sg-b${g}`,
      GroupName: `g${g}`,
      OwnerId: '111122223333',
      VpcId: VPC,
      IpPermissions: rules,
      IpPermissionsEgress: rules,
    };
  });
  // Cluster groups: every rule misses but the last, which admits the clients' prefix list.
  // The last cluster does not admit the clients: a quarter of the paths are blocked, with findings and fixes.
  for (let c = 0; c < s.clusters - 1; c++) {
    const g = groups[c]!;
    g.IpPermissions = [
      ...g.IpPermissions.slice(0, -1),
      perm({
        IpProtocol: 'tcp',
        FromPort: 2223,
        ToPort: 2225,
        PrefixListIds: [{ PrefixListId: 'pl-clients' }],
      }),
    ];
  }
  const clientGroup = groups[s.clusters]!;
  clientGroup.IpPermissionsEgress = [
    ...clientGroup.IpPermissionsEgress.slice(0, -1),
    perm({ IpProtocol: '-1', IpRanges: [{ CidrIp: '0.0.0.0/0' }] }),
  ];
  const prefix = (offset: number) => ({
    Entries: Array.from({ length: s.prefixEntries }, (_, i) => ({ Cidr: `${ip(offset + i * 4)}/30` })),
  });
  const prefixLists: Record<string, unknown> = { 'pl-clients': prefix(0x0a0000) };
  for (let i = 0; i < 3; i++) prefixLists[`pl-b${i}`] = prefix(0x640000 + i * 0x10000);
  const clientSubnets = Array.from({ length: s.clientEnis }, (_, i) => `subnet-bc${i}`);
  const hsmSubnets = Array.from({ length: s.clusters * 3 }, (_, i) => `subnet-bh${i}`);
  const naclEntries = (n: number) => [
    ...Array.from({ length: 20 }, (_, k) => ({
      RuleNumber: 10 + k,
      Egress: k % 2 === 0,
      RuleAction: 'deny',
      Protocol: '6',
      CidrBlock: `192.168.${(n + k) % 256}.0/24`,
      PortRange: { From: 1, To: 65535 },
    })),
    { RuleNumber: 100, Egress: false, RuleAction: 'allow', Protocol: '-1', CidrBlock: '0.0.0.0/0' },
    { RuleNumber: 100, Egress: true, RuleAction: 'allow', Protocol: '-1', CidrBlock: '0.0.0.0/0' },
    { RuleNumber: 32767, Egress: false, RuleAction: 'deny', Protocol: '-1', CidrBlock: '0.0.0.0/0' },
    { RuleNumber: 32767, Egress: true, RuleAction: 'deny', Protocol: '-1', CidrBlock: '0.0.0.0/0' },
  ];
  const allSubnets = [...clientSubnets, ...hsmSubnets];
  const nacls = Array.from({ length: s.nacls }, (_, n) => ({
    NetworkAclId: `acl-b${n}`,
    VpcId: VPC,
    IsDefault: n === 0,
    Entries: naclEntries(n),
    Associations: allSubnets.filter((_, i) => i % s.nacls === n && n !== 0).map((SubnetId) => ({ SubnetId })),
  }));
  const routeTables = Array.from({ length: s.routeTables }, (_, t) => ({
    RouteTableId: `rtb-b${t}`,
    VpcId: VPC,
    Associations: [
      ...(t === 0 ? [{ Main: true }] : []),
      ...allSubnets.filter((_, i) => i % s.routeTables === t && t !== 0).map((SubnetId) => ({ SubnetId })),
    ],
    Routes: [
      { DestinationCidrBlock: '10.0.0.0/8', GatewayId: 'local', State: 'active' },
      ...Array.from({ length: 9 }, (_, r) => ({
        DestinationCidrBlock: `172.${16 + r}.0.0/16`,
        TransitGatewayId: 'tgw-b',
        State: 'active',
      })),
    ],
  }));
  const hsmIp = (c: number, h: number) => ip(0x140000 + c * 256 + h + 10);
  const clusters = Array.from({ length: s.clusters }, (_, c) => ({
    ClusterId: `cluster-bench${String.fromCharCode(97 + (c % 26))}${c}abcdefg`,
    State: 'ACTIVE',
    SecurityGroup: `sg-b${c}`,
    VpcId: VPC,
    SubnetMapping: { a: hsmSubnets[c * 3], b: hsmSubnets[c * 3 + 1], c: hsmSubnets[c * 3 + 2] },
    Hsms: Array.from({ length: s.hsmsPerCluster }, (_, h) => ({
      HsmId: `hsm-b${c}x${h}`,
      EniId: `eni-bh${c}x${h}`,
      EniIp: hsmIp(c, h),
      SubnetId: hsmSubnets[c * 3 + (h % 3)],
      State: 'ACTIVE',
    })),
  }));
  const enis = Array.from({ length: s.clientEnis }, (_, i) => ({
    NetworkInterfaceId: `eni-bc${i}`,
    SubnetId: clientSubnets[i],
    VpcId: VPC,
    PrivateIpAddress: ip(0x0a0000 + (s.prefixEntries - 1 - i) * 4 + 1),
    PrivateIpAddresses: [
      { PrivateIpAddress: ip(0x0a0000 + (s.prefixEntries - 1 - i) * 4 + 1), Primary: true },
    ],
    Groups: [
      ...Array.from({ length: 4 }, (_, k) => ({
        GroupId: `sg-b${s.clusters + 1 + ((i * 4 + k) % (s.groups - s.clusters - 1))}`,
      })),
      { GroupId: `sg-b${s.clusters}` },
    ],
    Attachment: { DeviceIndex: i },
  }));
  return {
    hsmwatchSnapshot: 1,
    capturedAt: '2026-11-30T10:00:00Z',
    region: 'us-east-1',
    client: { instanceId: 'i-bench' },
    ports: [2223, 2224, 2225],
    aws: {
      'cloudhsmv2:DescribeClusters': { Clusters: clusters },
      'ec2:DescribeInstances': {
        Reservations: [{ Instances: [{ InstanceId: 'i-bench', NetworkInterfaces: enis }] }],
      },
      'ec2:DescribeNetworkInterfaces': { NetworkInterfaces: enis },
      'ec2:DescribeSecurityGroups': { SecurityGroups: groups },
      'ec2:DescribeSubnets': { Subnets: allSubnets.map((SubnetId) => ({ SubnetId, VpcId: VPC })) },
      'ec2:DescribeNetworkAcls': { NetworkAcls: nacls },
      'ec2:DescribeRouteTables': { RouteTables: routeTables },
      'ec2:DescribeVpcPeeringConnections': { VpcPeeringConnections: [] },
      'ec2:GetManagedPrefixListEntries': prefixLists,
    },
  };
}
