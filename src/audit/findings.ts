// The audit's findings: intended clients blocked, unintended sources reaching an HSM, rules broader
// than needed, the cluster group's self-references, private cluster subnets. Pure.
import { type FindingCatalogue, finding } from '../core/findings.js';
import type { Finding } from '../model/index.js';
import type { NetFacts } from '../netpath/facts.js';
import { groupFixes } from '../netpath/group-fix.js';
import { subnetsRoutingToInternet } from '../netpath/private-subnets.js';
import { toRanges } from '../netpath/ranges.js';
import { fixCommand } from '../netpath/remediation.js';
import type { Fix } from '../netpath/types.js';
import { awsCommand } from '../util/aws-command.js';
import { type BroadRule, permissionText, ruleLabel } from './broad-rules.js';
import type { evaluateSource } from './evaluate.js';
import type { ClusterExposure, ExposureSource } from './types.js';

export const AUDIT_FINDINGS = {
  'exposure.summary': {
    summary: 'The audit evaluated every interface in scope against every HSM address and port.',
  },
  'exposure.intended-blocked': { summary: 'Every intended client reaches every HSM on every port.' },
  'exposure.unintended-reachable': { summary: 'No interface outside the intended clients can reach an HSM.' },
  'exposure.broad-rule': {
    summary:
      'The cluster security group admits no more than the intended clients need (addresses, protocols, ports).',
  },
  'exposure.self-reference': {
    summary:
      'The cluster security group keeps its self-referencing TCP 2223-2225 rules (CloudHSM, KMS key stores).',
  },
  'exposure.subnet-private': { summary: 'The cluster subnets have no route to an internet gateway.' },
  'exposure.scope': { summary: 'The snapshot holds every interface of the VPCs the audit covers.' },
} as const satisfies FindingCatalogue<string>;
export type AuditFindingId = keyof typeof AUDIT_FINDINGS;

const portList = (s: ExposureSource, verdict: string) => [
  ...new Set(s.ports.filter((p) => p.verdict === verdict).map((p) => `${p.address}:${p.port}`)),
];

function who(s: ExposureSource): string {
  return `${s.eniId} (${s.kind}${s.owner ? `, ${s.owner}` : ''})`;
}

/** An intended client that cannot reach every HSM port: what blocks it and the narrowest fix. */
export function intendedBlocked(
  s: ExposureSource,
  full: ReturnType<typeof evaluateSource>,
  region: string | null,
  nacls: NetFacts['nacls'] = null,
  /** Hands out NACL rule numbers across findings, so that every fix of the audit can be applied. */
  allocate: (fix: Fix) => Fix = (f) => f,
): Finding<AuditFindingId> {
  const blocked = full.flatMap((x) => x.verdicts.filter((v) => v.verdict === 'blocked'));
  const components = [...new Set(blocked.flatMap((v) => v.blockedBy.map((b) => b.component)))];
  // Grouped as diagnose groups them: one ACL's entries for several HSM addresses get distinct rule
  // numbers (each per-path fix picks the number just below its denying rule; EC2 refuses a second
  // entry with a number already used in that direction).
  const fixes = groupFixes(
    blocked.flatMap((v) => v.checks.filter((c) => c.status === 'block' && c.fix).map((c) => c.fix as Fix)),
    { widen: new Map(), requested: toRanges(blocked.map((v) => v.port)), nacls },
  ).map(allocate);
  const first = blocked[0]?.blockedBy[0];
  const remediation = fixes.map((f) => fixCommand(f, region)).join(' && ');
  return finding(
    'exposure.intended-blocked',
    s.verdict === 'partial' ? 'warn' : 'fail',
    s.eniId,
    `intended client ${who(s)} ${s.verdict === 'partial' ? 'reaches only some HSM ports' : s.verdict === 'unknown' ? 'cannot be shown to reach the HSMs' : 'cannot reach the HSMs'}: ${components.join(', ') || 'undecided'}${first ? ` (${first.detail})` : ''}`,
    {
      intendedBy: s.intendedBy,
      verdict: s.verdict,
      blocked: portList(s, 'blocked'),
      unknown: portList(s, 'unknown'),
      components,
    },
    remediation || undefined,
  );
}

