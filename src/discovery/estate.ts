// The estate an audit reads live: discovery with every interface of the cluster's VPC and of the
// VPCs that route to it (peered, or on a shared transit gateway), read-only.
import type { Settings } from '../config/settings.js';
import type { Finding } from '../model/index.js';
import type { Snapshot } from '../snapshot/format.js';
import type { DiscoverOptions } from './index.js';

export type EstateCapture =
  | { ok: true; snapshot: Snapshot; findings: Finding[] }
  | { ok: false; error: string };

export async function captureEstate(
  settings: Settings,
  // Everything discover() takes but `estate` (not Pick by name: one of those names is a probe id).
  o: Omit<DiscoverOptions, 'estate'> = {},
): Promise<EstateCapture> {
  const { discover } = await import('./index.js');
  const env = await discover(settings, { ...o, estate: true });
  if (!env.region) {
    return {
      ok: false,
      error: 'no AWS region: give --region (or AWS_REGION), or run on EC2 where IMDS tells it',
    };
  }
  return { ok: true, snapshot: env.snapshot, findings: env.findings };
}
