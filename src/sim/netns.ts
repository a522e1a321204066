// Private network namespaces with nftables rules, for scenarios that need real packet filtering
// (a silently dropped port, an ICMP unreachable). Nothing here touches the host's own network.
import { spawn, spawnSync } from 'node:child_process';
import type { NetworkAction } from './scenario.js';

export const IN_NETNS_ENV = 'HSMWATCH_IN_NETNS';

export type NetnsSupport = { ok: true; unshareArgs: string[] } | { ok: false; reason: string };

function works(cmd: string, args: string[]): { ok: boolean; detail: string } {
  const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: 5000 });
  if (r.error)
    return {
      ok: false,
      detail:
        (r.error as NodeJS.ErrnoException).code === 'ENOENT' ? `${cmd} is not installed` : r.error.message,
    };
  return { ok: r.status === 0, detail: (r.stderr || r.stdout || '').trim().split('\n')[0] ?? '' };
}

/** Can this machine give us a private network namespace with nftables? Says why not. */
export function netnsSupport(): NetnsSupport {
  for (const [cmd, pkg] of [
    ['unshare', 'util-linux'],
    ['nft', 'nftables'],
    ['ip', 'iproute2'],
  ] as const) {
    const r = works(cmd, ['--version']);
    if (!r.ok && /not installed/.test(r.detail))
      return { ok: false, reason: `${r.detail} (Debian package ${pkg})` };
  }
  const root = process.getuid?.() === 0;
  const unshareArgs = root ? ['--net'] : ['--net', '--map-root-user'];
  const probe = works('unshare', [...unshareArgs, 'nft', 'list', 'ruleset']);
  if (!probe.ok) {
    return {
      ok: false,
      reason: `cannot create a private network namespace with nftables (${probe.detail || 'unshare failed'})${root ? '' : '; unprivileged user namespaces may be disabled here'}`,
    };
  }
  return { ok: true, unshareArgs };
}

/** Pure: the nftables ruleset for a scenario's network behaviours (output hook: we are the client). */
export function nftRules(rules: ReadonlyArray<{ ip: string; port?: number; action: NetworkAction }>): string {
  const verdict = (action: NetworkAction, v6: boolean): string =>
    ({
      drop: 'drop',
      reset: 'reject with tcp reset',
      'host-unreachable': `reject with ${v6 ? 'icmpv6 type addr-unreachable' : 'icmp type host-unreachable'}`,
      'net-unreachable': `reject with ${v6 ? 'icmpv6 type no-route' : 'icmp type net-unreachable'}`,
    })[action];
  const lines = rules.map((r) => {
    const v6 = r.ip.includes(':');
    // A TCP reset needs a TCP match; the other verdicts apply to the whole address when no port is given.
    const l4 = r.port ? ` tcp dport ${r.port}` : r.action === 'reset' ? ' meta l4proto tcp' : '';
    return `${v6 ? 'ip6' : 'ip'} daddr ${r.ip}${l4} ${verdict(r.action, v6)}`;
  });
  return `table inet hsmwatch_sim {\n  chain output {\n    type filter hook output priority 0; policy accept;\n${lines.map((l) => `    ${l}\n`).join('')}  }\n}\n`;
}

export type SourceRoute = { hsmIp: string; sourceIp: string | null };

/**
 * Pure: the `ip` commands that make the kernel pick `sourceIp` towards `hsmIp` (a pod's or a task's
 * address): the source on loopback, and a local route to the HSM address with that preferred source.
 * A null source gets no route, as when the kernel has none.
 */
export function sourceRouteCommands(sources: readonly SourceRoute[]): string[][] {
  const cmds: string[][] = [];
  const added = new Set<string>();
  for (const { hsmIp, sourceIp } of sources) {
    if (!sourceIp) continue;
    const v6 = hsmIp.includes(':');
    const family = v6 ? ['-6'] : [];
    // 127.0.0.0/8 and ::1 are local already.
    const local = v6 ? sourceIp === '::1' : sourceIp.startsWith('127.');
    if (!local && !added.has(sourceIp)) {
      added.add(sourceIp);
      cmds.push([...family, 'addr', 'add', `${sourceIp}/${v6 ? 128 : 32}`, 'dev', 'lo']);
    }
    cmds.push([...family, 'route', 'add', 'local', hsmIp, 'dev', 'lo', 'src', sourceIp, 'table', 'local']);
  }
  return cmds;
}

/** Whether a scenario needs a private namespace: packet filtering, or source addresses to route. */
export function needsNamespace(scenario: {
  sim?: { network?: unknown[] };
  snapshot: { client: { sources?: readonly SourceRoute[] } };
}): boolean {
  return (
    (scenario.sim?.network?.length ?? 0) > 0 ||
    sourceRouteCommands(scenario.snapshot.client.sources ?? []).length > 0
  );
}

/** Inside the namespace: loopback up, rules loaded, source addresses routed. */
export function setupNamespace(
  rules: Parameters<typeof nftRules>[0],
  sources: readonly SourceRoute[] = [],
): void {
  const up = spawnSync('ip', ['link', 'set', 'lo', 'up'], { encoding: 'utf8', timeout: 5000 });
  if (up.status !== 0)
    throw new Error(`cannot bring up loopback in the namespace: ${up.stderr || up.error?.message}`);
  const nft = spawnSync('nft', ['-f', '-'], { input: nftRules(rules), encoding: 'utf8', timeout: 5000 });
  if (nft.status !== 0) throw new Error(`cannot load nftables rules: ${nft.stderr || nft.error?.message}`);
  for (const args of sourceRouteCommands(sources)) {
    const r = spawnSync('ip', args, { encoding: 'utf8', timeout: 5000 });
    if (r.status !== 0) throw new Error(`ip ${args.join(' ')}: ${r.stderr || r.error?.message}`);
  }
}

/** Runs this same command again inside a new network namespace; resolves with its exit code. */
export function rerunInNamespace(support: Extract<NetnsSupport, { ok: true }>): Promise<number> {
  return new Promise((resolve) => {
    const child = spawn(
      'unshare',
      [...support.unshareArgs, '--', process.execPath, ...process.execArgv, ...process.argv.slice(1)],
      {
        stdio: 'inherit',
        env: { ...process.env, [IN_NETNS_ENV]: '1' },
      },
    );
    const forward = (sig: NodeJS.Signals) => () => child.kill(sig);
    const onInt = forward('SIGINT');
    const onTerm = forward('SIGTERM');
    process.on('SIGINT', onInt);
    process.on('SIGTERM', onTerm);
    child.on('exit', (code, signal) => {
      process.off('SIGINT', onInt);
      process.off('SIGTERM', onTerm);
      resolve(code ?? (signal ? 1 : 0));
    });
  });
}
