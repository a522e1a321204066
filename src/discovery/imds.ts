// IMDSv2 over undici: a session token (PUT with TTL), then the instance identity and its ENIs.
import { existsSync, readFileSync } from 'node:fs';
import type { Agent } from 'undici';
import type { ClientEni, ClientInfo } from '../model/index.js';

export const DEFAULT_IMDS_ENDPOINT = 'http://169.254.169.254';
const TOKEN_TTL_SECONDS = 21600;
const MAX_BODY_BYTES = 64 * 1024;

export type ImdsOutcome =
  | { kind: 'ok'; client: ClientInfo; endpoint: string }
  /** The token PUT got no answer while the instance still looks like EC2: the hop-limit problem. */
  | { kind: 'hop-limit'; endpoint: string; plainAnswered: boolean; inContainer: boolean; detail: string }
  | { kind: 'absent'; endpoint: string; detail: string }
  | { kind: 'disabled'; detail: string }
  | { kind: 'error'; endpoint: string; detail: string };

export interface ImdsOptions {
  endpoint: string | undefined;
  disabled: boolean;
  timeoutMs: number;
  env?: NodeJS.ProcessEnv;
  inContainer?: () => boolean;
}

class ImdsHttpError extends Error {
  constructor(
    readonly status: number,
    path: string,
  ) {
    super(`IMDS answered ${status} for ${path}`);
  }
}

export function imdsEndpoint(o: Pick<ImdsOptions, 'endpoint' | 'env'>): string {
  const env = o.env ?? process.env;
  return (o.endpoint ?? env.AWS_EC2_METADATA_SERVICE_ENDPOINT ?? DEFAULT_IMDS_ENDPOINT).replace(/\/+$/, '');
}

/** An endpoint set in hsmwatch's own config beats the ambient AWS_EC2_METADATA_DISABLED. */
export function imdsDisabled(o: Pick<ImdsOptions, 'disabled' | 'endpoint' | 'env'>): boolean {
  return (
    o.disabled ||
    (o.endpoint === undefined && /^true$/i.test((o.env ?? process.env).AWS_EC2_METADATA_DISABLED ?? ''))
  );
}

export function runningInContainer(): boolean {
  if (existsSync('/.dockerenv') || existsSync('/run/.containerenv')) return true;
  if (process.env.ECS_CONTAINER_METADATA_URI_V4 || process.env.KUBERNETES_SERVICE_HOST) return true;
  try {
    return /docker|kubepods|containerd|libpod/.test(readFileSync('/proc/1/cgroup', 'utf8'));
  } catch {
    return false;
  }
}

export async function readInstanceMetadata(o: ImdsOptions): Promise<ImdsOutcome> {
  if (imdsDisabled(o))
    return {
      kind: 'disabled',
      detail: 'IMDS lookups are disabled (AWS_EC2_METADATA_DISABLED or imds.disabled)',
    };
  const endpoint = imdsEndpoint(o);
  // Loaded here: off EC2 (IMDS disabled) the HTTP client is never needed.
  // The CommonJS module itself: named exports of a dynamic import do not survive bundling.
  const { Agent, request } = (await import('undici')).default;
  const agent = new Agent({ connect: { timeout: o.timeoutMs }, keepAliveTimeout: 1000 });
  const call = imdsCaller(request, endpoint, agent, o.timeoutMs);
  try {
    const token = await sessionToken(call, endpoint, o);
    if (typeof token !== 'string') return token;
    const client = await readClient(metadataGetter(call, token));
    return { kind: 'ok', endpoint, client };
  } catch (e) {
    return { kind: 'error', endpoint, detail: e instanceof ImdsHttpError ? e.message : describeNetError(e) };
  } finally {
    await agent.destroy().catch(() => {});
  }
}

type ImdsCall = (
  method: 'GET' | 'PUT',
  path: string,
  headers: Record<string, string>,
) => Promise<{ status: number; body: string }>;

/** Every request bounded in time and in size: IMDS answers are small, anything else is not IMDS. */
function imdsCaller(
  request: typeof import('undici').request,
  endpoint: string,
  agent: Agent,
  timeoutMs: number,
): ImdsCall {
  return async (method, path, headers) => {
    const res = await request(`${endpoint}${path}`, {
      method,
      headers,
      dispatcher: agent,
      headersTimeout: timeoutMs,
      bodyTimeout: timeoutMs,
      signal: AbortSignal.timeout(timeoutMs),
    });
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of res.body as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        res.body.destroy();
        throw new Error(`IMDS answer for ${path} larger than ${MAX_BODY_BYTES} bytes`);
      }
      chunks.push(chunk);
    }
    return { status: res.statusCode, body: Buffer.concat(chunks).toString('utf8') };
  };
}

