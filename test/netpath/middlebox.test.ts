// Middleboxes on a path, beyond the scenario files: the NAT gateway answer's normaliser, a NAT
// gateway with several addresses, IPv6, a second middlebox past a NAT gateway, replies through a NAT
// gateway. Expectations from the VPC User Guide (NAT gateways; Subnet route tables; Middlebox scenarios).
import { describe, expect, it } from 'vitest';
import { vpcEstate } from '../../src/discovery/vpc.js';
import {
  DEFAULT_EPHEMERAL,
  type Endpoint,
  evaluatePair,
  factsFromSnapshot,
} from '../../src/netpath/index.js';
import { natGateways, unreadNatGateways } from '../../src/netpath/middlebox-facts.js';
import type { Snapshot } from '../../src/snapshot/format.js';
import { parseSnapshot } from '../../src/snapshot/read.js';
import { netpathScenarios } from './support.js';

// biome-ignore lint/suspicious/noExplicitAny: scenario JSON, edited in place
type Obj = Record<string, any>;
const NAT = 'nat-0a7a7a7a7a7a7a7a1';
const PORTS = [2223];
const client: Endpoint = {
  eniId: 'eni-0c11e47000000001',
  ip: '10.0.0.10',
  subnetId: 'subnet-0c11e47000000001',
  vpcId: 'vpc-0a0a0a0a0a0a0a0a0',
  groupIds: ['sg-0c11e47000000001'],
};
const hsm: Endpoint = {
  eniId: 'eni-0h5m000000000001',
  ip: '10.0.1.12',
  subnetId: 'subnet-0a5m000000000001',
  vpcId: 'vpc-0a0a0a0a0a0a0a0a0',
  groupIds: ['sg-0c1a55e7000000001'],
};

/** The EC2 answers of a scenario file, to change one thing in. */
function answersOf(name: string): Obj {
  const s = netpathScenarios().find((x) => x.file === `${name}.json`);
  if (!s) throw new Error(`no scenario ${name}`);
  return structuredClone(s.scenario.snapshot.aws) as Obj;
}
const verdicts = (aws: Obj, c = client, h = hsm) =>
  evaluatePair(factsFromSnapshot(aws, 'us-east-1'), {
    client: c,
    hsm: h,
    ports: PORTS,
    ephemeral: DEFAULT_EPHEMERAL,
  });
const summary = (aws: Obj, c = client, h = hsm) =>
  verdicts(aws, c, h).map((v) => [v.verdict, v.blockedBy.map((b) => b.component)]);

describe('the NAT gateway answer', () => {
  it('keeps IPv4 private addresses, the primary first, and treats wrong types as absent', () => {
    const map = natGateways({
      'ec2:DescribeNatGateways': {
        NatGateways: [
          {
            NatGatewayId: NAT,
            State: 'available',
            SubnetId: 42,
            NatGatewayAddresses: [
              { PrivateIp: '10.0.3.6', IsPrimary: false },
              { PrivateIp: '10.0.3.5', IsPrimary: true, NetworkInterfaceId: 'eni-n' },
              { PrivateIp: 'not-an-address' },
              'junk',
            ],
          },
          { State: 'available' },
        ],
      },
    });
    expect([...(map?.keys() ?? [])]).toEqual([NAT]);
    expect(map?.get(NAT)).toMatchObject({
      privateIps: ['10.0.3.5', '10.0.3.6'],
      subnetId: null,
      eniId: 'eni-n',
    });
    expect(natGateways({})).toBeNull();
  });

  it('rejects a snapshot whose NAT gateway or appliance fields have the wrong type', () => {
    const snap = (aws: Obj) =>
      JSON.stringify({
        hsmwatchSnapshot: 1,
        capturedAt: '2026-11-30T10:00:00Z',
        region: 'us-east-1',
        client: {},
        aws,
      });
    expect(() =>
      parseSnapshot(
        snap({ 'ec2:DescribeNatGateways': { NatGateways: [{ NatGatewayAddresses: [{ PrivateIp: 10 }] }] } }),
        'snap.json',
      ),
    ).toThrow(/NatGateways\[0\]\.NatGatewayAddresses\[0\]\.PrivateIp/);
    expect(() =>
      parseSnapshot(
        snap({ 'ec2:DescribeNetworkInterfaces': { NetworkInterfaces: [{ SourceDestCheck: 'yes' }] } }),
        'snap.json',
      ),
    ).toThrow(/SourceDestCheck/);
  });

  it('is missing only when a route names a NAT gateway', () => {
    const aws = answersOf('np-mbox-nat-unread');
    expect(unreadNatGateways(aws)).toEqual(['ec2:DescribeNatGateways']);
    expect(vpcEstate({ aws, region: 'us-east-1' } as Snapshot).missing).toContain('ec2:DescribeNatGateways');
    expect(unreadNatGateways(answersOf('np-healthy'))).toEqual([]);
  });
});

