// What every command module shares: the exit codes, the streams, the options of the commands that
// discover and probe. Light on purpose: `--version` and `--help` load this and yargs, nothing else
// (no config schema, no probe, no AWS SDK); handlers load what they need when they run.
import { readFileSync } from 'node:fs';
import type { Argv } from 'yargs';
import { packageRoot } from '../util/paths.js';

export const EXIT = { ok: 0, failed: 1, usage: 2 } as const;

export interface Io {
  stdout: NodeJS.WriteStream;
  stderr: NodeJS.WriteStream;
}

/** What help says of a probe: read from the probe catalogue (probes/index.ts), only for --help. */
export interface ProbeSummary {
  id: string;
  title: string;
  /** How often the agent runs it unless configured. */
  intervalMs: number;
  /** Off by default: runs only with --enable-probe (probes.enable) or when named in --probe. */
  optIn?: boolean;
}

/** The probes help lists, and the agent's re-discovery interval. */
export interface HelpCatalogue {
  probes: readonly ProbeSummary[];
  discoveryIntervalMs: number;
}

/** What main() gives each command module: the streams, and a wrapper that turns a result into the exit code. */
export interface CliContext {
  io: Io;
  handle<A>(run: (argv: A) => Promise<number>): (argv: A) => Promise<void>;
  /** The probes, for the help of a command that runs them or to complete an id (else not loaded). */
  catalogue?: HelpCatalogue | undefined;
}

/** A command module adds its command, flags and help to the parser. */
export type CommandModule = (y: Argv, ctx: CliContext) => Argv;

export function version(): string {
  return (JSON.parse(readFileSync(`${packageRoot()}/package.json`, 'utf8')) as { version: string }).version;
}

/** The git commit the build was made from (tools/bundle.mjs records it); "unknown" without one. */
export function buildCommit(): string {
  try {
    const info = JSON.parse(readFileSync(`${packageRoot()}/dist/build-info.json`, 'utf8')) as {
      commit?: unknown;
    };
    return typeof info.commit === 'string' && /^[0-9a-f]{7,64}$/.test(info.commit) ? info.commit : 'unknown';
  } catch {
    return 'unknown';
  }
}

/** `hsmwatch --version`: version, commit, Node.js and platform, on one line. */
export function versionLine(): string {
  return `hsmwatch ${version()} (commit ${buildCommit()}, Node.js ${process.version}, ${process.platform}/${process.arch})`;
}

export interface DiagnoseArgs {
  config?: string | undefined;
  output?: string | undefined;
  region?: string | undefined;
  profile?: string | undefined;
  'cluster-id'?: string[] | undefined;
  'hsm-ip'?: string[] | undefined;
  ports?: string | undefined;
  timeout?: string | undefined;
  concurrency?: number | undefined;
  strict?: boolean | undefined;
  verbose?: boolean | undefined;
  'endpoint-url'?: string | undefined;
  probe?: string[] | undefined;
  'skip-probe'?: string[] | undefined;
  'enable-probe'?: string[] | undefined;
  'ca-bundle'?: string | undefined;
  proxy?: string | undefined;
  noproxy?: string | undefined;
  debug?: boolean | undefined;
}

/**
 * Options shared by every command that discovers and probes; `report: false` for the commands that
 * print no report (agent, snapshot), which then do not offer --output and --strict. `probes`: the
 * catalogue, listed in the help.
 */
export function withDiagnoseOptions<T>(
  y: Argv<T>,
  o: { report?: boolean; catalogue?: HelpCatalogue | undefined; caBundle?: boolean } = {},
) {
  // The main options first, then how HTTPS to AWS is made (yargs prints groups as first named).
  const discovery = discoveryOptions(y, o.catalogue).group(MAIN_OPTIONS, 'Options:');
  const https = ['proxy', 'noproxy', 'debug'];
  const common = withProxyAndDebug(
    o.caBundle === false ? discovery : withCaBundle(discovery).group(['ca-bundle'], HTTPS_GROUP),
  ).group(https, HTTPS_GROUP);
  if (o.report === false) return common;
  return common
    .option('output', {
      alias: 'o',
      choices: ['text', 'json'] as const,
      describe: 'report format',
      defaultDescription: 'text',
    })
    .option('strict', { type: 'boolean', describe: 'exit 1 on warnings too' })
    .option('verbose', { alias: 'v', type: 'boolean', describe: 'list the passing checks too' });
}

const HTTPS_GROUP = 'HTTPS to AWS (the SDK calls and the TLS checks):';
const MAIN_OPTIONS = [
  'version',
  'help',
  'config',
  'region',
  'profile',
  'cluster-id',
  'hsm-ip',
  'ports',
  'timeout',
  'concurrency',
  'endpoint-url',
  'probe',
  'skip-probe',
  'enable-probe',
];

/** --ca-bundle, as the AWS CLI's. */
export function withCaBundle<T>(y: Argv<T>) {
  return y.option('ca-bundle', {
    type: 'string',
    describe: 'PEM file of the CAs trusted instead of the system store',
    defaultDescription: 'AWS_CA_BUNDLE',
    requiresArg: true,
  });
}

const AWS_DEBUG =
  'on stderr, each AWS API request: operation, endpoint, HTTP status, request id, time (never a secret)';

