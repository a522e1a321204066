// The agent as the systemd unit runs it (deploy/hsmwatch.service: DynamicUser, ProtectSystem=strict):
// a non-root user on a read-only root file system. Emulated with a private mount namespace whose root
// is remounted read-only and `setpriv` to nobody, since no systemd runs here. The AWS process must
// work there too: discovery and the SDK-using probes against the simulated AWS APIs.
import { execFileSync } from 'node:child_process';
import { chmodSync, cpSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULTS } from '../../src/config/settings.js';
import { netns, skipNetns } from '../support/netns.js';
import { ROOT, startAgent, startSimWorld, tempDir, waitFor, writeAgentConfig } from './helpers.js';

const SANDBOX = [
  'unshare',
  '--mount',
  '--propagation',
  'private',
  'sh',
  '-c',
  // "$@" is the agent's command line; exec keeps one process, so SIGTERM reaches the agent.
  'mount -o remount,bind,ro / && exec setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all "$@"',
  'sandbox',
];

/** bin/, the bundle and the one package it loads at run time (yaml), readable by everyone. */
function installedCopy(dir: string): string {
  const app = join(dir, 'app');
  for (const part of ['package.json', 'bin', join('dist', 'bundle'), join('node_modules', 'yaml')])
    cpSync(join(ROOT, part), join(app, part), { recursive: true });
  execFileSync('chmod', ['-R', 'a+rX', app]);
  return app;
}

describe.skipIf(skipNetns)('agent sandbox (non-root, read-only root)', () => {
  it('runs every probe, the AWS process included, as nobody on a read-only root', async () => {
    expect(netns.ok ? 'ok' : netns.reason).toBe('ok');
    const world = await startSimWorld('healthy', 68);
    const dir = tempDir('sandbox');
    try {
      const config = writeAgentConfig(dir, world);
      // mkdtemp makes directories root-only; the unit's user must read its config, and the simulated
      // world's CA bundle, trust anchor and Client SDK files it names.
      const s = world.apply(structuredClone(DEFAULTS));
      const dirs = new Set([
        dir,
        ...[s.caBundle, s.hsm.trustAnchor, s.clientSdk.configDir].flatMap((f) => (f ? [dirname(f)] : [])),
      ]);
      for (const d of dirs) execFileSync('chmod', ['-R', 'a+rX', d]);
      chmodSync(config, 0o644);
      // The checkout may sit in a directory nobody can enter (a mktemp clone): the unit's user runs an
      // installed copy of what ships, as /opt/hsmwatch would hold it.
      const app = installedCopy(dir);
      const agent = await startAgent(['--config', config], {
        wrap: SANDBOX,
        cli: join(app, 'bin', 'hsmwatch.js'),
        cwd: app,
        env: { HOME: '/nonexistent' },
      });
      try {
        await waitFor({
          what: 'agent ready',
          fn: async () => (await fetch(`${agent.url}/-/ready`)).ok,
        }).catch((e: Error) => {
          throw new Error(`${e.message}\n${agent.stdout()}\n${agent.stderr()}`);
        });
        // It is the agent itself that runs as nobody (the wrapper exec'd it).
        expect(readFileSync(`/proc/${agent.proc.pid}/status`, 'utf8')).toMatch(/^Uid:\s+65534\s/m);
        const metrics = await (await fetch(`${agent.url}/metrics`)).text();
        expect(metrics).toMatch(/^cloudhsm_agent_aws_process_peak_rss_bytes\{task="discovery"\} [1-9]/m);
        for (const probe of ['credentials', 'permissions', 'reachability'])
          expect(metrics).toMatch(
            new RegExp(`^cloudhsm_probe_runs_total\\{probe="${probe}",result="ok"\\} [1-9]`, 'm'),
          );
        expect(metrics).toMatch(/^cloudhsm_hsm_port_up\{[^}]*port="2223"[^}]*\} 1$/m);
        const warnings = agent.logs().filter((l) => l.level === 'error' || l.level === 'warn');
        expect(warnings).toEqual([]);
      } finally {
        await agent.stop();
      }
    } finally {
      await world.stop();
    }
  }, 60_000);
});
