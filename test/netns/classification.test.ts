// Real packet filtering: nftables rules in a private network namespace that the demo creates, and the
// built CLI classifying what it sees. Nothing leaves the namespace.
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { Report } from '../../src/model/index.js';
import { runCli } from '../support/cli.js';
import { netns, netnsRequired, skipNetns } from '../support/netns.js';

const scenario = fileURLToPath(new URL('../scenarios/netns-classification.json', import.meta.url));

describe.skipIf(skipNetns)('classification in a private network namespace', () => {
  it('has unshare, ip and nftables', () => {
    expect(netns.ok ? 'ok' : netns.reason).toBe('ok');
  });

  it('tells open, refused, timeout and unreachable apart, and a drop costs only the deadline', async () => {
    const r = await runCli(['demo', '--scenario-file', scenario, '--output', 'json', '--timeout', '1s']);
    expect(r.stderr).toContain('inside a private network namespace');
    expect(r.code).toBe(1);
    const report = JSON.parse(r.stdout) as Report;
    const live = Object.fromEntries(report.paths.map((p) => [`${p.eniIp}:${p.port}`, p.live]));
    for (const port of [2223, 2224, 2225]) expect(live[`127.0.1.11:${port}`]?.state).toBe('open');
    expect(live['127.0.2.11:2223']?.state).toBe('open');
    expect(live['127.0.2.11:2224']?.state).toBe('refused');
    expect(live['127.0.2.11:2225']?.state).toBe('timeout');
    for (const port of [2223, 2224, 2225]) {
      expect(live[`127.0.3.11:${port}`]?.state).toBe('unreachable');
      expect(live[`127.0.4.11:${port}`]?.state).toBe('unreachable');
    }
    // The errno behind each state is kept in the per-HSM finding's evidence.
    const errnos = Object.fromEntries(
      report.findings
        .filter((f) => f.id === 'hsm.reachable')
        .flatMap((f) =>
          Object.entries(f.evidence.ports as Record<string, { errno?: string }>).map(([port, p]) => [
            `${f.evidence.ip}:${port}`,
            p.errno,
          ]),
        ),
    );
    expect(errnos['127.0.2.11:2224']).toBe('ECONNREFUSED');
    expect(errnos['127.0.2.11:2225']).toBe('ETIMEDOUT');
    expect(errnos['127.0.3.11:2223']).toBe('EHOSTUNREACH');
    expect(errnos['127.0.4.11:2223']).toBe('ENETUNREACH');
    // A silent drop costs the deadline and no more; resets and ICMP answers come back at once.
    expect(live['127.0.2.11:2225']!.connectMs).toBeGreaterThanOrEqual(990);
    expect(live['127.0.2.11:2225']!.connectMs).toBeLessThan(1600);
    expect(live['127.0.2.11:2224']!.connectMs).toBeLessThan(200);
    expect(live['127.0.3.11:2223']!.connectMs).toBeLessThan(200);
    const byTarget = Object.fromEntries(
      report.findings.filter((f) => f.id === 'hsm.reachable').map((f) => [f.target.split(' ')[1], f.status]),
    );
    expect(byTarget).toEqual({
      '127.0.1.11': 'pass',
      '127.0.2.11': 'fail',
      '127.0.3.11': 'fail',
      '127.0.4.11': 'fail',
    });
  });

  it('runs the port-blocked demo for real', async () => {
    const r = await runCli(['demo', '--scenario', 'port-blocked', '--timeout', '1s']);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(
      /hsm-tpgc5hs2eno\s+(us-east-1c\s+)?127\.0\.3\.11\s+open( \S+)?\s+open( \S+)?\s+timeout\s+blocked 2225\n/,
    );
    expect(r.stdout.replace(/\s+/g, ' ')).toContain(
      'dropped silently, typically by a security group or network ACL',
    );
  });
});

it.runIf(netnsRequired)('CI provides network namespaces', () => {
  expect(netns.ok ? 'ok' : netns.reason).toBe('ok');
});
