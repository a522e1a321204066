// The simulated EC2 API against the real @aws-sdk/client-ec2 over HTTP: paging, filters, DryRun,
// error XML for UnauthorizedOperation and RequestLimitExceeded.
import {
  DescribeSecurityGroupsCommand,
  DescribeSubnetsCommand,
  EC2Client,
  GetManagedPrefixListEntriesCommand,
} from '@aws-sdk/client-ec2';
import { afterEach, describe, expect, it } from 'vitest';
import { classifyAwsError } from '../../src/aws/errors.js';
import { discoverEc2 } from '../../src/discovery/ec2.js';
import { awsJsonProtocol, SimulatedAws } from '../../src/sim/aws-server.js';
import { EC2_OPERATIONS, ec2QueryProtocol, parseQueryParams, toEc2Xml } from '../../src/sim/ec2-api.js';
import type { AwsFault } from '../../src/sim/scenario.js';
import { DEMO_CREDENTIALS } from '../../src/sim/world.js';
import type { Snapshot } from '../../src/snapshot/format.js';

const sgs = Array.from({ length: 7 }, (_, i) => ({
  GroupId: `sg-${i}`,
  GroupName: `g${i}`,
  Description: 'x & <y>',
  OwnerId: '111122223333',
  VpcId: i < 5 ? 'vpc-a' : 'vpc-b',
  IpPermissions: [
    {
      IpProtocol: 'tcp',
      FromPort: 2223,
      ToPort: 2225,
      IpRanges: [],
      Ipv6Ranges: [],
      PrefixListIds: [],
      UserIdGroupPairs: [{ GroupId: 'sg-0', UserId: '111122223333' }],
    },
  ],
  IpPermissionsEgress: [],
}));
const snapshot: Snapshot = {
  hsmwatchSnapshot: 1,
  capturedAt: '2026-11-30T10:00:00Z',
  region: 'us-east-1',
  client: { instanceId: null },
  aws: {
    'ec2:DescribeSecurityGroups': { SecurityGroups: sgs },
    'ec2:DescribeSubnets': {
      Subnets: [
        {
          SubnetId: 'subnet-1',
          VpcId: 'vpc-a',
          CidrBlock: '10.0.0.0/24',
          AvailableIpAddressCount: 250,
          MapPublicIpOnLaunch: false,
        },
      ],
    },
    'ec2:GetManagedPrefixListEntries': { 'pl-1': { Entries: [{ Cidr: '10.0.0.0/24', Description: 'a' }] } },
  },
};

let sim: SimulatedAws | undefined;
let api: EC2Client | undefined;
afterEach(async () => {
  api?.destroy();
  await sim?.stop();
});

async function start(o: { faults?: Record<string, AwsFault>; pageSize?: Record<string, number> } = {}) {
  sim = await new SimulatedAws({
    snapshot,
    operations: EC2_OPERATIONS,
    protocols: [awsJsonProtocol, ec2QueryProtocol],
    ...o,
  }).start();
  api = new EC2Client({
    region: 'us-east-1',
    endpoint: sim.url,
    credentials: DEMO_CREDENTIALS,
    maxAttempts: 2,
  });
  return { sim, api };
}

