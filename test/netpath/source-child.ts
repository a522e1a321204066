// Run by source-over-the-wire.test.ts inside `unshare --net`: routes the scenario's source addresses
// (so the kernel really picks them), starts the simulated world on the namespace's loopback and runs
// live diagnose with the static probes; prints what it found as JSON on stdout.
// Usage: node source-child.mjs <scenario.json>
import { PROBES } from '../../probes/index.js';
import { DEFAULTS } from '../../src/config/settings.js';
import { diagnose } from '../../src/diagnosis/diagnose.js';
import { setupNamespace } from '../../src/sim/netns.js';
import { loadScenarioFile } from '../../src/sim/scenario.js';
import { DEMO_CREDENTIALS, startWorld } from '../../src/sim/world.js';

const file = process.argv[2];
if (!file) throw new Error('usage: source-child <scenario.json>');
const scenario = loadScenarioFile(file);
setupNamespace(scenario.sim?.network ?? [], scenario.snapshot.client.sources ?? []);
const world = await startWorld(scenario, { inPrivateNetns: true, hsmListeners: false });
try {
  const settings = structuredClone(DEFAULTS);
  settings.probes.only = ['network-path', 'path-correlation'];
  const live = await diagnose(world.apply(settings), PROBES, {
    credentials: DEMO_CREDENTIALS,
    beforeProbes: (env) => {
      env.ephemeralPorts = { from: 1024, to: 65535, source: 'test' };
    },
  });
  process.stdout.write(
    JSON.stringify({
      paths: live.report.paths,
      findings: live.report.findings,
      client: live.env.snapshot.client,
      aws: live.env.snapshot.aws,
      unexpectedCalls: world.aws.unexpectedCalls,
      ec2Calls: world.aws.calls.map((c) => ({ operation: c.operation, params: c.params })),
      ecsTaskCalls: world.ecsTask?.calls ?? [],
    }),
  );
} finally {
  await world.stop();
}
