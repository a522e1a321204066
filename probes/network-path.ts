// Static path analysis: security groups, network ACLs and routes for every client ENI → HSM
// address → port, from the VPC estate discovery read alone (so `analyze` and `diagnose` share it).

import type { Environment } from '../src/core/environment.js';
import { finding } from '../src/core/findings.js';
import { LabelPruner } from '../src/core/label-pruner.js';
import type { MetricsFactory } from '../src/core/metrics.js';
import { defineProbe, type PathContribution, type ProbeFinding } from '../src/core/probe.js';
import { type ClientEni, targetLabel } from '../src/model/index.js';
import type { NetFacts } from '../src/netpath/facts.js';
import {
  type Check,
  type Component,
  clientEndpoint,
  DEFAULT_EPHEMERAL,
  evaluatePair,
  type Fix,
  fixCommand,
  formatRanges,
  freeRuleNumber,
  hsmEndpoint,
  mergeFixes,
  type PairInput,
  type PathVerdict,
  routeTableFor,
  toRanges,
} from '../src/netpath/index.js';

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

const FINDINGS = {
  'sg.client-egress': {
    summary: "A client ENI's security groups allow TCP egress to the HSM on every port.",
  },
  'sg.hsm-ingress': {
    summary: 'The cluster security group allows TCP ingress from the client on every port.',
  },
  'nacl.client-outbound': {
    summary: "The client subnet's network ACL allows outbound TCP to the HSM ports.",
  },
  'nacl.client-inbound-return': {
    summary: "The client subnet's network ACL allows the return traffic on the whole ephemeral range.",
  },
  'nacl.hsm-inbound': {
    summary: "The HSM subnet's network ACL allows inbound TCP from the client on the HSM ports.",
  },
  'nacl.hsm-outbound-return': {
    summary: "The HSM subnet's network ACL allows the return traffic to the client's whole ephemeral range.",
  },
  'route.client': { summary: "The client subnet's route table routes the HSM address." },
  'route.hsm-return': {
    summary: "The HSM subnet's route table routes the client address (the return path).",
  },
  'route.peering': { summary: 'The VPC peering connection on the path is active.' },
  'path.static': {
    summary: 'Every component on the path from the client ENI to the HSM address allows the ports.',
  },
  'path.data': {
    summary: 'The VPC data the path checks need was read (else they are skipped, with the reason).',
  },
  'path.ephemeral-range': { summary: 'The ephemeral port range used for return-traffic checks.' },
  'subnet.private': { summary: 'The cluster subnets have no route to an internet gateway.' },
  'sg.cluster-sg-on-client': {
    summary: 'Notes when the cluster security group is attached to the client itself.',
  },
} as const;
type Id = keyof typeof FINDINGS;

