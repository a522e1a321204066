// The one HTTP path of AWS and IMDS calls (src/aws/http.ts) against real peers on loopback: one
// deadline bounds connect, headers and the whole body; whatever gives a request up destroys it; a
// Retry-After cannot hold a call. Then what rides on it: the failed-call counter of discovery and of
// the agent, the region's order (README: the settings, AWS_REGION, the profile, IMDS), and the
// profile reaching the SDK without process.env.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { AgentMetrics } from '../../src/agent/metrics.js';
import { collectApiErrors } from '../../src/aws/api-errors.js';
import { makeCloudHsmClient } from '../../src/aws/clients.js';
import { classifyAwsError, describeFailure } from '../../src/aws/errors.js';
import { BoundedSdkHandler, boundedRequest } from '../../src/aws/http.js';
import { resolveSettings } from '../../src/config/settings.js';
import { discover } from '../../src/discovery/index.js';
import { awsPeer, imdsPeer, imdsTree } from '../faults/aws-peers.js';
import { type HostilePeer, hostileHttp, trickle } from '../faults/support.js';

const peers: HostilePeer[] = [];
const env = { ...process.env };
afterEach(async () => {
  for (const p of peers.splice(0)) await p.close();
  for (const k of Object.keys(process.env)) if (!(k in env)) delete process.env[k];
  Object.assign(process.env, env);
});

async function peer(handler: Parameters<typeof hostileHttp>[0]): Promise<HostilePeer> {
  const p = await hostileHttp(handler);
  peers.push(p);
  return p;
}

const get = (url: string, o: Partial<Parameters<typeof boundedRequest>[0]> = {}) =>
  boundedRequest({ url: new URL(url), method: 'GET', headers: {}, timeoutMs: 400, maxBodyBytes: 1024, ...o });

/** Polls until fn holds, for at most `ms`. */
async function eventually(fn: () => boolean, ms = 2000): Promise<void> {
  const end = Date.now() + ms;
  while (!fn() && Date.now() < end) await new Promise((r) => setTimeout(r, 10));
  expect(fn()).toBe(true);
}

describe('bounded HTTP requests', () => {
  it('gives up on a body that trickles at the deadline, and closes its connection', async () => {
    const p = await peer((_req, res) => trickle(res, 50));
    const t0 = performance.now();
    const e = await get(p.url).catch((err: Error) => err);
    expect(performance.now() - t0).toBeLessThan(900);
    expect(e).toMatchObject({ name: 'TimeoutError', code: 'ETIMEDOUT' });
    expect((e as Error).message).toMatch(
      /the answer \(HTTP 200\) did not complete within 400 ms: \d+ byte\(s\)/,
    );
    await eventually(() => p.openSockets() === 0);
  });

  it('names the phase: connected but no headers', async () => {
    const p = await peer(() => {});
    const e = await get(p.url).catch((err: Error) => err);
    expect((e as Error).message).toBe('connected, but no answer within 400 ms');
    await eventually(() => p.openSockets() === 0);
  });

  it('is destroyed when its signal aborts, with its connection', async () => {
    const p = await peer((_req, res) => trickle(res, 50));
    const c = new AbortController();
    setTimeout(() => c.abort(), 100);
    const e = await get(p.url, { timeoutMs: 5000, signal: c.signal }).catch((err: Error) => err);
    expect(e).toMatchObject({ name: 'AbortError' });
    await eventually(() => p.openSockets() === 0);
  });

  it('refuses an answer over its size bound, and a truncated one', async () => {
    const big = await peer((_req, res) => res.end('x'.repeat(5000)));
    await expect(get(big.url)).rejects.toMatchObject({ name: 'ResponseTooLarge' });
    const cut = await peer((_req, res) => {
      res.writeHead(200, { 'content-length': '100' });
      res.write('{"a":');
      setTimeout(() => res.socket?.destroy(), 20);
    });
    const e = await get(cut.url).catch((err: Error) => err);
    expect(e).toMatchObject({ code: 'ECONNRESET' });
    expect(describeFailure(classifyAwsError(e))).toBe(
      'the connection closed in the middle of the answer (HTTP 200, after 5 byte(s) of its body) (ECONNRESET)',
    );
  });

  it('destroys the requests still in flight when the SDK client is destroyed', async () => {
    const p = await peer((_req, res) => trickle(res, 50));
    const h = new BoundedSdkHandler({ timeoutMs: 10_000, connectTimeoutMs: 1000 });
    const url = new URL(p.url);
    const pending = h
      .handle({
        protocol: 'http:',
        hostname: url.hostname,
        port: Number(url.port),
        method: 'GET',
        path: '/',
        headers: {},
      })
      .catch((e: Error) => e);
    await eventually(() => p.openSockets() === 1);
    h.destroy();
    expect(await pending).toMatchObject({ name: 'AbortError' });
    await eventually(() => p.openSockets() === 0);
  });

  it('cuts a Retry-After longer than the deadline: a call is never held by it', async () => {
    const p = await peer((_req, res) => {
      res.writeHead(503, { 'content-type': 'application/x-amz-json-1.1', 'retry-after': '3600' });
      res.end(JSON.stringify({ __type: 'ServiceUnavailableException' }));
    });
    const settings = resolveSettings();
    settings.endpointUrl = p.url;
    settings.aws = { ...settings.aws, timeoutMs: 500, maxAttempts: 1 };
    const client = await makeCloudHsmClient({ settings, region: 'us-east-1' });
    const { DescribeClustersCommand } = await import('@aws-sdk/client-cloudhsm-v2');
    const t0 = performance.now();
    try {
      const e = await client.send(new DescribeClustersCommand({})).catch((err: unknown) => err);
      expect(classifyAwsError(e)).toMatchObject({ kind: 'server', httpStatus: 503 });
    } finally {
      client.destroy();
    }
    expect(performance.now() - t0).toBeLessThan(3000);
  });
});

