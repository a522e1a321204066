// `hsmwatch audit` live: the real CLI parser and @aws-sdk/client-ec2 against the simulated EC2 and
// CloudHSM APIs on loopback, no IMDS (the region from --region). Which VPCs are in scope follows
// AWS's routing rules: a VPC peering connection routes only once active ("pending-acceptance: …
// the connection is not yet active", https://docs.aws.amazon.com/vpc/latest/peering/vpc-peering-basics.html#vpc-peering-lifecycle),
// a transit gateway routes between the VPCs attached to it ("A transit gateway acts as a Regional
// virtual router for traffic flowing between your virtual private clouds (VPCs)",
// https://docs.aws.amazon.com/vpc/latest/tgw/how-transit-gateways-work.html), so a VPC on another
// transit gateway is not reached through it.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { iamPolicy, OPERATIONS } from '../../src/aws/operations.js';
import { DEFAULTS } from '../../src/config/settings.js';
import type { AwsFault, SimCall } from '../../src/sim/aws-server.js';
import { startWorld, type World } from '../../src/sim/world.js';
import { READ_ONLY } from '../support/world.js';
import { estateScenario, VPC } from './live-estate.js';

const PER_VPC = 12;
const PAGE = 5;

async function hsmwatch(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const { buildCli } = await import('../../src/cli/parser.js');
  const out = { stdout: '', stderr: '' };
  const stream = (k: 'stdout' | 'stderr') => {
    const s = new PassThrough();
    s.on('data', (d) => {
      out[k] += d;
    });
    return s as unknown as NodeJS.WriteStream;
  };
  let code = 0;
  await buildCli(args, { stdout: stream('stdout'), stderr: stream('stderr') }, (c) => {
    code = c;
  }).parseAsync();
  await new Promise((r) => setImmediate(r));
  return { code, ...out };
}

const live = (world: World, ...more: string[]) => [
  '--region',
  'us-east-1',
  '--endpoint-url',
  world.aws.url,
  ...more,
];
const eniCalls = (world: World): SimCall[] =>
  world.aws.calls.filter((c) => c.operation === 'DescribeNetworkInterfaces');
const filterNames = (c: SimCall) =>
  ((c.params.Filter as Array<{ Name?: string }> | undefined) ?? []).map((f) => f.Name);
type Exposure = {
  clusters: Array<{ vpcs: string[]; sources: Array<{ eniId: string; vpcId: string; verdict: string }> }>;
};

describe('hsmwatch audit, live', () => {
  let world: World;
  beforeAll(async () => {
    const scenario = estateScenario(PER_VPC, { pageSize: { 'ec2:DescribeNetworkInterfaces': PAGE } });
    world = await startWorld(scenario, { inPrivateNetns: false, hsmListeners: false });
  });
  afterAll(() => world?.stop());

  it('reads every interface of the VPCs that route to the cluster, by vpc-id, every page', async () => {
    world.aws.calls.length = 0;
    const r = await hsmwatch(['audit', ...live(world, '--output', 'json')]);
    expect(r.stderr).not.toMatch(/error/i);
    const report = JSON.parse(r.stdout) as { exposure: Exposure };
    const [cluster] = report.exposure.clusters;
    const inScope = [VPC.cluster, VPC.transit, VPC.peered].sort();
    expect(cluster!.vpcs).toEqual(inScope);
    const byVpc = (v: string) => cluster!.sources.filter((s) => s.vpcId === v);
    // Every interface of the three VPCs (B also holds np-tgw-reachable's client), none of U's.
    expect(byVpc(VPC.cluster)).toHaveLength(PER_VPC);
    expect(byVpc(VPC.transit)).toHaveLength(PER_VPC + 1);
    expect(byVpc(VPC.peered)).toHaveLength(PER_VPC);
    expect(byVpc(VPC.unrelated)).toEqual([]);
    // Verdicts as AWS decides them: A's clients have no rule in the cluster SG (security groups deny
    // what no rule allows, https://docs.aws.amazon.com/vpc/latest/userguide/vpc-security-groups.html);
    // B's come through the transit gateway, P's over the active peering, both admitted by CIDR.
    expect(new Set(byVpc(VPC.cluster).map((s) => s.verdict))).toEqual(new Set(['blocked']));
    expect(new Set(byVpc(VPC.transit).map((s) => s.verdict))).toEqual(new Set(['reachable']));
    expect(new Set(byVpc(VPC.peered).map((s) => s.verdict))).toEqual(new Set(['reachable']));

    const calls = eniCalls(world);
    // Never unfiltered, never wider than the VPCs in scope; paged with MaxResults 1000.
    for (const c of calls) expect(filterNames(c)).toContain('vpc-id');
    const estate = calls.filter((c) => c.params.MaxResults === '1000');
    const vpcFilter = (c: SimCall) =>
      (c.params.Filter as Array<{ Name: string; Value: string[] }>).find((f) => f.Name === 'vpc-id')!.Value;
    for (const c of estate) expect([...vpcFilter(c)].sort()).toEqual(inScope);
    const interfaces = 3 * PER_VPC + 3; // + B's client + the two HSM ENIs
    expect(estate.filter((c) => c.status === 200)).toHaveLength(Math.ceil(interfaces / PAGE));
    expect(world.aws.calls.every((c) => c.signed && READ_ONLY.test(c.operation))).toBe(true);
    expect(world.aws.unexpectedCalls).toEqual([]);
  });

  it('snapshot --estate, then audit --snapshot: the same exposure as live', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'hsmwatch-estate-')), 'estate.json');
    const snap = await hsmwatch(['snapshot', '--estate', '--out', file, ...live(world)]);
    expect(snap.code).toBe(0);
    const written = JSON.parse(readFileSync(file, 'utf8'));
    expect(written.estate).toEqual({ vpcIds: [VPC.cluster, VPC.transit, VPC.peered].sort() });
    const stored = written.aws['ec2:DescribeNetworkInterfaces'].NetworkInterfaces as Array<{ VpcId: string }>;
    expect(stored.filter((e) => e.VpcId === VPC.unrelated)).toEqual([]);
    expect(stored).toHaveLength(3 * PER_VPC + 3);
    const offline = await hsmwatch(['audit', '--snapshot', file, '--output', 'json']);
    const online = await hsmwatch(['audit', ...live(world, '--output', 'json')]);
    const exposure = (r: { stdout: string }) => (JSON.parse(r.stdout) as { exposure: Exposure }).exposure;
    expect(exposure(offline)).toEqual(exposure(online));
    expect(exposure(offline).clusters[0]!.sources.length).toBe(3 * PER_VPC + 1);
    const findings = (r: { stdout: string }) =>
      (JSON.parse(r.stdout) as { findings: Array<{ id: string; status: string }> }).findings.map(
        (f) => `${f.id}:${f.status}`,
      );
    expect(findings(offline)).toEqual(findings(online));
    // The scope is said to be complete: every interface of those VPCs was read.
    expect(findings(offline)).toContain('exposure.scope:pass');
    expect(offline.code).toBe(online.code);
  });
});

