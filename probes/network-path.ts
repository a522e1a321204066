// Static path analysis: security groups, network ACLs and routes for every client ENI → HSM
// address → port, from the VPC estate discovery read alone (so `analyze` and `diagnose` share it).

import type { ClientSdkInstall } from '../src/clientsdk/install.js';
import type { Environment } from '../src/core/environment.js';
import { finding } from '../src/core/findings.js';
import { LabelPruner } from '../src/core/label-pruner.js';
import type { MetricsFactory } from '../src/core/metrics.js';
import { defineProbe, type PathContribution, type ProbeFinding } from '../src/core/probe.js';
import { type ClientEni, type HsmTarget, targetLabel } from '../src/model/index.js';
import type { NetFacts } from '../src/netpath/facts.js';
import {
  clientEndpoint,
  DEFAULT_EPHEMERAL,
  evaluatePair,
  type Fix,
  hsmEndpoint,
  type PairInput,
} from '../src/netpath/index.js';
import { subnetsRoutingToInternet } from '../src/netpath/private-subnets.js';
import { awsCommand } from '../src/util/aws-command.js';
import {
  COMPONENT_FINDING,
  componentFindings,
  type Pair,
  ruleNumberAllocator,
} from './support/path-findings.js';
import { sourceFindings, targetsByEni } from './support/source-paths.js';

export { COMPONENT_FINDING };

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
  'client.source': {
    summary:
      "Which ENI (and kind: interface, branch, trunk, ECS task, Lambda) owns the kernel's source address towards each HSM, and so whose security groups judge the traffic.",
  },
} as const;
type Id = keyof typeof FINDINGS;

export const networkPath = defineProbe({
  id: 'network-path',
  title: 'Network path (security groups, NACLs, routes)',
  needs: ['hsm-targets'],
  // The Client SDK generations installed here grade the ports (absent offline: every port counts).
  consumes: ['clientSdk'],
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
    findings.push(...sourceFindings(env));
    // Each HSM address from the ENI owning the kernel's source address towards it, else from every ENI.
    const byEni = targetsByEni(env.client!, env.targets);
    for (const eni of enis) {
      const targets = byEni.get(eni.eniId) ?? [];
      if (!targets.length) continue;
      const checked = checkEni(
        env,
        { eni, targets },
        { ports: settings.ports, ephemeral },
        allocate,
        ctx.facts.clientSdk,
      );
      paths.push(...checked.paths);
      findings.push(...checked.findings);
    }
    findings.push(...privateSubnetFindings(env.vpc.facts, env.clusters, env.region));
    return { findings, paths, facts: { staticPaths: paths } };
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
  { eni, targets }: { eni: ClientEni; targets: readonly HsmTarget[] },
  traffic: Pick<PairInput, 'ports' | 'ephemeral'>,
  allocate: (fix: Fix) => Fix,
  sdk?: ClientSdkInstall,
): { findings: ProbeFinding<Id>[]; paths: PathContribution[] } {
  const { facts } = env.vpc;
  const findings: ProbeFinding<Id>[] = [];
  const paths: PathContribution[] = [];
  const pairs: Pair[] = [];
  for (const target of targets) {
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
    pairs.push({ clientEni: eni.eniId, label: `${eni.eniId} → ${targetLabel(target)}`, target, verdicts });
  }
  findings.push(...componentFindings(pairs, env, traffic, allocate, sdk));
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

function privateSubnetFindings(
  facts: NetFacts,
  clusters: ReadonlyArray<{ clusterId: string; vpcId: string | null; subnetIds: string[] }>,
  region: string | null,
): ProbeFinding<Id>[] {
  if (facts.routeTables === null) return [];
  return clusters.map((c) => {
    const exposed = subnetsRoutingToInternet(facts, c.subnetIds, c.vpcId);
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
        .map((e) =>
          awsCommand(region, 'ec2', 'delete-route', ['--route-table-id', e.table, flag, e.route.destination]),
        )
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
