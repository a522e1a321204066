// The hsmwatch command line. main() is exported and parses nothing at import time.
import { readFileSync } from 'node:fs';
import yargs, { type Argv } from 'yargs';
import { hideBin } from 'yargs/helpers';
import { PROBES } from '../probes/index.js';
import { ConfigError, loadConfigFile, resolveSettings, type Settings, validateConfig } from './config.js';
import { type Diagnosis, diagnose, UsageError } from './diagnose.js';
import { packageRoot } from './paths.js';
import { makeProgress } from './progress.js';
import { exitCodeFor } from './report/build.js';
import { makeStyle, renderText, wantColour } from './report/text.js';

export const EXIT = { ok: 0, failed: 1, usage: 2 } as const;

interface Io {
  stdout: NodeJS.WriteStream;
  stderr: NodeJS.WriteStream;
}

export function version(): string {
  return (JSON.parse(readFileSync(`${packageRoot()}/package.json`, 'utf8')) as { version: string }).version;
}

/** Options shared by every command that discovers and probes. */
export function withDiagnoseOptions<T>(y: Argv<T>) {
  return y
    .option('config', {
      type: 'string',
      describe: 'YAML config file (same keys as the flags)',
      requiresArg: true,
    })
    .option('output', {
      alias: 'o',
      choices: ['text', 'json'] as const,
      describe: 'report format',
      defaultDescription: 'text',
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
    .option('strict', { type: 'boolean', describe: 'exit 1 on warnings too' })
    .option('endpoint-url', {
      type: 'string',
      describe: 'endpoint for every AWS API (else AWS_ENDPOINT_URL[_<SERVICE>])',
      requiresArg: true,
    })
    .option('probe', {
      type: 'string',
      array: true,
      describe: `run only these probes (${PROBES.map((p) => p.id).join(', ')})`,
      requiresArg: true,
    })
    .option('skip-probe', {
      type: 'string',
      array: true,
      describe: 'do not run these probes',
      requiresArg: true,
    });
}

interface DiagnoseArgs {
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

/** Config file, then flags; both validated by the same schema. */
export function settingsFromArgs(argv: DiagnoseArgs, ...extra: Parameters<typeof resolveSettings>): Settings {
  const file = argv.config ? loadConfigFile(argv.config) : {};
  const flags: Record<string, unknown> = {};
  const set = (key: string, v: unknown) => {
    if (v !== undefined) flags[key] = v;
  };
  set('output', argv.output);
  set('region', argv.region);
  set('profile', argv.profile);
  set('clusterIds', argv['cluster-id']);
  set('hsmIps', argv['hsm-ip']);
  set('ports', argv.ports);
  set('timeout', argv.timeout);
  set('concurrency', argv.concurrency);
  set('strict', argv.strict);
  set('endpointUrl', argv['endpoint-url']);
  if (argv.probe || argv['skip-probe'])
    flags.probes = {
      ...(argv.probe ? { only: argv.probe } : {}),
      ...(argv['skip-probe'] ? { skip: argv['skip-probe'] } : {}),
    };
  return resolveSettings(file, ...extra, validateConfig(flags, 'command line', true));
}

export async function printDiagnosis(d: Diagnosis, settings: Settings, io: Io): Promise<number> {
  if (settings.output === 'json') {
    io.stdout.write(`${JSON.stringify(d.report, null, 2)}\n`);
  } else {
    io.stdout.write(renderText(d.report, d.env, makeStyle(wantColour(io.stdout))));
  }
  return exitCodeFor(d.report, settings.strict);
}

export async function runDiagnose(argv: DiagnoseArgs, io: Io): Promise<number> {
  const settings = settingsFromArgs(argv);
  const progress = makeProgress(io.stderr, wantColour(io.stderr));
  try {
    const d = await diagnose(settings, { progress: progress.update });
    progress.done();
    return await printDiagnosis(d, settings, io);
  } finally {
    progress.done();
  }
}

export function buildCli(args: string[], io: Io, setExit: (code: number) => void) {
  const guard = (fn: (argv: never) => Promise<number>) => async (argv: unknown) => {
    try {
      setExit(await fn(argv as never));
    } catch (e) {
      if (e instanceof ConfigError || e instanceof UsageError) {
        io.stderr.write(`hsmwatch: ${e.message}\n`);
        setExit(EXIT.usage);
      } else {
        io.stderr.write(`hsmwatch: internal error: ${(e as Error)?.stack ?? e}\n`);
        setExit(EXIT.failed);
      }
    }
  };
  return yargs(args)
    .scriptName('hsmwatch')
    .usage('$0 <command> [options]\n\nConnectivity and TLS diagnostics for AWS CloudHSM clients.')
    .command(
      'diagnose',
      'discover the cluster, check every HSM and port once, print the report',
      (y) =>
        withDiagnoseOptions(y)
          .example('$0 diagnose', 'on an EC2 client: find the cluster(s) and check everything')
          .example(
            '$0 diagnose --cluster-id cluster-abcdefghijk --output json',
            'one cluster, machine-readable',
          )
          .example('$0 diagnose --hsm-ip 10.0.1.12 --hsm-ip 10.0.2.12 --ports 2223-2225', 'no AWS API needed')
          .epilog(
            'Exit status: 0 all pass, 1 a check failed (or a warning with --strict), 2 usage or config error.',
          ),
      guard((argv: DiagnoseArgs) => runDiagnose(argv, io)),
    )
    .command(
      'demo',
      'start a simulated cluster on loopback and diagnose it (no AWS account needed)',
      (y) =>
        withDiagnoseOptions(y)
          .option('scenario', { type: 'string', describe: 'scenario name (see --list)', default: 'healthy' })
          .option('scenario-file', {
            type: 'string',
            describe: 'a scenario JSON file instead of a built-in one',
            requiresArg: true,
          })
          .option('list', { type: 'boolean', describe: 'list the built-in scenarios' })
          .example('$0 demo', 'three HSMs in three AZs, all reachable')
          .example(
            '$0 demo --scenario port-blocked',
            'one HSM port silently dropped (needs a private network namespace)',
          ),
      guard(async (argv: DiagnoseArgs & { scenario: string; 'scenario-file'?: string; list?: boolean }) => {
        const { runDemoCommand } = await import('./sim/demo.js');
        return runDemoCommand(argv, io);
      }),
    )
    .example('$0 diagnose', 'check this instance against its cluster(s)')
    .example('$0 demo --scenario hsm-down', 'see a report without an AWS account')
    .demandCommand(1, 'name a command (see --help)')
    .strict()
    .recommendCommands()
    .version(version())
    .help()
    .alias('help', 'h')
    .wrap(Math.min(110, process.stdout.columns || 100))
    .fail((msg, err) => {
      if (err) throw err;
      io.stderr.write(`hsmwatch: ${msg}\nRun 'hsmwatch --help' for usage.\n`);
      setExit(EXIT.usage);
    });
}

export async function main(args: string[] = hideBin(process.argv)): Promise<void> {
  const io = { stdout: process.stdout, stderr: process.stderr };
  let code = 0;
  await buildCli(args, io, (c) => {
    code = c;
  }).parseAsync();
  process.exitCode = code;
}
