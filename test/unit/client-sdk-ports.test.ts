// HSM ports graded by the Client SDK the host runs. Client SDK 5 connects on TCP 2223 only (its
// configure tools list each HSM as {hostname, "port": 2223, enable}); Client SDK 3 (the client
// daemon, and cloudhsm_mgmt_util on 2225) on 2223-2225, the range the cluster security group opens
// (User Guide, "Review the security group for your cluster"). A closed 2225 fails a Client SDK 3
// host, is a note on a Client SDK 5-only host, and fails as before when nothing says which SDK is
// installed. Path verdicts never change.
import { createServer, type Server } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hsmReachability } from '../../probes/hsm-reachability.js';
import { networkPath } from '../../probes/network-path.js';
import { type ClientSdkInstall, portNotUsed } from '../../src/clientsdk/install.js';
import { resolveSettings } from '../../src/config/settings.js';
import type { Environment } from '../../src/core/environment.js';
import { environmentFromSnapshot } from '../../src/discovery/from-snapshot.js';
import { vpcEstate } from '../../src/discovery/vpc.js';
import { emptySnapshot } from '../../src/snapshot/format.js';
import { netpathScenarios, staticSettings } from '../netpath/support.js';

const install = (generations: Array<3 | 5>): ClientSdkInstall => ({
  dir: '/opt/cloudhsm/etc',
  generations,
  files: [],
  mtls: [],
});
const SDK5 = install([5]);
const SDK3 = install([3]);
const BOTH = install([3, 5]);

describe('which ports the installed Client SDK uses', () => {
  it('2224 and 2225 only matter to Client SDK 3; 2223 to both; other ports and unknown installs always', () => {
    expect(portNotUsed(2225, SDK5)).toBe(
      '2225 is used by Client SDK 3 only; this host has Client SDK 5 only',
    );
    expect(portNotUsed(2224, SDK5)).not.toBeNull();
    expect(portNotUsed(2223, SDK5)).toBeNull();
    expect(portNotUsed(2225, SDK3)).toBeNull();
    expect(portNotUsed(2225, BOTH)).toBeNull();
    expect(portNotUsed(2225, undefined)).toBeNull();
    expect(portNotUsed(2225, install([]))).toBeNull();
    expect(portNotUsed(8443, SDK5)).toBeNull();
  });
});

// Live: an address of loopback only this test listens on, 2223 open, 2224-2225 refused.
const ADDRESS = '127.83.41.9';
let server: Server;
let bound = false;
beforeAll(async () => {
  server = createServer((s) => s.destroy());
  bound = await new Promise<boolean>((resolve) => {
    server.once('error', () => resolve(false));
    server.listen(2223, ADDRESS, () => resolve(true));
  });
});
afterAll(() => new Promise<void>((resolve) => (bound ? server.close(() => resolve()) : resolve())));

function liveEnv(): Environment {
  const settings = resolveSettings({ ports: [2223, 2224, 2225], timeout: 1000 });
  const snapshot = emptySnapshot(new Date(), 'us-east-1', null);
  return {
    mode: 'live',
    settings,
    region: 'us-east-1',
    client: null,
    clusters: [],
    targets: [
      {
        clusterId: 'cluster-abcdefghijk',
        hsmId: 'hsm-abcdefghijk',
        eniId: 'eni-1',
        ip: ADDRESS,
        family: 4,
        az: null,
        subnetId: null,
        state: 'ACTIVE',
      },
    ],
    vpc: vpcEstate(snapshot),
    snapshot,
    findings: [],
    discovery: { hsmsListed: true, reads: {}, apiErrors: [] },
    credentials: undefined,
  };
}
const reach = async (clientSdk?: ClientSdkInstall) => {
  const e = liveEnv();
  const r = await hsmReachability.run({
    env: e,
    settings: e.settings,
    signal: new AbortController().signal,
    facts: clientSdk ? { clientSdk } : {},
  });
  return { finding: r.findings[0]!, paths: r.paths ?? [] };
};

describe('live reachability (hsm.reachable)', () => {
  it('Client SDK 5 only: 2224-2225 refused is a passing note that says why', async (t) => {
    if (!bound) t.skip();
    const { finding, paths } = await reach(SDK5);
    expect(finding.status).toBe('pass');
    expect(finding.message).toMatch(
      /^port 2223 open \(connect .*\); 2224 refused, 2225 refused: 2224, 2225 are used by Client SDK 3 only; this host has Client SDK 5 only$/,
    );
    expect(finding.evidence.notUsedBySdk).toEqual([2224, 2225]);
    // The path records are network truth, whatever the host runs.
    expect(paths.map((p) => [p.port, p.live?.state])).toEqual([
      [2223, 'open'],
      [2224, 'refused'],
      [2225, 'refused'],
    ]);
  });

  it('Client SDK 3 (alone or beside 5), or nothing known: the same ports fail', async (t) => {
    if (!bound) t.skip();
    for (const sdk of [SDK3, BOTH, undefined]) {
      const { finding } = await reach(sdk);
      expect(finding.status, JSON.stringify(sdk?.generations)).toBe('fail');
      expect(finding.message).toMatch(/^2223 open, 2224 refused, 2225 refused: /);
      expect(finding.message).not.toMatch(/Client SDK/);
    }
  });
});

describe('static path (network-path findings) on a cluster security group admitting 2223-2224 only', () => {
  const scenario = netpathScenarios().find((s) => s.file === 'np-sg-ingress-partial-port.json')!;
  const run = async (clientSdk?: ClientSdkInstall) => {
    const e = environmentFromSnapshot(scenario.scenario.snapshot, staticSettings());
    return networkPath.run({
      env: e,
      settings: e.settings,
      signal: new AbortController().signal,
      facts: clientSdk ? { clientSdk } : {},
    });
  };

  it('Client SDK 5 only: the blocked 2225 is a note without a fix; the paths stay blocked', async () => {
    const r = await run(SDK5);
    const sg = r.findings.find((f) => f.id === 'sg.hsm-ingress')!;
    expect(sg.status).toBe('pass');
    expect(sg.message).toMatch(
      /blocks TCP 2225 .*; 2225 is used by Client SDK 3 only; this host has Client SDK 5 only$/,
    );
    expect(sg.remediation).toBeUndefined();
    const staticPass = r.findings.filter((f) => f.id === 'path.static');
    expect(staticPass.map((f) => f.status)).toEqual(['pass', 'pass']);
    expect(staticPass[0]!.message).toMatch(
      /allow TCP 2223-2224 \(not 2225: 2225 is used by Client SDK 3 only/,
    );
    expect(r.paths?.filter((p) => p.port === 2225).map((p) => p.static?.verdict)).toEqual([
      'blocked',
      'blocked',
    ]);
    expect(r.findings.some((f) => f.status === 'fail')).toBe(false);
  });

  it('Client SDK 3, or no configuration known (analyze): it fails with the rule that fixes it', async () => {
    for (const sdk of [SDK3, undefined]) {
      const r = await run(sdk);
      const sg = r.findings.find((f) => f.id === 'sg.hsm-ingress')!;
      expect(sg.status).toBe('fail');
      expect(sg.remediation).toMatch(/^aws ec2 authorize-security-group-ingress/);
      expect(r.findings.some((f) => f.id === 'path.static')).toBe(false);
    }
  });
});
