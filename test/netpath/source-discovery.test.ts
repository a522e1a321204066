// The pieces of source-interface discovery on their own: the kernel's pick (a connected UDP socket on
// loopback, nothing sent), ENI kinds, the task metadata endpoint v4 read against real (and hostile)
// HTTP servers on loopback, the snapshot schema of client.sources / client.ecsTask, and which ENI owns
// an address when several do.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { parseEcsTask, readEcsTask, regionOfTask } from '../../src/discovery/ecs-task.js';
import { kernelSourceAddress, kernelSources } from '../../src/discovery/source.js';
import { clientView } from '../../src/discovery/source-view.js';
import { eniKind } from '../../src/netpath/eni-facts.js';
import { factsFromSnapshot } from '../../src/netpath/facts.js';
import { parseSnapshot, SnapshotError } from '../../src/snapshot/read.js';

// The Fargate example of "Amazon ECS task metadata v4 examples for tasks on Fargate" (shortened).
const FARGATE_TASK = {
  Cluster: 'arn:aws:ecs:us-west-2:111122223333:cluster/default',
  TaskARN: 'arn:aws:ecs:us-west-2:111122223333:task/default/e9028f8d5d8e4f258373e7b93ce9a3c3',
  Family: 'curltest',
  Revision: '3',
  AvailabilityZone: 'us-west-2d',
  LaunchType: 'FARGATE',
  Containers: [
    {
      Name: 'curl',
      Networks: [
        {
          NetworkMode: 'awsvpc',
          IPv4Addresses: ['192.0.2.3'],
          AttachmentIndex: 0,
          MACAddress: '0a:de:f6:10:51:e5',
          IPv4SubnetCIDRBlock: '192.0.2.0/24',
          PrivateDNSName: 'ip-10-0-0-222.us-west-2.compute.internal',
          SubnetGatewayIpv4Address: '192.0.2.0/24',
        },
      ],
    },
  ],
};

