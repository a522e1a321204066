// The scenarios with recorded source addresses (a pod's branch ENI, an ECS task, a second instance ENI,
// a Docker bridge) over the wire: each runs in a private network namespace where the kernel really
// picks the scenario's source address towards each HSM (a connected UDP socket, nothing sent), with
// the simulated AWS, IMDS or task metadata on the namespace's loopback. Live diagnose must find the
// same source addresses, read the same ENIs (by address, always filtered) and give analyze's verdicts.
import { spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';
import { beforeAll, describe, expect, it } from 'vitest';
import { PROBES } from '../../probes/index.js';
import { analyzeSnapshot } from '../../src/diagnosis/analyze.js';
import type { Finding, PathRecord } from '../../src/model/index.js';
import { sourceRouteCommands } from '../../src/sim/netns.js';
import { packageRoot } from '../../src/util/paths.js';
import { netns, netnsRequired, skipNetns } from '../support/netns.js';
import { reportSchema } from '../support/report-contract.js';
import { NETPATH_DIR, netpathScenarios, staticSettings } from './support.js';

const withSources = netpathScenarios().filter(
  ({ scenario }) => scenario.snapshot.client.sources || scenario.snapshot.client.ecsTask,
);

interface ChildAnswer {
  paths: PathRecord[];
  findings: Finding[];
  client: Record<string, unknown>;
  aws: Record<string, unknown>;
  unexpectedCalls: unknown[];
  ec2Calls: Array<{ operation: string; params: Record<string, unknown> }>;
  ecsTaskCalls: Array<{ path: string; status: number }>;
}

// The child is bundled from source for this run (dependencies stay in node_modules), so it never
// runs a stale build.
const CHILD = join(packageRoot(), 'node_modules', '.cache', 'hsmwatch-tests', 'source-child.mjs');

function runChild(file: string): Promise<ChildAnswer> {
  if (!netns.ok) throw new Error(netns.reason);
  const args = [...netns.unshareArgs, '--', process.execPath, CHILD, join(NETPATH_DIR, file)];
  return new Promise((resolve, reject) => {
    const child = spawn('unshare', args, { env: { ...process.env, ECS_CONTAINER_METADATA_URI_V4: '' } });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('close', (code) => {
      clearTimeout(timer);
      try {
        resolve(JSON.parse(out) as ChildAnswer);
      } catch {
        reject(
          new Error(`${file}: the namespace child printed no answer (exit ${code}): ${err.slice(0, 2000)}`),
        );
      }
    });
  });
}

/** The addresses discovery must look up: the sources and task addresses no instance ENI holds. */
function lookedUp(scenario: (typeof withSources)[number]['scenario']): string[] {
  const instanceIps = new Set(
    (
      (scenario.snapshot.aws['ec2:DescribeInstances'] as
        | {
            Reservations: Array<{
              Instances: Array<{ NetworkInterfaces: Array<{ PrivateIpAddress: string }> }>;
            }>;
          }
        | undefined) ?? { Reservations: [] }
    ).Reservations.flatMap((r) =>
      r.Instances.flatMap((i) => i.NetworkInterfaces.map((e) => e.PrivateIpAddress)),
    ),
  );
  const c = scenario.snapshot.client;
  const ips = [...(c.sources ?? []).map((s) => s.sourceIp), ...(c.ecsTask?.addresses ?? [])];
  return [...new Set(ips.filter((ip): ip is string => !!ip && !instanceIps.has(ip)))];
}

describe('the namespace routes are the ones the scenarios need', () => {
  it('routes each source address (pure)', () => {
    expect(
      sourceRouteCommands([
        { hsmIp: '10.0.1.12', sourceIp: '10.0.0.77' },
        { hsmIp: '10.0.2.12', sourceIp: '10.0.0.77' },
        { hsmIp: '127.0.1.11', sourceIp: '127.0.0.77' },
        { hsmIp: '10.0.9.9', sourceIp: null },
      ]),
    ).toEqual([
      ['addr', 'add', '10.0.0.77/32', 'dev', 'lo'],
      ['route', 'add', 'local', '10.0.1.12', 'dev', 'lo', 'src', '10.0.0.77', 'table', 'local'],
      ['route', 'add', 'local', '10.0.2.12', 'dev', 'lo', 'src', '10.0.0.77', 'table', 'local'],
      ['route', 'add', 'local', '127.0.1.11', 'dev', 'lo', 'src', '127.0.0.77', 'table', 'local'],
    ]);
  });
  it('has scenarios to run', () => {
    expect(withSources.length).toBeGreaterThanOrEqual(6);
  });
});

describe.skipIf(skipNetns)(
  `source scenarios in a private network namespace${netns.ok ? '' : ` (skipped: ${netns.ok || netns.reason})`}`,
  () => {
    beforeAll(async () => {
      mkdirSync(join(CHILD, '..'), { recursive: true });
      await build({
        entryPoints: [join(import.meta.dirname, 'source-child.ts')],
        outfile: CHILD,
        bundle: true,
        platform: 'node',
        format: 'esm',
        target: 'node20',
        packages: 'external',
        logLevel: 'error',
      });
    }, 60_000);

    for (const { file, scenario } of withSources) {
      it(file, async () => {
        const live = await runChild(file);
        const offline = await analyzeSnapshot(scenario.snapshot, staticSettings(), PROBES);
        expect(live.paths.length).toBeGreaterThan(0);
        expect(live.paths).toEqual(offline.report.paths);
        reportSchema.parse({ ...offline.report, paths: live.paths });
        // The kernel's picks, the task and every EC2 answer are what the scenario records.
        expect(live.client).toEqual(scenario.snapshot.client);
        const ec2Keys = new Set(
          [...Object.keys(scenario.snapshot.aws), ...Object.keys(live.aws)].filter((k) =>
            k.startsWith('ec2:'),
          ),
        );
        for (const key of ec2Keys) expect(live.aws[key], key).toEqual(scenario.snapshot.aws[key]);
        expect(live.unexpectedCalls).toEqual([]);
        // DescribeNetworkInterfaces is never unfiltered (it fails in large accounts).
        const eniCalls = live.ec2Calls.filter((c) => c.operation === 'DescribeNetworkInterfaces');
        expect(eniCalls.length).toBeGreaterThan(0);
        for (const c of eniCalls) expect(c.params.Filter, JSON.stringify(c.params)).toBeDefined();
        // The source ENIs no instance ENI holds are looked up by their address.
        const byAddress = eniCalls.flatMap((c) =>
          (c.params.Filter as Array<{ Name: string; Value: string[] }>)
            .filter((f) => f.Name === 'addresses.private-ip-address')
            .flatMap((f) => f.Value),
        );
        expect(byAddress.sort()).toEqual(lookedUp(scenario).sort());
        // The client.source finding says the same live as offline.
        const said = (fs: Finding[]) => fs.filter((f) => f.id === 'client.source').map((f) => f.message);
        expect(said(live.findings)).toEqual(said(offline.report.findings));
        if (scenario.sim?.ecsTask) {
          expect(live.ecsTaskCalls.map((c) => `${c.path} ${c.status}`)).toEqual([
            '/v4/sim-container/task 200',
          ]);
          expect(live.findings.find((f) => f.id === 'discovery.ecs-task')?.status).toBe('pass');
        }
      }, 90_000);
    }
  },
);

it.runIf(netnsRequired)('CI provides network namespaces for the source scenarios', () => {
  expect(netns.ok ? 'ok' : netns.reason).toBe('ok');
});
