// Settings: defaults < YAML config file < command-line flags. Every flag has a config key; the same
// schema validates both, so a bad value names the field (or flag) and the reason.
import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { parseDuration } from './duration.js';
import { DEFAULT_PORTS, parsePortSpec } from './ports.js';

export const SERVICES = ['cloudhsmv2', 'ec2', 'sts'] as const;
export type Service = (typeof SERVICES)[number];

export interface Settings {
  output: 'text' | 'json';
  region: string | undefined;
  profile: string | undefined;
  clusterIds: string[];
  hsmIps: string[];
  ports: number[];
  /** Deadline of one TCP connect. */
  timeoutMs: number;
  concurrency: number;
  strict: boolean;
  endpointUrl: string | undefined;
  endpoints: Partial<Record<Service, string>>;
  imds: { endpoint: string | undefined; disabled: boolean; timeoutMs: number };
  aws: { maxAttempts: number; timeoutMs: number };
  probes: { only: string[]; skip: string[] };
}

export const DEFAULTS: Settings = {
  output: 'text',
  region: undefined,
  profile: undefined,
  clusterIds: [],
  hsmIps: [],
  ports: [...DEFAULT_PORTS],
  timeoutMs: 3000,
  concurrency: 32,
  strict: false,
  endpointUrl: undefined,
  endpoints: {},
  imds: { endpoint: undefined, disabled: false, timeoutMs: 1000 },
  aws: { maxAttempts: 3, timeoutMs: 10_000 },
  probes: { only: [], skip: [] },
};

export class ConfigError extends Error {
  readonly code = 'CONFIG_INVALID';
}

const duration = z.union([z.string(), z.number()]).transform((v, ctx) => {
  const r = parseDuration(v);
  if (!r.ok) {
    ctx.addIssue({ code: 'custom', message: r.error });
    return z.NEVER;
  }
  return r.value;
});

const ports = z.union([z.string(), z.number().int(), z.array(z.number().int())]).transform((v, ctx) => {
  const r = parsePortSpec(Array.isArray(v) ? v.join(',') : String(v));
  if (!r.ok) {
    ctx.addIssue({ code: 'custom', message: r.error });
    return z.NEVER;
  }
  return r.value;
});

const url = z.string().refine(
  (s) => {
    try {
      const u = new URL(s);
      return (u.protocol === 'http:' || u.protocol === 'https:') && u.hostname !== '';
    } catch {
      return false;
    }
  },
  { message: 'must be an http:// or https:// URL' },
);

const listOf = <T extends z.ZodType>(item: T) =>
  z.union([item, z.array(item)]).transform((v) => (Array.isArray(v) ? v : [v]) as z.output<T>[]);

// Cluster and HSM ids as the CloudHSM API documents them.
const clusterId = z.string().regex(/^cluster-[2-7a-zA-Z]{11,16}$/, 'must look like cluster-abcdefghijk');
const ip = z.string().refine((s) => isIP(s) !== 0, { message: 'must be an IPv4 or IPv6 address' });
const region = z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d{1,2}$/, 'must be a region name such as us-east-1');

export const fileSchema = z.strictObject({
  output: z.enum(['text', 'json']).optional(),
  region: region.optional(),
  profile: z.string().min(1).max(128).optional(),
  clusterIds: listOf(clusterId).optional(),
  hsmIps: listOf(ip).optional(),
  ports: ports.optional(),
  timeout: duration.optional(),
  concurrency: z.number().int().min(1).max(1024).optional(),
  strict: z.boolean().optional(),
  endpointUrl: url.optional(),
  endpoints: z
    .strictObject({ cloudhsmv2: url.optional(), ec2: url.optional(), sts: url.optional() })
    .optional(),
  imds: z
    .strictObject({
      endpoint: url.optional(),
      disabled: z.boolean().optional(),
      timeout: duration.optional(),
    })
    .optional(),
  aws: z
    .strictObject({ maxAttempts: z.number().int().min(1).max(10).optional(), timeout: duration.optional() })
    .optional(),
  probes: z
    .strictObject({ only: listOf(z.string()).optional(), skip: listOf(z.string()).optional() })
    .optional(),
});