/** --proxy, --noproxy (curl's spelling) and --debug, as the AWS CLI's. */
export function withProxyAndDebug<T>(y: Argv<T>, debug = AWS_DEBUG) {
  return y
    .option('proxy', {
      type: 'string',
      describe: 'HTTP proxy, tunnelled with CONNECT (http://[user:pass@]host:port)',
      defaultDescription: 'HTTPS_PROXY',
      requiresArg: true,
    })
    .option('noproxy', {
      type: 'string',
      describe: 'hosts not to proxy: names, .suffix, host:port, * (as curl --noproxy)',
      defaultDescription: 'NO_PROXY',
      requiresArg: true,
    })
    .option('debug', { type: 'boolean', describe: debug });
}

function discoveryOptions<T>(y: Argv<T>, catalogue: HelpCatalogue | undefined) {
  const common = y
    .strict()
    .option('config', {
      type: 'string',
      describe: 'YAML config file (same keys as the flags)',
      requiresArg: true,
    })
    .option('region', {
      type: 'string',
      describe: 'AWS region (default: AWS_REGION, profile, then IMDS)',
      requiresArg: true,
    })
    .option('profile', {
      type: 'string',
      describe: 'shared-config profile for credentials and region',
      requiresArg: true,
    })
    .option('cluster-id', {
      type: 'string',
      array: true,
      describe: 'cluster to check (repeatable; default: every cluster listed)',
      requiresArg: true,
    })
    .option('hsm-ip', {
      type: 'string',
      array: true,
      describe: 'HSM address to check (repeatable; skips the CloudHSM API)',
      requiresArg: true,
    })
    .option('ports', {
      type: 'string',
      describe: 'HSM ports: list and ranges',
      defaultDescription: '2223-2225',
      requiresArg: true,
    })
    .option('timeout', {
      type: 'string',
      describe: 'deadline of one TCP connect (500ms, 3s...)',
      defaultDescription: '3s',
      requiresArg: true,
    })
    .option('concurrency', {
      type: 'number',
      describe: 'connects in flight at once',
      defaultDescription: '32',
      requiresArg: true,
    })
    .option('endpoint-url', {
      type: 'string',
      describe: 'endpoint for every AWS API (else AWS_ENDPOINT_URL[_<SERVICE>])',
      requiresArg: true,
    });
  return withProbeSelection(common, catalogue);
}

/** --probe and --skip-probe, for every command that runs probes; with the catalogue, its ids in the help. */
export function withProbeSelection<T>(y: Argv<T>, catalogue?: HelpCatalogue) {
  const withOptions = y
    .option('probe', {
      type: 'string',
      array: true,
      describe: 'run only these probes (ids below)',
      requiresArg: true,
    })
    .option('skip-probe', {
      type: 'string',
      array: true,
      describe: 'do not run these probes',
      requiresArg: true,
    })
    .option('enable-probe', {
      type: 'string',
      array: true,
      describe: 'also run these probes that are off by default',
      requiresArg: true,
    });
  return catalogue ? withOptions.epilog(probeHelp(catalogue)) : withOptions;
}

const every = (ms: number) =>
  ms % 3_600_000 === 0 ? `${ms / 3_600_000}h` : ms % 60_000 === 0 ? `${ms / 60_000}m` : `${ms / 1000}s`;

/**
 * The probe ids for --probe / --skip-probe (yargs lays out two columns at the tab); with
 * `intervals`, the agent's schedule too, re-discovery first.
 */
export function probeHelp(c: HelpCatalogue, o: { intervals?: boolean } = {}): string {
  const line = (p: ProbeSummary) =>
    `  ${p.id}  \t${p.title}${o.intervals ? `, every ${every(p.intervalMs)}` : ''}`;
  const off = c.probes.filter((p) => p.optIn);
  const optIn = off.length
    ? ['', 'Off by default (add with --enable-probe <id>, config probes.enable):', ...off.map(line)]
    : [];
  const on = c.probes.filter((p) => !p.optIn).map(line);
  if (!o.intervals) return ['Probes (--probe, --skip-probe):', ...on, ...optIn, ''].join('\n');
  // The trailing spaces of a first cell are its right padding: the gap between the two columns.
  return [
    'Probes and their default intervals (--probe, --skip-probe; config agent.intervals.<id>):',
    `  discovery  \tre-discovery of the cluster(s) and their HSMs, every ${every(c.discoveryIntervalMs)}`,
    ...on,
    ...optIn,
  ].join('\n');
}

/** Starts the prober's connect thread now, so its start-up overlaps the command's own. */
export function startProberEarly(): void {
  void import('../prober/client.js').then((m) => m.startProber());
}

/** --probe / --skip-probe / --enable-probe as the config's `probes` key. */
export function probeSelection(
  argv: Pick<DiagnoseArgs, 'probe' | 'skip-probe' | 'enable-probe'>,
): Record<string, unknown> {
  if (!argv.probe && !argv['skip-probe'] && !argv['enable-probe']) return {};
  return {
    probes: {
      ...(argv.probe ? { only: argv.probe } : {}),
      ...(argv['skip-probe'] ? { skip: argv['skip-probe'] } : {}),
      ...(argv['enable-probe'] ? { enable: argv['enable-probe'] } : {}),
    },
  };
}
