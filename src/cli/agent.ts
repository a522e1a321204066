// `hsmwatch agent`: the daemon. The flags are here; the daemon itself is src/agent.
import type { Argv } from 'yargs';
import { builtSibling } from '../util/built-file.js';
import {
  buildCommit,
  type CommandModule,
  type DiagnoseArgs,
  probeHelp,
  version,
  withDiagnoseOptions,
} from './shared.js';

export interface AgentArgs extends DiagnoseArgs {
  'web.listen-address'?: string | undefined;
  'web.config.file'?: string | undefined;
  'web.telemetry-path'?: string | undefined;
  'log.level'?: 'debug' | 'info' | 'warn' | 'error' | undefined;
  'log.format'?: 'logfmt' | 'json' | 'text' | undefined;
}

/** --web.listen-address and --web.telemetry-path, as exporters spell them (agent, demo --agent). */
export function withWebOptions<T>(y: Argv<T>, o: { listenDefault: string }) {
  return y
    .parserConfiguration({ 'dot-notation': false })
    .option('web.listen-address', {
      type: 'string',
      describe: 'address to listen on ([host]:port)',
      defaultDescription: o.listenDefault,
      requiresArg: true,
    })
    .option('web.telemetry-path', {
      type: 'string',
      describe: 'path under which to expose metrics',
      defaultDescription: '/metrics',
      requiresArg: true,
    });
}

/** The web settings given as flags, as a config layer. */
export function webFlags(argv: AgentArgs): Record<string, unknown> {
  const web: Record<string, unknown> = {};
  if (argv['web.listen-address'] !== undefined) web.listenAddress = argv['web.listen-address'];
  if (argv['web.config.file'] !== undefined) web.configFile = argv['web.config.file'];
  if (argv['web.telemetry-path'] !== undefined) web.telemetryPath = argv['web.telemetry-path'];
  return Object.keys(web).length ? { web } : {};
}

/** --log.*: logfmt and json as Prometheus exporters; --debug lowers the level to debug unless set. */
export function logOptions(argv: AgentArgs) {
  const level = argv['log.level'] ?? (argv.debug ? 'debug' : undefined);
  return {
    ...(level ? { logLevel: level } : {}),
    ...(argv['log.format'] ? { logFormat: argv['log.format'] } : {}),
  };
}

export const agentCommand: CommandModule = (y, { handle, catalogue }) =>
  y.command(
    'agent',
    'daemon: probe on a schedule, serve /metrics, /report and a status page',
    (c) => {
      const withWeb = withWebOptions(withDiagnoseOptions(c, { report: false }), { listenDefault: ':10223' })
        .option('web.config.file', {
          type: 'string',
          describe: 'exporter-toolkit web config: TLS and basic auth',
          requiresArg: true,
        })
        .option('log.level', {
          choices: ['debug', 'info', 'warn', 'error'] as const,
          describe: 'least severe log level written (--debug: debug)',
          defaultDescription: 'info',
        })
        .option('log.format', {
          choices: ['logfmt', 'json', 'text'] as const,
          describe: 'log format on stdout (text: readable lines)',
          defaultDescription: 'text on a terminal, else json',
        })
        .example('$0 agent', 'discover the cluster(s) and serve metrics on :10223')
        .example('$0 agent --config /etc/hsmwatch/config.yaml --web.config.file /etc/hsmwatch/web.yaml', '');
      return catalogue ? withWeb.epilog(probeHelp(catalogue, { intervals: true })) : withWeb;
    },
    handle(async (argv: AgentArgs) => {
      const [{ runAgent }, { PROBES }, { validateConfig }, { awsSettingsFromArgs }] = await Promise.all([
        import('../agent/index.js'),
        import('../../probes/index.js'),
        import('../config/settings.js'),
        import('./settings-args.js'),
      ]);
      const webLayer = validateConfig(webFlags(argv), 'command line', true);
      return runAgent({
        probes: PROBES,
        awsTaskScript: builtSibling(import.meta.url, 'aws-task.js'),
        loadSettings: () => awsSettingsFromArgs(argv, webLayer),
        version: version(),
        commit: buildCommit(),
        ...logOptions(argv),
      });
    }),
  );
