// Every kind of fix prints a command the AWS CLI grammar accepts, with the values it was given.
import { describe, expect, it } from 'vitest';
import {
  aggregate,
  closeGaps,
  type Fix,
  fixCommand,
  groupFixes,
  mergeFixes,
  parseCidr,
} from '../../src/netpath/index.js';
import { parseAwsCli, parseShorthand, shellSplit } from './aws-cli-parse.js';

describe('remediation commands', () => {
  it.each<[string, Fix, string, Record<string, string[]>]>([
    [
      'ingress by group',
      {
        kind: 'sg-rule',
        direction: 'ingress',
        groupId: 'sg-1',
        peer: { groupId: 'sg-2' },
        ports: [{ from: 2223, to: 2225 }],
      },
      'authorize-security-group-ingress',
      {
        '--group-id': ['sg-1'],
        '--protocol': ['tcp'],
        '--port': ['2223-2225'],
        '--source-group': ['sg-2'],
      },
    ],
    [
      'ingress from an IPv4 address, two ranges (the long form)',
      {
        kind: 'sg-rule',
        direction: 'ingress',
        groupId: 'sg-1',
        peer: { cidr: '10.0.0.10/32' },
        ports: [
          { from: 2223, to: 2223 },
          { from: 2225, to: 2225 },
        ],
      },
      'authorize-security-group-ingress',
      {
        '--group-id': ['sg-1'],
        '--ip-permissions': [
          'IpProtocol=tcp,FromPort=2223,ToPort=2223,IpRanges=[{CidrIp=10.0.0.10/32}]',
          'IpProtocol=tcp,FromPort=2225,ToPort=2225,IpRanges=[{CidrIp=10.0.0.10/32}]',
        ],
      },
    ],
    [
      'egress to an IPv6 address, two ranges',
      {
        kind: 'sg-rule',
        direction: 'egress',
        groupId: 'sg-1',
        peer: { cidr: '2600::1/128' },
        ports: [
          { from: 2223, to: 2223 },
          { from: 2225, to: 2225 },
        ],
      },
      'authorize-security-group-egress',
      {
        '--group-id': ['sg-1'],
        '--ip-permissions': [
          'IpProtocol=tcp,FromPort=2223,ToPort=2223,Ipv6Ranges=[{CidrIpv6=2600::1/128}]',
          'IpProtocol=tcp,FromPort=2225,ToPort=2225,Ipv6Ranges=[{CidrIpv6=2600::1/128}]',
        ],
      },
    ],
    [
      'NACL entry',
      {
        kind: 'nacl-entry',
        naclId: 'acl-1',
        egress: false,
        cidr: '10.0.1.12/32',
        entries: [{ ruleNumber: 99, range: { from: 1024, to: 65535 } }],
      },
      'create-network-acl-entry',
      {
        '--network-acl-id': ['acl-1'],
        '--rule-number': ['99'],
        '--protocol': ['tcp'],
        '--port-range': ['From=1024,To=65535'],
        '--cidr-block': ['10.0.1.12/32'],
        '--rule-action': ['allow'],
      },
    ],
    [
      'route through peering',
      { kind: 'route', routeTableId: 'rtb-1', destination: '10.0.0.0/16', peeringId: 'pcx-1', replace: true },
      'replace-route',
      {
        '--route-table-id': ['rtb-1'],
        '--destination-cidr-block': ['10.0.0.0/16'],
        '--vpc-peering-connection-id': ['pcx-1'],
      },
    ],
    [
      'accept peering',
      { kind: 'accept-peering', peeringId: 'pcx-1' },
      'accept-vpc-peering-connection',
      { '--vpc-peering-connection-id': ['pcx-1'] },
    ],
    [
      'create peering',
      { kind: 'create-peering', vpcId: 'vpc-a', peerVpcId: 'vpc-b' },
      'create-vpc-peering-connection',
      { '--vpc-id': ['vpc-a'], '--peer-vpc-id': ['vpc-b'] },
    ],
    [
      'IPv6 address',
      { kind: 'assign-ipv6', eniId: 'eni-1' },
      'assign-ipv6-addresses',
      { '--network-interface-id': ['eni-1'], '--ipv6-address-count': ['1'] },
    ],
  ])('%s', (_n, fix, subcommand, options) => {
    const parsed = parseAwsCli(fixCommand(fix));
    expect(parseAwsCli(fixCommand(fix, 'eu-west-2')).options['--region']).toEqual(['eu-west-2']);
    expect(parsed.subcommand).toBe(subcommand);
    expect(parsed.options).toEqual(options);
  });
  it('NACL fixes for several ranges are separate commands joined by &&', () => {
    const cmd = fixCommand({
      kind: 'nacl-entry',
      naclId: 'acl-1',
      egress: true,
      cidr: '10.0.0.10/32',
      entries: [
        { ruleNumber: 98, range: { from: 1024, to: 2000 } },
        { ruleNumber: 97, range: { from: 3000, to: 65535 } },
      ],
    });
    const parts = cmd.split(' && ');
    expect(parts).toHaveLength(2);
    for (const p of parts) expect(parseAwsCli(p).flags).toEqual(['--egress']);
  });
  it('merges per-port fixes into one rule', () => {
    const f = (port: number): Fix => ({
      kind: 'sg-rule',
      direction: 'ingress',
      groupId: 'sg-1',
      peer: { groupId: 'sg-2' },
      ports: [{ from: port, to: port }],
    });
    expect(mergeFixes([f(2223), f(2224), f(2225)])).toEqual([
      { ...f(2223), ports: [{ from: 2223, to: 2225 }] },
    ]);
  });
  it('the parser refuses what a shell or the CLI would not take', () => {
    expect(() => shellSplit('aws ec2 x [a]')).toThrow(/metacharacter/);
    expect(() => parseAwsCli('aws ec2 delete-vpc --vpc-id vpc-1')).toThrow(/unknown subcommand/);
    expect(() =>
      parseAwsCli(
        'aws ec2 create-network-acl-entry --network-acl-id a --rule-number 40000 --protocol tcp --rule-action allow --egress --cidr-block 1.2.3.4/32',
      ),
    ).toThrow(/rule number/);
    expect(() => parseShorthand('IpProtocol=tcp,UserIdGroupPairs=[{GroupId=sg-1}')).toThrow();
  });
});

