// IMDSv2 over hsmwatch's one HTTP path (src/aws/http.ts): a session token (PUT with TTL), then the
// instance identity and its ENIs, read in parallel, each request within imds.timeout and all of them
// within one overall deadline. Answers are checked by src/discovery/imds-answers.ts.
import { existsSync, readFileSync } from 'node:fs';
import { foreignText } from '../aws/foreign.js';
import { boundedRequest, HttpAgent } from '../aws/http.js';
import type { ClientEni, ClientInfo } from '../model/index.js';
import { mapLimit } from '../util/concurrency.js';
import { imdsBudgetMs } from './deadlines.js';
import { ENI_PATHS, type EniAnswers, type ImdsAnswer, parseEni, parseIdentity } from './imds-answers.js';

export const DEFAULT_IMDS_ENDPOINT = 'http://169.254.169.254';
const TOKEN_TTL_SECONDS = 21600;
const MAX_BODY_BYTES = 64 * 1024;
/** Reads in flight at once: IMDS limits the simultaneous connections of an instance. */
const PARALLEL = 8;

export type ImdsOutcome =
  /** problems: values IMDS answered that are not what AWS answers there (dropped), a partial read. */
  | { kind: 'ok'; client: ClientInfo; endpoint: string; problems: string[] }
  /** The token PUT got no answer while a plain GET did: the hop-limit problem. */
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
    super(`IMDS answered HTTP ${status} for ${path}`);
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
  if (!URL.canParse(endpoint)) return { kind: 'error', endpoint, detail: 'the IMDS endpoint is not a URL' };
  const agent = new HttpAgent({ keepAlive: true, maxSockets: PARALLEL });
  const budget = { ms: imdsBudgetMs(o.timeoutMs), signal: AbortSignal.timeout(imdsBudgetMs(o.timeoutMs)) };
  const call = imdsCaller(endpoint, agent, o.timeoutMs, budget.signal);
  try {
    const token = await sessionToken(call, endpoint, o);
    if (typeof token !== 'string') return token;
    return await readClient(metadataGetter(call, token), endpoint, budget);
  } catch (e) {
    const detail = e instanceof ImdsHttpError ? e.message : describeNetError(e);
    return {
      kind: 'error',
      endpoint,
      detail: budget.signal.aborted
        ? `IMDS answered too slowly: its reads did not finish within their overall deadline of ${budget.ms} ms`
        : detail,
    };
  } finally {
    // Anything still in flight (a read given up on) goes with its connection.
    agent.destroy();
  }
}

type ImdsCall = (
  method: 'GET' | 'PUT',
  path: string,
  headers: Record<string, string>,
) => Promise<{ status: number; body: string }>;

/** Every request bounded in time and in size: IMDS answers are small, anything else is not IMDS. */
function imdsCaller(endpoint: string, agent: HttpAgent, timeoutMs: number, budget: AbortSignal): ImdsCall {
  return async (method, path, headers) => {
    const r = await boundedRequest({
      url: new URL(`${endpoint}${path}`),
      method,
      headers,
      agent,
      timeoutMs,
      connectTimeoutMs: timeoutMs,
      maxBodyBytes: MAX_BODY_BYTES,
      signal: budget,
    });
    return { status: r.status, body: r.body.toString('utf8') };
  };
}

// A session token is base64 text; anything else would not even be a valid header value.
const TOKEN = /^[A-Za-z0-9+/=_.-]{1,1024}$/;

/** The IMDSv2 session token, or the outcome that explains why there is none. */
async function sessionToken(call: ImdsCall, endpoint: string, o: ImdsOptions): Promise<string | ImdsOutcome> {
  let r: { status: number; body: string };
  try {
    r = await call('PUT', '/latest/api/token', {
      'x-aws-ec2-metadata-token-ttl-seconds': String(TOKEN_TTL_SECONDS),
    });
  } catch (tokenErr) {
    return tokenFailure(call, endpoint, o, tokenErr);
  }
  if (r.status !== 200) {
    return {
      kind: 'error',
      endpoint,
      detail: `token request answered HTTP ${r.status}${r.status === 403 ? ' (IMDS is turned off for this instance)' : ''}`,
    };
  }
  const token = r.body.trim();
  if (!TOKEN.test(token))
    return {
      kind: 'error',
      endpoint,
      detail: 'IMDS answered garbage: the token request got something that is not a token',
    };
  return token;
}

const isSilence = (e: unknown) => /^(TimeoutError|AbortError)$/.test((e as { name?: string })?.name ?? '');

/**
 * The PUT got no answer. The hop limit (HttpPutResponseHopLimit) applies to the token PUT's response:
 * from a container one hop further, a plain IMDSv1 GET is still answered (AWS: "Instance metadata
 * access considerations", https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/instancedata-data-retrieval.html).
 * So only a silent PUT beside an answered GET is the hop-limit problem; silence to both is not.
 */
