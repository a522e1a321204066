// Fixtures of the in-process agent tests (scheduler, metrics): settings without jitter and an
// environment whose HSM addresses are given, as discovery with --hsm-ip reports them.
import { DEFAULTS, type Settings } from '../../src/config/settings.js';
import type { Environment } from '../../src/core/environment.js';
import { vpcEstate } from '../../src/discovery/vpc.js';
import { emptySnapshot } from '../../src/snapshot/format.js';

export function agentSettings(patch: Partial<Settings['agent']> = {}): Settings {
  const s = structuredClone(DEFAULTS);
  s.hsmIps = ['127.0.0.1'];
  s.agent = { ...s.agent, jitter: 0, ...patch };
  return s;
}

export function agentEnv(s: Settings, ips: string[]): Environment {
  const snapshot = emptySnapshot(new Date(), 'us-east-1', null);
  return {
    mode: 'live',
    settings: s,
    region: 'us-east-1',
    client: null,
    clusters: [],
    targets: ips.map((ip) => ({
      clusterId: 'cluster-a',
      hsmId: `hsm-${ip}`,
      eniId: null,
      ip,
      family: 4,
      az: null,
      subnetId: null,
      state: 'ACTIVE',
    })),
    vpc: vpcEstate(snapshot),
    snapshot,
    findings: [],
    discovery: { hsmsListed: s.hsmIps.length > 0, reads: {}, apiErrors: [] },
    credentials: undefined,
  };
}
