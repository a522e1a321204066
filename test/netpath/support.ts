// Shared by the netpath tests: the scenario files and the settings they are analysed with.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { DEFAULTS } from '../../src/config/settings.js';
import { loadScenarioFile, type Scenario } from '../../src/sim/scenario.js';

export const NETPATH_DIR = join(import.meta.dirname, '../scenarios/netpath');

export interface NetpathExpect {
  paths: Array<{ eniIp: string; port: number; clientEni: string; verdict: string; components: string[] }>;
  ephemeralOverride?: { range: string; verdict: string };
  findings?: Record<string, string>;
}

export function netpathScenarios(): Array<{ file: string; scenario: Scenario; expect: NetpathExpect }> {
  return readdirSync(NETPATH_DIR)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => {
      const scenario = loadScenarioFile(join(NETPATH_DIR, f));
      return { file: f, scenario, expect: scenario.expect as unknown as NetpathExpect };
    });
}

/** Only the static probes: the scenario checks the evaluator, not the other probes. */
export const staticSettings = () => {
  const s = structuredClone(DEFAULTS);
  s.probes.only = ['network-path', 'path-correlation'];
  return s;
};
