// Transit gateway semantics beyond the scenarios: snapshots without the transit gateway answers,
// route evaluation ties, unread options, the raw-XML recovery of SecurityGroupReferencingSupport, and
// live discovery against the simulated EC2 API (filters, a denied read, no calls when no route names
// a transit gateway).
import { describe, expect, it } from 'vitest';
import { PROBES } from '../../probes/index.js';
import { analyzeSnapshot } from '../../src/diagnosis/analyze.js';
import { diagnose } from '../../src/diagnosis/diagnose.js';
import { referencingByItem, xmlTree } from '../../src/discovery/transit-raw.js';
import { toEc2Xml } from '../../src/sim/ec2-api.js';
import type { Scenario } from '../../src/sim/scenario.js';
import { DEMO_CREDENTIALS, startWorld } from '../../src/sim/world.js';
import { netpathScenarios, staticSettings } from './support.js';

const scenario = (name: string): Scenario =>
  structuredClone(netpathScenarios().find((s) => s.file === `${name}.json`)!.scenario);
// biome-ignore lint/suspicious/noExplicitAny: the tests reach deep into the scenario's JSON answers.
type Aws = Record<string, any>;
const aws = (s: Scenario) => s.snapshot.aws as Aws;

async function paths(s: Scenario) {
  const d = await analyzeSnapshot(s.snapshot, staticSettings(), PROBES);
  return d.report.paths.map((p) => ({
    verdict: p.static?.verdict,
    blockedBy: p.static?.blockedBy.map((b) => `${b.component}: ${b.detail}`) ?? [],
  }));
}

