// The verdict line: the count of HSMs a client cannot use, and the first cause, from the report alone.
import { describe, expect, it } from 'vitest';
import type { Finding, HsmTarget, PathRecord } from '../../src/model/index.js';
import { verdictOf } from '../../src/report/verdict.js';

const target = (n: number): HsmTarget => ({
  clusterId: 'cluster-1',
  hsmId: `hsm-${n}`,
  eniId: `eni-h${n}`,
  ip: `10.0.${n}.12`,
  family: 4,
  az: null,
  subnetId: null,
  state: 'ACTIVE',
});
const targets = [1, 2, 3].map(target);
const path = (
  n: number,
  port: number,
  state: 'open' | 'refused' | 'timeout',
  st?: 'reachable' | 'blocked',
): PathRecord => ({
  clusterId: 'cluster-1',
  hsmId: `hsm-${n}`,
  eniIp: `10.0.${n}.12`,
  port,
  clientEni: 'eni-c',
  live: { state, connectMs: 1 },
  ...(st ? { static: { verdict: st, blockedBy: [] } } : {}),
});
const f = (
  id: string,
  status: Finding['status'],
  message: string,
  extra: Partial<Finding> = {},
): Finding => ({
  id,
  status,
  target: 't',
  message,
  evidence: {},
  ...extra,
});
const ports = [2223, 2224, 2225];

describe('verdict', () => {
  it('all reachable, nothing failed', () => {
    const paths = targets.flatMap((_, i) => ports.map((p) => path(i + 1, p, 'open')));
    expect(verdictOf({ paths, findings: [f('a', 'pass', 'ok')] }, targets)).toEqual({
      status: 'pass',
      mark: '✓',
      text: 'all 3 HSMs are reachable; 1 check passed, nothing failed',
    });
  });

  it('names the blocking component before the symptom, and points at the fix', () => {
    const paths = targets.flatMap((_, i) => ports.map((p) => path(i + 1, p, 'timeout', 'blocked')));
    const findings = [
      f('hsm.reachable', 'fail', '2223 timeout: no answer'),
      f('sg.hsm-ingress', 'fail', 'cluster security group ingress blocks TCP 2223-2225: no rule', {
        evidence: { resourceIds: ['sg-9'] },
        remediation: 'aws ec2 authorize-security-group-ingress --group-id sg-9',
      }),
    ];
    expect(verdictOf({ paths, findings }, targets).text).toBe(
      '3 of 3 HSMs unreachable from eni-c: cluster security group ingress blocks TCP 2223-2225 (sg-9) — fix below',
    );
  });

  it('an HSM refusing on an open path: the live symptom', () => {
    const paths = targets.flatMap((_, i) =>
      ports.map((p) => path(i + 1, p, i === 1 ? 'refused' : 'open', 'reachable')),
    );
    const v = verdictOf(
      { paths, findings: [f('hsm.reachable', 'fail', '2223 refused, 2224 refused')] },
      targets,
    );
    expect(v.status).toBe('fail');
    expect(v.text).toMatch(/^1 of 3 HSMs unreachable from eni-c: connections refused \(TCP reset\)/);
  });

  it('one port of one HSM, and a failure that is not about reachability', () => {
    const paths = targets.flatMap((_, i) =>
      ports.map((p) => path(i + 1, p, i === 2 && p === 2225 ? 'timeout' : 'open')),
    );
    expect(verdictOf({ paths, findings: [] }, targets).text).toMatch(
      /^1 of 3 HSMs unreachable on port 2225 /,
    );
    const ok = targets.flatMap((_, i) => ports.map((p) => path(i + 1, p, 'open')));
    const v = verdictOf(
      { paths: ok, findings: [f('tls.protocol', 'fail', 'TLSv1 negotiated: AWS requires 1.2')] },
      targets,
    );
    expect(v.text).toBe('1 check failed: TLSv1 negotiated');
  });

  it('warnings only', () => {
    const ok = targets.flatMap((_, i) => ports.map((p) => path(i + 1, p, 'open')));
    const v = verdictOf(
      { paths: ok, findings: [f('clock.skew', 'warn', 'clock 200 s ahead: signing fails at 300 s')] },
      targets,
    );
    expect(v).toEqual({
      status: 'warn',
      mark: '!',
      text: 'all 3 HSMs are reachable, but 1 warning: clock 200 s ahead',
    });
  });
});
