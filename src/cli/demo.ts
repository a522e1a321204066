// `hsmwatch demo`: a simulated cluster on loopback, diagnosed through the normal code path.

import type { Scenario } from '../sim/scenario.js';
import { makeProgress } from './progress.js';
import {
  type CommandModule,
  type DiagnoseArgs,
  EXIT,
  type Io,
  startProberEarly,
  withDiagnoseOptions,
} from './shared.js';

interface DemoArgs extends DiagnoseArgs {
  scenario: string;
  'scenario-file'?: string | undefined;
  list?: boolean | undefined;
}

export const demoCommand: CommandModule = (y, { io, handle }) =>
  y.command(
    'demo',
    'start a simulated cluster on loopback and diagnose it (no AWS account needed)',
    (c) =>
      withDiagnoseOptions(c)
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
    handle((argv: DemoArgs) => runDemo(argv, io)),
  );

async function runDemo(argv: DemoArgs, io: Io): Promise<number> {
  if (!argv.list) startProberEarly();
  const [
    { listScenarios, loadScenario, loadScenarioFile },
    netns,
    { settingsFromArgs, printDiagnosis },
    { wantColour },
  ] = await Promise.all([
    import('../sim/scenario.js'),
    import('../sim/netns.js'),
    import('./settings-args.js'),
    import('../report/text.js'),
  ]);
  const { IN_NETNS_ENV, netnsSupport, rerunInNamespace, setupNamespace } = netns;
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
  const inNetns = process.env[IN_NETNS_ENV] === '1';
  const rules = scenario.sim?.network ?? [];
  if (rules.length > 0 && !inNetns) {
    const support = netnsSupport();
    if (!support.ok) {
      io.stderr.write(
        `hsmwatch demo: scenario "${scenario.name}" drops packets for real, with nftables in a private network namespace, and this machine cannot provide one: ${support.reason}.\n` +
          'It is not faked. Install the packages (apt-get install nftables iproute2 util-linux) and run as root, or where unprivileged user namespaces are allowed.\n',
      );
      return EXIT.usage;
    }
    return rerunInNamespace(support);
  }
  if (inNetns) setupNamespace(rules);

  // Loaded on use: the simulated world, the probes and the AWS SDK.
  const [{ diagnose }, { PROBES }, { DEMO_CREDENTIALS, startWorld }] = await Promise.all([
    import('../diagnosis/diagnose.js'),
    import('../../probes/index.js'),
    import('../sim/world.js'),
  ]);
  const world = await startWorld(scenario, { inPrivateNetns: inNetns });
  try {
    const s = world.apply(settings);
    const note = [
      `hsmwatch demo — scenario "${scenario.name}": ${scenario.description}`,
      `  simulated AWS APIs at ${world.aws.tlsUrl}, IMDS at ${world.imds?.url ?? '(absent)'}, ${world.hsmAddresses.length} HSM address(es) on loopback${inNetns ? ' inside a private network namespace' : ''}`,
      '',
    ].join('\n');
    // In JSON mode stdout holds the report alone.
    (s.output === 'json' ? io.stderr : io.stdout).write(`${note}\n`);
    const progress = makeProgress(io.stderr, wantColour(io.stderr));
    try {
      const d = await diagnose(s, PROBES, { credentials: DEMO_CREDENTIALS, progress: progress.update });
      progress.done();
      return printDiagnosis(d, s, io);
    } finally {
      progress.done();
    }
  } finally {
    await world.stop();
  }
}
