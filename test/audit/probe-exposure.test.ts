// The exposure probe against the simulated AWS APIs on loopback, with the real @aws-sdk clients and
// the agent's real metrics registry: the counts it exports are the audit's, for a world whose classes
// follow from AWS's rules (test/audit/probe-world.ts); an audit that cannot read the estate exports
// no series (absent is unknown) and says why in a finding.
import { createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exposure, MAX_SOURCE_FINDINGS } from '../../probes/exposure.js';
import { FINDING_CATALOGUE, PROBES } from '../../probes/index.js';
import { AgentMetrics } from '../../src/agent/metrics.js';
import { auditSnapshot } from '../../src/audit/audit.js';
import { EXPOSURE_CLASSES } from '../../src/audit/types.js';
import { resolveSettings, type Settings } from '../../src/config/settings.js';
import type { ProbeRun } from '../../src/core/runner.js';
import { diagnose } from '../../src/diagnosis/diagnose.js';
import { captureEstate } from '../../src/discovery/estate.js';
import { startWorld, type World } from '../../src/sim/world.js';
import { READ_ONLY } from '../support/world.js';
import { CLUSTER, EXPECTED, exposureWorldScenario } from './probe-world.js';

/** A loopback port nothing listens on: connections to it are refused. */
async function closedPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const { port } = s.address() as { port: number };
  await new Promise((r) => s.close(r));
  return port;
}

/** The series of cloudhsm_exposure_sources in an exposition, as cluster → class → value. */
function exposureSeries(body: string): Record<string, Record<string, number>> {
  const out: Record<string, Record<string, number>> = {};
  for (const m of body.matchAll(/^cloudhsm_exposure_sources\{cluster="([^"]+)",class="([^"]+)"\} (\S+)$/gm))
    out[m[1]!] = { ...out[m[1]!], [m[2]!]: Number(m[3]) };
  return out;
}