describe('EC2 query protocol', () => {
  it('parses form fields into nested params', () => {
    expect(
      parseQueryParams('Action=X&Filter.1.Name=vpc-id&Filter.1.Value.1=a&Filter.1.Value.2=b&GroupId.1=sg-1'),
    ).toEqual({
      Action: 'X',
      Filter: [{ Name: 'vpc-id', Value: ['a', 'b'] }],
      GroupId: ['sg-1'],
    });
  });
  it('writes the SDK element names and escapes text', () => {
    const xml = toEc2Xml({ SecurityGroups: [sgs[0]] }, 'DescribeSecurityGroupsResult');
    expect(xml).toContain('<securityGroupInfo><item>');
    expect(xml).toContain('<groupDescription>x &amp; &lt;y&gt;</groupDescription>');
    expect(xml).toContain('<groups><item><groupId>sg-0</groupId>');
  });
  it('answers the real SDK with all pages, filters and ids', async () => {
    const { api, sim } = await start({ pageSize: { 'ec2:DescribeSecurityGroups': 2 } });
    const all: unknown[] = [];
    let token: string | undefined;
    do {
      const out = await api.send(
        new DescribeSecurityGroupsCommand({
          Filters: [{ Name: 'vpc-id', Values: ['vpc-a'] }],
          ...(token ? { NextToken: token } : {}),
        }),
      );
      all.push(...(out.SecurityGroups ?? []));
      token = out.NextToken;
    } while (token);
    expect(all).toEqual(sgs.slice(0, 5));
    expect(sim.calls.filter((c) => c.operation === 'DescribeSecurityGroups')).toHaveLength(3);
    const one = await api.send(new DescribeSecurityGroupsCommand({ GroupIds: ['sg-6'] }));
    expect(one.SecurityGroups?.map((g) => g.GroupId)).toEqual(['sg-6']);
    const subnets = await api.send(new DescribeSubnetsCommand({}));
    expect(subnets.Subnets).toEqual(
      snapshot.aws['ec2:DescribeSubnets'] &&
        (snapshot.aws['ec2:DescribeSubnets'] as { Subnets: unknown[] }).Subnets,
    );
    const pl = await api.send(new GetManagedPrefixListEntriesCommand({ PrefixListId: 'pl-1' }));
    expect(pl.Entries).toEqual([{ Cidr: '10.0.0.0/24', Description: 'a' }]);
    expect(sim.unexpectedCalls).toEqual([]);
    expect(sim.calls.every((c) => c.signed)).toBe(true);
  });
  it('DryRun answers DryRunOperation', async () => {
    const { api } = await start();
    const err = await api.send(new DescribeSecurityGroupsCommand({ DryRun: true })).catch((e: unknown) => e);
    expect((err as { name: string }).name).toBe('DryRunOperation');
  });
  it('UnauthorizedOperation comes back as the EC2 error XML, classified as denied', async () => {
    const { api } = await start({
      faults: { 'ec2:DescribeSecurityGroups': { code: 'UnauthorizedOperation', status: 403 } },
    });
    const err = await api.send(new DescribeSecurityGroupsCommand({})).catch((e: unknown) => e);
    expect((err as { name: string }).name).toBe('UnauthorizedOperation');
    expect(classifyAwsError(err).kind).toBe('denied');
  });
  it('RequestLimitExceeded is retried by the SDK, then succeeds', async () => {
    const { api, sim } = await start({
      faults: { 'ec2:DescribeSubnets': { code: 'RequestLimitExceeded', status: 503, times: 1 } },
    });
    const out = await api.send(new DescribeSubnetsCommand({}));
    expect(out.Subnets).toHaveLength(1);
    expect(sim.calls.filter((c) => c.operation === 'DescribeSubnets').map((c) => c.status)).toEqual([
      503, 200,
    ]);
  });
  it('discovery turns a denied call into a skip naming the IAM action', async () => {
    const { api } = await start({
      faults: { 'ec2:DescribeNetworkAcls': { code: 'UnauthorizedOperation', status: 403 } },
    });
    const r = await discoverEc2(api, {
      client: null,
      clusters: [
        {
          clusterId: 'cluster-x',
          state: 'ACTIVE',
          securityGroup: 'sg-0',
          vpcId: 'vpc-a',
          subnetIds: [],
          networkType: 'IPV4',
          hsmCount: 0,
          certificate: null,
        },
      ],
      targets: [],
      signal: AbortSignal.timeout(10_000),
    });
    const denied = r.findings.find((f) => f.target === 'ec2:DescribeNetworkAcls');
    expect(denied?.status).toBe('skip');
    expect(denied?.evidence.missingAction).toBe('ec2:DescribeNetworkAcls');
    expect(r.aws['ec2:DescribeNetworkAcls']).toBeUndefined();
    expect(
      (r.aws['ec2:DescribeSecurityGroups'] as { SecurityGroups: unknown[] }).SecurityGroups,
    ).toHaveLength(5);
    expect(r.aws['ec2:GetManagedPrefixListEntries']).toBeUndefined();
  });
  it('stops asking once the endpoint is unreachable (one warning, the rest not asked), quickly', async () => {
    const dead = new EC2Client({
      region: 'us-east-1',
      endpoint: 'http://127.0.0.1:9',
      credentials: DEMO_CREDENTIALS,
      maxAttempts: 1,
    });
    const t0 = performance.now();
    const r = await discoverEc2(dead, {
      client: null,
      clusters: [
        {
          clusterId: 'cluster-x',
          state: 'ACTIVE',
          securityGroup: 'sg-0',
          vpcId: 'vpc-a',
          subnetIds: [],
          networkType: 'IPV4',
          hsmCount: 0,
          certificate: null,
        },
      ],
      targets: [],
      signal: AbortSignal.timeout(10_000),
    });
    dead.destroy();
    expect(performance.now() - t0).toBeLessThan(5000);
    expect(r.findings.filter((f) => f.status === 'warn' && f.target !== 'ec2')).toHaveLength(1);
    expect(r.findings.find((f) => f.status === 'skip')?.evidence.notAsked).toEqual([
      'ec2:DescribeSubnets',
      'ec2:DescribeNetworkAcls',
      'ec2:DescribeRouteTables',
      'ec2:DescribeVpcPeeringConnections',
    ]);
    expect(Object.keys(r.aws)).toEqual([]);
  });
});
