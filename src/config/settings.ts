// Settings: defaults < YAML config file < command-line flags. Every flag has a config key; the same
// schema validates both, so a bad value names the field (or flag) and the reason.
import { isIP } from 'node:net';
import { z } from 'zod';
import { readBoundedText } from '../util/files.js';
import { parseDuration } from './duration.js';
import { ConfigError } from './errors.js';
import { describeIssues, describeValue, formatPath, problemLines } from './issues.js';
import { DEFAULT_PORTS, parsePortSpec } from './ports.js';
import { parseYaml } from './yaml.js';

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
  /** The text report lists the passing checks too. */
  verbose: boolean;
  endpointUrl: string | undefined;
  endpoints: Partial<Record<Service, string>>;
  imds: {
    endpoint: string | undefined;
    disabled: boolean;
    timeoutMs: number;
    /** The ECS task metadata endpoint v4, read when IMDS names no instance (else ECS_CONTAINER_METADATA_URI_V4; null: never). */
    ecsEndpoint?: string | null | undefined;
  };
  aws: { maxAttempts: number; timeoutMs: number };
  /** only: run just these; skip: not these; enable: the opt-in probes (off by default) to run too. */
  probes: { only: string[]; skip: string[]; enable?: string[] };
  /** PEM file of the CAs trusted for HTTPS to AWS, instead of the system store (else AWS_CA_BUNDLE). */
  caBundle: string | undefined;
  /** Proxy for HTTPS to AWS (else HTTPS_PROXY) and the hosts exempted from it (else NO_PROXY). */
  proxy: string | undefined;
  noProxy: string | undefined;
  /** `--debug`: one stderr line (or agent log) per AWS API request: operation, host, status, request id, time. */
  debug: boolean;
  /** TLS checks of the AWS endpoints and `hsmwatch tls`. */
  tls: {
    timeoutMs: number;
    certWarnDays: number;
    /** Also check the FIPS endpoint names of each service. */
    fips: boolean;
    /** VPC interface endpoint DNS names to check, per service. */
    vpcEndpoints: Partial<Record<Service, string>>;
    /** SHA-256 fingerprints of extra roots accepted as AWS's own (the simulation's test PKI). */
    awsRoots: string[];
  };
  /** HSM side: the cluster's trust anchor and the TLS port of the HSMs. */
  hsm: { trustAnchor: string; tlsPort: number };
  /** Where the CloudHSM Client SDK 5 (and 3) configuration files are. */
  clientSdk: { configDir: string };
  /** `hsmwatch agent`: schedule per probe id ('discovery' for re-discovery), jitter, bounds. */
  agent: {
    intervalsMs: Record<string, number>;
    defaultIntervalMs: number;
    /** Fraction of the interval added or removed at random, 0..0.5. */
    jitter: number;
    maxConcurrentProbes: number;
    drainTimeoutMs: number;
  };
  web: { listenAddress: string; configFile: string | undefined; telemetryPath: string };
  /** `hsmwatch audit`: which sources are meant to reach the HSMs (empty: the cluster-group default). */
  audit: { intended: IntendedSources };
}

/** Sources meant to reach the HSMs: any match makes an interface intended. */
export interface IntendedSources {
  securityGroups: string[];
  /** `key=value` tags of the network interface. */
  tags: string[];
  cidrs: string[];
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
  verbose: false,
  endpointUrl: undefined,
  endpoints: {},
  imds: { endpoint: undefined, disabled: false, timeoutMs: 1000 },
  aws: { maxAttempts: 3, timeoutMs: 10_000 },
  probes: { only: [], skip: [] },
  caBundle: undefined,
  proxy: undefined,
  noProxy: undefined,
  debug: false,
  tls: { timeoutMs: 5000, certWarnDays: 30, fips: false, vpcEndpoints: {}, awsRoots: [] },
  hsm: { trustAnchor: '/opt/cloudhsm/etc/customerCA.crt', tlsPort: 2223 },
  clientSdk: { configDir: '/opt/cloudhsm/etc' },
  agent: {
    intervalsMs: { discovery: 300_000 },
    defaultIntervalMs: 300_000,
    jitter: 0.1,
    maxConcurrentProbes: 4,
    drainTimeoutMs: 10_000,
  },
  web: { listenAddress: ':10223', configFile: undefined, telemetryPath: '/metrics' },
  audit: { intended: { securityGroups: [], tags: [], cidrs: [] } },
};

export { ConfigError, UsageError } from './errors.js';

const duration = z
  .union([z.string(), z.number()], { error: 'must be a duration such as 500ms, 3s or 5m' })
  .transform((v, ctx) => {
    const r = parseDuration(v);
    if (!r.ok) {
      ctx.addIssue({ code: 'custom', message: r.error });
      return z.NEVER;
    }
    return r.value;
  });

