// `hsmwatch demo`: a simulated cluster on loopback, diagnosed through the normal code path — or, with
// --agent, watched by the agent (demo-agent.ts) until SIGINT/SIGTERM.

import type { Settings } from '../config/settings.js';
import { wrapText } from '../report/wrap.js';
import type { Scenario } from '../sim/scenario.js';
import type { World } from '../sim/world.js';
import { withWebOptions } from './agent.js';
import { quietProgress } from './diagnose.js';
import { makeProgress } from './progress.js';
import {
  type CommandModule,
  type DiagnoseArgs,
  EXIT,
  type Io,
  startProberEarly,
  withDiagnoseOptions,
} from './shared.js';

export interface DemoArgs extends DiagnoseArgs {
  scenario: string;
  'scenario-file'?: string | undefined;
  list?: boolean | undefined;
  agent?: boolean | undefined;
  'web.listen-address'?: string | undefined;
  'web.telemetry-path'?: string | undefined;
}

export const demoCommand: CommandModule = (y, { io, handle, catalogue }) =>
  y.command(
    'demo',
    'start a simulated cluster on loopback and diagnose it (no AWS account needed)',
    (c) =>
      // No --ca-bundle: the simulated AWS speaks the demo's own test PKI, which the demo trusts.
      withWebOptions(withDiagnoseOptions(c, { catalogue, caBundle: false }), {
        listenDefault: '127.0.0.1:10223 (with --agent)',
      })
        .option('scenario', { type: 'string', describe: 'scenario name (see --list)', default: 'healthy' })
        .option('scenario-file', {
          type: 'string',
          describe: 'a scenario JSON file instead of a built-in one',
          requiresArg: true,
        })
        .option('list', { type: 'boolean', describe: 'list the built-in scenarios' })
        .option('agent', {
          type: 'boolean',
          describe: 'run the agent against the simulation (status page, /metrics) until Ctrl-C',
        })
        .conflicts('agent', ['output', 'strict', 'list'])
        .implies('web.listen-address', 'agent')
        .implies('web.telemetry-path', 'agent')
        .example('$0 demo', 'three HSMs in three AZs, all reachable')
        .example(
          '$0 demo --scenario port-blocked',
          'one HSM port silently dropped (needs a private network namespace)',
        )
        .example('$0 demo --agent', 'the agent on 127.0.0.1:10223, watching the simulated cluster'),
    handle((argv: DemoArgs) => runDemo(argv, io)),
  );

async function runDemo(argv: DemoArgs, io: Io): Promise<number> {
  if (!argv.list) startProberEarly();
  const [{ listScenarios, loadScenario, loadScenarioFile }, netns, { settingsFromArgs }] = await Promise.all([
    import('../sim/scenario.js'),
    import('../sim/netns.js'),
    import('./settings-args.js'),
  ]);
  const { IN_NETNS_ENV, needsNamespace, netnsSupport, rerunInNamespace, setupNamespace } = netns;
  if (argv.list) {
    for (const s of listScenarios()) io.stdout.write(`${s.name.padEnd(22)} ${s.description}\n`);
    return EXIT.ok;
  }
  let scenario: Scenario;
  try {
    scenario = argv['scenario-file'] ? loadScenarioFile(argv['scenario-file']) : loadScenario(argv.scenario);
  } catch (e) {
    io.stderr.write(`hsmwatch demo: ${(e as Error).message}\n`);
    return EXIT.usage;
  }
  const settings = settingsFromArgs(argv);
  if (scenario.sim?.audit) return auditDemo(scenario, settings, io, argv.agent === true);
  const inNetns = process.env[IN_NETNS_ENV] === '1';
  const rules = scenario.sim?.network ?? [];
  const isolated = needsNamespace(scenario);
  if (isolated && argv.agent) {
    io.stderr.write(
      `hsmwatch demo: scenario "${scenario.name}" runs in a private network namespace, where an agent's status page could not be reached from this host; run it without --agent.\n`,
    );
    return EXIT.usage;
  }
  if (isolated && !inNetns) {
    const support = netnsSupport();
    if (!support.ok) {
      const what = rules.length
        ? 'drops packets for real, with nftables'
        : 'routes its source addresses for real';
      io.stderr.write(
        `hsmwatch demo: scenario "${scenario.name}" ${what} in a private network namespace, and this machine cannot provide one: ${support.reason}.\n` +
          'It is not faked. Install the packages (apt-get install nftables iproute2 util-linux) and run as root, or where unprivileged user namespaces are allowed.\n',
      );
      return EXIT.usage;
    }
    return rerunInNamespace(support);
  }
  if (inNetns) setupNamespace(rules, scenario.snapshot.client.sources ?? []);

  // Loaded on use: the simulated world, the probes and the AWS SDK.
  const { startWorld } = await import('../sim/world.js');
  const world = await startWorld(scenario, { inPrivateNetns: inNetns });
  try {
    if (argv.agent)
      return await (await import('./demo-agent.js')).runDemoAgent(argv, io, world, demoNote(scenario, world));
    return await diagnoseWorld(world, scenario, settings, io, inNetns);
  } finally {
    await world.stop();
  }
}

