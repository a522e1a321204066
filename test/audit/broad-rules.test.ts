// The cluster group's rules read as a security review reads them. Expectations from the AWS docs:
// - CloudHSM clients need TCP 2223-2225 to the HSM ENIs (CloudHSM user guide, "Configure the client
//   Amazon EC2 instance security groups": "ports 2223-2225").
// - KMS key stores: "The security group for the cluster ... must include inbound rules and outbound
//   rules that allow TCP traffic on ports 2223-2225. The Source in the inbound rules and the
//   Destination in the outbound rules must match the security group ID" (KMS API reference,
//   CloudHsmClusterInvalidConfigurationException).
// - IpProtocol "-1" means all protocols and ports (EC2 API reference, IpPermission).
import { describe, expect, it } from 'vitest';
import { broadRules, permissionText, selfReference } from '../../src/audit/broad-rules.js';
import { broadRuleFinding } from '../../src/audit/findings.js';
import { factsFromSnapshot, type NetworkInterface } from '../../src/netpath/facts.js';
import { instanceEni } from './interface.js';

const SG = 'sg-0c1a55e7c1a55e700';
const PORTS = [2223, 2224, 2225];
const tcp = (from: number, to: number, peer: Record<string, unknown>) => ({
  IpProtocol: 'tcp',
  FromPort: from,
  ToPort: to,
  ...peer,
});
const self = [tcp(2223, 2225, { UserIdGroupPairs: [{ GroupId: SG }] })];
const group = (ingress: unknown[], egress: unknown[] = self) => ({
  GroupId: SG,
  IpPermissions: ingress,
  IpPermissionsEgress: egress,
});

const facts = factsFromSnapshot(
  {
    'ec2:DescribeSubnets': {
      Subnets: [
        { SubnetId: 'subnet-a', VpcId: 'vpc-1', CidrBlock: '10.0.1.0/24' },
        { SubnetId: 'subnet-b', VpcId: 'vpc-1', CidrBlock: '10.0.2.0/24' },
      ],
    },
  },
  'us-east-1',
);
const eni = (id: string, ip: string, subnetId: string): NetworkInterface => instanceEni({ id, ip, subnetId });
const intended = [eni('eni-1', '10.0.1.10', 'subnet-a')];

describe('rules broader than the intended clients need', () => {
  it('flags 10.0.0.0/8 and narrows it to the subnet of the intended client it admits', () => {
    const [b, ...rest] = broadRules(
      facts,
      group([...self, tcp(2223, 2225, { IpRanges: [{ CidrIp: '10.0.0.0/8' }] })]),
      intended,
      PORTS,
    );
    expect(rest).toEqual([]);
    expect(b!.reasons[0]).toMatch(/10\.0\.0\.0\/8 is wider than the subnets/);
    expect(b!.narrower).toEqual([{ protocol: 'tcp', from: 2223, to: 2225, peer: { cidr: '10.0.1.0/24' } }]);
  });

  it('flags any address, and a CIDR holding no intended source, with no replacement', () => {
    const rules = broadRules(
      facts,
      group([tcp(2223, 2225, { IpRanges: [{ CidrIp: '0.0.0.0/0' }, { CidrIp: '192.168.0.0/16' }] })]),
      intended,
      PORTS,
    );
    expect(rules.map((r) => r.reasons)).toEqual([
      ['any address'],
      ['192.168.0.0/16 holds no intended source'],
    ]);
    expect(rules[0]!.narrower).toEqual([
      { protocol: 'tcp', from: 2223, to: 2225, peer: { cidr: '10.0.1.0/24' } },
    ]);
    expect(rules[1]!.narrower).toEqual([]);
  });

  it('keeps a subnet-sized or narrower CIDR, and the exact TCP ports', () => {
    const ok = group([
      tcp(2223, 2225, { IpRanges: [{ CidrIp: '10.0.1.0/24' }, { CidrIp: '10.0.1.10/32' }] }),
      tcp(2223, 2223, { UserIdGroupPairs: [{ GroupId: 'sg-client' }] }),
    ]);
    expect(broadRules(facts, ok, intended, PORTS)).toEqual([]);
  });

  it('flags all traffic from a group and gives tcp 2223-2225 from the same group', () => {
    const [b] = broadRules(
      facts,
      group([{ IpProtocol: '-1', UserIdGroupPairs: [{ GroupId: 'sg-client' }] }]),
      intended,
      PORTS,
    );
    expect(b!.reasons).toEqual(['all protocols and ports']);
    expect(b!.narrower.map(permissionText)).toEqual([
      'IpProtocol=tcp,FromPort=2223,ToPort=2225,UserIdGroupPairs=[{GroupId=sg-client}]',
    ]);
    expect(permissionText(b!.rule)).toBe('IpProtocol=-1,UserIdGroupPairs=[{GroupId=sg-client}]');
  });

  it('flags all TCP ports and ports beyond the HSM ones, and another protocol outright', () => {
    const rules = broadRules(
      facts,
      group([
        tcp(0, 65535, { UserIdGroupPairs: [{ GroupId: 'sg-client' }] }),
        tcp(2220, 2230, { UserIdGroupPairs: [{ GroupId: 'sg-client' }] }),
        { IpProtocol: 'udp', FromPort: 2223, ToPort: 2225, UserIdGroupPairs: [{ GroupId: 'sg-client' }] },
      ]),
      intended,
      PORTS,
    );
    expect(rules.map((r) => r.reasons[0])).toEqual([
      'all TCP ports',
      'TCP 2220-2230, beyond the HSM ports 2223-2225',
      'protocol udp, which the HSMs do not serve',
    ]);
    expect(rules.map((r) => r.narrower.length)).toEqual([1, 1, 0]);
  });

  it('takes a CIDR wider than one intended subnet but equal to the union of two as needed', () => {
    const both = [...intended, eni('eni-2', '10.0.2.10', 'subnet-b')];
    const pair = group([tcp(2223, 2225, { IpRanges: [{ CidrIp: '10.0.2.0/23' }] })]);
    // 10.0.2.0/23 = 10.0.2.0-10.0.3.255: only 10.0.2.0/24 holds an intended client.
    expect(broadRules(facts, pair, both, PORTS)[0]!.narrower.map((r) => r.peer)).toEqual([
      { cidr: '10.0.2.0/24' },
    ]);
    const union = group([tcp(2223, 2225, { IpRanges: [{ CidrIp: '10.0.0.0/22' }] })]);
    // 10.0.0.0/22 also holds 10.0.0.0/24 and 10.0.3.0/24, which no intended client uses.
    expect(broadRules(facts, union, both, PORTS)).toHaveLength(1);
  });
});