const ports = z
  .union([z.string(), z.number().int(), z.array(z.number().int())], {
    error: 'must be a port, a list of ports or a string such as 2223-2225,8443',
  })
  .transform((v, ctx) => {
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
// A CIDR block (the evaluator's own parser lives in netpath/, which config must not import).
const isCidr = (s: string) => {
  const m = /^([0-9a-fA-F:.]+)\/(\d{1,3})$/.exec(s);
  const family = m ? isIP(m[1]!) : 0;
  return family !== 0 && Number(m![2]) <= (family === 4 ? 32 : 128);
};
const cidr = z.string().refine(isCidr, {
  message: 'must be a CIDR block such as 10.0.1.0/24 or 2001:db8::/56',
});
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
  verbose: z.boolean().optional(),
  endpointUrl: url.optional(),
  endpoints: z
    .strictObject({ cloudhsmv2: url.optional(), ec2: url.optional(), sts: url.optional() })
    .optional(),
  imds: z
    .strictObject({
      endpoint: url.optional(),
      disabled: z.boolean().optional(),
      timeout: duration.optional(),
      ecsEndpoint: url.optional(),
    })
    .optional(),
  aws: z
    .strictObject({ maxAttempts: z.number().int().min(1).max(10).optional(), timeout: duration.optional() })
    .optional(),
  probes: z
    .strictObject({
      only: listOf(z.string()).optional(),
      skip: listOf(z.string()).optional(),
      enable: listOf(z.string()).optional(),
    })
    .optional(),
  caBundle: z.string().min(1).optional(),
  proxy: url
    .refine((s) => s.startsWith('http://'), {
      message:
        'must be an http:// proxy URL (HTTPS is tunnelled through it with CONNECT; https:// proxies are not supported)',
    })
    .optional(),
  noProxy: z.string().optional(),
  debug: z.boolean().optional(),
  tls: z
    .strictObject({
      timeout: duration.optional(),
      certWarnDays: z.number().int().min(0).max(3650).optional(),
      fips: z.boolean().optional(),
      vpcEndpoints: z
        .strictObject({
          cloudhsmv2: z.string().min(1).optional(),
          ec2: z.string().min(1).optional(),
          sts: z.string().min(1).optional(),
        })
        .optional(),
      awsRoots: listOf(
        z.string().regex(/^([0-9A-Fa-f]{2}:){31}[0-9A-Fa-f]{2}$/, 'must be a SHA-256 fingerprint AA:BB:...'),
      ).optional(),
    })
    .optional(),
  hsm: z
    .strictObject({
      trustAnchor: z.string().min(1).optional(),
      tlsPort: z.number().int().min(1).max(65535).optional(),
    })
    .optional(),
  clientSdk: z.strictObject({ configDir: z.string().min(1).optional() }).optional(),
  agent: z
    .strictObject({
      intervals: z
        .record(z.string().regex(/^[a-z][a-z0-9-]*$/, 'must be a probe id or "discovery"'), duration)
        .optional(),
      defaultInterval: duration.optional(),
      jitter: z.number().min(0).max(0.5).optional(),
      maxConcurrentProbes: z.number().int().min(1).max(64).optional(),
      drainTimeout: duration.optional(),
    })
    .optional(),
  audit: z
    .strictObject({
      intended: z
        .strictObject({
          securityGroups: listOf(
            z.string().regex(/^sg-[0-9a-f]{8,17}$/, 'must be a security group id sg-…'),
          ).optional(),
          tags: listOf(z.string().regex(/^[^=]{1,128}=.{0,256}$/s, 'must be key=value')).optional(),
          cidrs: listOf(cidr).optional(),
        })
        .optional(),
    })
    .optional(),
  web: z
    .strictObject({
      listenAddress: z
        .string()
        .regex(
          /^(\[[0-9a-fA-F:.]+\]|[^:\s]*):\d{1,5}$/,
          'must be [host]:port, e.g. :10223 or 127.0.0.1:10223',
        )
        .optional(),
      configFile: z.string().min(1).optional(),
      telemetryPath: z
        .string()
        .regex(/^\/[A-Za-z0-9._~!$&'()*+,;=:@/-]*$/, 'must be a URL path starting with /, e.g. /metrics')
        .refine((p) => !['/', '/report', '/-/healthy', '/-/ready'].includes(p), {
          message: 'is taken by the status page, /report or a health endpoint',
        })
        .optional(),
    })
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
  'probes.enable': '--enable-probe',
  'web.listenAddress': '--web.listen-address',
  'web.configFile': '--web.config.file',
  'web.telemetryPath': '--web.telemetry-path',
  noProxy: '--noproxy',
};

function formatIssues(error: z.ZodError, input: unknown, where: string, flags: boolean): string {
  const lines = describeIssues(error.issues, input).map(({ path, message }) => {
    const dotted = formatPath(path);
    let field = dotted || '(top level)';
    if (flags) {
      const key = formatPath(path.filter((p) => typeof p !== 'number'));
      field = FLAG_FOR[key] ?? `--${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
    }
    return `${where}: ${field}: ${message}`;
  });
  return problemLines(lines).join('\n');
}

export function validateConfig(raw: unknown, where: string, fromFlags = false): ConfigValues {
  if (raw === null || raw === undefined) return {};
  const r = fileSchema.safeParse(raw);
  if (!r.success) throw new ConfigError(formatIssues(r.error, raw, where, fromFlags));
  return r.data;
}

/** A config file is a few kB; the bound keeps /dev/zero or a log file given by mistake harmless. */
export const MAX_CONFIG_BYTES = 1024 * 1024;

export function loadConfigFile(path: string): ConfigValues {
  const read = readBoundedText(path, MAX_CONFIG_BYTES);
  if (!read.ok) throw new ConfigError(`${path}: cannot read config file (${read.reason})`);
  return validateConfig(parseYamlSettings(read.text, path), path);
}

/** YAML text → the settings mapping it holds (null for an empty file); a ConfigError otherwise. */
export function parseYamlSettings(text: string, where: string): unknown {
  const raw = parseYaml(text, where);
  if (raw !== null && (typeof raw !== 'object' || Array.isArray(raw))) {
    throw new ConfigError(`${where}: (top level): must be a mapping of settings, not ${describeValue(raw)}`);
  }
  return raw;
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
    if (c.verbose !== undefined) s.verbose = c.verbose;
    if (c.endpointUrl !== undefined) s.endpointUrl = c.endpointUrl;
    if (c.endpoints) Object.assign(s.endpoints, stripUndefined(c.endpoints));
    if (c.imds?.endpoint !== undefined) s.imds.endpoint = c.imds.endpoint;
    if (c.imds?.disabled !== undefined) s.imds.disabled = c.imds.disabled;
    if (c.imds?.timeout !== undefined) s.imds.timeoutMs = c.imds.timeout;
    if (c.imds?.ecsEndpoint !== undefined) s.imds.ecsEndpoint = c.imds.ecsEndpoint;
    if (c.aws?.maxAttempts !== undefined) s.aws.maxAttempts = c.aws.maxAttempts;
    if (c.aws?.timeout !== undefined) s.aws.timeoutMs = c.aws.timeout;
    if (c.probes?.only !== undefined) s.probes.only = c.probes.only;
    if (c.probes?.skip !== undefined) s.probes.skip = c.probes.skip;
    if (c.probes?.enable !== undefined) s.probes.enable = c.probes.enable;
    if (c.caBundle !== undefined) s.caBundle = c.caBundle;
    if (c.proxy !== undefined) s.proxy = c.proxy;
    if (c.noProxy !== undefined) s.noProxy = c.noProxy;
    if (c.debug !== undefined) s.debug = c.debug;
    if (c.tls?.timeout !== undefined) s.tls.timeoutMs = c.tls.timeout;
    if (c.tls?.certWarnDays !== undefined) s.tls.certWarnDays = c.tls.certWarnDays;
    if (c.tls?.fips !== undefined) s.tls.fips = c.tls.fips;
    if (c.tls?.vpcEndpoints) Object.assign(s.tls.vpcEndpoints, stripUndefined(c.tls.vpcEndpoints));
    if (c.tls?.awsRoots !== undefined) s.tls.awsRoots = c.tls.awsRoots.map((f) => f.toUpperCase());
    if (c.hsm?.trustAnchor !== undefined) s.hsm.trustAnchor = c.hsm.trustAnchor;
    if (c.hsm?.tlsPort !== undefined) s.hsm.tlsPort = c.hsm.tlsPort;
    if (c.clientSdk?.configDir !== undefined) s.clientSdk.configDir = c.clientSdk.configDir;
    if (c.agent?.intervals) Object.assign(s.agent.intervalsMs, c.agent.intervals);
    if (c.agent?.defaultInterval !== undefined) s.agent.defaultIntervalMs = c.agent.defaultInterval;
    if (c.agent?.jitter !== undefined) s.agent.jitter = c.agent.jitter;
    if (c.agent?.maxConcurrentProbes !== undefined) s.agent.maxConcurrentProbes = c.agent.maxConcurrentProbes;
    if (c.agent?.drainTimeout !== undefined) s.agent.drainTimeoutMs = c.agent.drainTimeout;
    if (c.web?.listenAddress !== undefined) s.web.listenAddress = c.web.listenAddress;
    if (c.web?.configFile !== undefined) s.web.configFile = c.web.configFile;
    if (c.web?.telemetryPath !== undefined) s.web.telemetryPath = c.web.telemetryPath;
    if (c.audit?.intended) Object.assign(s.audit.intended, stripUndefined(c.audit.intended));
  }
  return s;
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