export function unintendedReachable(s: ExposureSource, strict: boolean): Finding<AuditFindingId> {
  const reach = s.ports.filter((p) => p.verdict === 'reachable');
  return finding(
    'exposure.unintended-reachable',
    strict ? 'fail' : 'warn',
    s.eniId,
    `${who(s)} is not an intended client and can reach ${[...new Set(reach.map((p) => p.hsmId))].length} HSM(s): ${portList(s, 'reachable').join(', ')}`,
    { kind: s.kind, owner: s.owner, vpcId: s.vpcId, subnetId: s.subnetId, securityGroups: s.securityGroups },
    'if it should not, remove the rule that admits it (the cluster security group ingress) or its security group; if it should, add it to audit.intended',
  );
}

/**
 * `proposed`: the group's rules and those earlier findings add; a rule already there is not added
 * twice (EC2 refuses a duplicate rule, and the fixes are meant to be run one after the other).
 */
export function broadRuleFinding(
  b: BroadRule,
  region: string | null,
  proposed: Set<string> = new Set(),
): Finding<AuditFindingId> {
  const revoke = awsCommand(region, 'ec2', 'revoke-security-group-ingress', [
    '--group-id',
    b.groupId,
    '--ip-permissions',
    permissionText(b.rule),
  ]);
  const fresh = b.narrower.filter((r) => !proposed.has(permissionText(r)));
  for (const r of fresh) proposed.add(permissionText(r));
  const add = fresh.map((r) =>
    awsCommand(region, 'ec2', 'authorize-security-group-ingress', [
      '--group-id',
      b.groupId,
      '--ip-permissions',
      permissionText(r),
    ]),
  );
  const narrower = b.narrower.map(ruleLabel);
  return finding(
    'exposure.broad-rule',
    'warn',
    b.groupId,
    `${b.groupId} admits ${ruleLabel(b.rule)}: ${b.reasons.join('; ')}; ${narrower.length ? `narrower: ${narrower.join(', ')}` : 'no intended client needs it'}`,
    { rule: b.rule, reasons: b.reasons, narrower: b.narrower },
    [...add, revoke].join(' && '),
  );
}

export function selfReferenceFinding(
  c: ClusterExposure,
  self: { ingress: boolean; egress: boolean },
  region: string | null,
): Finding<AuditFindingId> {
  const sg = c.securityGroup ?? 'the cluster security group';
  const missing = [!self.ingress && 'inbound', !self.egress && 'outbound'].filter((x): x is string => !!x);
  if (missing.length === 0) {
    return finding(
      'exposure.self-reference',
      'pass',
      c.clusterId,
      `${sg} admits and reaches itself on TCP 2223-2225`,
      { group: sg },
    );
  }
  const commands = missing.map((d) =>
    awsCommand(region, 'ec2', `authorize-security-group-${d === 'inbound' ? 'ingress' : 'egress'}`, [
      '--group-id',
      sg,
      '--ip-permissions',
      `IpProtocol=tcp,FromPort=2223,ToPort=2225,UserIdGroupPairs=[{GroupId=${sg}}]`,
    ]),
  );
  return finding(
    'exposure.self-reference',
    'fail',
    c.clusterId,
    `${sg} lacks its self-referencing ${missing.join(' and ')} rule for TCP 2223-2225: CloudHSM creates it and KMS custom key stores refuse a cluster without it`,
    { group: sg, missing },
    commands.join(' && '),
  );
}

export function privateSubnetFinding(
  facts: NetFacts,
  cluster: { clusterId: string; vpcId: string | null; subnetIds: string[] },
): Finding<AuditFindingId> | null {
  if (facts.routeTables === null) return null;
  const exposed = subnetsRoutingToInternet(facts, cluster.subnetIds, cluster.vpcId);
  return exposed.length === 0
    ? finding(
        'exposure.subnet-private',
        'pass',
        cluster.clusterId,
        `no cluster subnet routes to an internet gateway`,
        { subnets: cluster.subnetIds },
      )
    : finding(
        'exposure.subnet-private',
        'warn',
        cluster.clusterId,
        `cluster subnet(s) ${exposed.map((e) => `${e.subnet} (${e.table}: ${e.route.destination} → ${e.route.targetId})`).join(', ')} route to an internet gateway: the HSM subnets are not private`,
        {
          exposed: exposed.map((e) => ({
            subnet: e.subnet,
            routeTable: e.table,
            destination: e.route.destination,
            gateway: e.route.targetId,
          })),
        },
      );
}