describe('failed AWS calls, counted', () => {
  it('discovery records every failed call with the AWS code, or the kind when AWS gave none', async () => {
    const aws = await awsPeer(({ operation }, _req, res) => {
      if (operation === 'DescribeSubnets') {
        res.writeHead(200, { 'content-type': 'text/xml' });
        res.end('<html>');
        return true;
      }
      if (operation === 'DescribeSecurityGroups') {
        res.writeHead(403, { 'content-type': 'text/xml' });
        res.end(
          '<Response><Errors><Error><Code>UnauthorizedOperation</Code><Message>no</Message></Error></Errors></Response>',
        );
        return true;
      }
      return false;
    });
    peers.push(aws);
    const settings = resolveSettings();
    settings.endpointUrl = aws.url;
    settings.region = 'us-east-1';
    settings.aws = { ...settings.aws, timeoutMs: 1000, maxAttempts: 0 };
    const env = await discover(settings);
    expect(env.discovery.apiErrors).toEqual([
      { service: 'ec2', operation: 'DescribeSecurityGroups', code: 'UnauthorizedOperation' },
      { service: 'ec2', operation: 'DescribeSubnets', code: 'garbage' },
    ]);
  });

  it('a probe run in the AWS process brings its failed calls to the agent counter, bounded', async () => {
    const { value, errors } = await collectApiErrors(async () => {
      const settings = resolveSettings();
      settings.endpointUrl = 'http://127.0.0.1:9';
      settings.aws = { ...settings.aws, timeoutMs: 500, maxAttempts: 0 };
      const client = await makeCloudHsmClient({ settings, region: 'us-east-1' });
      const { DescribeClustersCommand } = await import('@aws-sdk/client-cloudhsm-v2');
      await client.send(new DescribeClustersCommand({})).catch(() => {});
      client.destroy();
      return 'ran';
    });
    expect(value).toBe('ran');
    expect(errors).toEqual([{ service: 'cloudhsmv2', operation: 'DescribeClusters', code: 'network' }]);
    const m = new AgentMetrics({ version: 't', probes: [], defaults: false });
    m.observeRun(
      {
        probe: 'x',
        startedAt: 0,
        durationMs: 1,
        result: 'ok',
        outcome: { findings: [], awsApiErrors: errors },
      },
      {} as never,
    );
    // An endpoint that is not AWS can send any code: past 50 distinct ones, they count as `other`.
    for (let i = 0; i < 60; i++) m.awsApiError('ec2', 'DescribeSubnets', `Odd${i}`);
    m.awsApiError('ec2', 'DescribeSubnets', 'not a code\n');
    const body = (await m.render('results', false)).body;
    expect(body).toContain(
      'cloudhsm_aws_api_errors_total{service="cloudhsmv2",operation="DescribeClusters",code="network"} 1',
    );
    expect(body).toContain(
      'cloudhsm_aws_api_errors_total{service="ec2",operation="DescribeSubnets",code="other"} 12',
    );
    expect(body.split('\n').filter((l) => l.startsWith('cloudhsm_aws_api_errors_total{')).length).toBe(51);
  });
});

