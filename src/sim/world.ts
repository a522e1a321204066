// A whole simulated environment from a scenario: AWS APIs, IMDS and HSM listeners, all on loopback.
import { isIP } from 'node:net';
import type { StaticCredentials } from '../aws/clients.js';
import type { Settings } from '../config.js';
import { DEFAULT_PORTS } from '../ports.js';
import type { RawCluster, RawHsm } from '../snapshot.js';
import { awsJsonProtocol, SimulatedAws } from './aws-server.js';
import { CLOUDHSM_OPERATIONS } from './cloudhsm-api.js';
import { SimulatedHsms } from './hsm-listeners.js';
import { SimulatedImds } from './imds-server.js';
import type { Scenario } from './scenario.js';

/** Obviously fake credentials: the simulation checks requests are signed, not by whom. */
export const DEMO_CREDENTIALS: StaticCredentials = {
  accessKeyId: 'AKIDSIMULATEDDEMO000',
  secretAccessKey: 'simulated-secret-not-a-real-key-000000000',
};

export interface World {
  aws: SimulatedAws;
  imds: SimulatedImds | undefined;
  hsms: SimulatedHsms;
  hsmAddresses: string[];
  /** Points settings at the simulation (endpoints, IMDS, region) whatever the user passed. */
  apply(settings: Settings): Settings;
  stop(): Promise<void>;
}

export function hsmAddresses(scenario: Scenario): string[] {
  const clusters =
    (scenario.snapshot.aws['cloudhsmv2:DescribeClusters'] as { Clusters?: RawCluster[] } | undefined)
      ?.Clusters ?? [];
  return clusters
    .flatMap((c) => (Array.isArray(c.Hsms) ? (c.Hsms as RawHsm[]) : []))
    .flatMap((h) => [h.EniIp, h.EniIpV6])
    .filter((ip): ip is string => typeof ip === 'string' && isIP(ip) !== 0);
}

export const isLoopback = (ip: string) => (isIP(ip) === 4 ? ip.startsWith('127.') : ip === '::1');

export async function startWorld(scenario: Scenario, o: { inPrivateNetns: boolean }): Promise<World> {
  const addresses = hsmAddresses(scenario);
  const foreign = addresses.filter((ip) => !isLoopback(ip));
  if (foreign.length > 0 && !o.inPrivateNetns) {
    // Probing them would send packets to a real network.
    throw new Error(
      `scenario "${scenario.name}" lists HSM addresses outside loopback (${foreign.join(', ')}); the simulation serves only 127.0.0.0/8 and ::1`,
    );
  }
  const ports = scenario.snapshot.ports ?? [...DEFAULT_PORTS];
  const closed = scenario.sim?.closedPorts ?? {};
  const aws = await new SimulatedAws({
    snapshot: scenario.snapshot,
    operations: { ...CLOUDHSM_OPERATIONS },
    protocols: [awsJsonProtocol],
    ...(scenario.sim?.faults ? { faults: scenario.sim.faults } : {}),
    ...(scenario.sim?.pageSize ? { pageSize: scenario.sim.pageSize } : {}),
  }).start();
  const imds = scenario.sim?.imds?.absent
    ? undefined
    : await new SimulatedImds(scenario.snapshot, {
        ...(scenario.sim?.imds?.tokenBlocked ? { tokenBlocked: true } : {}),
      }).start();
  const hsms = new SimulatedHsms();
  const world: World = {
    aws,
    imds,
    hsms,
    hsmAddresses: addresses,
    apply(settings) {
      const s = structuredClone(settings);
      s.endpointUrl = aws.url;
      s.endpoints = {};
      s.imds.endpoint = imds?.url ?? 'http://127.0.0.1:9';
      s.imds.disabled = false;
      s.region ??= scenario.snapshot.region ?? 'us-east-1';
      return s;
    },
    async stop() {
      await Promise.all([aws.stop(), imds?.stop(), hsms.stop()]);
    },
  };
  try {
    await hsms.start(
      addresses
        .filter((ip) => isLoopback(ip) || o.inPrivateNetns)
        .flatMap((ip) =>
          ports.filter((port) => !(closed[ip] ?? []).includes(port)).map((port) => ({ ip, port })),
        ),
    );
  } catch (e) {
    await world.stop();
    throw e;
  }
  return world;
}