describe('the self-referencing rules CloudHSM creates', () => {
  it('are present in both directions on TCP 2223-2225', () => {
    expect(selfReference(group(self), PORTS)).toEqual({ ingress: true, egress: true });
  });
  it('count all traffic from itself, and miss when a port is left out', () => {
    expect(
      selfReference(group([{ IpProtocol: '-1', UserIdGroupPairs: [{ GroupId: SG }] }], []), PORTS),
    ).toEqual({
      ingress: true,
      egress: false,
    });
    expect(
      selfReference(group([tcp(2223, 2224, { UserIdGroupPairs: [{ GroupId: SG }] })]), PORTS).ingress,
    ).toBe(false);
    expect(
      selfReference(group([tcp(2223, 2225, { UserIdGroupPairs: [{ GroupId: 'sg-other' }] })]), PORTS).ingress,
    ).toBe(false);
  });
});

describe('the narrower rule keeps only what no other rule gives', () => {
  it('leaves out the subnets of intended clients another kept rule admits', () => {
    const both = [...intended, eni('eni-2', '10.0.2.10', 'subnet-b')];
    both[1] = { ...both[1]!, groupIds: ['sg-app'] };
    const rules = group([
      tcp(2223, 2225, { UserIdGroupPairs: [{ GroupId: 'sg-app' }] }),
      tcp(2223, 2225, { IpRanges: [{ CidrIp: '10.0.0.0/16' }] }),
    ]);
    // eni-2 comes in by its group sg-app, so 10.0.0.0/16 is needed for 10.0.1.0/24 only.
    const [b] = broadRules(facts, { ...rules, VpcId: 'vpc-1' }, both, PORTS);
    expect(b!.narrower.map((r) => r.peer)).toEqual([{ cidr: '10.0.1.0/24' }]);
    // A group reference from another VPC is not counted: both subnets stay.
    const [c] = broadRules(facts, { ...rules, VpcId: 'vpc-other' }, both, PORTS);
    expect(c!.narrower.map((r) => r.peer)).toEqual([{ cidr: '10.0.1.0/24' }, { cidr: '10.0.2.0/24' }]);
  });

  it('does not count one broad rule as the other’s replacement', () => {
    const rules = group([
      tcp(2223, 2225, { IpRanges: [{ CidrIp: '0.0.0.0/0' }] }),
      tcp(2223, 2225, { IpRanges: [{ CidrIp: '10.0.0.0/8' }] }),
    ]);
    const out = broadRules(facts, rules, intended, PORTS);
    // Both go; each keeps the intended client's subnet, so applying both still admits it.
    expect(out.map((r) => r.narrower.map((n) => n.peer))).toEqual([
      [{ cidr: '10.0.1.0/24' }],
      [{ cidr: '10.0.1.0/24' }],
    ]);
  });

  it('says so when every intended client in a broad CIDR is admitted by a kept rule', () => {
    const byGroup = [{ ...intended[0]!, groupIds: ['sg-app'] }];
    const rules = group([
      tcp(2223, 2225, { UserIdGroupPairs: [{ GroupId: 'sg-app' }] }),
      tcp(2223, 2225, { IpRanges: [{ CidrIp: '10.0.0.0/8' }] }),
    ]);
    const [b] = broadRules(facts, { ...rules, VpcId: 'vpc-1' }, byGroup, PORTS);
    expect(b!.reasons).toEqual(['every intended source in 10.0.0.0/8 is admitted by another rule']);
    expect(b!.narrower).toEqual([]);
  });
});

describe('the broad-rule fixes, run one after the other', () => {
  it('add a narrower rule once, and never one the group already has', () => {
    const proposed = new Set([
      permissionText({ protocol: 'tcp', from: 2223, to: 2225, peer: { cidr: '10.0.9.0/24' } }),
    ]);
    const rules = broadRules(
      facts,
      group([
        tcp(2223, 2225, { IpRanges: [{ CidrIp: '0.0.0.0/0' }] }),
        tcp(2223, 2225, { IpRanges: [{ CidrIp: '10.0.0.0/8' }] }),
      ]),
      intended,
      PORTS,
    );
    const fixes = rules.map((b) => broadRuleFinding(b, 'us-east-1', proposed).remediation ?? '');
    expect(fixes[0]).toMatch(/authorize-security-group-ingress .*CidrIp=10\.0\.1\.0\/24.* && aws ec2 revoke/);
    expect(fixes[1]).not.toMatch(/authorize/);
    expect(fixes[1]).toMatch(/revoke-security-group-ingress .*CidrIp=10\.0\.0\.0\/8/);
  });
});