describe('region and profile', () => {
  const home = mkdtempSync(join(tmpdir(), 'hsmwatch-profile-'));
  const configFile = join(home, 'config');
  const credentialsFile = join(home, 'credentials');
  writeFileSync(configFile, '[profile faultsuite]\nregion = eu-west-3\n');
  writeFileSync(
    credentialsFile,
    '[faultsuite]\naws_access_key_id = AKIAPROFILEFAULT0001\naws_secret_access_key = profile-secret-0000000000000000000000000\n',
  );

  it('takes the region from AWS_REGION, then the profile, then IMDS (as documented)', async () => {
    const imds = await imdsPeer({ tree: new Map([...imdsTree(), ['placement/region', 'ap-south-1']]) });
    peers.push(imds);
    const settings = resolveSettings();
    settings.imds = { endpoint: imds.url, disabled: false, timeoutMs: 500 };
    settings.hsmIps = ['127.0.80.50'];
    settings.profile = 'faultsuite';
    settings.endpointUrl = 'http://127.0.0.1:9';
    settings.aws = { ...settings.aws, timeoutMs: 300, maxAttempts: 0 };
    process.env.AWS_CONFIG_FILE = configFile;
    process.env.AWS_REGION = 'ca-central-1';
    expect((await discover(settings)).region).toBe('ca-central-1');
    delete process.env.AWS_REGION;
    expect((await discover(settings)).region).toBe('eu-west-3');
    settings.profile = undefined;
    expect((await discover(settings)).region).toBe('ap-south-1');
    process.env.AWS_REGION = 'us-east-1\u001b[2J';
    const bad = await discover(settings);
    expect(bad.region).toBeNull();
    expect(bad.findings.find((f) => f.id === 'discovery.region')).toMatchObject({
      status: 'warn',
      message: 'no AWS region: AWS_REGION has "us-east-1?[2J", which is not a region name: ignored',
    });
  });

  it('passes the profile to the SDK, never to process.env (a reload must not inherit it)', async () => {
    const seen: string[] = [];
    const aws = await awsPeer(({ operation }, req, res) => {
      seen.push(/Credential=([A-Z0-9]+)\//.exec(String(req.headers.authorization))?.[1] ?? '-');
      if (operation !== 'DescribeClusters') return false;
      res.writeHead(200, { 'content-type': 'application/x-amz-json-1.1' });
      res.end('{"Clusters": []}');
      return true;
    });
    peers.push(aws);
    delete process.env.AWS_ACCESS_KEY_ID;
    delete process.env.AWS_SECRET_ACCESS_KEY;
    delete process.env.AWS_PROFILE;
    delete process.env.AWS_REGION;
    process.env.AWS_CONFIG_FILE = configFile;
    process.env.AWS_SHARED_CREDENTIALS_FILE = credentialsFile;
    const settings = resolveSettings();
    settings.profile = 'faultsuite';
    settings.endpointUrl = aws.url;
    settings.imds = { ...settings.imds, disabled: true };
    const env = await discover(settings);
    expect(env.region).toBe('eu-west-3');
    expect(env.findings.find((f) => f.id === 'discovery.cloudhsm')?.status).toBe('pass');
    expect(seen).toEqual(['AKIAPROFILEFAULT0001']);
    expect(process.env.AWS_PROFILE).toBeUndefined();
  });
});
