// What `hsmwatch tls` runs: the tls-endpoints probe's check against the targets named, printed as the
// report object with `endpoints` and `findings` only (JSON), or a readable summary.

import { checkEndpoint } from '../../probes/tls-endpoints/check.js';
import { ConfigError, loadConfigFile, resolveSettings, validateConfig } from '../config/settings.js';
import type { EndpointRecord, Finding } from '../model/index.js';
import { exitCodeFor, summarise } from '../report/build.js';
import { makeStyle, renderEndpoints, renderFindings, renderSummary, wantColour } from '../report/text.js';
import { checkOptionsFrom, parseTarget } from '../tls/endpoint-set.js';
import { mapLimit } from '../util/concurrency.js';
import type { Io } from './shared.js';

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
