// Settings from the command line and the config file, and how a diagnosis is printed: what the
// handlers of the discovering commands load when they run.
import { requireCaBundle } from '../aws/ca-bundle.js';
import { loadConfigFile, resolveSettings, type Settings, validateConfig } from '../config/settings.js';
import { isUsageFailure } from '../core/findings.js';
import type { Diagnosis } from '../diagnosis/diagnose.js';
import { exitCodeFor } from '../report/build.js';
import { makeStyle, renderText, reportWidth, wantColour } from '../report/text.js';
import { rememberSecrets } from '../util/redact.js';
import { type DiagnoseArgs, EXIT, type Io, probeSelection } from './shared.js';

/** Config file, then flags; both validated by the same schema. */
export function settingsFromArgs(argv: DiagnoseArgs, ...extra: Parameters<typeof resolveSettings>): Settings {
  const file = argv.config ? loadConfigFile(argv.config) : {};
  const flags: Record<string, unknown> = probeSelection(argv);
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
  set('verbose', argv.verbose);
  set('endpointUrl', argv['endpoint-url']);
  set('caBundle', argv['ca-bundle']);
  set('proxy', argv.proxy);
  set('noProxy', argv.noproxy);
  set('debug', argv.debug);
  return resolveSettings(file, ...extra, validateConfig(flags, 'command line', true));
}

/**
 * Settings of a command that calls AWS (diagnose, snapshot, agent): also an unusable CA bundle is a
 * configuration error, said once, before anything runs (not a failed check per AWS call).
 */
export function awsSettingsFromArgs(
  argv: DiagnoseArgs,
  ...extra: Parameters<typeof resolveSettings>
): Settings {
  const settings = settingsFromArgs(argv, ...extra);
  requireCaBundle(settings);
  return settings;
}

/** The report on `io` (whose streams the command line redacts: src/cli/parser.ts). */
export function printDiagnosis(d: Diagnosis, settings: Settings, io: Io): number {
  // Credentials the environment was given (the demo's) are known values to mask, as the SDK chain's.
  const c = d.env.credentials;
  if (c) rememberSecrets(c.accessKeyId, c.secretAccessKey, c.sessionToken);
  if (settings.output === 'json') {
    io.stdout.write(`${JSON.stringify(d.report, null, 2)}\n`);
  } else {
    const o = { width: reportWidth(io.stdout), verbose: settings.verbose };
    io.stdout.write(renderText(d.report, d.env, makeStyle(wantColour(io.stdout)), o));
  }
  return isUsageFailure(d.report.findings) ? EXIT.usage : exitCodeFor(d.report, settings.strict);
}