export type ConfigInput = z.input<typeof fileSchema>;
type ConfigValues = z.output<typeof fileSchema>;

/** Command-line flag for each config key, so errors name what the user typed. */
const FLAG_FOR: Record<string, string> = {
  clusterIds: '--cluster-id',
  hsmIps: '--hsm-ip',
  endpointUrl: '--endpoint-url',
  timeout: '--timeout',
  'probes.only': '--probe',
  'probes.skip': '--skip-probe',
};

function formatIssues(error: z.ZodError, where: string, flags: boolean): string {
  return error.issues
    .map((issue) => {
      const path = issue.path
        .map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`))
        .join('')
        .slice(1);
      let field = path || '(top level)';
      if (flags) {
        const key = path.replace(/\[\d+\]$/, '');
        field = FLAG_FOR[key] ?? `--${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
      }
      let msg = issue.message;
      if (issue.code === 'unrecognized_keys')
        msg = `unknown key${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `"${k}"`).join(', ')}`;
      return `${where}: ${field}: ${msg}`;
    })
    .join('\n');
}

export function validateConfig(raw: unknown, where: string, fromFlags = false): ConfigValues {
  if (raw === null || raw === undefined) return {};
  const r = fileSchema.safeParse(raw);
  if (!r.success) throw new ConfigError(formatIssues(r.error, where, fromFlags));
  return r.data;
}

export function loadConfigFile(path: string): ConfigValues {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new ConfigError(`${path}: cannot read config file (${(e as NodeJS.ErrnoException).code ?? e})`);
  }
  if (text.length > 1_000_000) throw new ConfigError(`${path}: config file larger than 1 MB`);
  let raw: unknown;
  try {
    raw = parseYaml(text, { maxAliasCount: 100, prettyErrors: true });
  } catch (e) {
    throw new ConfigError(`${path}: not valid YAML: ${(e as Error).message.split('\n')[0]}`);
  }
  if (raw !== null && (typeof raw !== 'object' || Array.isArray(raw))) {
    throw new ConfigError(`${path}: (top level): must be a mapping of settings`);
  }
  return validateConfig(raw, path);
}

/** Layers validated values over the defaults; later layers win. */
export function resolveSettings(...layers: ConfigValues[]): Settings {
  const s: Settings = structuredClone(DEFAULTS);
  for (const c of layers) {
    if (c.output !== undefined) s.output = c.output;
    if (c.region !== undefined) s.region = c.region;
    if (c.profile !== undefined) s.profile = c.profile;
    if (c.clusterIds !== undefined) s.clusterIds = c.clusterIds;
    if (c.hsmIps !== undefined) s.hsmIps = c.hsmIps;
    if (c.ports !== undefined) s.ports = c.ports;
    if (c.timeout !== undefined) s.timeoutMs = c.timeout;
    if (c.concurrency !== undefined) s.concurrency = c.concurrency;
    if (c.strict !== undefined) s.strict = c.strict;
    if (c.endpointUrl !== undefined) s.endpointUrl = c.endpointUrl;
    if (c.endpoints) Object.assign(s.endpoints, stripUndefined(c.endpoints));
    if (c.imds?.endpoint !== undefined) s.imds.endpoint = c.imds.endpoint;
    if (c.imds?.disabled !== undefined) s.imds.disabled = c.imds.disabled;
    if (c.imds?.timeout !== undefined) s.imds.timeoutMs = c.imds.timeout;
    if (c.aws?.maxAttempts !== undefined) s.aws.maxAttempts = c.aws.maxAttempts;
    if (c.aws?.timeout !== undefined) s.aws.timeoutMs = c.aws.timeout;
    if (c.probes?.only !== undefined) s.probes.only = c.probes.only;
    if (c.probes?.skip !== undefined) s.probes.skip = c.probes.skip;
  }
  return s;
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
