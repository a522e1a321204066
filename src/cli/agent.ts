// `hsmwatch agent`: the daemon. The flags are here; the daemon itself is src/agent.
import { builtSibling } from '../util/built-file.js';
import { type CommandModule, type DiagnoseArgs, version, withDiagnoseOptions } from './shared.js';

interface AgentArgs extends DiagnoseArgs {
  'web.listen-address'?: string | undefined;
  'web.config.file'?: string | undefined;
  'log.level'?: 'debug' | 'info' | 'warn' | 'error' | undefined;
  'log.format'?: 'json' | 'text' | undefined;
}

export const agentCommand: CommandModule = (y, { handle }) =>
  y.command(
    'agent',
    'daemon: probe on a schedule, serve /metrics, /report and a status page',
    (c) =>
      withDiagnoseOptions(c, { report: false })
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
        .example('$0 agent --config /etc/hsmwatch/config.yaml --web.config.file /etc/hsmwatch/web.yaml', ''),
    handle(async (argv: AgentArgs) => {
      const [{ runAgent }, { PROBES }, { validateConfig }, { settingsFromArgs }] = await Promise.all([
        import('../agent/index.js'),
        import('../../probes/index.js'),
        import('../config/settings.js'),
        import('./settings-args.js'),
      ]);
      const web: Record<string, unknown> = {};
      if (argv['web.listen-address'] !== undefined) web.listenAddress = argv['web.listen-address'];
      if (argv['web.config.file'] !== undefined) web.configFile = argv['web.config.file'];
      const webLayer = validateConfig(Object.keys(web).length ? { web } : {}, 'command line', true);
      return runAgent({
        probes: PROBES,
        awsTaskScript: builtSibling(import.meta.url, 'aws-task.js'),
        loadSettings: () => settingsFromArgs(argv, webLayer),
        version: version(),
        ...(argv['log.level'] ? { logLevel: argv['log.level'] } : {}),
        ...(argv['log.format'] ? { logFormat: argv['log.format'] } : {}),
      });
    }),
  );
