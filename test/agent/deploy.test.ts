// Deployment files: the systemd unit verifies and is hardened, the Prometheus EC2-SD config passes
// promtool with the alert rules, the IAM policy is the one `hsmwatch iam-policy` prints.
import { spawnSync } from 'node:child_process';
import { copyFileSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { CLI, hasCommand, needTool, ROOT, requireBuild, tempDir } from './helpers.js';

const unit = readFileSync(join(ROOT, 'deploy', 'hsmwatch.service'), 'utf8');
const directives = new Map(
  unit
    .split('\n')
    .filter((l) => /^[A-Za-z]+=/.test(l))
    .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)] as const),
);

describe('deployment files', () => {
  it('systemd unit: dedicated user, hardening, restart on failure, reload by SIGHUP', () => {
    expect(directives.get('User')).toBe('hsmwatch');
    expect(directives.get('DynamicUser')).toBe('yes');
    expect(directives.get('NoNewPrivileges')).toBe('yes');
    expect(directives.get('ProtectSystem')).toBe('strict');
    expect(directives.get('Restart')).toBe('on-failure');
    expect(directives.get('ExecReload')).toBe('/bin/kill -HUP $MAINPID');
    expect(directives.get('KillSignal')).toBe('SIGTERM');
    expect(directives.get('CapabilityBoundingSet')).toBe('');
    // A missing path fails the unit (226/NAMESPACE) unless it is prefixed with '-'.
    for (const p of (directives.get('ReadOnlyPaths') ?? '').split(/\s+/).filter(Boolean))
      expect(p.startsWith('-'), `ReadOnlyPaths ${p}`).toBe(true);
    expect(directives.get('ExecStart')).toMatch(/hsmwatch\.js agent --config \/etc\/hsmwatch\/config\.yaml$/);
  });

  it.skipIf(!hasCommand('systemd-analyze'))('systemd unit passes systemd-analyze verify', () => {
    const dir = tempDir('unit');
    try {
      // verify wants the executable to exist: point ExecStart at this Node.
      writeFileSync(join(dir, 'hsmwatch.service'), unit.replace('/usr/bin/node', process.execPath));
      const r = spawnSync('systemd-analyze', ['verify', join(dir, 'hsmwatch.service')], {
        encoding: 'utf8',
        timeout: 30_000,
      });
      expect(
        r.stderr
          .split('\n')
          .filter((l) => l.includes('hsmwatch.service'))
          .join('\n'),
      ).toBe('');
      expect(r.status).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it.skipIf(!needTool('promtool'))(
    'Prometheus EC2-SD scrape config passes promtool with the alert rules',
    () => {
      const dir = tempDir('promcfg');
      try {
        copyFileSync(join(ROOT, 'deploy', 'prometheus-ec2-sd.yml'), join(dir, 'prometheus.yml'));
        copyFileSync(join(ROOT, 'dashboards', 'hsmwatch-alerts.yml'), join(dir, 'hsmwatch-alerts.yml'));
        const r = spawnSync('promtool', ['check', 'config', join(dir, 'prometheus.yml')], {
          encoding: 'utf8',
        });
        expect(r.stdout + r.stderr).toContain('is valid prometheus config file syntax');
        expect(r.stdout + r.stderr).toMatch(/SUCCESS: [1-9]\d* rules found/);
        expect(r.status).toBe(0);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
      // And where it lies in the repository, with the rules in dashboards/.
      const inRepo = spawnSync(
        'promtool',
        ['check', 'config', join(ROOT, 'deploy', 'prometheus-ec2-sd.yml')],
        {
          encoding: 'utf8',
        },
      );
      expect(inRepo.stdout + inRepo.stderr).toMatch(/SUCCESS: [1-9]\d* rules found/);
      expect(inRepo.status, inRepo.stdout + inRepo.stderr).toBe(0);
      const cfg = parse(readFileSync(join(ROOT, 'deploy', 'prometheus-ec2-sd.yml'), 'utf8')) as {
        scrape_configs: Array<{
          job_name: string;
          ec2_sd_configs: Array<{ port: number; filters: Array<{ name: string }> }>;
          relabel_configs: Array<{ target_label: string }>;
        }>;
      };
      const job = cfg.scrape_configs.find((j) => j.job_name === 'hsmwatch')!;
      expect(job.ec2_sd_configs[0]!.port).toBe(10223);
      expect(job.ec2_sd_configs[0]!.filters.map((f) => f.name)).toContain('tag:hsmwatch');
      expect(job.relabel_configs.map((r) => r.target_label)).not.toContain('cluster');
    },
  );

  it('deploy/iam-policy.json is what `hsmwatch iam-policy` prints', () => {
    requireBuild();
    const r = spawnSync(process.execPath, [CLI, 'iam-policy'], { encoding: 'utf8', cwd: ROOT });
    expect(r.status).toBe(0);
    expect(JSON.parse(readFileSync(join(ROOT, 'deploy', 'iam-policy.json'), 'utf8'))).toEqual(
      JSON.parse(r.stdout),
    );
  });
});