/** What the demo says of the simulation before its report (or the agent's addresses). */
export function demoNote(scenario: Scenario, world: World, inNetns = false, width = 80): string {
  return [
    ...wrapText(`hsmwatch demo — scenario "${scenario.name}": ${scenario.description}`, width, '  ', ''),
    ...wrapText(
      `simulated AWS APIs at ${world.aws.tlsUrl}, IMDS at ${world.imds?.url ?? '(absent)'}, ${world.hsmAddresses.length} HSM address(es) on loopback${inNetns ? ' inside a private network namespace' : ''}`,
      width,
      '  ',
    ),
  ].join('\n');
}

async function diagnoseWorld(
  world: World,
  scenario: Scenario,
  settings: Settings,
  io: Io,
  inNetns: boolean,
): Promise<number> {
  const [{ diagnose }, { PROBES }, { DEMO_CREDENTIALS }, { printDiagnosis }, { reportWidth, wantColour }] =
    await Promise.all([
      import('../diagnosis/diagnose.js'),
      import('../../probes/index.js'),
      import('../sim/world.js'),
      import('./settings-args.js'),
      import('../report/text.js'),
    ]);
  const s = world.apply(settings);
  // In JSON mode stdout holds the report alone.
  (s.output === 'json' ? io.stderr : io.stdout).write(
    `${demoNote(scenario, world, inNetns, reportWidth(io.stdout))}\n\n`,
  );
  const progress = s.debug ? quietProgress : makeProgress(io.stderr, wantColour(io.stderr));
  try {
    const d = await diagnose(s, PROBES, { credentials: DEMO_CREDENTIALS, progress: progress.update });
    progress.done();
    return printDiagnosis(d, s, io);
  } finally {
    progress.done();
  }
}

/**
 * An audit scenario: the simulated AWS APIs on loopback (no HSM listeners: an audit sends nothing to
 * the HSMs), the estate read from them as `hsmwatch audit` reads AWS, and the audit's report.
 */
async function auditDemo(scenario: Scenario, settings: Settings, io: Io, agent: boolean): Promise<number> {
  if (agent) {
    io.stderr.write(
      `hsmwatch demo: scenario "${scenario.name}" is an exposure audit (hsmwatch audit), which the agent does not run; run it without --agent.\n`,
    );
    return EXIT.usage;
  }
  const [{ startWorld, DEMO_CREDENTIALS }, { captureEstate }, { auditSnapshot }, { auditReport }, text] =
    await Promise.all([
      import('../sim/world.js'),
      import('../discovery/estate.js'),
      import('../audit/audit.js'),
      import('../audit/report.js'),
      import('../report/text.js'),
    ]);
  const world = await startWorld(scenario, { inPrivateNetns: false, hsmListeners: false });
  try {
    const s = world.apply(settings);
    (s.output === 'json' ? io.stderr : io.stdout).write(
      `${demoNote(scenario, world, false, text.reportWidth(io.stdout))}\n\n`,
    );
    const progress = s.debug ? quietProgress : makeProgress(io.stderr, text.wantColour(io.stderr));
    const captured = await captureEstate(s, { credentials: DEMO_CREDENTIALS, progress: progress.update });
    progress.done();
    if (!captured.ok) {
      io.stderr.write(`hsmwatch demo: ${captured.error}\n`);
      return EXIT.usage;
    }
    return auditReport(auditSnapshot(captured.snapshot, s), s, io);
  } finally {
    await world.stop();
  }
}