interface Pair {
  clientEni: string;
  label: string;
  target: { clusterId: string | null; hsmId: string | null; ip: string };
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

/** One finding per pair and failing component, ports merged, with the narrowest fix. */
function componentFindings(pair: Pair, allocate: (fix: Fix) => Fix): ProbeFinding<Id>[] {
  const out: ProbeFinding<Id>[] = [];
  const byComponent = new Map<Component, Array<{ port: number; check: Check }>>();
  for (const v of pair.verdicts) {
    for (const check of v.checks) {
      if (check.status === 'allow' || check.missing) continue;
      const list = byComponent.get(check.component) ?? [];
      list.push({ port: v.port, check });
      byComponent.set(check.component, list);
    }
  }
  for (const [component, items] of byComponent) {
    const first = items[0]!.check;
    const ports = formatRanges(toRanges(items.map((i) => i.port)));
    const fixes = mergeFixes(items.map((i) => i.check.fix).filter((f): f is Fix => f !== undefined)).map(
      allocate,
    );
    const blocked = first.status === 'block';
    const f: ProbeFinding<Id> = {
      id: COMPONENT_FINDING[component],
      status: blocked ? 'fail' : 'warn',
      target: pair.label,
      message: `${COMPONENT_LABEL[component]} ${blocked ? 'blocks' : 'cannot be decided for'} TCP ${ports}: ${first.detail}`,
      evidence: {
        component,
        resourceIds: first.resourceIds,
        ports: items.map((i) => i.port),
        clientEni: pair.clientEni,
        hsmIp: pair.target.ip,
      },
    };
    if (fixes.length) f.remediation = fixes.map(fixCommand).join(' && ');
    out.push(f);
  }
  if (byComponent.size === 0 && pair.verdicts.every((v) => v.verdict === 'reachable')) {
    out.push({
      id: 'path.static',
      status: 'pass',
      target: pair.label,
      message: `security groups, network ACLs and routes allow TCP ${formatRanges(toRanges(pair.verdicts.map((v) => v.port)))}`,
      evidence: { clientEni: pair.clientEni, hsmIp: pair.target.ip },
    });
  }
  return out;
}

export const networkPath = defineProbe({
  id: 'network-path',
  title: 'Network path (security groups, NACLs, routes)',
  needs: ['hsm-targets'],
  produces: ['staticPaths'],
  findings: FINDINGS,
  deadlineMs: () => 10_000,
  declareMetrics: (m) => declarePathMetrics(m),
  async run(ctx) {
    const { env, settings } = ctx;
    const findings = dataGapFindings(env);
    const enis = env.client?.enis ?? [];
    if (enis.length === 0) {
      findings.push(
        finding(
          'path.static',
          'skip',
          'client',
          "the client's network interfaces are not known (no IMDS and no ec2:DescribeInstances answer)",
          {},
        ),
      );
      return { findings };
    }
    const ephemeral = env.ephemeralPorts ?? { ...DEFAULT_EPHEMERAL, source: 'default' };
    findings.push(ephemeralRangeFinding(ephemeral));
    const paths: PathContribution[] = [];
    // One allocator for the whole round: NACL fixes of different pairs share the ACLs' rule numbers.
    const allocate = ruleNumberAllocator(env.vpc.facts);
    for (const eni of enis) {
      const checked = checkEni(env, eni, { ports: settings.ports, ephemeral }, allocate);
      paths.push(...checked.paths);
      findings.push(...checked.findings);
    }
    findings.push(...privateSubnetFindings(env.vpc.facts, env.clusters));
    return { findings: mergeSameFix(findings), paths, facts: { staticPaths: paths } };
  },
});

/** One finding for all unread VPC data: the discovery findings already say why each read failed. */
function dataGapFindings(env: Environment): ProbeFinding<Id>[] {
  const { missing } = env.vpc;
  if (!missing.length) return [];
  const actions = missing.map((k) => env.discovery.reads[k]?.deniedAction).filter((a): a is string => !!a);
  return [
    finding(
      'path.data',
      'skip',
      'ec2',
      `${missing.join(', ')} ${missing.length > 1 ? 'are' : 'is'} not in the ${env.mode === 'offline' ? 'snapshot' : 'data read'}, so the path checks that need ${missing.length > 1 ? 'them' : 'it'} are undecided${actions.length ? `; IAM action(s) missing: ${actions.join(', ')}` : ''}`,
      { missing, ...(actions.length ? { missingActions: actions } : {}) },
      ...(actions.length ? [`grant ${actions.join(', ')} (see \`hsmwatch iam-policy\`)`] : []),
    ),
  ];
}

function ephemeralRangeFinding(ephemeral: { from: number; to: number; source: string }): ProbeFinding<Id> {
  return finding(
    'path.ephemeral-range',
    'pass',
    'client',
    ephemeral.source === 'default'
      ? `return traffic checked for the ephemeral ports ${ephemeral.from}-${ephemeral.to}, the default of analyze (the snapshot does not hold the client's own range)`
      : `return traffic checked for the client's ephemeral ports ${ephemeral.from}-${ephemeral.to} (${ephemeral.source})`,
    { from: ephemeral.from, to: ephemeral.to, source: ephemeral.source },
  );
}

/** Every HSM address and port from one client ENI: the path records, and the findings per pair. */
function checkEni(
  env: Environment,
  eni: ClientEni,
  traffic: Pick<PairInput, 'ports' | 'ephemeral'>,
  allocate: (fix: Fix) => Fix,
): { findings: ProbeFinding<Id>[]; paths: PathContribution[] } {
  const { facts } = env.vpc;
  const findings: ProbeFinding<Id>[] = [];
  const paths: PathContribution[] = [];
  for (const target of env.targets) {
    const client = clientEndpoint(facts, eni, target.family);
    const hsm = hsmEndpoint(facts, target, env.clusters);
    const verdicts = evaluatePair(facts, { client, hsm, ...traffic });
    for (const v of verdicts) {
      paths.push({
        clusterId: target.clusterId,
        hsmId: target.hsmId,
        eniIp: target.ip,
        port: v.port,
        clientEni: eni.eniId,
        static: { verdict: v.verdict, blockedBy: v.blockedBy },
      });
    }
    const label = `${eni.eniId} → ${targetLabel(target)}`;
    findings.push(...componentFindings({ clientEni: eni.eniId, label, target, verdicts }, allocate));
  }
  const shared = clusterSgOnClient(env, eni);
  if (shared) findings.push(shared);
  return { findings, paths };
}

/** The cluster security group attached to the client itself: allowed, but worth knowing. */
function clusterSgOnClient(env: Environment, eni: ClientEni): ProbeFinding<Id> | null {
  const clusterSgs = env.clusters.map((c) => c.securityGroup).filter((s): s is string => s !== null);
  const shared = clientEndpoint(env.vpc.facts, eni, 4).groupIds?.filter((g) => clusterSgs.includes(g)) ?? [];
  if (!shared.length) return null;
  return finding(
    'sg.cluster-sg-on-client',
    'pass',
    eni.eniId,
    `the cluster security group ${shared.join(', ')} is attached to the client ENI itself: its self-referencing rules then admit this client (AWS's documented setup); changes to it affect the HSMs too`,
    { groups: shared },
  );
}

/** Findings of one client ENI with the same fix (e.g. one cluster SG rule) become one, listing the HSMs. */
function mergeSameFix(findings: ProbeFinding<Id>[]): ProbeFinding<Id>[] {
  const out: ProbeFinding<Id>[] = [];
  const byKey = new Map<string, ProbeFinding<Id>>();
  for (const f of findings) {
    const ev = f.evidence as {
      component?: string;
      resourceIds?: string[];
      clientEni?: string;
      hsmIp?: string;
    };
    if (!f.remediation || !ev.component || !ev.hsmIp) {
      out.push(f);
      continue;
    }
    const key = [f.id, f.status, f.remediation, ev.clientEni, (ev.resourceIds ?? []).join(',')].join('|');
    const first = byKey.get(key);
    if (!first) {
      const copy = { ...f, evidence: { ...f.evidence, hsmIps: [ev.hsmIp] } };
      byKey.set(key, copy);
      out.push(copy);
      continue;
    }
    const ips = first.evidence.hsmIps as string[];
    ips.push(ev.hsmIp);
    first.target = `${first.target.split(' → ')[0]} → ${ips.length} HSM addresses (${ips.join(', ')})`;
    const base = first.message.replace(/ \(and \d+ more HSM address(es)?\)$/, '');
    first.message = `${base} (and ${ips.length - 1} more HSM address${ips.length > 2 ? 'es' : ''})`;
  }
  return out;
}

/**
 * NACL fixes of different findings must not propose the same rule number in one ACL (the second
 * command would fail): numbers are handed out once per ACL and direction, below the denying rule.
 */
function ruleNumberAllocator(facts: NetFacts): (fix: Fix) => Fix {
  const taken = new Map<string, Set<number>>();
  return (fix) => {
    if (fix.kind !== 'nacl-entry') return fix;
    const nacl = facts.nacls?.find((n) => n.id === fix.naclId);
    const key = `${fix.naclId}|${fix.egress}`;
    const used = taken.get(key) ?? new Set<number>();
    taken.set(key, used);
    const entries = fix.entries.map((e) => {
      const n =
        nacl && used.has(e.ruleNumber)
          ? (freeRuleNumber(nacl, fix.egress, e.ruleNumber, used) ?? e.ruleNumber)
          : e.ruleNumber;
      used.add(n);
      return { ...e, ruleNumber: n };
    });
    return { ...fix, entries };
  };
}

function privateSubnetFindings(
  facts: NetFacts,
  clusters: ReadonlyArray<{ clusterId: string; vpcId: string | null; subnetIds: string[] }>,
): ProbeFinding<Id>[] {
  if (facts.routeTables === null) return [];
  return clusters.map((c) => {
    const exposed = c.subnetIds.flatMap((s) => {
      const t = routeTableFor(facts, s, c.vpcId);
      const igw = t?.routes.find((r) => r.targetId.startsWith('igw-'));
      return t && igw ? [{ subnet: s, table: t.id, route: igw }] : [];
    });
    if (exposed.length === 0) {
      return {
        id: 'subnet.private' as const,
        status: 'pass' as const,
        target: c.clusterId,
        message: `no cluster subnet (${c.subnetIds.join(', ') || 'none listed'}) routes to an internet gateway`,
        evidence: { subnets: c.subnetIds },
      };
    }
    const first = exposed[0]!;
    const flag = first.route.destination.includes(':')
      ? '--destination-ipv6-cidr-block'
      : '--destination-cidr-block';
    return {
      id: 'subnet.private' as const,
      status: 'warn' as const,
      target: c.clusterId,
      message: `cluster subnet(s) ${exposed.map((e) => `${e.subnet} (${e.table}: ${e.route.destination} → ${e.route.targetId})`).join(', ')} route to an internet gateway: the HSM subnets are not private`,
      evidence: {
        exposed: exposed.map((e) => ({
          subnet: e.subnet,
          routeTable: e.table,
          destination: e.route.destination,
          gateway: e.route.targetId,
        })),
      },
      remediation: exposed
        .map((e) => `aws ec2 delete-route --route-table-id ${e.table} ${flag} ${e.route.destination}`)
        .join(' && '),
    };
  });
}

/** cloudhsm_path_reachable{cluster,hsm,ip,port,client_eni}: 1 reachable, 0 blocked, no series when unknown. */
export function declarePathMetrics(m: MetricsFactory) {
  const labelNames = ['cluster', 'hsm', 'ip', 'port', 'client_eni'] as const;
  const reachable = m.gauge({
    name: 'cloudhsm_path_reachable',
    help: 'Static verdict of the path from a client ENI to an HSM address and port: 1 reachable, 0 blocked (security groups, network ACLs, routes); absent when undecided.',
    labelNames,
  });
  const pruner = new LabelPruner();
  return (outcome: { paths?: PathContribution[] }) => {
    const current: Array<Record<(typeof labelNames)[number], string>> = [];
    for (const p of outcome.paths ?? []) {
      if (!p.static || p.static.verdict === 'unknown') continue;
      const labels = {
        cluster: p.clusterId ?? '',
        hsm: p.hsmId ?? '',
        ip: p.eniIp,
        port: String(p.port),
        client_eni: p.clientEni ?? '',
      };
      reachable.set(labels, p.static.verdict === 'reachable' ? 1 : 0);
      current.push(labels);
    }
    pruner.keep(reachable, current);
  };
}
