// The real @aws-sdk clients and the IMDS client over HTTP against the simulated services on loopback.
import { describe, expect, it } from 'vitest';
import { readInstanceMetadata } from '../../src/discovery/imds.js';
import { discover } from '../../src/discovery/index.js';
import { clustersOf, READ_ONLY, withWorld } from '../support/world.js';

const ids = (env: Awaited<ReturnType<typeof discover>>) => env.findings.map((f) => `${f.id}:${f.status}`);

describe('discovery against simulated AWS', () => {
  it('reads the instance through the IMDSv2 token flow and the cluster through DescribeClusters', async () => {
    await withWorld(
      () => {},
      async (world, settings) => {
        const env = await discover(settings);
        expect(env.client?.instanceId).toBe('i-0d3m0c11e47000001');
        expect(env.client?.enis).toEqual([
          {
            eniId: 'eni-0c11e470000000001',
            mac: '0a:1b:2c:3d:4e:5f',
            deviceNumber: 0,
            subnetId: 'subnet-0c11e47000000001',
            vpcId: 'vpc-0d3m0d3m0d3m00001',
            securityGroupIds: ['sg-0c11e47c11e470001'],
            privateIps: ['127.0.0.1'],
            ipv6s: [],
          },
        ]);
        expect(env.region).toBe('us-east-1');
        expect(env.targets.map((t) => t.ip)).toEqual(['127.0.1.11', '127.0.2.11', '127.0.3.11']);
        expect(ids(env)).toEqual([
          'discovery.imds:pass',
          'discovery.cloudhsm:pass',
          'discovery.cluster:pass',
          'discovery.ec2:pass',
        ]);
        // Token first, then every metadata read carries it.
        const imds = world.imds!.calls;
        expect(imds[0]).toMatchObject({ method: 'PUT', path: '/latest/api/token', status: 200 });
        expect(imds.slice(1).every((c) => c.method === 'GET' && c.status !== 401)).toBe(true);
        // The snapshot keeps the API's answer as it came (PascalCase, all fields).
        expect(env.snapshot.aws['cloudhsmv2:DescribeClusters']).toEqual(
          world.aws.snapshot.aws['cloudhsmv2:DescribeClusters'],
        );
        expect(world.aws.calls.every((c) => c.signed && READ_ONLY.test(c.operation))).toBe(true);
        expect(world.aws.unexpectedCalls).toEqual([]);
      },
    );
  });

  it('follows NextToken through every page', async () => {
    await withWorld(
      (s) => {
        const [c] = clustersOf(s);
        const more = [
          'cluster-pageoneaaaa',
          'cluster-pagetwobbbb',
          'cluster-pagethreecc',
          'cluster-pagefourddd',
        ].map((id) => ({ ...c, ClusterId: id, Hsms: [] }));
        clustersOf(s).push(...more);
        s.sim = { pageSize: { 'cloudhsmv2:DescribeClusters': 2 } };
      },
      async (world, settings) => {
        const env = await discover(settings);
        expect(env.clusters).toHaveLength(5);
        expect(world.aws.calls.filter((c) => c.operation === 'DescribeClusters')).toHaveLength(3);
        expect(
          (env.snapshot.aws['cloudhsmv2:DescribeClusters'] as { Clusters: unknown[] }).Clusters,
        ).toHaveLength(5);
      },
    );
  });

  it('asks only for the named clusters and reports a name that does not exist', async () => {
    await withWorld(
      () => {},
      async (world, settings) => {
        settings.clusterIds = ['cluster-hsmwatchdemo', 'cluster-doesnotexist'];
        const env = await discover(settings);
        expect(world.aws.calls[0]?.params).toEqual({
          Filters: { clusterIds: ['cluster-hsmwatchdemo', 'cluster-doesnotexist'] },
        });
        expect(env.targets).toHaveLength(3);
        expect(env.findings.find((f) => f.target === 'cluster-doesnotexist')).toMatchObject({
          id: 'discovery.cloudhsm',
          status: 'fail',
        });
      },
    );
  });

  it('rides out throttling with the SDK retries', async () => {
    await withWorld(
      (s) => {
        s.sim = {
          faults: { 'cloudhsmv2:DescribeClusters': { code: 'ThrottlingException', status: 400, times: 2 } },
        };
      },
      async (world, settings) => {
        const env = await discover(settings);
        expect(env.targets).toHaveLength(3);
        expect(world.aws.calls.filter((c) => c.service === 'cloudhsmv2').map((c) => c.status)).toEqual([
          400, 400, 200,
        ]);
      },
    );
  });

  it.each([
    ['ThrottlingException', 400, 'error', /throttled \(ThrottlingException\) after all retries/],
    ['CloudHsmInternalFailureException', 500, 'error', /AWS answered 500 CloudHsmInternalFailureException/],
    ['CloudHsmAccessDeniedException', 400, 'skip', /access denied .*cloudhsm:DescribeClusters is missing/],
  ] as const)('turns a lasting %s into a clear finding', async (code, status, findingStatus, message) => {
    await withWorld(
      (s) => {
        s.sim = { faults: { 'cloudhsmv2:DescribeClusters': { code, status } } };
      },
      async (world, settings) => {
        settings.aws.maxAttempts = 2;
        const env = await discover(settings);
        const f = env.findings.find((x) => x.id === 'discovery.cloudhsm')!;
        expect(f.status).toBe(findingStatus);
        expect(f.message).toMatch(message);
        expect(f.evidence.code).toBe(code);
        if (findingStatus === 'skip') expect(f.evidence.missingAction).toBe('cloudhsm:DescribeClusters');
        expect(env.targets).toEqual([]);
        expect(env.findings.find((x) => x.id === 'discovery.targets')?.status).toBe('skip');
        expect(world.aws.unexpectedCalls).toEqual([]);
      },
    );
  });

  it('says "not on EC2" when nothing answers at the IMDS address', async () => {
    await withWorld(
      () => {},
      async (_world, settings) => {
        settings.imds.endpoint = 'http://127.0.0.1:9';
        const env = await discover(settings);
        const f = env.findings.find((x) => x.id === 'discovery.imds')!;
        expect(f.status).toBe('skip');
        expect(f.message).toMatch(/not on EC2, or IMDS unreachable: ECONNREFUSED/);
        expect(env.client).toBeNull();
        expect(env.targets).toHaveLength(3); // the region came from the settings
      },
    );
  });

  it('recognises the IMDSv2 hop-limit problem and prints the fix', async () => {
    await withWorld(
      (s) => {
        s.sim = { imds: { tokenBlocked: true } };
      },
      async (world, settings) => {
        settings.imds.timeoutMs = 300;
        const t0 = performance.now();
        const env = await discover(settings);
        expect(performance.now() - t0).toBeLessThan(3000);
        const f = env.findings.find((x) => x.id === 'discovery.imds-hop-limit')!;
        expect(f.status).toBe('fail');
        expect(f.message).toContain('while plain metadata requests did');
        // The same hop limit breaks Client SDK 5.5+ bootstrapping in containers (CloudHSM known issues).
        expect(f.message).toContain('No credentials in the property bag');
        expect(f.remediation).toContain('--http-put-response-hop-limit 2');
        expect(world.imds!.calls.map((c) => `${c.method} ${c.status}`)).toEqual(['PUT no answer', 'GET 401']);
      },
    );
  });

  it('never calls it the hop limit when a plain GET is not answered either, even inside a container', async () => {
    // The hop limit drops only the token PUT's response; silence to both is no evidence of it.
    const { createServer } = await import('node:http');
    const silent = createServer(() => {});
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', () => r()));
    try {
      const t0 = performance.now();
      const r = await readInstanceMetadata({
        endpoint: `http://127.0.0.1:${(silent.address() as { port: number }).port}`,
        disabled: false,
        timeoutMs: 200,
        inContainer: () => true,
      });
      expect(r).toMatchObject({
        kind: 'absent',
        detail: expect.stringMatching(/^neither the token PUT .* nor a plain GET/),
      });
      expect(performance.now() - t0).toBeLessThan(1500);
      // Refused is no silence at all.
      const refused = await readInstanceMetadata({
        endpoint: 'http://127.0.0.1:9',
        disabled: false,
        timeoutMs: 200,
        inContainer: () => true,
      });
      expect(refused.kind).toBe('absent');
    } finally {
      silent.closeAllConnections();
      silent.close();
    }
  });

  it('does not touch IMDS when it is disabled', async () => {
    const r = await readInstanceMetadata({
      endpoint: undefined,
      disabled: false,
      timeoutMs: 200,
      env: { AWS_EC2_METADATA_DISABLED: 'true' },
    });
    expect(r).toEqual({ kind: 'disabled', detail: expect.stringContaining('disabled') });
  });
});