// EC2 throttles with RequestLimitExceeded, HTTP 503, and asks clients to retry with exponential
// backoff (https://docs.aws.amazon.com/ec2/latest/devguide/ec2-api-throttling.html).
describe('hsmwatch audit, live, throttled', () => {
  const throttledAudit = async (fault: AwsFault) => {
    const scenario = estateScenario(PER_VPC, {
      pageSize: { 'ec2:DescribeNetworkInterfaces': PAGE },
      faults: { 'ec2:DescribeNetworkInterfaces': fault },
    });
    const world = await startWorld(scenario, { inPrivateNetns: false, hsmListeners: false });
    try {
      const r = await hsmwatch(['audit', ...live(world, '--output', 'json')]);
      const report = JSON.parse(r.stdout) as {
        exposure: Exposure;
        findings: Array<{ id: string; status: string }>;
      };
      return {
        report,
        findings: report.findings.map((f) => `${f.id}:${f.status}`),
        throttled: eniCalls(world).filter((c) => c.status === 503).length,
      };
    } finally {
      await world.stop();
    }
  };

  it('more throttles in a row than aws.maxAttempts allows other errors: still the whole estate', async () => {
    // The SDK's stock strategy makes aws.maxAttempts + 1 attempts (3 + 1): this is one more throttle.
    const times = DEFAULTS.aws.maxAttempts + 1;
    const r = await throttledAudit({ code: 'RequestLimitExceeded', status: 503, times });
    expect(r.throttled).toBe(times);
    expect(r.report.exposure.clusters[0]!.sources).toHaveLength(3 * PER_VPC + 1);
    expect(r.findings).toContain('exposure.scope:pass');
  });

  it('a throttle on every other page: every page still read, once', async () => {
    const r = await throttledAudit({ code: 'Throttling', status: 503, every: 2, times: 5 });
    expect(r.throttled).toBe(5);
    const ids = r.report.exposure.clusters[0]!.sources.map((s) => s.eniId);
    expect(ids).toHaveLength(3 * PER_VPC + 1);
    expect(new Set(ids).size).toBe(ids.length);
    expect(r.findings).toContain('exposure.scope:pass');
  });
});

describe('hsmwatch iam-policy --audit', () => {
  it('holds only read actions, and every action the estate reads call', async () => {
    const r = await hsmwatch(['iam-policy', '--audit']);
    expect(r.code).toBe(0);
    const policy = JSON.parse(r.stdout);
    expect(policy).toEqual(iamPolicy({ audit: true }));
    const actions: string[] = policy.Statement.flatMap((s: { Action: string[] }) => s.Action);
    for (const a of actions) expect(a).toMatch(/^(cloudhsm|ec2):(Describe|Get|List|Search)[A-Za-z]+$/);
    // What a live audit of the estate actually called, each by its IAM action.
    const scenario = estateScenario(2);
    const world = await startWorld(scenario, { inPrivateNetns: false, hsmListeners: false });
    try {
      await hsmwatch(['audit', ...live(world)]);
      const called = new Set(
        world.aws.calls.map(
          (c) => OPERATIONS.find((o) => o.name === c.operation && o.service === c.service)?.action,
        ),
      );
      expect(called.has(undefined)).toBe(false);
      expect([...called].filter((a) => !actions.includes(a!))).toEqual([]);
      for (const a of [
        'cloudhsm:DescribeClusters',
        'ec2:DescribeNetworkInterfaces',
        'ec2:DescribeTransitGatewayVpcAttachments',
        'ec2:DescribeVpcPeeringConnections',
      ])
        expect(called.has(a)).toBe(true);
    } finally {
      await world.stop();
    }
    // The identity check is not the audit's.
    expect(actions).not.toContain('sts:GetCallerIdentity');
    // Plain iam-policy is unchanged: every operation.
    const plain = JSON.parse((await hsmwatch(['iam-policy'])).stdout);
    expect(plain).toEqual(iamPolicy());
  });
});
