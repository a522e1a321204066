// The network-path probe's findings for failing components: one per component and resource of a
// client ENI, across the HSM addresses and ports it blocks, with the fewest rules that fix them all.
// Graded by the Client SDK the host runs: a component that blocks only ports no installed SDK uses
// (2224-2225 on a Client SDK 5-only host) is a note, not a failure; the path verdicts stay as they are.
import { type ClientSdkInstall, portNotUsed, portsNotUsedNote } from '../../src/clientsdk/install.js';
import type { Environment } from '../../src/core/environment.js';
import type { ProbeFinding } from '../../src/core/probe.js';
import type { HsmTarget } from '../../src/model/index.js';
import {
  type Check,
  type Component,
  type Fix,
  fixCommand,
  formatRanges,
  groupFixes,
  hostCidr,
  type PairInput,
  type PathVerdict,
  toRanges,
} from '../../src/netpath/index.js';

export const COMPONENT_FINDING = {
  'client-sg-egress': 'sg.client-egress',
  'hsm-sg-ingress': 'sg.hsm-ingress',
  'client-nacl-outbound': 'nacl.client-outbound',
  'client-nacl-inbound-return': 'nacl.client-inbound-return',
  'hsm-nacl-inbound': 'nacl.hsm-inbound',
  'hsm-nacl-outbound-return': 'nacl.hsm-outbound-return',
  'client-route': 'route.client',
  'hsm-return-route': 'route.hsm-return',
  peering: 'route.peering',
} as const satisfies Record<Component, string>;

type ComponentId = (typeof COMPONENT_FINDING)[Component] | 'path.static';

export interface Pair {
  clientEni: string;
  label: string;
  target: HsmTarget;
  verdicts: PathVerdict[];
}

const COMPONENT_LABEL: Record<Component, string> = {
  'client-sg-egress': 'client security group egress',
  'hsm-sg-ingress': 'cluster security group ingress',
  'client-nacl-outbound': 'client subnet network ACL (outbound)',
  'client-nacl-inbound-return': 'client subnet network ACL (inbound return traffic)',
  'hsm-nacl-inbound': 'HSM subnet network ACL (inbound)',
  'hsm-nacl-outbound-return': 'HSM subnet network ACL (outbound return traffic)',
  'client-route': 'client route table',
  'hsm-return-route': 'HSM subnet route table (return path)',
  peering: 'VPC peering connection',
};

/** The HSM's side of a path: its address is the peer of these components' rules. */
const PEER_IS_HSM: ReadonlySet<Component> = new Set([
  'client-sg-egress',
  'client-nacl-outbound',
  'client-nacl-inbound-return',
]);

interface Failure {
  pair: Pair;
  port: number;
  check: Check;
}

/**
 * One finding per failing component and resource of one client ENI, across every HSM address and
 * port it blocks, with the fewest rules that fix them all (see groupFixes).
 */
export function componentFindings(
  pairs: readonly Pair[],
  env: Environment,
  traffic: Pick<PairInput, 'ports' | 'ephemeral'>,
  allocate: (fix: Fix) => Fix,
  sdk?: ClientSdkInstall,
): ProbeFinding<ComponentId>[] {
  const out: ProbeFinding<ComponentId>[] = [];
  const groups = new Map<string, Failure[]>();
  for (const pair of pairs) {
    for (const v of pair.verdicts) {
      for (const check of v.checks) {
        if (check.status === 'allow' || check.missing) continue;
        const key = [check.component, check.status, check.resourceIds.join(',')].join('|');
        groups.set(key, [...(groups.get(key) ?? []), { pair, port: v.port, check }]);
      }
    }
  }
  for (const items of groups.values()) out.push(groupFinding(items, env, traffic, allocate, sdk));
  for (const pair of pairs) {
    const used = pair.verdicts.filter((v) => portNotUsed(v.port, sdk) === null);
    if (used.length === 0 || !used.every((v) => v.verdict === 'reachable')) continue;
    const others = pair.verdicts.filter((v) => !used.includes(v) && v.verdict !== 'reachable');
    const note = others.length
      ? ` (not ${formatRanges(toRanges(others.map((v) => v.port)))}: ${portsNotUsedNote(
          others.map((v) => v.port),
          sdk,
        )})`
      : '';
    out.push({
      id: 'path.static',
      status: 'pass',
      target: pair.label,
      message: `security groups, network ACLs and routes allow TCP ${formatRanges(toRanges(pair.verdicts.filter((v) => v.verdict === 'reachable').map((v) => v.port)))}${note}`,
      evidence: { clientEni: pair.clientEni, hsmIp: pair.target.ip },
    });
  }
  return out;
}