describe('exposure probe, live against the simulated AWS APIs', () => {
  let world: World;
  let settings: Settings;
  const metrics = new AgentMetrics({ version: 'test', probes: PROBES, defaults: false });
  const scrape = async () => (await metrics.render('results', false)).body;
  /** The probe's run as the agent's AWS process hands it over: through JSON. */
  const probeRun = async (s: Settings) => {
    const d = await diagnose(s, PROBES);
    expect(d.runs.map((r) => r.probe)).toEqual(['exposure']);
    return { run: JSON.parse(JSON.stringify(d.runs[0])) as ProbeRun, env: d.env };
  };

  beforeAll(async () => {
    world = await startWorld(exposureWorldScenario(), { inPrivateNetns: false, hsmListeners: false });
    settings = world.apply(resolveSettings({ probes: { only: ['exposure'] } }));
  });
  afterAll(() => world?.stop());

  it('exports every class of the cluster, equal to the audit summary and to what AWS rules decide', async () => {
    world.aws.calls.length = 0;
    const { run, env } = await probeRun(settings);
    expect(run.result).toBe('ok');
    metrics.observeRun(run, env);
    const series = exposureSeries(await scrape());
    expect(Object.keys(series)).toEqual([CLUSTER]);
    // Every class, 0 included: absent would mean unknown.
    expect(Object.keys(series[CLUSTER]!).sort()).toEqual([...EXPOSURE_CLASSES].sort());
    expect(series[CLUSTER]).toEqual(EXPECTED);
    // The same counts as the audit of the same estate (`hsmwatch audit`'s summary).
    const captured = await captureEstate(settings);
    if (!captured.ok) throw new Error(captured.error);
    const audit = auditSnapshot(captured.snapshot, settings);
    expect(audit.exposure.clusters.map((c) => c.clusterId)).toEqual([CLUSTER]);
    expect(series[CLUSTER]).toEqual(audit.exposure.clusters[0]!.summary.classes);
    // The audit's findings, each from the closed catalogue; the two unintended sources warn.
    const findings = run.outcome.findings;
    for (const f of findings) expect(FINDING_CATALOGUE[f.id], f.id).toBeDefined();
    expect(
      findings.filter((f) => f.id === 'exposure.unintended-reachable').map((f) => [f.target, f.status]),
    ).toEqual([
      ['eni-0e0e0000000000002', 'warn'],
      ['eni-0e0e0000000000003', 'warn'],
    ]);
    expect(findings.filter((f) => f.id === 'exposure.intended-blocked')).toEqual([]);
    expect(findings.find((f) => f.id === 'exposure.audit' && f.target === CLUSTER)?.status).toBe('pass');
    expect(findings.find((f) => f.id === 'exposure.self-reference')?.status).toBe('pass');
    // Read-only, signed, every call one the simulation knows.
    expect(world.aws.calls.length).toBeGreaterThan(0);
    expect(world.aws.calls.every((c) => c.signed && READ_ONLY.test(c.operation))).toBe(true);
    expect(world.aws.calls.some((c) => c.operation === 'DescribeNetworkInterfaces')).toBe(true);
    expect(world.aws.unexpectedCalls).toEqual([]);
  });

  it('EC2 refusing connections: an error finding naming the cluster, and its series removed', async () => {
    // The counts of the previous test are there; a failed audit must not leave them (nor export 0).
    expect(Object.keys(exposureSeries(await scrape()))).toEqual([CLUSTER]);
    const refused = structuredClone(settings);
    refused.endpoints.ec2 = `http://127.0.0.1:${await closedPort()}`;
    refused.aws.maxAttempts = 1;
    const { run, env } = await probeRun(refused);
    expect(run.result).toBe('ok');
    const audit = run.outcome.findings.find((f) => f.id === 'exposure.audit' && f.target === CLUSTER);
    expect(audit?.status).toBe('error');
    expect(audit?.message).toMatch(
      /incomplete, no counts exported: EC2 did not answer .*DescribeNetworkInterfaces/,
    );
    metrics.observeRun(run, env);
    const body = await scrape();
    expect(exposureSeries(body)).toEqual({});
    // Declared still (HELP and TYPE), with no sample.
    expect(body).toContain('# TYPE cloudhsm_exposure_sources gauge');
    expect(body).not.toMatch(/^cloudhsm_exposure_sources\{/m);
  });

  it('no cluster to audit: an error when the requested one is not found, a skip with --hsm-ip; no series', async () => {
    const missing = structuredClone(settings);
    missing.clusterIds = ['cluster-nosuchcluster2'];
    const ips = structuredClone(settings);
    ips.hsmIps = ['127.0.0.1'];
    for (const [s, status, why] of [
      [missing, 'error', /cluster not found/],
      [ips, 'skip', /HSM addresses given with --hsm-ip/],
    ] as const) {
      const { run, env } = await probeRun(s);
      const f = run.outcome.findings.filter((x) => x.id === 'exposure.audit');
      expect(f.map((x) => [x.target, x.status])).toEqual([['exposure', status]]);
      expect(f[0]!.message).toMatch(why);
      metrics.observeRun(run, env);
      expect(exposureSeries(await scrape())).toEqual({});
    }
  });

  it('keeps at most MAX_SOURCE_FINDINGS per-source findings of each kind, and says how many it left out', async () => {
    const many = exposureWorldScenario();
    const enis = (many.snapshot.aws['ec2:DescribeNetworkInterfaces'] as { NetworkInterfaces: object[] })
      .NetworkInterfaces;
    // A rule admitting the whole client subnet (TCP 2223-2225 from 127.0.0.0/24), and 120 more
    // interfaces there in admin-hosts: each unintended and reachable.
    const groups = (
      many.snapshot.aws['ec2:DescribeSecurityGroups'] as { SecurityGroups: Array<Record<string, unknown>> }
    ).SecurityGroups;
    const clusterSg = groups.find((g) => g.GroupName === 'cloudhsm-cluster-hsmwatchdemo-sg')!;
    (clusterSg.IpPermissions as object[]).push({
      IpProtocol: 'tcp',
      FromPort: 2223,
      ToPort: 2225,
      IpRanges: [{ CidrIp: '127.0.0.0/24' }],
      Ipv6Ranges: [],
      PrefixListIds: [],
      UserIdGroupPairs: [],
    });
    for (let i = 0; i < MAX_SOURCE_FINDINGS + 20; i++) {
      const ip = `127.0.0.${100 + (i % 150)}`;
      enis.push({
        NetworkInterfaceId: `eni-0f0f${String(i).padStart(13, '0')}`,
        SubnetId: 'subnet-0c11e47000000001',
        VpcId: 'vpc-0d3m0d3m0d3m00001',
        PrivateIpAddress: ip,
        PrivateIpAddresses: [{ PrivateIpAddress: ip, Primary: true }],
        Groups: [{ GroupId: 'sg-0adm1n000000000001', GroupName: 'admin-hosts' }],
        Status: 'in-use',
        InterfaceType: 'interface',
      });
    }
    const big = await startWorld(many, { inPrivateNetns: false, hsmListeners: false });
    try {
      const { run } = await probeRun(big.apply(resolveSettings({ probes: { only: ['exposure'] } })));
      const reach = run.outcome.findings.filter((f) => f.id === 'exposure.unintended-reachable');
      expect(reach).toHaveLength(MAX_SOURCE_FINDINGS);
      const summary = run.outcome.findings.find((f) => f.id === 'exposure.audit' && f.target === 'exposure');
      // 120 new sources + 127.0.0.50, .60 and .70 (now all admitted by the /24): 123 unintended.
      expect(summary?.evidence.leftOut).toBe(123 - MAX_SOURCE_FINDINGS);
      const cluster = run.outcome.findings.find((f) => f.id === 'exposure.audit' && f.target === CLUSTER);
      expect(cluster?.evidence.classes).toMatchObject({ 'unintended-reachable': 123 });
    } finally {
      await big.stop();
    }
  });

  it('is off by default, hourly, isolated in the AWS process, with a bounded deadline', () => {
    expect(exposure.optIn).toBe(true);
    expect(exposure.usesAwsSdk).toBe(true);
    expect(exposure.defaultIntervalMs).toBe(3_600_000);
    const ms = exposure.deadlineMs(settings, {} as never);
    // Long enough for the estate's capped reads (15 min), and bounded.
    expect(ms).toBeGreaterThan(15 * 60_000);
    expect(ms).toBeLessThan(20 * 60_000);
  });
});
