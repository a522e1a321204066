// An Environment as plain JSON, for discovery run in another process (the agent's AWS process).
// The VPC's parsed facts hold lookups and BigInt ranges: they are rebuilt from the snapshot they came
// from. Settings are the receiver's own; credentials never cross.
import type { Settings } from '../config/settings.js';
import type { Environment } from '../core/environment.js';
import { vpcEstate } from './vpc.js';

export type WireEnvironment = Omit<Environment, 'vpc' | 'settings' | 'credentials'>;

export function environmentToWire(env: Environment): WireEnvironment {
  const { vpc: _v, settings: _s, credentials: _c, ...rest } = env;
  return rest;
}

export function environmentFromWire(w: WireEnvironment, settings: Settings): Environment {
  return { ...w, settings, credentials: undefined, vpc: vpcEstate(w.snapshot) };
}
