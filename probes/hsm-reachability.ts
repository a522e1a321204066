// Live reachability: a TCP connect to every HSM address on every configured port, graded by the
// Client SDK the host runs (a port only Client SDK 3 uses does not fail a Client SDK 5-only host).
import { type ClientSdkInstall, portNotUsed, portsNotUsedNote } from '../src/clientsdk/install.js';
import { formatMs } from '../src/config/duration.js';
import { LabelPruner } from '../src/core/label-pruner.js';
import type { MetricsFactory } from '../src/core/metrics.js';
import { defineProbe, type PathContribution, type ProbeFinding } from '../src/core/probe.js';
import {
  type ClientEni,
  type HsmTarget,
  type LiveResult,
  type LiveState,
  targetLabel,
} from '../src/model/index.js';
import type { ConnectResult } from '../src/net/tcp-connect.js';
import { formatRanges, toRanges } from '../src/netpath/ranges.js';
import { probeConnect } from '../src/prober/client.js';
import { awsCommand } from '../src/util/aws-command.js';
import { mapLimit } from '../src/util/concurrency.js';

type Id = 'hsm.reachable';

const WHY: Record<Exclude<LiveState, 'open'>, string> = {
  refused:
    'the address answers but nothing listens (TCP reset): the HSM is down, restarting or being replaced',
  timeout: 'no answer at all: packets are dropped silently, typically by a security group or network ACL',
  unreachable:
    'no route or host (ICMP unreachable): the ENI is gone (HSM replaced or deleted) or routing is wrong',
  error: 'the connect failed locally',
};

/** The fix per failure kind, complete: the cluster, the region and the failing ports filled in. */
function fixFor(state: Exclude<LiveState, 'open'>, target: HsmTarget, ports: string, region: string | null) {
  switch (state) {
    case 'refused':
      return `check the HSM's state: ${awsCommand(region, 'cloudhsmv2', 'describe-clusters', target.clusterId ? ['--filters', `clusterIds=${target.clusterId}`] : [])}`;
    case 'timeout':
      return `allow TCP ${ports} from the client in the cluster security group and the network ACLs (the path findings name the rule)`;
    case 'unreachable':
      return 'refresh the HSM addresses (an HSM replacement changes the ENI IP) and check the route tables';
    case 'error':
      return 'see the errno in the evidence (EPERM or EACCES: a local firewall on this host blocks the connect)';
  }
}

/** The client ENI a connection left from: the one owning its source address, else the primary ENI. */
export function clientEniFor(enis: readonly ClientEni[], localAddress: string | undefined): string | null {
  const owner = enis.find(
    (e) =>
      localAddress !== undefined && (e.privateIps.includes(localAddress) || e.ipv6s.includes(localAddress)),
  );
  return (owner ?? enis.find((e) => e.deviceNumber === 0) ?? enis[0])?.eniId ?? null;
}

export function summarise(
  target: HsmTarget,
  results: ReadonlyArray<{ port: number; r: ConnectResult }>,
  region: string | null = null,
  install?: ClientSdkInstall,
): ProbeFinding<Id> {
  const failing = results.filter((x) => x.r.state !== 'open');
  // Ports no installed Client SDK uses: their state is said, but it fails nothing.
  const unused = failing.filter((x) => portNotUsed(x.port, install) !== null);
  const bad = failing.filter((x) => !unused.includes(x));
  const note = unused.length
    ? `; ${unused.map((x) => `${x.port} ${x.r.state}`).join(', ')}: ${portsNotUsedNote(
        unused.map((x) => x.port),
        install,
      )}`
    : '';
  const evidence = {
    ip: target.ip,
    ...(target.state ? { hsmState: target.state } : {}),
    ports: Object.fromEntries(
      results.map((x) => [
        x.port,
        { state: x.r.state, connectMs: round(x.r.connectMs), ...(x.r.errno ? { errno: x.r.errno } : {}) },
      ]),
    ),
    ...(unused.length ? { notUsedBySdk: unused.map((x) => x.port), sdk: install?.generations } : {}),
  };
  if (bad.length === 0) {
    const open = results.filter((x) => x.r.state === 'open');
    const times = open.map((x) => x.r.connectMs);
    return {
      id: 'hsm.reachable',
      status: 'pass',
      target: targetLabel(target),
      message: `${open.length ? `port${open.length > 1 ? 's' : ''} ${open.map((x) => x.port).join(', ')} open (connect ${formatMs(Math.min(...times))}–${formatMs(Math.max(...times))})` : 'no port open'}${note}`,
      evidence,
    };
  }
  const states = [...new Set(bad.map((x) => x.r.state))] as Exclude<LiveState, 'open'>[];
  const parts = results
    .filter((x) => !unused.includes(x))
    .map(
      (x) =>
        `${x.port} ${x.r.state}${x.r.state === 'error' || x.r.state === 'unreachable' ? ` (${x.r.errno})` : x.r.state === 'timeout' ? ` after ${formatMs(x.r.connectMs)}` : ''}`,
    );
  return {
    id: 'hsm.reachable',
    status: states.every((s) => s === 'error') ? 'error' : 'fail',
    target: targetLabel(target),
    message: `${parts.join(', ')}: ${states.map((s) => WHY[s]).join('; ')}${note}`,
    evidence,
    remediation: states
      .map((s) =>
        fixFor(
          s,
          target,
          formatRanges(toRanges(bad.filter((x) => x.r.state === s).map((x) => x.port))),
          region,
        ),
      )
      .join('; '),
  };
}

/**
 * HSMs of one cluster that fail the same way (same ports, same states, same fix) are one finding:
 * one cause, one fix. Passing HSMs keep a finding each, with their own connect times.
 */