describe('transit gateway evaluation', () => {
  it('a snapshot taken before the transit gateway reads stays undecided on both directions', async () => {
    const s = scenario('np-tgw-reachable');
    for (const k of Object.keys(aws(s))) if (/TransitGateway/.test(k)) delete aws(s)[k];
    for (const p of await paths(s)) {
      expect(p.verdict).toBe('unknown');
      expect(p.blockedBy).toHaveLength(2);
      for (const b of p.blockedBy) expect(b).toMatch(/DescribeTransitGatewayVpcAttachments \(IAM action/);
    }
  });

  it('an unread route table list names the call, the IAM action and the owner account', async () => {
    const s = scenario('np-tgw-reachable');
    delete aws(s)['ec2:DescribeTransitGatewayRouteTables'];
    delete aws(s)['ec2:SearchTransitGatewayRoutes'];
    for (const p of await paths(s)) {
      expect(p.verdict).toBe('unknown');
      expect(p.blockedBy.join('\n')).toMatch(
        /DescribeTransitGatewayRouteTables \(IAM action ec2:DescribeTransitGatewayRouteTables\) is not in the snapshot.*SearchTransitGatewayRoutes \(IAM action ec2:SearchTransitGatewayRoutes\) run with the credentials of account 111122223333/,
      );
    }
  });

  it('equally specific routes of the same priority to different attachments are undecided (ECMP)', async () => {
    const s = scenario('np-tgw-reachable');
    const routes = aws(s)['ec2:SearchTransitGatewayRoutes']['tgw-rtb-0aaaaaaaaaaaaaaa1'].Routes;
    routes.push({
      ...routes[0],
      TransitGatewayAttachments: [
        {
          ResourceId: 'vpc-0e0e0e0e0e0e0e0e0',
          TransitGatewayAttachmentId: 'tgw-attach-0e0e',
          ResourceType: 'vpc',
        },
      ],
    });
    for (const p of await paths(s)) {
      expect(p.verdict).toBe('unknown');
      expect(p.blockedBy.join()).toMatch(/equally specific routes/);
    }
  });

  it('a route table not associated with the entry attachment is not used for it', async () => {
    // The cluster attachment's table is one that holds nothing: the return is dropped.
    const s = scenario('np-tgw-no-return');
    expect((await paths(s)).map((p) => p.verdict)).toEqual(Array(6).fill('blocked'));
  });

  it('a referencing option missing from the answers leaves the reference undecided, never assumed', async () => {
    const s = scenario('np-tgw-sg-ref');
    delete aws(s)['ec2:DescribeTransitGateways'].TransitGateways[0].Options.SecurityGroupReferencingSupport;
    for (const p of await paths(s)) {
      expect(p.verdict).toBe('unknown');
      expect(p.blockedBy.join()).toMatch(
        /hsm-sg-ingress: .*whether SecurityGroupReferencingSupport is enabled on tgw-/,
      );
    }
  });

  it('an attachment that is not available is not assumed to forward', async () => {
    const s = scenario('np-tgw-reachable');
    aws(s)['ec2:DescribeTransitGatewayVpcAttachments'].TransitGatewayVpcAttachments[0].State =
      'pendingAcceptance';
    for (const p of await paths(s)) expect(p.blockedBy.join()).toMatch(/is pendingAcceptance/);
  });
});

describe('SecurityGroupReferencingSupport from the raw EC2 XML', () => {
  const body = (items: Array<Record<string, unknown>>) =>
    `<?xml version="1.0" encoding="UTF-8"?>\n<DescribeTransitGatewaysResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/"><requestId>r</requestId>${toEc2Xml({ TransitGateways: items }, 'DescribeTransitGatewaysResult')}</DescribeTransitGatewaysResponse>`;

  it('reads the element per item, as the simulator (and EC2) write it', () => {
    const xml = body([
      {
        TransitGatewayId: 'tgw-1',
        Options: { DnsSupport: 'enable', SecurityGroupReferencingSupport: 'enable' },
      },
      { TransitGatewayId: 'tgw-2', Options: { SecurityGroupReferencingSupport: 'disable' } },
      { TransitGatewayId: 'tgw-3', Options: { DnsSupport: 'enable' } },
    ]);
    expect(xml).toContain('<securityGroupReferencingSupport>enable</securityGroupReferencingSupport>');
    const found = referencingByItem(xml, 'transitGatewaySet', 'transitGatewayId');
    expect([...found]).toEqual([
      ['tgw-1', 'enable'],
      ['tgw-2', 'disable'],
    ]);
  });

  it('decodes entities and rejects a document that is not well formed', () => {
    expect(xmlTree('<a><b>x &amp; y</b><c/></a>')?.children.map((c) => [c.name, c.text])).toEqual([
      ['b', 'x & y'],
      ['c', ''],
    ]);
    expect(xmlTree('<a><b></a>')).toBeNull();
    expect(referencingByItem('not xml', 'transitGatewaySet', 'transitGatewayId').size).toBe(0);
  });
});

describe('transit gateway discovery over the wire', () => {
  async function live(s: Scenario) {
    const world = await startWorld(s, { inPrivateNetns: false, hsmListeners: false });
    try {
      const d = await diagnose(world.apply(staticSettings()), PROBES, { credentials: DEMO_CREDENTIALS });
      return { d, calls: world.aws.calls };
    } finally {
      await world.stop();
    }
  }
  const filters = (params: Record<string, unknown>) =>
    Object.fromEntries(
      ((params.Filter as Array<{ Name: string; Value: string[] }>) ?? []).map((f) => [f.Name, f.Value]),
    );

  it('reads only the gateways and VPCs on the path, always filtered', async () => {
    const { calls } = await live(scenario('np-tgw-reachable'));
    const byOp = (op: string) => calls.filter((c) => c.operation === op);
    expect(filters(byOp('DescribeTransitGateways')[0]!.params)).toEqual({
      'transit-gateway-id': ['tgw-0123456789abcdef0'],
    });
    expect(filters(byOp('DescribeTransitGatewayVpcAttachments')[0]!.params)).toEqual({
      'transit-gateway-id': ['tgw-0123456789abcdef0'],
      'vpc-id': expect.arrayContaining(['vpc-0a0a0a0a0a0a0a0a0', 'vpc-0b0b0b0b0b0b0b0b0']),
    });
    const search = byOp('SearchTransitGatewayRoutes');
    expect(search).toHaveLength(1);
    expect(search[0]!.params.MaxResults).toBe('1000');
    expect(filters(search[0]!.params)).toEqual({ state: ['active', 'blackhole'] });
  });

  it('asks nothing of transit gateways when no route names one', async () => {
    const { calls } = await live(scenario('np-healthy'));
    expect(calls.filter((c) => /TransitGateway/.test(c.operation))).toEqual([]);
  });

  it('a denied SearchTransitGatewayRoutes is a skip naming the action, and the path is undecided', async () => {
    const s = scenario('np-tgw-reachable');
    s.sim = { faults: { 'ec2:SearchTransitGatewayRoutes': { code: 'UnauthorizedOperation', status: 403 } } };
    const { d } = await live(s);
    const skip = d.report.findings.find(
      (f) => f.id === 'discovery.ec2' && f.target === 'ec2:SearchTransitGatewayRoutes',
    );
    expect(skip?.status).toBe('skip');
    expect(skip?.evidence.missingAction).toBe('ec2:SearchTransitGatewayRoutes');
    expect(d.env.snapshot.aws['ec2:SearchTransitGatewayRoutes']).toBeUndefined();
    for (const p of d.report.paths) {
      expect(p.static?.verdict).toBe('unknown');
      expect(p.static?.blockedBy.map((b) => b.detail).join()).toMatch(
        /its SearchTransitGatewayRoutes \(IAM action ec2:SearchTransitGatewayRoutes\) answer is not in the snapshot.*account 111122223333/,
      );
    }
  });
});
