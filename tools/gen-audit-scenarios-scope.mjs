// tools/gen-audit-scenarios.mjs's scenarios of scope and classification: a peered VPC (captured or
// not) and audit.intended (flags and config file).
import {
  allowAll,
  eni,
  fromCidr,
  local,
  mainTable,
  nacl,
  peering,
  sg,
  subnet,
  tcp,
  via,
} from './audit-estate.mjs';
import { ALL_PASS, app1, client, IDS as I, REACH, unintendedReach } from './audit-scenarios.mjs';

/** @param add (name, description, docs, mutate, runs) => void */
export function scopeScenarios(add) {
  peeredVpc(add);
  intendedConfig(add);
}

/** VPC B (10.1.0.0/16) peered with the cluster VPC, a route each way, the cluster group admitting 10.1.0.0/24. */
function peered(w, { captured = true } = {}) {
  w.estateVpcs = captured ? [I.VPC, I.VPC_B] : [I.VPC];
  w.clusterIngress.push(tcp(2223, 2225, fromCidr('10.1.0.0/24')));
  w.sgs.push(sg(I.B_SG, I.VPC_B, 'reporting', []));
  w.subnets.push(subnet(I.S_B, I.VPC_B, '10.1.0.0/24', 'us-east-1a'));
  w.nacls.push(nacl(I.ACL_DEFAULT_B, I.VPC_B, allowAll(), [], true));
  w.routeTables[0].Routes.push(via('10.1.0.0/16', 'VpcPeeringConnectionId', I.PCX));
  w.routeTables.push(
    mainTable(I.RTB_B, I.VPC_B, [local('10.1.0.0/16'), via('10.0.0.0/16', 'VpcPeeringConnectionId', I.PCX)]),
  );
  w.peerings.push(
    peering(I.PCX, { VpcId: I.VPC_B, CidrBlock: '10.1.0.0/16' }, { VpcId: I.VPC, CidrBlock: '10.0.0.0/16' }),
  );
  if (captured)
    w.enis.push(
      eni({ id: I.E_B, subnet: I.S_B, vpc: I.VPC_B, ip: '10.1.0.10', groups: [I.B_SG], instance: I.I_B }),
    );
}
const peerSource = (intended, intendedBy) => ({
  [I.E_B]: {
    kind: 'interface',
    owner: I.I_B,
    vpcId: I.VPC_B,
    intended,
    intendedBy,
    verdict: 'reachable',
    ports: REACH,
  },
});

function peeredVpc(add) {
  add(
    'peered-vpc',
    "an instance in a peered VPC (active peering, a route to the other VPC in each VPC's table, the cluster group admitting its subnet by CIDR): in scope and reachable; not intended by default (admitted by address, not by a referenced group), intended with --intended-cidr",
    ['peeringRoutes', 'sgAllowOnly'],
    (w) => peered(w),
    [
      {
        args: [],
        exitCode: 0,
        vpcs: [I.VPC, I.VPC_B],
        summary: { sources: 2, intended: 1, classes: { 'intended-reachable': 1, 'unintended-reachable': 1 } },
        sources: { ...app1(), ...peerSource(false, null) },
        findings: [
          unintendedReach(I.E_B),
          {
            id: 'exposure.broad-rule',
            status: 'warn',
            target: I.CLUSTER_SG,
            message: ['10.1.0.0/24 holds no intended source', 'no intended client needs it'],
            narrower: [],
            remediation: [`revoke-security-group-ingress --region us-east-1 --group-id ${I.CLUSTER_SG}`],
            afterFix: { [I.E_APP1]: 'reachable', [I.E_B]: 'blocked' },
          },
        ],
        passes: ALL_PASS,
      },
      {
        // audit.intended replaces the default: the app client, not in 10.1.0.0/24, is no longer intended.
        args: ['--intended-cidr', '10.1.0.0/24'],
        exitCode: 0,
        vpcs: [I.VPC, I.VPC_B],
        summary: { sources: 2, intended: 1, classes: { 'intended-reachable': 1, 'unintended-reachable': 1 } },
        sources: {
          ...app1({ intended: false, intendedBy: null }),
          ...peerSource(true, 'audit.intended.cidrs: 10.1.0.0/24'),
        },
        findings: [unintendedReach(I.E_APP1)],
        passes: ALL_PASS,
      },
    ],
  );

  add(
    'peered-vpc-not-captured',
    "as peered-vpc, but the snapshot holds only the cluster VPC's interfaces (estate.vpcIds lacks the peered VPC): the audit says its scope is incomplete",
    ['peeringRoutes'],
    (w) => peered(w, { captured: false }),
    [
      {
        args: [],
        exitCode: 0,
        vpcs: [I.VPC, I.VPC_B],
        summary: { sources: 1, intended: 1, classes: { 'intended-reachable': 1 } },
        sources: app1(),
        findings: [
          { id: 'exposure.scope', status: 'warn', target: I.CLUSTER, message: [I.VPC_B] },
          {
            id: 'exposure.broad-rule',
            status: 'warn',
            target: I.CLUSTER_SG,
            message: ['10.1.0.0/24 holds no intended source'],
          },
        ],
        passes: ['exposure.summary', 'exposure.self-reference', 'exposure.subnet-private'],
      },
    ],
  );
}