export function groupSameFailure(
  items: ReadonlyArray<{ target: HsmTarget; finding: ProbeFinding<Id> }>,
): ProbeFinding<Id>[] {
  const out: ProbeFinding<Id>[] = [];
  const groups = new Map<string, Array<{ target: HsmTarget; finding: ProbeFinding<Id> }>>();
  for (const item of items) {
    const f = item.finding;
    if (f.status === 'pass') {
      out.push(f);
      continue;
    }
    const key = [item.target.clusterId, f.status, f.message, f.remediation].join('|');
    const group = groups.get(key);
    if (group) group.push(item);
    else {
      const fresh = [item];
      groups.set(key, fresh);
      out.push(f); // placeholder, replaced below when the group has more than one HSM
    }
  }
  for (const group of groups.values()) {
    if (group.length < 2) continue;
    const first = group[0]!.finding;
    const ips = group.map((g) => g.target.ip);
    const cluster = group[0]!.target.clusterId;
    out[out.indexOf(first)] = {
      ...first,
      target: `${cluster ? `${cluster}: ` : ''}${group.length} HSM addresses (${ips.join(', ')})`,
      evidence: {
        ips,
        byAddress: Object.fromEntries(group.map((g) => [g.target.ip, g.finding.evidence])),
      },
    };
  }
  return out;
}

const round = (ms: number) => Math.round(ms * 1000) / 1000;

export const hsmReachability = defineProbe({
  id: 'reachability',
  title: 'HSM reachability',
  needs: ['hsm-targets', 'live-network'],
  consumes: ['clientSdk'],
  produces: ['livePaths'],
  // Cheap and the first thing to break: every 15 s in the agent.
  defaultIntervalMs: 15_000,
  findings: {
    'hsm.reachable': { summary: 'Every configured port of the HSM address accepts a TCP connection.' },
  },
  deadlineMs: (settings, env) => {
    const connects = env.targets.length * settings.ports.length;
    return Math.ceil(connects / settings.concurrency) * settings.timeoutMs + 2000;
  },
  async run(ctx) {
    const { env, settings } = ctx;
    const jobs = env.targets.flatMap((target) => settings.ports.map((port) => ({ target, port })));
    const results = await mapLimit(jobs, settings.concurrency, async (job) => ({
      ...job,
      r: await probeConnect(job.target.ip, job.port, settings.timeoutMs, ctx.signal),
    }));
    const enis = env.client?.enis ?? [];
    const paths: PathContribution[] = results.map(({ target, port, r }) => {
      const live: LiveResult = { state: r.state, connectMs: round(r.connectMs) };
      if (r.errno && r.state !== 'open') live.errno = r.errno;
      return {
        clusterId: target.clusterId,
        hsmId: target.hsmId,
        eniIp: target.ip,
        port,
        clientEni: clientEniFor(enis, r.localAddress),
        live,
      };
    });
    const findings = env.targets.map((t) => ({
      target: t,
      finding: summarise(
        t,
        results.filter((x) => x.target === t),
        env.region,
        ctx.facts.clientSdk,
      ),
    }));
    return { findings: groupSameFailure(findings), paths, facts: { livePaths: paths } };
  },
  declareMetrics: (m) => declareReachabilityMetrics(m),
});

const FAILURE_REASONS = ['refused', 'timeout', 'unreachable', 'error'] as const;

/** cloudhsm_hsm_port_up, connect latency and failures per HSM address and port. */
export function declareReachabilityMetrics(m: MetricsFactory) {
  const labelNames = ['cluster', 'hsm', 'ip', 'port'] as const;
  const up = m.gauge({
    name: 'cloudhsm_hsm_port_up',
    help: 'Whether the last TCP connect to the HSM address and port succeeded (1) or not (0).',
    labelNames,
  });
  const connect = m.histogram({
    name: 'cloudhsm_hsm_connect_duration_seconds',
    help: 'Duration of successful TCP connects to the HSM address and port.',
    labelNames,
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
  });
  const failures = m.counter({
    name: 'cloudhsm_hsm_probe_failures_total',
    help: 'Failed TCP connects to the HSM address and port by reason: refused, timeout, unreachable, error.',
    labelNames: [...labelNames, 'reason'],
  });
  const upPruner = new LabelPruner();
  const connectPruner = new LabelPruner();
  const failuresPruner = new LabelPruner();
  return (outcome: { paths?: PathContribution[] }) => {
    const seen = new Map<string, Record<(typeof labelNames)[number], string>>();
    for (const p of outcome.paths ?? []) {
      if (!p.live) continue;
      const labels = { cluster: p.clusterId ?? '', hsm: p.hsmId ?? '', ip: p.eniIp, port: String(p.port) };
      // Several client ENIs give one connect per address and port: count it once.
      const key = `${labels.ip}|${labels.port}`;
      if (seen.has(key)) continue;
      seen.set(key, labels);
      up.set(labels, p.live.state === 'open' ? 1 : 0);
      if (p.live.state === 'open') connect.observe(labels, p.live.connectMs / 1000);
      else failures.inc({ ...labels, reason: p.live.state });
      // Every reason exists from the start, so rate() and increase() see the first failure.
      for (const reason of FAILURE_REASONS) failures.inc({ ...labels, reason }, 0);
    }
    const current = [...seen.values()];
    upPruner.keep(up, current);
    connectPruner.keep(connect, current);
    failuresPruner.keep(
      failures,
      current.flatMap((l) => FAILURE_REASONS.map((reason) => ({ ...l, reason }))),
    );
  };
}
