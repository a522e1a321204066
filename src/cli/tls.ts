// `hsmwatch tls HOST[:PORT]...`: the TLS checks against any endpoint (the handler is in tls-run.ts).
import { type CommandModule, startProberEarly, withCaBundle, withProxyAndDebug } from './shared.js';
import type { TlsArgs } from './tls-run.js';

export const tlsCommand: CommandModule = (y, { io, handle }) =>
  y.command(
    'tls <targets..>',
    'the TLS checks against any endpoint: versions, suites, forward secrecy, certificate, interception',
    (c) =>
      withProxyAndDebug(
        withCaBundle(c),
        'on stderr, per endpoint: addresses, proxy, protocol, handshake and check time',
      )
        .positional('targets', { type: 'string', array: true, describe: 'HOST[:PORT] (default port 443)' })
        .option('config', { type: 'string', describe: 'YAML config file', requiresArg: true })
        .option('output', { alias: 'o', choices: ['text', 'json'] as const, describe: 'report format' })
        .option('timeout', {
          type: 'string',
          describe: 'deadline of one handshake',
          defaultDescription: '5s',
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
        .example('$0 tls sts.us-east-1.amazonaws.com', 'versions, suites, certificate and interception check')
        .example(
          '$0 tls ec2.us-east-1.amazonaws.com:443 --output json',
          'the endpoints[] and findings[] objects',
        ),
    handle(async (argv: TlsArgs) => {
      startProberEarly();
      return (await import('./tls-run.js')).runTlsCommand(argv, io);
    }),
  );
