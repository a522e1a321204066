// The same scenarios over the wire: the real AWS SDK clients against the simulated CloudHSM and EC2
// APIs and IMDS on loopback. Nothing is connected to the (10.x) HSM addresses: the reachability
// probe is not run. `diagnose` must read back the scenario's snapshot and give `analyze`'s verdicts.
import { describe, expect, it } from 'vitest';
import { PROBES } from '../../probes/index.js';
import { analyzeSnapshot } from '../../src/diagnosis/analyze.js';
import { diagnose } from '../../src/diagnosis/diagnose.js';
import { DEMO_CREDENTIALS, startWorld } from '../../src/sim/world.js';
import { reportSchema } from '../support/report-contract.js';
import { netpathScenarios, staticSettings } from './support.js';

const EC2_KEYS = [
  'ec2:DescribeInstances',
  'ec2:DescribeNetworkInterfaces',
  'ec2:DescribeSecurityGroups',
  'ec2:DescribeSubnets',
  'ec2:DescribeNetworkAcls',
  'ec2:DescribeRouteTables',
  'ec2:DescribeVpcPeeringConnections',
  'ec2:GetManagedPrefixListEntries',
  'ec2:DescribeNatGateways',
  'ec2:DescribeTransitGateways',
  'ec2:DescribeTransitGatewayAttachments',
  'ec2:DescribeTransitGatewayVpcAttachments',
  'ec2:DescribeTransitGatewayRouteTables',
  'ec2:SearchTransitGatewayRoutes',
  'ec2:GetTransitGatewayRouteTableAssociations',
  'ec2:GetTransitGatewayRouteTablePropagations',
];

// Recorded source addresses (a pod's, a task's) need the kernel to pick them: in this host's namespace
// it picks its own, so source-over-the-wire.test.ts runs those scenarios in a private namespace.
const inProcess = netpathScenarios().filter(
  ({ scenario }) => !scenario.snapshot.client.sources && !scenario.snapshot.client.ecsTask,
);

describe('netpath scenarios: diagnose over the wire equals analyze', () => {
  for (const { file, scenario } of inProcess) {
    it(file, async () => {
      const world = await startWorld(scenario, { inPrivateNetns: false, hsmListeners: false });
      try {
        const settings = world.apply(staticSettings());
        const live = await diagnose(settings, PROBES, {
          credentials: DEMO_CREDENTIALS,
          beforeProbes: (env) => {
            env.ephemeralPorts = { from: 1024, to: 65535, source: 'test' };
          },
        });
        const offline = await analyzeSnapshot(scenario.snapshot, staticSettings(), PROBES);
        expect(live.report.paths.length).toBeGreaterThan(0);
        expect(live.report.paths).toEqual(offline.report.paths);
        reportSchema.parse(JSON.parse(JSON.stringify(live.report)));
        // What discovery stored is what the API holds (every page merged, SDK output shape).
        for (const key of EC2_KEYS)
          expect(live.env.snapshot.aws[key], key).toEqual(scenario.snapshot.aws[key]);
        expect(world.aws.unexpectedCalls).toEqual([]);
        const denied = scenario.sim?.faults ? Object.keys(scenario.sim.faults) : [];
        for (const op of denied) {
          const f = live.report.findings.find((x) => x.id === 'path.data');
          expect(f?.status).toBe('skip');
          expect(f?.evidence.missingActions).toContain(op);
          expect(f?.remediation).toContain(`grant ${op}`);
        }
      } finally {
        await world.stop();
      }
    });
  }
});
