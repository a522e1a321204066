// Correlation: the static verdict of each path against what the live connect saw, with a named
// explanation where they disagree.

import { defineProbe, type PathContribution, type ProbeFinding } from '../src/core/probe.js';
import type { LiveState, StaticVerdict } from '../src/model/index.js';

type Id = 'path.correlation';

interface Judgement {
  agree: boolean | null;
  why: string;
}

/** Pure: what one static verdict and one live state mean together. */
export function correlate(verdict: StaticVerdict, live: LiveState): Judgement {
  if (verdict === 'unknown') return { agree: null, why: `the static verdict is unknown; live says ${live}` };
  if (live === 'error') return { agree: null, why: 'the live connect failed locally, nothing to compare' };
  if (verdict === 'reachable') {
    if (live === 'open') return { agree: true, why: 'static reachable, live open' };
    if (live === 'timeout')
      return {
        agree: false,
        why: 'the VPC rules allow it but packets vanish: a host firewall (iptables/nftables on this host or the HSM side), OS routing sending it out another interface, an HSM that does not answer, or VPC data changed since it was read',
      };
    if (live === 'refused')
      return {
        agree: false,
        why: 'the network path is open but nothing listens: the HSM is down, restarting or being replaced',
      };
    return {
      agree: false,
      why: 'the VPC rules allow it but the host gets ICMP unreachable: the ENI is gone (HSM replaced) or this host routes it elsewhere, or the data is stale',
    };
  }
  if (live === 'timeout' || live === 'unreachable')
    return { agree: true, why: `static blocked, live ${live}` };
  return {
    agree: false,
    why:
      live === 'open'
        ? 'the analysed path is blocked yet the connect succeeded: traffic takes another path (another ENI, a proxy, a peering or transit route not analysed) or the VPC data changed since it was read'
        : 'the analysed path is blocked yet a TCP reset came back: something else answers (a local firewall rejecting, a proxy) or the VPC data changed since it was read',
  };
}

export const pathCorrelation = defineProbe({
  id: 'path-correlation',
  title: 'Static vs live path correlation',
  needs: ['hsm-targets'],
  consumes: ['staticPaths', 'livePaths'],
  findings: {
    'path.correlation': { summary: 'The static path verdict agrees with the live connect, or why not.' },
  },
  deadlineMs: () => 5000,
  async run(ctx) {
    const { env, facts } = ctx;
    if (env.mode === 'offline') return { findings: [] };
    const staticPaths = facts.staticPaths?.filter((p) => p.static) ?? [];
    const livePaths = facts.livePaths?.filter((p) => p.live) ?? [];
    if (staticPaths.length === 0 || livePaths.length === 0) {
      return {
        findings: [
          {
            id: 'path.correlation',
            status: 'skip',
            target: 'paths',
            message: `nothing to compare: ${staticPaths.length === 0 ? 'no static verdicts (the network-path probe did not run or lacked data)' : 'no live results (the reachability probe did not run)'}`,
            evidence: {},
          },
        ],
      };
    }
    const groups = new Map<string, { p: PathContribution; live: LiveState; j: Judgement; ports: number[] }>();
    for (const live of livePaths) {
      const st =
        staticPaths.find(
          (s) => s.eniIp === live.eniIp && s.port === live.port && s.clientEni === live.clientEni,
        ) ?? staticPaths.find((s) => s.eniIp === live.eniIp && s.port === live.port);
      if (!st?.static || !live.live) continue;
      const j = correlate(st.static.verdict, live.live.state);
      const key = `${st.clientEni}|${st.eniIp}|${st.static.verdict}|${live.live.state}`;
      const g = groups.get(key);
      if (g) g.ports.push(live.port);
      else groups.set(key, { p: st, live: live.live.state, j, ports: [live.port] });
    }
    const findings: ProbeFinding<Id>[] = [...groups.values()].map(({ p, live, j, ports }) => ({
      id: 'path.correlation',
      status: j.agree === null ? 'skip' : j.agree ? 'pass' : 'warn',
      target: `${p.clientEni ?? '-'} → ${p.hsmId ? `${p.clusterId}/${p.hsmId} ` : ''}${p.eniIp}`,
      message: `TCP ${ports.join(', ')}: ${j.agree === true ? 'static and live agree' : j.agree === false ? 'static and live disagree' : 'not compared'} (static ${p.static!.verdict}, live ${live})${j.agree === true ? '' : `: ${j.why}`}`,
      evidence: { static: p.static!.verdict, live, ports, clientEni: p.clientEni, hsmIp: p.eniIp },
    }));
    return { findings };
  },
});
