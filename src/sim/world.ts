// A whole simulated environment from a scenario: AWS APIs, IMDS and HSM listeners, all on loopback.
import { isIP } from 'node:net';
import { DEFAULT_PORTS } from '../config/ports.js';
import type { Settings } from '../config/settings.js';
import type { StaticCredentials } from '../model/index.js';
import type { RawCluster, RawHsm } from '../snapshot/format.js';
import { awsJsonProtocol, SimulatedAws } from './aws-server.js';
import { CLOUDHSM_OPERATIONS } from './cloudhsm-api.js';
import { EC2_OPERATIONS, ec2QueryProtocol } from './ec2-api.js';
import { SimulatedEcsTaskMetadata } from './ecs-task-server.js';
import { SimulatedHsms } from './hsm-listeners.js';
import { SimulatedImds } from './imds-server.js';
import type { Scenario } from './scenario.js';
import { stsOperations, stsQueryProtocol } from './sts-api.js';
import { applyTlsSettings, awsTls, hsmTls, startTlsExtras, withClusterCertificates } from './tls-world.js';

/** Obviously fake credentials: the simulation checks requests are signed, not by whom. */
export const DEMO_CREDENTIALS: StaticCredentials = {
  accessKeyId: 'AKIDSIMULATEDDEMO000',
  secretAccessKey: 'simulated-secret-not-a-real-key-000000000',
};

export interface World {
  aws: SimulatedAws;
  imds: SimulatedImds | undefined;
  ecsTask: SimulatedEcsTaskMetadata | undefined;
  hsms: SimulatedHsms;
  hsmAddresses: string[];
  /** Points settings at the simulation (endpoints, IMDS, region) whatever the user passed. */
  apply(settings: Settings): Settings;
  /**
   * Changes the world mid-run (e.g. an HSM replacement: a new ENI IP): the AWS API and IMDS answer
   * from the new snapshot, and HSM listeners follow its addresses (old ones stop, new ones start).
   */
  setSnapshot(snapshot: Scenario['snapshot']): Promise<void>;
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

export async function startWorld(
  scenario: Scenario,
  /** hsmListeners false: AWS APIs and IMDS only, for scenarios analysed but never probed (any addresses). */
  o: { inPrivateNetns: boolean; hsmListeners?: boolean },
): Promise<World> {
  const addresses = hsmAddresses(scenario);
  const foreign = addresses.filter((ip) => !isLoopback(ip));
  if (foreign.length > 0 && !o.inPrivateNetns && o.hsmListeners !== false) {
    // Probing them would send packets to a real network.
    throw new Error(
      `scenario "${scenario.name}" lists HSM addresses outside loopback (${foreign.join(', ')}); the simulation serves only 127.0.0.0/8 and ::1`,
    );
  }
  const ports = scenario.snapshot.ports ?? [...DEFAULT_PORTS];
  const closed = scenario.sim?.closedPorts ?? {};
  const aws = await startAws(scenario);
  const imds = scenario.sim?.imds?.absent
    ? undefined
    : await new SimulatedImds(scenario.snapshot, {
        ...(scenario.sim?.imds?.tokenBlocked ? { tokenBlocked: true } : {}),
      }).start();
  const ecsTask = scenario.sim?.ecsTask
    ? await new SimulatedEcsTaskMetadata(scenario.sim.ecsTask).start()
    : undefined;
  const hsms = new SimulatedHsms(hsmTls());
  const tlsExtras = await startTlsExtras(
    { interceptingProxy: scenario.sim?.interceptingProxy, clientSdk: scenario.sim?.clientSdk },
    addresses,
  );
  const world: World = {
    aws,
    imds,
    ecsTask,
    hsms,
    hsmAddresses: addresses,
    apply(settings) {
      const s = structuredClone(settings);
      s.endpointUrl = aws.tlsUrl; // HTTPS with the test PKI (aws.url serves the same over HTTP)
      s.endpoints = {};
      s.imds.endpoint = imds?.url ?? 'http://127.0.0.1:9';
      s.imds.disabled = false;
      // The task metadata endpoint only where the scenario has one: never this host's own.
      s.imds.ecsEndpoint = ecsTask?.url ?? null;
      s.region ??= scenario.snapshot.region ?? 'us-east-1';
      applyTlsSettings(s, tlsExtras);
      return s;
    },
    async setSnapshot(snapshot) {
      await switchSnapshot(world, { ...scenario, snapshot }, closed, o.inPrivateNetns);
    },
    async stop() {
      await Promise.all([aws.stop(), imds?.stop(), ecsTask?.stop(), hsms.stop(), tlsExtras.stop()]);
    },
  };
  try {
    await hsms.start(
      listeners(
        addresses.filter((ip) => o.hsmListeners !== false && (isLoopback(ip) || o.inPrivateNetns)),
        ports,
        closed,
      ),
    );
  } catch (e) {
    // Half a world would hold its ports; tear down what did start.
    await world.stop();
    throw e;
  }
  return world;
}

/** The AWS APIs (CloudHSM, EC2, STS), with the scenario's TLS, clock skew, faults and paging. */
function startAws(scenario: Scenario): Promise<SimulatedAws> {
  return new SimulatedAws({
    snapshot: withClusterCertificates(scenario.snapshot),
    operations: { ...CLOUDHSM_OPERATIONS, ...EC2_OPERATIONS, ...stsOperations(scenario.sim?.identity) },
    protocols: [awsJsonProtocol, stsQueryProtocol, ec2QueryProtocol],
    ...(awsTls(scenario.sim?.awsTls) ? { tls: awsTls(scenario.sim?.awsTls)! } : {}),
    ...(scenario.sim?.clockSkewSeconds ? { clockSkewMs: scenario.sim.clockSkewSeconds * 1000 } : {}),
    ...(scenario.sim?.faults ? { faults: scenario.sim.faults } : {}),
    ...(scenario.sim?.pageSize ? { pageSize: scenario.sim.pageSize } : {}),
  }).start();
}

/** Every HSM endpoint to listen on: each address on each port the scenario does not keep closed. */
function listeners(ips: readonly string[], ports: readonly number[], closed: Record<string, number[]>) {
  return ips.flatMap((ip) =>
    ports.filter((port) => !(closed[ip] ?? []).includes(port)).map((port) => ({ ip, port })),
  );
}

/** Moves a running world to `next`'s snapshot: listeners of gone addresses stop, new ones start. */
async function switchSnapshot(
  world: World,
  next: Scenario,
  closed: Record<string, number[]>,
  inPrivateNetns: boolean,
): Promise<void> {
  const { snapshot } = next;
  const nextAddresses = hsmAddresses(next);
  const foreignNext = nextAddresses.filter((ip) => !isLoopback(ip));
  if (foreignNext.length > 0 && !inPrivateNetns)
    throw new Error(`HSM addresses outside loopback (${foreignNext.join(', ')}) cannot be simulated here`);
  world.aws.snapshot = snapshot;
  world.imds?.setSnapshot(snapshot);
  for (const ip of world.hsmAddresses.filter((a) => !nextAddresses.includes(a))) await world.hsms.kill(ip);
  const added = nextAddresses.filter((a) => !world.hsmAddresses.includes(a));
  await world.hsms.start(listeners(added, snapshot.ports ?? [...DEFAULT_PORTS], closed));
  world.hsmAddresses = nextAddresses;
}
