// End to end: the built CLI as a child process (`npm run build` first).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { iamPolicy, OPERATIONS } from '../../src/aws/operations.js';
import { packageRoot } from '../../src/util/paths.js';
import { NETPATH_DIR } from './support.js';

const bin = join(packageRoot(), 'bin/hsmwatch.js');
const run = (...args: string[]) =>
  spawnSync(process.execPath, [bin, ...args], {
    encoding: 'utf8',
    timeout: 60_000,
    env: { ...process.env, NO_COLOR: '1' },
  });

describe('hsmwatch analyze / iam-policy', () => {
  it('analyze --output json prints the report contract, exit 1 when a path is blocked', () => {
    const r = run(
      'analyze',
      join(NETPATH_DIR, 'np-sg-ingress-missing.json'),
      '--output',
      'json',
      '--probe',
      'network-path',
    );
    expect(r.status).toBe(1);
    const report = JSON.parse(r.stdout);
    expect(Object.keys(report)).toEqual([
      'hsmwatchReport',
      'generatedAt',
      'summary',
      'paths',
      'endpoints',
      'findings',
    ]);
    const p = report.paths[0];
    expect(Object.keys(p)).toEqual(['clusterId', 'hsmId', 'eniIp', 'port', 'clientEni', 'static']);
    expect(p.static.verdict).toBe('blocked');
    expect(p.static.blockedBy[0]).toEqual({
      component: 'hsm-sg-ingress',
      resourceIds: ['sg-0c1a55e7000000001'],
      detail: expect.stringContaining(
        'no ingress rule of sg-0c1a55e7000000001 allows TCP 2223 from 10.0.0.10',
      ),
    });
    const f = report.findings.find((x: { id: string }) => x.id === 'sg.hsm-ingress');
    expect(f.remediation).toBe(
      'aws ec2 authorize-security-group-ingress --region us-east-1 --group-id sg-0c1a55e7000000001 --protocol tcp --port 2223-2225 --source-group sg-0c11e47000000001',
    );
  });
  it('analyze exits 0 on a healthy estate', () => {
    expect(run('analyze', join(NETPATH_DIR, 'np-healthy.json'), '--probe', 'network-path').status).toBe(0);
  });
  it('analyze rejects a bad snapshot with exit 2 and a message', () => {
    const dir = mkdtempSync(join(tmpdir(), 'hsmwatch-cli-'));
    const f = join(dir, 'bad.json');
    writeFileSync(f, '{"hsmwatchSnapshot": 1, "aws": []}');
    const r = run('analyze', f);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/not a valid hsmwatch snapshot/);
    writeFileSync(f, 'garbage');
    expect(run('analyze', f).stderr).toMatch(/not JSON/);
  });
  it('iam-policy prints every read action, nothing that writes', () => {
    const r = run('iam-policy');
    expect(r.status).toBe(0);
    const policy = JSON.parse(r.stdout);
    expect(policy).toEqual(iamPolicy());
    const actions: string[] = policy.Statement[0].Action;
    for (const a of OPERATIONS) expect(actions).toContain(a.action);
    for (const a of actions) expect(a).toMatch(/^[a-z0-9]+:(Describe|Get|List|Search)[A-Za-z]+$/);
  });
});
