// `hsmwatch snapshot` against the simulated AWS APIs and IMDS (the built CLI as a child process),
// then `hsmwatch analyze` of that file offline: the same verdicts as analysing the scenario itself.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadScenarioFile } from '../../src/sim/scenario.js';
import { startWorld } from '../../src/sim/world.js';
import { packageRoot } from '../../src/util/paths.js';
import { NETPATH_DIR } from './support.js';

const bin = join(packageRoot(), 'bin/hsmwatch.js');

/** Runs the CLI without blocking the event loop (the simulated servers live in this process). */
function run(
  args: string[],
  env: NodeJS.ProcessEnv,
): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [bin, ...args], { env });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('close', (status) => {
      clearTimeout(timer);
      resolve({ status, stdout, stderr });
    });
  });
}

describe('hsmwatch snapshot → analyze', () => {
  it('captures every EC2 answer and analyses to the same verdicts', async () => {
    const scenario = loadScenarioFile(join(NETPATH_DIR, 'np-peering-active.json'));
    const world = await startWorld(scenario, { inPrivateNetns: false, hsmListeners: false });
    try {
      const dir = mkdtempSync(join(tmpdir(), 'hsmwatch-snapshot-'));
      const out = join(dir, 'snap.json');
      const env = {
        ...process.env,
        AWS_EC2_METADATA_DISABLED: 'false',
        AWS_EC2_METADATA_SERVICE_ENDPOINT: world.imds!.url,
      };
      const snap = await run(
        ['snapshot', '--out', out, '--endpoint-url', world.aws.url, '--region', 'us-east-1'],
        env,
      );
      expect(snap.stderr).toContain('snapshot written');
      expect(snap.status).toBe(0);
      const written = JSON.parse(readFileSync(out, 'utf8'));
      for (const [key, value] of Object.entries(scenario.snapshot.aws).filter(([k]) => k.startsWith('ec2:')))
        expect(written.aws[key], key).toEqual(value);
      const a = await run(['analyze', out, '-o', 'json', '--probe', 'network-path'], env);
      const b = await run(
        ['analyze', join(NETPATH_DIR, 'np-peering-active.json'), '-o', 'json', '--probe', 'network-path'],
        env,
      );
      expect(JSON.parse(a.stdout).paths).toEqual(JSON.parse(b.stdout).paths);
      expect(world.aws.unexpectedCalls).toEqual([]);
    } finally {
      await world.stop();
    }
  });
});
