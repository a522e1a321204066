// `hsmwatch demo --agent`: the agent, in this process, against the simulated world on loopback; its
// addresses on stdout, its logs on stderr; SIGINT or SIGTERM stops it (and then the world).
import { DEFAULTS } from '../config/settings.js';
import { DEMO_CREDENTIALS, type World } from '../sim/world.js';
import { builtSibling } from '../util/built-file.js';
import { type AgentArgs, logOptions, webFlags } from './agent.js';
import { buildCommit, type Io, version } from './shared.js';

const DEMO_LISTEN = '127.0.0.1:10223';

/** `note`: what the demo says of the simulation, printed above the addresses. */
export async function runDemoAgent(argv: AgentArgs, io: Io, world: World, note: string): Promise<number> {
  const [{ runAgent }, { PROBES }, { validateConfig }, { settingsFromArgs }] = await Promise.all([
    import('../agent/index.js'),
    import('../../probes/index.js'),
    import('../config/settings.js'),
    import('./settings-args.js'),
  ]);
  const webLayer = validateConfig(webFlags(argv), 'command line', true);
  // The agent's AWS process takes the SDK's credential chain: give it the simulation's keys, first
  // in the chain, so no profile or instance role of this host is ever asked.
  process.env.AWS_ACCESS_KEY_ID = DEMO_CREDENTIALS.accessKeyId;
  process.env.AWS_SECRET_ACCESS_KEY = DEMO_CREDENTIALS.secretAccessKey;
  delete process.env.AWS_SESSION_TOKEN;
  delete process.env.AWS_PROFILE;
  const loadSettings = () => {
    const s = world.apply(settingsFromArgs(argv, webLayer));
    s.profile = undefined;
    // Loopback unless asked otherwise: the demo's agent is for this machine's browser.
    if (s.web.listenAddress === DEFAULTS.web.listenAddress && argv['web.listen-address'] === undefined)
      s.web.listenAddress = DEMO_LISTEN;
    return s;
  };
  return runAgent({
    probes: PROBES,
    awsTaskScript: builtSibling(import.meta.url, 'aws-task.js'),
    loadSettings,
    version: version(),
    commit: buildCommit(),
    logOut: io.stderr,
    ...logOptions(argv),
    onListening: (url, telemetryPath) =>
      io.stdout.write(
        [
          note,
          `  status page: ${url}/`,
          `  metrics:     ${url}${telemetryPath}`,
          `  report:      ${url}/report`,
          'Stop with Ctrl-C (SIGINT) or SIGTERM.',
          '',
        ].join('\n'),
      ),
  });
}
