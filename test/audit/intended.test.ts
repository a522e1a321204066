// Who is meant to reach the HSMs. The default follows the CloudHSM user guide ("Connect the client
// instance to the cluster": attach the cluster security group to the client, or add a rule to the cluster
// security group admitting the client's group); audit.intended replaces it when set.
import { describe, expect, it } from 'vitest';
import { namedBlocks } from '../../src/audit/classes.js';
import { intendedTest } from '../../src/audit/intended.js';
import { factsFromSnapshot, type NetworkInterface } from '../../src/netpath/facts.js';
import { instanceEni } from './interface.js';

const CLUSTER_SG = 'sg-0c1a55e7c1a55e700';
const aws = {
  'ec2:DescribeSecurityGroups': {
    SecurityGroups: [
      {
        GroupId: CLUSTER_SG,
        IpPermissions: [
          { IpProtocol: 'tcp', FromPort: 2223, ToPort: 2225, UserIdGroupPairs: [{ GroupId: 'sg-app' }] },
          { IpProtocol: 'tcp', FromPort: 2223, ToPort: 2225, IpRanges: [{ CidrIp: '10.0.9.0/24' }] },
        ],
      },
    ],
  },
  'ec2:DescribeNetworkInterfaces': {
    NetworkInterfaces: [{ NetworkInterfaceId: 'eni-x', PrivateIpAddress: '10.0.0.5' }],
  },
  'ec2:DescribeNetworkAcls': {
    NetworkAcls: [{ Entries: [{ CidrBlock: '10.0.1.7/32' }, { Ipv6CidrBlock: '2001:db8::/64' }] }],
  },
};
const facts = factsFromSnapshot(aws, 'us-east-1');
const eni = (groupIds: string[], ip = '10.0.1.10', tags: string[] = []): NetworkInterface =>
  instanceEni({ groupIds, ip, tags });
const none = { securityGroups: [], tags: [], cidrs: [] };

describe('intended sources', () => {
  it('by default: the cluster group itself, or a group its ingress references', () => {
    const test = intendedTest(facts, CLUSTER_SG, none);
    expect(test(eni([CLUSTER_SG]))).toMatch(/carries the cluster security group/);
    expect(test(eni(['sg-web', 'sg-app']))).toMatch(
      /carries sg-app, which the cluster security group .* admits by reference/,
    );
    // A CIDR rule admits addresses, not intended clients: the default counts groups only.
    expect(test(eni(['sg-web'], '10.0.9.4'))).toBeNull();
  });

  it('configured: any of groups, key=value tags, CIDRs; the default no longer applies', () => {
    const test = intendedTest(facts, CLUSTER_SG, {
      securityGroups: ['sg-web'],
      tags: ['role=hsm-client'],
      cidrs: ['10.0.8.0/22'],
    });
    expect(test(eni(['sg-web']))).toBe('audit.intended.securityGroups: sg-web');
    expect(test(eni(['sg-x'], '10.0.1.1', ['role=hsm-client']))).toBe('audit.intended.tags: role=hsm-client');
    expect(test(eni(['sg-x'], '10.0.1.1', ['role=hsm-clients']))).toBeNull();
    expect(test(eni(['sg-x'], '10.0.9.200'))).toBe('audit.intended.cidrs: 10.0.8.0/22');
    expect(test(eni([CLUSTER_SG]))).toBeNull();
  });
});

describe('the blocks that can tell addresses apart', () => {
  it('are the CIDRs of rules, entries and routes, not the interfaces’ own addresses', () => {
    const texts = namedBlocks(aws).map((c) => `${c.family}/${c.prefix}`);
    expect(texts.sort()).toEqual(['4/24', '4/32', '6/64']);
  });
});
