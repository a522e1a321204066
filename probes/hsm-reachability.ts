// Live reachability: a TCP connect to every HSM address on every configured port.
import { mapLimit } from '../src/concurrency.js';
import { formatMs } from '../src/duration.js';
import type { ClientEni, HsmTarget, LiveResult, LiveState } from '../src/model.js';
import { defineProbe, type PathContribution, type ProbeFinding } from '../src/probe.js';
import { type ConnectResult, tcpConnect } from './support/tcp-connect.js';

type Id = 'hsm.reachable';

const WHY: Record<Exclude<LiveState, 'open'>, string> = {
  refused:
    'the address answers but nothing listens (TCP reset): the HSM is down, restarting or being replaced',
  timeout: 'no answer at all: packets are dropped silently, typically by a security group or network ACL',
  unreachable:
    'no route or host (ICMP unreachable): the ENI is gone (HSM replaced or deleted) or routing is wrong',
  error: 'the connect failed locally',
};

const FIX: Record<Exclude<LiveState, 'open'>, string> = {
  refused: 'check the HSM state: aws cloudhsmv2 describe-clusters --filters clusterIds=<cluster-id>',
  timeout:
    'allow TCP 2223-2225 from the client in the cluster security group and the network ACLs (see the path findings)',
  unreachable: 'refresh the HSM addresses (an HSM replacement changes the ENI IP) and check the route tables',
  error: 'see the errno in the evidence (EPERM or EACCES: a local firewall on this host blocks the connect)',
};

export function targetLabel(t: HsmTarget): string {
  return t.hsmId ? `${t.clusterId}/${t.hsmId} ${t.ip}` : t.ip;
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
): ProbeFinding<Id> {
  const bad = results.filter((x) => x.r.state !== 'open');
  const portList = results.map((x) => x.port).join(', ');
  const evidence = {
    ip: target.ip,
    ...(target.state ? { hsmState: target.state } : {}),
    ports: Object.fromEntries(
      results.map((x) => [
        x.port,
        { state: x.r.state, connectMs: round(x.r.connectMs), ...(x.r.errno ? { errno: x.r.errno } : {}) },
      ]),
    ),
  };
  if (bad.length === 0) {
    const times = results.map((x) => x.r.connectMs);
    return {
      id: 'hsm.reachable',
      status: 'pass',
      target: targetLabel(target),
      message: `ports ${portList} open (connect ${formatMs(Math.min(...times))}–${formatMs(Math.max(...times))})`,
      evidence,
    };
  }
  const states = [...new Set(bad.map((x) => x.r.state))] as Exclude<LiveState, 'open'>[];
  const parts = results.map(
    (x) =>
      `${x.port} ${x.r.state}${x.r.state === 'error' || x.r.state === 'unreachable' ? ` (${x.r.errno})` : x.r.state === 'timeout' ? ` after ${formatMs(x.r.connectMs)}` : ''}`,
  );
  return {
    id: 'hsm.reachable',
    status: states.every((s) => s === 'error') ? 'error' : 'fail',
    target: targetLabel(target),
    message: `${parts.join(', ')}: ${states.map((s) => WHY[s]).join('; ')}`,
    evidence,
    remediation: states.map((s) => FIX[s]).join('; '),
  };
}

const round = (ms: number) => Math.round(ms * 1000) / 1000;

export const hsmReachability = defineProbe({
  id: 'reachability',
  title: 'HSM reachability',
  needs: ['hsm-targets', 'live-network'],
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
      r: await tcpConnect(job.target.ip, job.port, settings.timeoutMs, ctx.signal),
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
    const findings = env.targets.map((t) =>
      summarise(
        t,
        results.filter((x) => x.target === t),
      ),
    );
    return { findings, paths };
  },
});
