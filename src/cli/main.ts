// The hsmwatch command line. main() is exported and parses nothing at import time.
import { readFileSync } from 'node:fs';
import yargs, { type Argv } from 'yargs';
import { hideBin } from 'yargs/helpers';
import {
  ConfigError,
  loadConfigFile,
  resolveSettings,
  type Settings,
  UsageError,
  validateConfig,
} from '../config/settings.js';
import type { Diagnosis } from '../diagnosis/diagnose.js';
import { exitCodeFor } from '../report/build.js';
import { makeStyle, renderText, wantColour } from '../report/text.js';
import { packageRoot } from '../util/paths.js';
import { makeProgress } from './progress.js';

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
    .strict()
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

interface AgentArgs extends DiagnoseArgs {
  'web.listen-address'?: string | undefined;
  'web.config.file'?: string | undefined;
  'log.level'?: 'debug' | 'info' | 'warn' | 'error' | undefined;
  'log.format'?: 'json' | 'text' | undefined;
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
    // Loaded on use: the AWS SDK takes most of the start-up time.
    const { diagnose } = await import('../diagnosis/diagnose.js');
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
        const { runDemoCommand } = await import('./demo.js');
        return runDemoCommand(argv, io);
      }),
    )
    .command(
      'snapshot',
      'capture what discovery reads (AWS answers, instance facts) into one JSON file',
      (y) =>
        withDiagnoseOptions(y)
          .option('out', { type: 'string', describe: 'file to write (default: stdout)', requiresArg: true })
          .example(
            '$0 snapshot --out hsmwatch-snapshot.json',
            'then: hsmwatch analyze hsmwatch-snapshot.json',
          ),
      guard(async (argv: DiagnoseArgs & { out?: string }) => {
        const { runSnapshot } = await import('./snapshot-analyze.js');
        return runSnapshot(argv, io);
      }),
    )
    .command(
      'analyze <file>',
      'run every static check (security groups, NACLs, routes) on a snapshot, offline',
      (y) =>
        y
          .strict()
          .positional('file', { type: 'string', describe: 'snapshot JSON file', demandOption: true })
          .option('output', { alias: 'o', choices: ['text', 'json'] as const, describe: 'report format' })
          .option('cluster-id', {
            type: 'string',
            array: true,
            describe: 'clusters to analyse',
            requiresArg: true,
          })
          .option('strict', { type: 'boolean', describe: 'exit 1 on warnings too' })
          .option('ephemeral-ports', {
            type: 'string',
            describe: "the client's ephemeral port range for return traffic",
            defaultDescription: '1024-65535',
            requiresArg: true,
          })
          .option('probe', {
            type: 'string',
            array: true,
            describe: 'run only these probes',
            requiresArg: true,
          })
          .option('skip-probe', {
            type: 'string',
            array: true,
            describe: 'do not run these probes',
            requiresArg: true,
          })
          .example('$0 analyze snapshot.json --output json', 'the report, with no network access at all'),
      guard(async (argv: import('./snapshot-analyze.js').AnalyzeArgs) => {
        const { runAnalyze } = await import('./snapshot-analyze.js');
        return runAnalyze(argv, io);
      }),
    )
    .command(
      'tls <targets..>',
      'the TLS checks against any endpoint: versions, suites, forward secrecy, certificate, interception',
      (y) =>
        y
          .positional('targets', { type: 'string', array: true, describe: 'HOST[:PORT] (default port 443)' })
          .option('config', { type: 'string', describe: 'YAML config file', requiresArg: true })
          .option('output', { alias: 'o', choices: ['text', 'json'] as const, describe: 'report format' })
          .option('timeout', {
            type: 'string',
            describe: 'deadline of one handshake',
            defaultDescription: '5s',
            requiresArg: true,
          })
          .option('ca-bundle', {
            type: 'string',
            describe: 'PEM file of trusted CAs instead of the system store',
            requiresArg: true,
          })
          .option('proxy', {
            type: 'string',
            describe: 'HTTP proxy for CONNECT (default: HTTPS_PROXY)',
            requiresArg: true,
          })
          .option('noproxy', {
            type: 'string',
            describe: 'hosts not to proxy, as curl --noproxy (default: NO_PROXY)',
            requiresArg: true,
          })
          .option('warn-days', {
            type: 'number',
            describe: 'warn when the certificate expires sooner',
            defaultDescription: '30',
            requiresArg: true,
          })
          .option('aws', {
            type: 'boolean',
            describe: 'hold the targets to AWS expectations (TLS 1.3, Amazon chain) whatever their names',
          })
          .option('strict', { type: 'boolean', describe: 'exit 1 on warnings too' })
          .example(
            '$0 tls sts.us-east-1.amazonaws.com',
            'versions, suites, certificate and interception check',
          )
          .example(
            '$0 tls vpce-0abc.ec2.us-east-1.vpce.amazonaws.com:443 --output json',
            'the endpoints[] and findings[] objects',
          ),
      guard(async (argv: import('./tls.js').TlsArgs) => {
        const { runTlsCommand } = await import('./tls.js');
        return runTlsCommand(argv, io);
      }),
    )
    .command(
      'iam-policy',
      'print the least-privilege IAM policy hsmwatch needs (read-only actions)',
      (y) => y.strict(),
      guard(async () => (await import('./snapshot-analyze.js')).runIamPolicy(io)),
    )
    .command(
      'agent',
      'daemon: probe on a schedule, serve /metrics, /report and a status page',
      (y) =>
        withDiagnoseOptions(y)
          .parserConfiguration({ 'dot-notation': false })
          .option('web.listen-address', {
            type: 'string',
            describe: 'address to listen on ([host]:port)',
            defaultDescription: ':10223',
            requiresArg: true,
          })
          .option('web.config.file', {
            type: 'string',
            describe: 'exporter-toolkit web config: TLS and basic auth',
            requiresArg: true,
          })
          .option('log.level', {
            choices: ['debug', 'info', 'warn', 'error'] as const,
            describe: 'least severe log level written',
            defaultDescription: 'info',
          })
          .option('log.format', {
            choices: ['json', 'text'] as const,
            describe: 'log format on stdout',
            defaultDescription: 'text on a terminal, else json',
          })
          .example('$0 agent', 'discover the cluster(s) and serve metrics on :10223')
          .example(
            '$0 agent --config /etc/hsmwatch/config.yaml --web.config.file /etc/hsmwatch/web.yaml',
            '',
          ),
      guard(async (argv: AgentArgs) => {
        const { runAgent } = await import('../agent/index.js');
        const web: Record<string, unknown> = {};
        if (argv['web.listen-address'] !== undefined) web.listenAddress = argv['web.listen-address'];
        if (argv['web.config.file'] !== undefined) web.configFile = argv['web.config.file'];
        const webLayer = validateConfig(Object.keys(web).length ? { web } : {}, 'command line', true);
        return runAgent({
          loadSettings: () => settingsFromArgs(argv, webLayer),
          version: version(),
          ...(argv['log.level'] ? { logLevel: argv['log.level'] } : {}),
          ...(argv['log.format'] ? { logFormat: argv['log.format'] } : {}),
        });
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
      // yargs would still run the command's handler after a failed validation unless we throw.
      throw new UsageAbort();
    });
}

class UsageAbort extends Error {}

export async function main(args: string[] = hideBin(process.argv)): Promise<void> {
  const io = { stdout: process.stdout, stderr: process.stderr };
  let code = 0;
  try {
    await buildCli(args, io, (c) => {
      code = c;
    }).parseAsync();
  } catch (e) {
    if (!(e instanceof UsageAbort)) throw e;
  }
  process.exitCode = code;
}