async function serve(handler: (res: import('node:http').ServerResponse) => void): Promise<{
  url: string;
  server: Server;
}> {
  const server = createServer((req, res) => (req.url === '/v4/x/task' ? handler(res) : res.end()));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v4/x`, server };
}
const close = (s: Server) => new Promise<void>((r) => s.close(() => r()));

describe('the kernel source address', () => {
  it('is the loopback address towards loopback, and null for what is not an address', async () => {
    expect(await kernelSourceAddress('127.0.0.1')).toBe('127.0.0.1');
    expect(await kernelSourceAddress('::1')).toBe('::1');
    expect(await kernelSourceAddress('not-an-ip')).toBeNull();
    expect(await kernelSources(['127.0.2.11', '127.0.2.11'])).toEqual([
      { hsmIp: '127.0.2.11', sourceIp: '127.0.0.1' },
    ]);
  });
});

describe('ENI kinds (EC2 InterfaceType, ECS attachment description)', () => {
  it.each([
    ['branch', 'aws-k8s-branch-eni', 'branch'],
    ['trunk', 'aws-k8s-trunk-eni', 'trunk'],
    ['lambda', 'AWS Lambda VPC ENI-f', 'lambda'],
    [
      'interface',
      'arn:aws:ecs:eu-central-1:123456789012:attachment/f6d9fc22-dbaf-4bff-b501-a41b41f27826',
      'ecs-task',
    ],
    [null, 'arn:aws:ecs:us-east-1:123456789012:attachment/1', 'ecs-task'],
    ['interface', 'my app ENI', 'interface'],
    [null, null, 'interface'],
    ['nat_gateway', 'Interface for NAT Gateway nat-1', 'nat_gateway'],
  ])('%s / %s → %s', (type, description, kind) => {
    expect(eniKind(type, description)).toBe(kind);
  });
});

describe('the ECS task metadata endpoint v4', () => {
  it('distils the documented /task answer', async () => {
    const { url, server } = await serve((res) => res.end(JSON.stringify(FARGATE_TASK)));
    try {
      const r = await readEcsTask(url, 1000);
      expect(r).toEqual({
        kind: 'ok',
        endpoint: url,
        task: {
          taskArn: FARGATE_TASK.TaskARN,
          cluster: FARGATE_TASK.Cluster,
          launchType: 'FARGATE',
          availabilityZone: 'us-west-2d',
          vpcId: null,
          addresses: ['192.0.2.3'],
          subnetCidrs: ['192.0.2.0/24'],
        },
      });
      if (r.kind === 'ok') expect(regionOfTask(r.task)).toBe('us-west-2');
    } finally {
      await close(server);
    }
  });

  it.each<[string, (res: import('node:http').ServerResponse) => void, RegExp]>([
    ['not JSON', (res) => res.end('<html>'), /not JSON/],
    ['no task ARN', (res) => res.end('{"Containers":[]}'), /without a task ARN/],
    ['an error status', (res) => res.writeHead(500).end(), /HTTP 500/],
    ['too large', (res) => res.end(`{"x":"${'a'.repeat(300 * 1024)}"}`), /larger than/],
    ['silence', () => {}, /./],
  ])('says so when it answers %s', async (_what, handler, message) => {
    const { url, server } = await serve(handler);
    try {
      const t0 = Date.now();
      const r = await readEcsTask(url, 300);
      expect(r.kind).toBe('error');
      if (r.kind === 'error') expect(r.detail).toMatch(message);
      expect(Date.now() - t0).toBeLessThan(2000);
    } finally {
      server.closeAllConnections();
      await close(server);
    }
  });

  it('reads only http:// endpoints, and nothing when none is set', async () => {
    expect((await readEcsTask('https://127.0.0.1:9/v4/x', 300)).kind).toBe('error');
    expect(await readEcsTask(null, 300)).toEqual({ kind: 'unset' });
  });

  it('drops fields of the wrong type and a bridge network (Docker NAT, not the task ENI)', () => {
    const t = parseEcsTask({
      ...FARGATE_TASK,
      AvailabilityZone: 7,
      VPCID: 'not-a-vpc',
      Containers: [
        { Networks: [{ NetworkMode: 'bridge', IPv4Addresses: ['172.17.0.2'] }] },
        {
          Networks: [{ NetworkMode: 'awsvpc', IPv4Addresses: ['10.0.0.5', 5, 'x'], IPv4SubnetCIDRBlock: {} }],
        },
      ],
    });
    expect(t).toMatchObject({
      availabilityZone: null,
      vpcId: null,
      addresses: ['10.0.0.5'],
      subnetCidrs: [],
    });
    expect(parseEcsTask([])).toMatch(/not an object/);
  });
});

describe('snapshot client.sources and client.ecsTask', () => {
  const snap = (client: Record<string, unknown>) =>
    JSON.stringify({
      hsmwatchSnapshot: 1,
      capturedAt: '2026-11-30T10:00:00Z',
      region: 'us-east-1',
      client: { instanceId: null, ...client },
      aws: {},
    });
  const reject = (t: string) => {
    try {
      parseSnapshot(t, 'snap.json');
    } catch (e) {
      expect(e).toBeInstanceOf(SnapshotError);
      return (e as Error).message;
    }
    throw new Error('accepted');
  };
  it('accepts them, and snapshots without them', () => {
    expect(parseSnapshot(snap({}), 'x').client.sources).toBeUndefined();
    const s = parseSnapshot(snap({ sources: [{ hsmIp: '10.0.1.12', sourceIp: null }] }), 'x');
    expect(s.client.sources).toEqual([{ hsmIp: '10.0.1.12', sourceIp: null }]);
  });
  it.each([
    [
      { sources: [{ hsmIp: 'x', sourceIp: '10.0.0.1' }] },
      /client\.sources\[0\]\.hsmIp: must be an IP address/,
    ],
    [{ sources: {} }, /client\.sources: must be a list/],
    [{ ecsTask: { taskArn: 'nope' } }, /client\.ecsTask\.taskArn: must be the task ARN/],
  ])('rejects %j with the path of the bad value', (client, message) => {
    expect(reject(snap(client))).toMatch(message);
  });
});

describe('the ENI owning a source address', () => {
  const eni = (id: string, vpc: string) => ({
    NetworkInterfaceId: id,
    VpcId: vpc,
    SubnetId: 'subnet-1',
    PrivateIpAddresses: [{ PrivateIpAddress: '10.0.0.77', Primary: true }],
    Groups: [{ GroupId: `sg-${id}` }],
    InterfaceType: 'branch',
  });
  const view = (vpcId: string | null) => {
    const aws = {
      'ec2:DescribeNetworkInterfaces': { NetworkInterfaces: [eni('a', 'vpc-a'), eni('b', 'vpc-b')] },
    };
    const task = {
      taskArn: 'arn:aws:ecs:us-east-1:111122223333:task/c/1',
      cluster: null,
      launchType: 'EC2',
      availabilityZone: 'us-east-1a',
      vpcId,
      addresses: ['10.0.0.77'],
      subnetCidrs: [],
    };
    const snapshot = parseSnapshot(
      JSON.stringify({
        hsmwatchSnapshot: 1,
        capturedAt: '2026-11-30T10:00:00Z',
        region: 'us-east-1',
        client: { instanceId: null, sources: [{ hsmIp: '10.0.1.12', sourceIp: '10.0.0.77' }], ecsTask: task },
        aws,
      }),
      'x',
    );
    return clientView(null, snapshot, factsFromSnapshot(aws, 'us-east-1'), ['10.0.1.12']);
  };
  it('is unknown when ENIs in two VPCs hold it (overlapping CIDRs), and the one in the VPC when known', () => {
    expect(view(null)?.sources).toEqual([{ hsmIp: '10.0.1.12', sourceIp: '10.0.0.77', eniId: null }]);
    expect(view(null)?.enis).toEqual([]);
    expect(view('vpc-b')?.sources?.[0]?.eniId).toBe('b');
    expect(view('vpc-b')?.enis.map((e) => e.eniId)).toEqual(['b']);
  });
});