const OPS_TAG = 'role=hsm-client';
const ops = (intended, intendedBy) => ({
  [I.E_OPS]: { ...client('interface', I.I_OPS), intended, intendedBy, verdict: 'reachable', ports: REACH },
});

function intendedConfig(add) {
  add(
    'intended-config',
    `an operations host tagged ${OPS_TAG}, admitted by its subnet's CIDR: unintended by default; audit.intended (tags, security groups, CIDRs; flags or config file) makes it intended, and, once configured, replaces the default rule`,
    ['sgReference', 'sgAllowOnly'],
    (w) => {
      w.clusterIngress.push(tcp(2223, 2225, fromCidr('10.0.40.0/24')));
      w.sgs.push(sg(I.OPS_SG, I.VPC, 'ops-hosts', []));
      w.subnets.push(subnet(I.S_OPS, I.VPC, '10.0.40.0/24', 'us-east-1a'));
      w.enis.push(
        eni({
          id: I.E_OPS,
          subnet: I.S_OPS,
          vpc: I.VPC,
          ip: '10.0.40.10',
          groups: [I.OPS_SG],
          instance: I.I_OPS,
          tags: { role: 'hsm-client', team: 'ops' },
        }),
      );
    },
    [
      {
        args: [],
        exitCode: 0,
        vpcs: [I.VPC],
        summary: { sources: 2, intended: 1, classes: { 'intended-reachable': 1, 'unintended-reachable': 1 } },
        sources: { ...app1(), ...ops(false, null) },
        findings: [
          unintendedReach(I.E_OPS),
          {
            id: 'exposure.broad-rule',
            status: 'warn',
            target: I.CLUSTER_SG,
            message: ['10.0.40.0/24 holds no intended source'],
          },
        ],
        passes: ALL_PASS,
      },
      {
        args: ['--intended-tag', OPS_TAG],
        exitCode: 0,
        vpcs: [I.VPC],
        summary: { sources: 2, intended: 1, classes: { 'intended-reachable': 1, 'unintended-reachable': 1 } },
        sources: {
          ...app1({ intended: false, intendedBy: null }),
          ...ops(true, `audit.intended.tags: ${OPS_TAG}`),
        },
        findings: [unintendedReach(I.E_APP1)],
        passes: ALL_PASS,
      },
      {
        args: ['--intended-tag', OPS_TAG, '--intended-sg', I.APP_SG],
        exitCode: 0,
        vpcs: [I.VPC],
        summary: { sources: 2, intended: 2, classes: { 'intended-reachable': 2 } },
        sources: {
          ...app1({ intendedBy: `audit.intended.securityGroups: ${I.APP_SG}` }),
          ...ops(true, `audit.intended.tags: ${OPS_TAG}`),
        },
        findings: [],
        passes: ALL_PASS,
      },
      {
        // The config file's audit.intended, as the flags.
        args: ['--config', '{dir}/intended.yaml'],
        files: { 'intended.yaml': 'audit:\n  intended:\n    cidrs: [10.0.40.0/24, 10.0.10.0/24]\n' },
        exitCode: 0,
        vpcs: [I.VPC],
        summary: { sources: 2, intended: 2, classes: { 'intended-reachable': 2 } },
        sources: {
          ...app1({ intendedBy: 'audit.intended.cidrs: 10.0.10.0/24' }),
          ...ops(true, 'audit.intended.cidrs: 10.0.40.0/24'),
        },
        findings: [],
        passes: ALL_PASS,
      },
    ],
  );
}
