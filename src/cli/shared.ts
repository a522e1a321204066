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

/** What main() gives each command module: the streams, and a wrapper that turns a result into the exit code. */
export interface CliContext {
  io: Io;
  handle<A>(run: (argv: A) => Promise<number>): (argv: A) => Promise<void>;
}

/** A command module adds its command, flags and help to the parser. */
export type CommandModule = (y: Argv, ctx: CliContext) => Argv;

export function version(): string {
  return (JSON.parse(readFileSync(`${packageRoot()}/package.json`, 'utf8')) as { version: string }).version;
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
  'endpoint-url'?: string | undefined;
  probe?: string[] | undefined;
  'skip-probe'?: string[] | undefined;
}

/**
 * Options shared by every command that discovers and probes; `report: false` for the commands that
 * print no report (agent, snapshot), which then do not offer --output and --strict.
 */
export function withDiagnoseOptions<T>(y: Argv<T>, o: { report?: boolean } = {}) {
  const common = discoveryOptions(y);
  if (o.report === false) return common;
  return common
    .option('output', {
      alias: 'o',
      choices: ['text', 'json'] as const,
      describe: 'report format',
      defaultDescription: 'text',
    })
    .option('strict', { type: 'boolean', describe: 'exit 1 on warnings too' });
}

function discoveryOptions<T>(y: Argv<T>) {
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
  return withProbeSelection(common);
}

/** --probe and --skip-probe, for every command that runs probes. */
export function withProbeSelection<T>(y: Argv<T>) {
  return y
    .option('probe', {
      type: 'string',
      array: true,
      // Probe ids are not listed here: loading the probes would load the AWS SDK on every start.
      describe: 'run only these probes (a wrong id is answered with the list)',
      requiresArg: true,
    })
    .option('skip-probe', {
      type: 'string',
      array: true,
      describe: 'do not run these probes',
      requiresArg: true,
    });
}

/** Starts the prober's connect thread now, so its start-up overlaps the command's own. */
export function startProberEarly(): void {
  void import('../prober/client.js').then((m) => m.startProber());
}

/** --probe / --skip-probe as the config's `probes` key. */
export function probeSelection(argv: Pick<DiagnoseArgs, 'probe' | 'skip-probe'>): Record<string, unknown> {
  if (!argv.probe && !argv['skip-probe']) return {};
  return {
    probes: {
      ...(argv.probe ? { only: argv.probe } : {}),
      ...(argv['skip-probe'] ? { skip: argv['skip-probe'] } : {}),
    },
  };
}