async function tokenFailure(
  call: ImdsCall,
  endpoint: string,
  o: ImdsOptions,
  tokenErr: unknown,
): Promise<ImdsOutcome> {
  const inContainer = (o.inContainer ?? runningInContainer)();
  const why = describeNetError(tokenErr);
  let plain: string;
  let plainAnswered = false;
  try {
    const r = await call('GET', '/latest/meta-data/instance-id', {});
    plainAnswered = r.status === 200 || r.status === 401;
    plain = `HTTP ${r.status}`;
  } catch (e) {
    plain = describeNetError(e);
  }
  if (plainAnswered && isSilence(tokenErr))
    return { kind: 'hop-limit', endpoint, plainAnswered, inContainer, detail: `token PUT: ${why}` };
  if (plainAnswered)
    return {
      kind: 'error',
      endpoint,
      detail: `the token PUT failed (${why}) while a plain GET was answered (${plain})`,
    };
  if (isSilence(tokenErr))
    return {
      kind: 'absent',
      endpoint,
      detail: `neither the token PUT (${why}) nor a plain GET (${plain}) was answered`,
    };
  return { kind: 'absent', endpoint, detail: why };
}

/** Reads a metadata path; `optional` paths may be missing (404 → null), any other failure throws. */
type MetadataGet = (path: string, optional?: boolean) => Promise<ImdsAnswer>;

function metadataGetter(call: ImdsCall, token: string): MetadataGet {
  return async (path, optional = false) => {
    const r = await call('GET', `/latest/meta-data/${path}`, { 'x-aws-ec2-metadata-token': token });
    if (r.status === 404 && optional) return null;
    if (r.status !== 200) throw new ImdsHttpError(r.status, path);
    return r.body;
  };
}

type EniField = keyof typeof ENI_PATHS;

async function readClient(
  get: MetadataGet,
  endpoint: string,
  budget: { ms: number; signal: AbortSignal },
): Promise<ImdsOutcome> {
  const [instanceId, availabilityZone, region, macs] = await Promise.all([
    get('instance-id'),
    get('placement/availability-zone', true),
    get('placement/region', true),
    get('network/interfaces/macs/', true),
  ]);
  const id = parseIdentity({ instanceId, availabilityZone, region, macs });
  if (!id.ok) return { kind: 'error', endpoint, detail: `IMDS answered garbage: ${id.problem}` };
  // Every field of every interface, in parallel: past the overall deadline a field is missing.
  const fields = id.macs.flatMap((mac) =>
    (Object.keys(ENI_PATHS) as EniField[]).map((field) => ({ mac, field })),
  );
  const answers = await mapLimit(fields, PARALLEL, async ({ mac, field }) => {
    try {
      return { mac, field, value: await get(`network/interfaces/macs/${mac}/${ENI_PATHS[field]}`, true) };
    } catch (e) {
      if (budget.signal.aborted) return { mac, field, value: undefined };
      throw e;
    }
  });
  const problems = [...id.problems];
  const enis: ClientEni[] = [];
  let incomplete = 0;
  for (const mac of id.macs) {
    const mine = answers.filter((a) => a.mac === mac);
    if (mine.some((a) => a.value === undefined)) {
      incomplete++;
      continue;
    }
    const eni = parseEni(mac, Object.fromEntries(mine.map((a) => [a.field, a.value])) as EniAnswers);
    problems.push(...eni.problems);
    if (eni.eni) enis.push(eni.eni);
  }
  if (incomplete > 0)
    problems.push(
      `IMDS answered too slowly: ${id.macs.length - incomplete} of ${id.macs.length} network interfaces read within the ${budget.ms} ms deadline of IMDS discovery`,
    );
  // Primary interface (device 0) first; ENIs without a device number last.
  enis.sort((a, b) => (a.deviceNumber ?? 99) - (b.deviceNumber ?? 99));
  const client = {
    instanceId: id.instanceId,
    region: id.region,
    availabilityZone: id.availabilityZone,
    enis,
  };
  return { kind: 'ok', endpoint, client, problems };
}

function describeNetError(e: unknown): string {
  const err = e as {
    code?: string;
    name?: string;
    message?: string;
    cause?: { code?: string };
    hsmwatchHttp?: boolean;
  };
  // The HTTP layer's own words say which deadline passed.
  if (err?.hsmwatchHttp && err.message) return foreignText(err.message);
  const code = err?.cause?.code ?? err?.code ?? err?.name ?? 'error';
  if (/TIMEOUT|TimeoutError|AbortError/i.test(code)) return `no answer within the deadline (${code})`;
  return foreignText(`${code}${err?.message && !err.message.includes(code) ? `: ${err.message}` : ''}`);
}
