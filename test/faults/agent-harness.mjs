// The real agent (runAgent from the build: its scheduler, server, AWS process and every real probe)
// with three hostile probes beside the real ones, for test/faults/agent.test.ts: probes misbehave in
// ways no real probe can be made to from outside. Started like the CLI: `agent-harness.mjs agent
// --log.format json --config FILE`. FAULT_MARKS=FILE: each start of fault-hangs appends a line there.
//   fault-throws    throws an error that echoes the credentials of its environment
//   fault-hangs     never returns and ignores its signal (deadline FAULT_HANG_DEADLINE_MS, 1500 ms)
//   fault-deadline  its deadline function throws
import { appendFileSync, existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const load = (p) => import(pathToFileURL(join(root, 'dist', p)).href);
const [{ runAgent }, { PROBES }, { awsSettingsFromArgs }] = await Promise.all([
  load('src/agent/index.js'),
  load('probes/index.js'),
  load('src/cli/settings-args.js'),
]);

const argv = process.argv.slice(2);
const config = argv[argv.indexOf('--config') + 1];
if (!argv.includes('--config') || !config) throw new Error('usage: agent-harness.mjs agent --config FILE');

const hostile = (id, deadlineMs, run) => ({
  id,
  title: `Hostile ${id}`,
  needs: [],
  findings: {},
  deadlineMs,
  run,
});
const FAULT_PROBES = [
  hostile(
    'fault-throws',
    () => 2000,
    async () => {
      const e = process.env;
      throw new Error(
        `The security token included in the request is invalid: ${e.AWS_SESSION_TOKEN} (AWS4-HMAC-SHA256 Credential=${e.AWS_ACCESS_KEY_ID}/20261201/us-east-1/sts/aws4_request, secret ${e.AWS_SECRET_ACCESS_KEY})`,
      );
    },
  ),
  hostile(
    'fault-hangs',
    () => Number(process.env.FAULT_HANG_DEADLINE_MS ?? 1500),
    () => {
      if (process.env.FAULT_MARKS) appendFileSync(process.env.FAULT_MARKS, 'start\n');
      return new Promise(() => {});
    },
  ),
  hostile(
    'fault-deadline',
    () => {
      throw new TypeError("Cannot read properties of undefined (reading 'timeoutMs')");
    },
    async () => ({ findings: [] }),
  ),
];

const bundled = join(root, 'dist', 'bundle', 'aws-task.js');
const code = await runAgent({
  probes: [...PROBES, ...FAULT_PROBES],
  awsTaskScript: existsSync(bundled) ? bundled : join(root, 'dist', 'src', 'cli', 'aws-task.js'),
  loadSettings: () => awsSettingsFromArgs({ config }),
  version: 'fault-harness',
  logFormat: 'json',
});
process.exitCode = code;
