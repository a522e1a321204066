// Pure: IMDS answers (text, or null for a path IMDS does not have) → the instance and its ENIs.
// Every value is checked against the shape AWS gives it before anything uses it: a region that is
// not a region name would go into every AWS request's host and signature, an address that is not
// one into the path checks, escape bytes into the operator's terminal. Never throws.
import { isIP } from 'node:net';
import { isRegionName } from '../aws/endpoints.js';
import { foreignText } from '../aws/foreign.js';
import type { ClientEni } from '../model/index.js';

/** An answer: its text, or null when the path is not there (404). */
export type ImdsAnswer = string | null;

export interface IdentityAnswers {
  instanceId: ImdsAnswer;
  availabilityZone: ImdsAnswer;
  region: ImdsAnswer;
  macs: ImdsAnswer;
}

export type Identity =
  | {
      ok: true;
      instanceId: string;
      availabilityZone: string | null;
      region: string | null;
      macs: string[];
      /** Values IMDS answered that are not what AWS answers there, each dropped (sanitised). */
      problems: string[];
    }
  | { ok: false; problem: string };

/** The ENI fields read per interface, by IMDS path under network/interfaces/macs/<mac>/. */
export const ENI_PATHS = {
  interfaceId: 'interface-id',
  deviceNumber: 'device-number',
  subnetId: 'subnet-id',
  vpcId: 'vpc-id',
  securityGroupIds: 'security-group-ids',
  localIpv4s: 'local-ipv4s',
  ipv6s: 'ipv6s',
} as const;

export type EniAnswers = Record<keyof typeof ENI_PATHS, ImdsAnswer>;

// Instance and resource ids: a prefix and 8 or 17 hex digits on AWS (the simulator's ids use other
// lower-case letters too); anything else is not an id.
const id = (prefix: string) => new RegExp(`^${prefix}-[0-9a-z]{8,17}$`);
const INSTANCE_ID = id('i');
const ENI_ID = id('eni');
const SUBNET_ID = id('subnet');
const VPC_ID = id('vpc');
const SG_ID = id('sg');
// An AZ is its region plus a letter; local and Wavelength zones add more parts (us-west-2-lax-1a).
const AZ = /^[a-z]{2}(-[a-z0-9]+){2,6}$/;
const MAC = /^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/i;

/** How a rejected value is named in a message: quoted, control characters shown as `?`, short. */
export const shown = (v: string) => `"${foreignText(v, 40)}"`;

const lines = (s: ImdsAnswer) =>
  (s ?? '')
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);

export function parseIdentity(a: IdentityAnswers): Identity {
  const instanceId = (a.instanceId ?? '').trim();
  if (!INSTANCE_ID.test(instanceId))
    return { ok: false, problem: `instance-id ${shown(instanceId)} is not an EC2 instance id` };
  const problems: string[] = [];
  let az = a.availabilityZone?.trim() || null;
  if (az !== null && !AZ.test(az)) {
    problems.push(`placement/availability-zone ${shown(az)} is not an availability zone name`);
    az = null;
  }
  const named = a.region?.trim() || null;
  if (named !== null && !isRegionName(named))
    return { ok: false, problem: `placement/region ${shown(named)} is not an AWS region name` };
  // Older IMDS versions lack placement/region; a standard AZ name is the region plus a letter.
  const fromAz = az && /[a-z]$/.test(az) && isRegionName(az.slice(0, -1)) ? az.slice(0, -1) : null;
  const macLines = lines(a.macs).map((l) => l.replace(/\/$/, ''));
  const macs = macLines.filter((l) => MAC.test(l)).map((l) => l.toLowerCase());
  if (macs.length < macLines.length)
    problems.push(
      `${macLines.length - macs.length} line(s) of network/interfaces/macs/ are not MAC addresses`,
    );
  return {
    ok: true,
    instanceId,
    availabilityZone: az,
    region: named ?? fromAz,
    macs: [...new Set(macs)],
    problems,
  };
}

/** One value checked: itself, or null (and a problem) when IMDS answered something else. */
function checked(path: string, v: ImdsAnswer, ok: (s: string) => boolean, problems: string[]): string | null {
  const s = v?.trim() || null;
  if (s === null || ok(s)) return s;
  problems.push(`${path} ${shown(s)} is malformed`);
  return null;
}

/** Each line checked; the malformed ones are dropped, and said. */
function checkedLines(path: string, v: ImdsAnswer, ok: (s: string) => boolean, problems: string[]): string[] {
  const all = lines(v);
  const good = all.filter(ok);
  const bad = all.filter((l) => !ok(l));
  if (bad.length)
    problems.push(
      `${path}: ${bad.length} malformed value(s) dropped (${bad.slice(0, 2).map(shown).join(', ')})`,
    );
  return good;
}

/** One interface by MAC, or null when it has no usable interface id (nothing to match it to). */
export function parseEni(mac: string, a: EniAnswers): { eni: ClientEni | null; problems: string[] } {
  const problems: string[] = [];
  const at = (field: keyof typeof ENI_PATHS) => `${mac}/${ENI_PATHS[field]}`;
  const eniId = checked(at('interfaceId'), a.interfaceId, (s) => ENI_ID.test(s), problems);
  if (!eniId) return { eni: null, problems };
  const dev = checked(
    at('deviceNumber'),
    a.deviceNumber,
    (s) => /^\d{1,3}$/.test(s) && Number(s) <= 255,
    problems,
  );
  return {
    eni: {
      eniId,
      mac,
      deviceNumber: dev === null ? null : Number(dev),
      subnetId: checked(at('subnetId'), a.subnetId, (s) => SUBNET_ID.test(s), problems),
      vpcId: checked(at('vpcId'), a.vpcId, (s) => VPC_ID.test(s), problems),
      securityGroupIds: checkedLines(
        at('securityGroupIds'),
        a.securityGroupIds,
        (s) => SG_ID.test(s),
        problems,
      ),
      privateIps: checkedLines(at('localIpv4s'), a.localIpv4s, (s) => isIP(s) === 4, problems),
      ipv6s: checkedLines(at('ipv6s'), a.ipv6s, (s) => isIP(s) === 6, problems),
    },
    problems,
  };
}