describe('AWS API calls through an HTTPS proxy', () => {
  it('tunnels the SDK through the CONNECT proxy, and not for NO_PROXY hosts', async () => {
    const { startConnectProxy } = await import('../../src/sim/connect-proxy.js');
    const seen: string[] = [];
    const proxy = await startConnectProxy({ onConnect: (t) => seen.push(t) });
    try {
      await withWorld(
        () => {},
        async (world, settings) => {
          settings.proxy = proxy.url;
          settings.noProxy = '';
          const env = await discover(settings);
          expect(env.findings.find((f) => f.id === 'discovery.cloudhsm')?.status).toBe('pass');
          const apiPort = new URL(world.aws.tlsUrl).port;
          expect(seen).toContain(`127.0.0.1:${apiPort}`);
          seen.length = 0;
          settings.noProxy = '127.0.0.1';
          await discover(settings);
          expect(seen).toEqual([]);
        },
      );
    } finally {
      await proxy.close();
    }
  });

  it('names an unreadable CA bundle instead of crashing', async () => {
    const { ConfigError } = await import('../../src/config/settings.js');
    await withWorld(
      () => {},
      async (_world, settings) => {
        settings.caBundle = '/nonexistent/ca.pem';
        await expect(discover(settings)).rejects.toThrow(ConfigError);
        await expect(discover(settings)).rejects.toThrow(
          'caBundle (--ca-bundle): cannot use the CA bundle /nonexistent/ca.pem: ENOENT: no such file or directory',
        );
      },
    );
  });
});

describe('deadlines', () => {
  it('gives up on an API that trickles its answer, even under a caller signal without a deadline', async () => {
    const { createServer } = await import('node:http');
    const timers = new Set<NodeJS.Timeout>();
    // Headers at once, then one byte every 200 ms: the socket is never idle long enough for the SDK's
    // own request timeout.
    const server = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/x-amz-json-1.1' });
      res.write('{');
      const t = setInterval(() => res.write(' '), 200);
      timers.add(t);
      res.on('close', () => clearInterval(t));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    try {
      await withWorld(
        () => {},
        async (_world, settings) => {
          settings.endpointUrl = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
          settings.aws.timeoutMs = 500;
          settings.aws.maxAttempts = 1;
          const t0 = performance.now();
          const env = await discover(settings, { signal: new AbortController().signal });
          // CloudHSM gets 2 × 500 ms, the EC2 reads 8 × 500 ms: both end, nothing hangs.
          expect(performance.now() - t0).toBeLessThan(8000);
          expect(env.findings.find((f) => f.id === 'discovery.cloudhsm')?.status).toBe('error');
        },
      );
    } finally {
      for (const t of timers) clearInterval(t);
      server.closeAllConnections();
      server.close();
    }
  });
});