function groupFinding(
  items: readonly Failure[],
  env: Environment,
  traffic: Pick<PairInput, 'ports' | 'ephemeral'>,
  allocate: (fix: Fix) => Fix,
  sdk: ClientSdkInstall | undefined,
): ProbeFinding<ComponentId> {
  const first = items[0]!;
  const { component } = first.check;
  const blocked = first.check.status === 'block';
  const pairs = [...new Set(items.map((i) => i.pair))];
  const ports = formatRanges(toRanges(items.map((i) => i.port)));
  const portList = [...new Set(items.map((i) => i.port))].sort((a, b) => a - b);
  // Only ports no installed Client SDK uses: said, with why it does not matter here.
  const notUsed = portList.every((p) => portNotUsed(p, sdk) !== null);
  const returnTraffic =
    component === 'client-nacl-inbound-return' || component === 'hsm-nacl-outbound-return';
  // A note proposes no rule (and takes no NACL rule number from the findings that do).
  const fixes = groupFixes(
    notUsed ? [] : items.map((i) => i.check.fix).filter((f): f is Fix => f !== undefined),
    {
      widen: PEER_IS_HSM.has(component) ? hsmSubnets(env, pairs) : new Map(),
      requested: returnTraffic ? [traffic.ephemeral] : toRanges(traffic.ports),
      nacls: env.vpc.facts.nacls,
    },
  ).map(allocate);
  const f: ProbeFinding<ComponentId> = {
    id: COMPONENT_FINDING[component],
    status: notUsed ? 'pass' : blocked ? 'fail' : 'warn',
    target: pairs.length === 1 ? first.pair.label : groupLabel(pairs),
    message: `${COMPONENT_LABEL[component]} ${blocked ? 'blocks' : 'cannot be decided for'} TCP ${ports}${pairs.length > 1 ? ` to ${pairs.length} HSM addresses` : ''}: ${groupDetail(items)}${notUsed ? `; ${portsNotUsedNote(portList, sdk)}` : ''}`,
    evidence: {
      component,
      resourceIds: first.check.resourceIds,
      ports: [...new Set(items.map((i) => i.port))],
      clientEni: first.pair.clientEni,
      hsmIps: pairs.map((p) => p.target.ip),
      ...(pairs.length > 1 ? { details: [...new Set(items.map((i) => i.check.detail))] } : {}),
      ...(notUsed ? { notUsedBySdk: portList, sdk: sdk?.generations } : {}),
    },
  };
  if (fixes.length) f.remediation = fixes.map((x) => fixCommand(x, env.region)).join(' && ');
  return f;
}

/** Each HSM address's /32 (or /128) → its subnet's CIDRs of that family, where the subnet is known. */
function hsmSubnets(env: Environment, pairs: readonly Pair[]): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const { target } of pairs) {
    const subnet = target.subnetId ? env.vpc.facts.subnets?.get(target.subnetId) : undefined;
    const family = target.ip.includes(':') ? 6 : 4;
    const cidrs = subnet?.cidrs.filter((c) => c.includes(':') === (family === 6)) ?? [];
    if (cidrs.length) out.set(hostCidr(target.ip), cidrs);
  }
  return out;
}

/** `eni-… → cluster-…: 3 HSM addresses (a, b, c)`, or the addresses alone outside a cluster. */
function groupLabel(pairs: readonly Pair[]): string {
  const clusters = [...new Set(pairs.map((p) => p.target.clusterId ?? '-'))];
  const where = clusters.length === 1 && clusters[0] !== '-' ? `${clusters[0]}: ` : '';
  return `${pairs[0]!.clientEni} → ${where}${pairs.length} HSM addresses (${pairs.map((p) => p.target.ip).join(', ')})`;
}

/**
 * The paths' reasons: one sentence when they differ only by the HSM address and the port (each
 * listed), else the first and a count.
 */
function groupDetail(items: readonly Failure[]): string {
  const shapeOf = (i: Failure) =>
    i.check.detail
      .split(i.pair.target.ip)
      .join('\0')
      .replace(new RegExp(`\\b${i.port}\\b`, 'g'), '\u0001');
  const shapes = new Set(items.map(shapeOf));
  const first = items[0]!;
  if (shapes.size === 1) {
    const ips = [...new Set(items.map((i) => i.pair.target.ip))].join(', ');
    const ports = formatRanges(toRanges(items.map((i) => i.port)));
    return shapeOf(first).split('\0').join(ips).split('\u0001').join(ports);
  }
  const details = new Set(items.map((i) => i.check.detail));
  return details.size === 1
    ? first.check.detail
    : `${first.check.detail} (and ${details.size - 1} more: see the evidence)`;
}

export { ruleNumberAllocator } from '../../src/netpath/group-fix.js';
