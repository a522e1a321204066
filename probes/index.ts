// The one list of probes. Adding a probe = adding its file and one line here.
import { ENGINE_FINDINGS } from '../src/core/findings.js';
import type { ProbeDefinition } from '../src/core/probe.js';
import { clientConfig } from './client-config.js';
import { clockSkew } from './clock-skew.js';
import { credentials } from './credentials.js';
import { exposure } from './exposure.js';
import { hsmReachability } from './hsm-reachability.js';
import { hsmTls } from './hsm-tls.js';
import { networkPath } from './network-path.js';
import { pathCorrelation } from './path-correlation.js';
import { permissions } from './permissions.js';
import { tlsEndpoints } from './tls-endpoints/index.js';

export const PROBES: readonly ProbeDefinition[] = [
  hsmReachability,
  networkPath,
  pathCorrelation,
  tlsEndpoints,
  clockSkew,
  credentials,
  hsmTls,
  clientConfig,
  permissions,
  exposure,
];

/** The closed catalogue of finding ids: the engine's and every probe's. */
export const FINDING_CATALOGUE: Readonly<Record<string, { summary: string; probe: string }>> = (() => {
  const all: Record<string, { summary: string; probe: string }> = {};
  const add = (id: string, summary: string, probe: string) => {
    if (all[id]) throw new Error(`finding id ${id} declared twice (${all[id].probe}, ${probe})`);
    all[id] = { summary, probe };
  };
  for (const [id, spec] of Object.entries(ENGINE_FINDINGS)) add(id, spec.summary, 'engine');
  for (const p of PROBES)
    for (const [id, spec] of Object.entries(p.findings)) add(id, (spec as { summary: string }).summary, p.id);
  // Findings the engine declares that a probe passes on (an audit's): the engine's, once.
  for (const p of PROBES)
    for (const [id, spec] of Object.entries(p.passesOn ?? {})) {
      if (all[id] && all[id].probe !== 'engine')
        throw new Error(`finding id ${id} passed on by ${p.id} is declared by ${all[id].probe}`);
      if (!all[id]) add(id, (spec as { summary: string }).summary, 'engine');
    }
  return all;
})();
