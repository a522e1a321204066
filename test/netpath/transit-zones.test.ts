// The TGW Availability Zone rule compares zones of one kind only: a subnet answered with a zone name
// and another with a zone ID never compare unequal by accident (the same zone has one ID in every
// account, its name differs per account); what cannot be compared stays unknown.
import { describe, expect, it } from 'vitest';
import { transitFacts } from '../../src/netpath/transit-facts.js';

const subnets = (...s: Array<Record<string, string>>) => ({ 'ec2:DescribeSubnets': { Subnets: s } });

describe('transit gateway zones', () => {
  it('uses zone IDs when every subnet has one', () => {
    const t = transitFacts(
      subnets(
        { SubnetId: 'subnet-a', AvailabilityZone: 'us-east-1a', AvailabilityZoneId: 'use1-az1' },
        { SubnetId: 'subnet-b', AvailabilityZoneId: 'use1-az1' },
      ),
    );
    expect(t.subnetAz.get('subnet-a')).toBe('use1-az1');
    expect(t.subnetAz.get('subnet-b')).toBe(t.subnetAz.get('subnet-a'));
  });
  it('falls back to zone names, leaving a subnet with an ID only unknown rather than different', () => {
    const t = transitFacts(
      subnets(
        { SubnetId: 'subnet-a', AvailabilityZone: 'us-east-1a' },
        { SubnetId: 'subnet-b', AvailabilityZoneId: 'use1-az1' },
      ),
    );
    expect(t.subnetAz.get('subnet-a')).toBe('us-east-1a');
    expect(t.subnetAz.has('subnet-b')).toBe(false);
  });
});