describe('paths through a NAT gateway', () => {
  it('judges the HSM side against every address of the NAT gateway', () => {
    // "You can increase this limit by associating up to 8 IPv4 addresses" (NAT gateway basics): any
    // of them can be the source; the cluster SG admits only the primary one.
    const aws = answersOf('np-mbox-nat-reachable');
    aws['ec2:DescribeNatGateways'].NatGateways[0].NatGatewayAddresses.push({
      PrivateIp: '10.0.3.6',
      IsPrimary: false,
      Status: 'succeeded',
    });
    const [v] = verdicts(aws);
    expect(v?.verdict).toBe('blocked');
    expect(v?.blockedBy.map((b) => b.component)).toEqual(['hsm-sg-ingress']);
    expect(v?.blockedBy[0]?.detail).toContain('10.0.3.6');
  });

  it('leaves IPv6 through a NAT gateway undecided (it translates IPv6 only to IPv4: NAT64)', () => {
    const aws = answersOf('np-mbox-nat-reachable');
    for (const t of aws['ec2:DescribeRouteTables'].RouteTables)
      if (t.RouteTableId === 'rtb-0c11e47000000mb1')
        t.Routes.push({
          DestinationIpv6CidrBlock: '2600:1f18:aaaa:a001::/64',
          NatGatewayId: NAT,
          State: 'active',
        });
    for (const g of aws['ec2:DescribeSecurityGroups'].SecurityGroups)
      if (g.GroupId === client.groupIds?.[0]) g.IpPermissionsEgress[0].Ipv6Ranges = [{ CidrIpv6: '::/0' }];
    for (const n of aws['ec2:DescribeNetworkAcls'].NetworkAcls)
      for (const egress of [false, true])
        n.Entries.push({
          RuleNumber: 101,
          Egress: egress,
          RuleAction: 'allow',
          Protocol: '-1',
          Ipv6CidrBlock: '::/0',
        });
    const v6 = { ...hsm, ip: '2600:1f18:aaaa:a001::12' };
    expect(summary(aws, { ...client, ip: '2600:1f18:aaaa:a000::10' }, v6)).toEqual([
      ['unknown', ['client-route']],
    ]);
  });

  it('does not follow a second middlebox past the NAT gateway', () => {
    const aws = answersOf('np-mbox-nat-reachable');
    aws['ec2:DescribeRouteTables'].RouteTables.push({
      RouteTableId: 'rtb-0mb0x000000000001',
      VpcId: client.vpcId,
      Routes: [
        { DestinationCidrBlock: '10.0.0.0/16', GatewayId: 'local', State: 'active' },
        { DestinationCidrBlock: '10.0.1.0/24', NetworkInterfaceId: 'eni-0a9911a9ce0000001', State: 'active' },
      ],
      Associations: [{ SubnetId: 'subnet-0mb0x000000000001', Main: false }],
    });
    const [v] = verdicts(aws);
    expect(v?.verdict).toBe('unknown');
    expect(v?.blockedBy.map((b) => b.component)).toEqual(['client-route']);
    expect(v?.blockedBy[0]?.detail).toMatch(/second middlebox/);
  });

  it('leaves replies sent through a NAT gateway undecided, never blocked', () => {
    const aws = answersOf('np-mbox-nat-reachable');
    const tables = aws['ec2:DescribeRouteTables'].RouteTables as Obj[];
    aws['ec2:DescribeRouteTables'].RouteTables = tables.filter(
      (t) => t.RouteTableId !== 'rtb-0c11e47000000mb1',
    );
    aws['ec2:DescribeRouteTables'].RouteTables.push({
      RouteTableId: 'rtb-0a5m0000000000mb1',
      VpcId: client.vpcId,
      Routes: [
        { DestinationCidrBlock: '10.0.0.0/16', GatewayId: 'local', State: 'active' },
        { DestinationCidrBlock: '10.0.0.0/24', NatGatewayId: NAT, State: 'active' },
      ],
      Associations: [{ SubnetId: hsm.subnetId, Main: false }],
    });
    expect(summary(aws)).toEqual([['unknown', ['hsm-return-route']]]);
  });

  it('does not block on the client address what an appliance may rewrite', () => {
    // Past an appliance the HSM may see another source: a cluster SG that admits nobody from the
    // client's address is not proof the path is blocked.
    const aws = answersOf('np-mbox-appliance');
    for (const g of aws['ec2:DescribeSecurityGroups'].SecurityGroups)
      if (g.GroupId === hsm.groupIds?.[0]) g.IpPermissions = [];
    const [v] = verdicts(aws);
    expect(v?.verdict).toBe('unknown');
    expect(v?.blockedBy.map((b) => b.component)).toEqual([
      'hsm-sg-ingress',
      'client-route',
      'hsm-return-route',
    ]);
  });
});