/** The IMDSv2 session token, or the outcome that explains why there is none. */
async function sessionToken(call: ImdsCall, endpoint: string, o: ImdsOptions): Promise<string | ImdsOutcome> {
  try {
    const r = await call('PUT', '/latest/api/token', {
      'x-aws-ec2-metadata-token-ttl-seconds': String(TOKEN_TTL_SECONDS),
    });
    if (r.status !== 200) {
      return {
        kind: 'error',
        endpoint,
        detail: `token request answered HTTP ${r.status}${r.status === 403 ? ' (IMDS is turned off for this instance)' : ''}`,
      };
    }
    return r.body.trim();
  } catch (tokenErr) {
    return tokenFailure(call, endpoint, o, describeNetError(tokenErr));
  }
}

/**
 * The PUT got no answer. If a plain GET does get one (or we are in a container and the PUT timed
 * out), the token's answer is most likely dropped by the hop limit; otherwise there is no IMDS.
 */
async function tokenFailure(
  call: ImdsCall,
  endpoint: string,
  o: ImdsOptions,
  why: string,
): Promise<ImdsOutcome> {
  const inContainer = (o.inContainer ?? runningInContainer)();
  let plainAnswered = false;
  try {
    const r = await call('GET', '/latest/meta-data/instance-id', {});
    plainAnswered = r.status === 200 || r.status === 401;
  } catch {
    plainAnswered = false;
  }
  if (plainAnswered || (inContainer && /timeout|no answer/i.test(why))) {
    return { kind: 'hop-limit', endpoint, plainAnswered, inContainer, detail: `token PUT: ${why}` };
  }
  return { kind: 'absent', endpoint, detail: why };
}

/** Reads a metadata path; `optional` paths may be missing (404 → null), any other failure throws. */
type MetadataGet = (path: string, optional?: boolean) => Promise<string | null>;

function metadataGetter(call: ImdsCall, token: string): MetadataGet {
  return async (path, optional = false) => {
    const r = await call('GET', `/latest/meta-data/${path}`, { 'x-aws-ec2-metadata-token': token });
    if (r.status === 404 && optional) return null;
    if (r.status !== 200) throw new ImdsHttpError(r.status, path);
    return r.body.trim();
  };
}

async function readClient(get: MetadataGet): Promise<ClientInfo> {
  const instanceId = await get('instance-id');
  const az = await get('placement/availability-zone', true);
  // Older IMDS versions lack placement/region; the AZ name is the region plus a letter.
  const region = (await get('placement/region', true)) ?? (az ? az.replace(/[a-z]$/, '') : null);
  const macs = ((await get('network/interfaces/macs/', true)) ?? '')
    .split('\n')
    .map((l) => l.trim().replace(/\/$/, ''))
    .filter((l) => /^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/i.test(l));
  const enis: ClientEni[] = [];
  for (const mac of macs) {
    const eni = await readEni(get, mac);
    if (eni) enis.push(eni);
  }
  // Primary interface (device 0) first; ENIs without a device number last.
  enis.sort((a, b) => (a.deviceNumber ?? 99) - (b.deviceNumber ?? 99));
  return { instanceId, region, availabilityZone: az, enis };
}

/** One interface by MAC, or null when it has no interface id (nothing to match it to). */
async function readEni(get: MetadataGet, mac: string): Promise<ClientEni | null> {
  const base = `network/interfaces/macs/${mac}`;
  const eniId = await get(`${base}/interface-id`, true);
  if (!eniId) return null;
  const lines = (s: string | null) =>
    (s ?? '')
      .split('\n')
      .map((l) => l.trim())
      .filter(Boolean);
  const dev = await get(`${base}/device-number`, true);
  return {
    eniId,
    mac,
    deviceNumber: dev === null ? null : Number(dev),
    subnetId: await get(`${base}/subnet-id`, true),
    vpcId: await get(`${base}/vpc-id`, true),
    securityGroupIds: lines(await get(`${base}/security-group-ids`, true)),
    privateIps: lines(await get(`${base}/local-ipv4s`, true)),
    ipv6s: lines(await get(`${base}/ipv6s`, true)),
  };
}

function describeNetError(e: unknown): string {
  const err = e as { code?: string; name?: string; message?: string; cause?: { code?: string } };
  const code = err.cause?.code ?? err.code ?? err.name ?? 'error';
  if (/TIMEOUT|TimeoutError|AbortError/i.test(code)) return `no answer within the deadline (${code})`;
  return `${code}${err.message && !err.message.includes(code) ? `: ${err.message}` : ''}`;
}