describe('one fix for a group of paths', () => {
  it('aggregates sibling CIDRs exactly and leaves the rest', () => {
    expect(aggregate(['10.0.2.0/24', '10.0.3.0/24', '10.0.1.0/24'])).toEqual(['10.0.1.0/24', '10.0.2.0/23']);
    expect(aggregate(['10.0.0.0/24', '10.0.1.0/24', '10.0.2.0/24', '10.0.3.0/24'])).toEqual(['10.0.0.0/22']);
    expect(aggregate(['10.0.1.0/24', '10.0.1.12/32'])).toEqual(['10.0.1.0/24']);
    expect(aggregate(['10.0.1.0/24', 'fd00::/64'])).toEqual(['10.0.1.0/24', 'fd00::/64']);
  });

  it('closes a gap between ranges only where every gap port is requested', () => {
    const requested = [{ from: 2223, to: 2225 }];
    expect(
      closeGaps(
        [
          { from: 2225, to: 2225 },
          { from: 2223, to: 2223 },
        ],
        requested,
      ),
    ).toEqual([{ from: 2223, to: 2225 }]);
    expect(
      closeGaps(
        [
          { from: 2223, to: 2223 },
          { from: 2225, to: 2225 },
        ],
        [{ from: 2223, to: 2223 }],
      ),
    ).toEqual([
      { from: 2223, to: 2223 },
      { from: 2225, to: 2225 },
    ]);
  });

  it('widens per-HSM NACL fixes to the HSM subnets, numbered below every per-path number', () => {
    const nacl = {
      id: 'acl-1',
      vpcId: 'vpc-1',
      isDefault: false,
      subnetIds: ['subnet-c'],
      entries: [
        {
          ruleNumber: 100,
          egress: false,
          allow: false,
          protocol: '-1',
          from: null,
          to: null,
          cidr: parseCidr('0.0.0.0/0')!,
        },
      ],
    };
    const perPath = (ip: string, n: number): Fix => ({
      kind: 'nacl-entry',
      naclId: 'acl-1',
      egress: false,
      cidr: `${ip}/32`,
      entries: [{ ruleNumber: n, range: { from: 32768, to: 60999 } }],
    });
    const fixes = groupFixes([perPath('10.0.1.12', 99), perPath('10.0.2.12', 98), perPath('10.0.3.12', 97)], {
      widen: new Map([
        ['10.0.1.12/32', ['10.0.1.0/24']],
        ['10.0.2.12/32', ['10.0.2.0/24']],
        ['10.0.3.12/32', ['10.0.3.0/24']],
      ]),
      requested: [{ from: 32768, to: 60999 }],
      nacls: [nacl as never],
    });
    expect(fixes).toEqual([
      {
        ...perPath('10.0.1.12', 0),
        cidr: '10.0.1.0/24',
        entries: [{ ruleNumber: 97, range: { from: 32768, to: 60999 } }],
      },
      {
        ...perPath('10.0.1.12', 0),
        cidr: '10.0.2.0/23',
        entries: [{ ruleNumber: 96, range: { from: 32768, to: 60999 } }],
      },
    ]);
  });
});
