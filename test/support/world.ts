// Test helper: a simulated world from a built-in scenario, changed as the test needs, always stopped.
import type { Settings } from '../../src/config/settings.js';
import { DEFAULTS, resolveSettings } from '../../src/config/settings.js';
import { loadScenario, type Scenario } from '../../src/sim/scenario.js';
import { startWorld, type World } from '../../src/sim/world.js';

export async function withWorld<T>(
  change: (s: Scenario) => void,
  fn: (world: World, settings: Settings) => Promise<T>,
  settingsChange: (s: Settings) => void = () => {},
): Promise<T> {
  const scenario = structuredClone(loadScenario('healthy'));
  change(scenario);
  const world = await startWorld(scenario, { inPrivateNetns: false });
  try {
    const settings = world.apply(resolveSettings());
    settings.timeoutMs = 1000;
    settingsChange(settings);
    return await fn(world, settings);
  } finally {
    await world.stop();
  }
}

type RawCluster = Record<string, unknown> & { Hsms: Array<Record<string, unknown>> };

export function clustersOf(s: Scenario): RawCluster[] {
  return (s.snapshot.aws['cloudhsmv2:DescribeClusters'] as { Clusters: RawCluster[] }).Clusters;
}

/** Read operations only: what hsmwatch may ever call. */
export const READ_ONLY = /^(Describe|Get|List|Search)[A-Za-z]+$/;

/** The config keys that point hsmwatch at a simulated world (as `demo` does), for a config file. */
export function worldConfig(world: World): Record<string, unknown> {
  const s = world.apply(structuredClone(DEFAULTS));
  return {
    endpointUrl: s.endpointUrl,
    imds: { endpoint: s.imds.endpoint },
    region: s.region,
    ...(s.caBundle ? { caBundle: s.caBundle } : {}),
    ...(s.proxy ? { proxy: s.proxy, noProxy: s.noProxy ?? '' } : {}),
    ...(s.tls.awsRoots.length ? { tls: { awsRoots: s.tls.awsRoots } } : {}),
    hsm: { trustAnchor: s.hsm.trustAnchor },
    clientSdk: { configDir: s.clientSdk.configDir },
  };
}
