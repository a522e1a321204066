// What `hsmwatch tls` runs: the tls-endpoints probe's check against the targets named, printed as the
// report object with `endpoints` and `findings` only (JSON), or a readable summary.

import { checkEndpoint } from '../../probes/tls-endpoints/check.js';
import { requireCaBundle } from '../aws/ca-bundle.js';
import { ConfigError, loadConfigFile, resolveSettings, validateConfig } from '../config/settings.js';
import type { EndpointRecord, Finding } from '../model/index.js';
import { exitCodeFor, summarise } from '../report/build.js';
import {
  makeStyle,
  renderEndpoints,
  renderFindings,
  renderSummary,
  renderVerdict,
  reportWidth,
  wantColour,
} from '../report/text.js';
import { verdictOf } from '../report/verdict.js';
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
  debug?: boolean | undefined;
}

export async function runTlsCommand(argv: TlsArgs, io: Io): Promise<number> {
  const flags: Record<string, unknown> = {};
  if (argv.output !== undefined) flags.output = argv.output;
  if (argv['ca-bundle'] !== undefined) flags.caBundle = argv['ca-bundle'];
  if (argv.proxy !== undefined) flags.proxy = argv.proxy;
  if (argv.noproxy !== undefined) flags.noProxy = argv.noproxy;
  if (argv.strict !== undefined) flags.strict = argv.strict;
  if (argv.debug !== undefined) flags.debug = argv.debug;
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
  requireCaBundle(settings);
  const opts = checkOptionsFrom(settings);
  const results = await mapLimit(targets, 4, async ({ target }) => {
    const t0 = performance.now();
    const r = await checkEndpoint({ ...target!, aws: Boolean(argv.aws) }, opts);
    if (settings.debug) io.stderr.write(`hsmwatch debug: ${debugLine(r.record, performance.now() - t0)}\n`);
    return r;
  });
  const endpoints: EndpointRecord[] = results.map((r) => r.record);
  const findings: Finding[] = results.flatMap((r) => r.findings);
  const summary = summarise(findings);
  if (settings.output === 'json') {
    io.stdout.write(`${JSON.stringify({ endpoints, findings }, null, 2)}\n`);
  } else {
    io.stdout.write(renderTls(endpoints, findings, makeStyle(wantColour(io.stdout)), reportWidth(io.stdout)));
  }
  return exitCodeFor({ summary }, settings.strict);
}

/** --debug: what the check of one endpoint did (it makes no AWS API request, only TLS handshakes). */
function debugLine(r: EndpointRecord, ms: number): string {
  const addresses = Array.isArray(r.addresses) && r.addresses.length ? r.addresses.join(',') : '-';
  return [
    `tls ${r.host.includes(':') ? `[${r.host}]` : r.host}:${r.port}`,
    `addresses=${addresses}`,
    `proxy=${typeof r.proxy === 'string' ? r.proxy : 'none'}`,
    `protocol=${r.protocol ?? '-'}`,
    `handshake=${typeof r.handshakeMs === 'number' ? `${r.handshakeMs}ms` : '-'}`,
    `accepted=${Array.isArray(r.acceptedVersions) && r.acceptedVersions.length ? r.acceptedVersions.join(',') : '-'}`,
    `time=${ms.toFixed(1)}ms`,
  ].join(' ');
}

export function renderTls(
  endpoints: readonly EndpointRecord[],
  findings: readonly Finding[],
  style: ReturnType<typeof makeStyle>,
  width = 80,
): string {
  const problems = findings.filter((f) => f.status !== 'pass');
  return `${[
    ...renderVerdict(verdictOf({ paths: [], findings }, []), style, width),
    '',
    ...renderFindings(problems, style, width),
    ...renderEndpoints(endpoints, style, width),
    renderSummary(findings, style),
  ].join('\n')}\n`;
}
