// `hsmwatch tls HOST[:PORT]...`: the TLS checks against any endpoint. Prints the report object with
// `endpoints` and `findings` only (JSON), or a readable summary.

import { checkEndpoint } from '../../probes/tls-endpoints/check.js';
import { ConfigError, loadConfigFile, resolveSettings, validateConfig } from '../config/settings.js';
import type { EndpointRecord, Finding } from '../model/index.js';
import { exitCodeFor, summarise } from '../report/build.js';
import { makeStyle, renderEndpoints, renderFindings, renderSummary, wantColour } from '../report/text.js';
import { checkOptionsFrom, parseTarget } from '../tls/endpoint-set.js';
import { mapLimit } from '../util/concurrency.js';
import type { CommandModule, Io } from './shared.js';

export interface TlsArgs {
  targets?: string[] | undefined;
  config?: string | undefined;
  output?: string | undefined;
  timeout?: string | undefined;
  'ca-bundle'?: string | undefined;
  proxy?: string | undefined;
  noproxy?: string | undefined;
  'warn-days'?: number | undefined;
  aws?: boolean | undefined;
  strict?: boolean | undefined;
}

export const tlsCommand: CommandModule = (y, { io, handle }) =>
  y.command(
    'tls <targets..>',
    'the TLS checks against any endpoint: versions, suites, forward secrecy, certificate, interception',
    (c) =>
      c
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
        .example('$0 tls sts.us-east-1.amazonaws.com', 'versions, suites, certificate and interception check')
        .example(
          '$0 tls vpce-0abc.ec2.us-east-1.vpce.amazonaws.com:443 --output json',
          'the endpoints[] and findings[] objects',
        ),
    handle((argv: TlsArgs) => runTlsCommand(argv, io)),
  );

export async function runTlsCommand(argv: TlsArgs, io: Io): Promise<number> {
  const flags: Record<string, unknown> = {};
  if (argv.output !== undefined) flags.output = argv.output;
  if (argv['ca-bundle'] !== undefined) flags.caBundle = argv['ca-bundle'];
  if (argv.proxy !== undefined) flags.proxy = argv.proxy;
  if (argv.noproxy !== undefined) flags.noProxy = argv.noproxy;
  if (argv.strict !== undefined) flags.strict = argv.strict;
  const tls: Record<string, unknown> = {};
  if (argv.timeout !== undefined) tls.timeout = argv.timeout;
  if (argv['warn-days'] !== undefined) tls.certWarnDays = argv['warn-days'];
  if (Object.keys(tls).length) flags.tls = tls;
  const settings = resolveSettings(
    argv.config ? loadConfigFile(argv.config) : {},
    validateConfig(flags, 'command line', true),
  );
  const targets = (argv.targets ?? []).map((t) => ({ spec: t, target: parseTarget(t) }));
  const bad = targets.filter((t) => t.target === null).map((t) => t.spec);
  if (bad.length) throw new ConfigError(`command line: not a HOST[:PORT]: ${bad.join(', ')}`);
  if (targets.length === 0) throw new ConfigError('command line: name at least one HOST[:PORT]');
  let opts: ReturnType<typeof checkOptionsFrom>;
  try {
    opts = checkOptionsFrom(settings);
  } catch (e) {
    throw new ConfigError(
      `caBundle: cannot read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`,
    );
  }
  const results = await mapLimit(targets, 4, ({ target }) =>
    checkEndpoint({ ...target!, aws: Boolean(argv.aws) }, opts),
  );
  const endpoints: EndpointRecord[] = results.map((r) => r.record);
  const findings: Finding[] = results.flatMap((r) => r.findings);
  const summary = summarise(findings);
  if (settings.output === 'json') {
    io.stdout.write(`${JSON.stringify({ endpoints, findings }, null, 2)}\n`);
  } else {
    io.stdout.write(renderTls(endpoints, findings, makeStyle(wantColour(io.stdout))));
  }
  return exitCodeFor({ summary }, settings.strict);
}

export function renderTls(
  endpoints: readonly EndpointRecord[],
  findings: readonly Finding[],
  style: ReturnType<typeof makeStyle>,
): string {
  return `${[...renderEndpoints(endpoints, style), ...renderFindings(findings, style), renderSummary(findings, style)].join('\n')}\n`;
}
