// The rest of tools/gen-audit-scenarios.mjs's scenarios: an address-specific rule splitting a class,
// a dual-stack cluster, rules broader than needed (all traffic, all TCP ports).
import {
  allOut,
  allowAll,
  allTraffic,
  eni,
  fromCidr,
  fromGroup,
  local,
  sg,
  subnet,
  tcp,
} from './audit-estate.mjs';
import {
  ALL_PASS,
  app1,
  appEni,
  client,
  IDS as I,
  REACH,
  sgBlocked,
  unintendedReach,
} from './audit-scenarios.mjs';

/** @param add (name, description, docs, mutate, runs) => void */
export function moreScenarios(add) {
  addressSplit(add);
  dualStack(add);
  broadProtocols(add);
}

const web = (n, extra) => ({
  ...client('interface', I.I_WEB(n)),
  intendedBy: null,
  intended: false,
  ...extra,
});

function addressSplit(add) {
  add(
    'address-split',
    'three interfaces in one subnet with the same group (web-tier, not admitted); a /32 rule of the cluster group admits 10.0.10.21 alone: that interface reaches every HSM, the two others reach none. The /32 splits the class: 10.0.10.21 is evaluated on its own, 10.0.10.22 and 10.0.10.23 once for both',
    ['sgSingleAddress', 'sgAllowOnly', 'sgAggregate'],
    (w) => {
      w.clusterIngress.push(tcp(2223, 2225, fromCidr('10.0.10.21/32')));
      w.sgs.push(sg(I.WEB_SG, I.VPC, 'web-tier', []));
      for (const [n, id] of [I.E_WEB1, I.E_WEB2, I.E_WEB3].entries())
        w.enis.push(
          eni({
            id,
            subnet: I.S_APP,
            vpc: I.VPC,
            ip: `10.0.10.2${n + 1}`,
            groups: [I.WEB_SG],
            instance: I.I_WEB(n + 1),
          }),
        );
    },
    [
      {
        args: [],
        exitCode: 0,
        vpcs: [I.VPC],
        // app client; 10.0.10.21 alone; 10.0.10.22 and .23 together.
        summary: {
          sources: 4,
          intended: 1,
          evaluations: 3,
          classes: { 'intended-reachable': 1, 'unintended-reachable': 1, 'unintended-blocked': 2 },
        },
        sources: {
          ...app1(),
          [I.E_WEB1]: web(1, { verdict: 'reachable', ports: REACH }),
          [I.E_WEB2]: web(2, { verdict: 'blocked', ports: { '*': sgBlocked } }),
          [I.E_WEB3]: web(3, { verdict: 'blocked', ports: { '*': sgBlocked } }),
        },
        findings: [
          unintendedReach(I.E_WEB1),
          {
            id: 'exposure.broad-rule',
            status: 'warn',
            target: I.CLUSTER_SG,
            message: ['10.0.10.21/32 holds no intended source'],
          },
        ],
        passes: ALL_PASS,
      },
      {
        // web-tier intended: the /32 is narrower than the intended interface's subnet, so not broad;
        // the two blocked ones need the cluster group to admit their group.
        args: ['--intended-sg', I.WEB_SG],
        exitCode: 1,
        vpcs: [I.VPC],
        summary: {
          sources: 4,
          intended: 3,
          evaluations: 3,
          classes: { 'unintended-reachable': 1, 'intended-reachable': 1, 'intended-blocked': 2 },
        },
        sources: {
          ...app1({ intended: false, intendedBy: null }),
          [I.E_WEB1]: web(1, {
            intended: true,
            intendedBy: `audit.intended.securityGroups: ${I.WEB_SG}`,
            verdict: 'reachable',
            ports: REACH,
          }),
          [I.E_WEB2]: web(2, {
            intended: true,
            intendedBy: I.WEB_SG,
            verdict: 'blocked',
            ports: { '*': sgBlocked },
          }),
          [I.E_WEB3]: web(3, {
            intended: true,
            intendedBy: I.WEB_SG,
            verdict: 'blocked',
            ports: { '*': sgBlocked },
          }),
        },
        findings: [
          unintendedReach(I.E_APP1),
          ...[I.E_WEB2, I.E_WEB3].map((target) => ({
            id: 'exposure.intended-blocked',
            status: 'fail',
            target,
            message: ['hsm-sg-ingress'],
            afterFix: { [I.E_WEB2]: 'reachable', [I.E_WEB3]: 'reachable' },
            remediation: [
              `aws ec2 authorize-security-group-ingress --region us-east-1 --group-id ${I.CLUSTER_SG} --protocol tcp --port 2223-2225 --source-group ${I.WEB_SG}`,
            ],
          })),
        ],
        passes: ALL_PASS,
      },
    ],
  );
}

const V6 = {
  vpc: '2600:1f18:aaaa:a000::/56',
  app: '2600:1f18:aaaa:a010::/64',
  other: '2600:1f18:aaaa:a020::/64',
};

function dualStack(add) {
  add(
    'dual-stack',
    "a DUALSTACK cluster (each HSM has an IPv4 and an IPv6 address); the cluster group admits app-clients by reference and the app subnet's IPv6 block by an Ipv6Ranges rule. A dual-stack client reaches every HSM address of both families; an IPv4-only client is judged on the HSMs' IPv4 addresses only, and reaches them all; a dual-stack instance of another group, admitted by neither rule, reaches none",
    ['dualStack', 'sgAllowOnly', 'naclStateless'],
    (w) => {
      w.cluster.networkType = 'DUALSTACK';
      w.cluster.hsms[0].ip6 = I.H1_6;
      w.cluster.hsms[1].ip6 = I.H2_6;
      w.subnets = [
        subnet(I.S_HSM1, I.VPC, '10.0.1.0/24', 'us-east-1a', '2600:1f18:aaaa:a001::/64'),
        subnet(I.S_HSM2, I.VPC, '10.0.2.0/24', 'us-east-1b', '2600:1f18:aaaa:a002::/64'),
        subnet(I.S_APP, I.VPC, '10.0.10.0/24', 'us-east-1a', V6.app),
        subnet(I.S_OTHER, I.VPC, '10.0.20.0/24', 'us-east-1b', V6.other),
      ];
      w.nacls[0].Entries = allowAll(true);
      w.routeTables[0].Routes.push(local(V6.vpc));
      w.clusterIngress.push(tcp(2223, 2225, fromCidr(V6.app)));
      w.sgs = [
        sg(I.APP_SG, I.VPC, 'app-clients', [], [allOut(true)]),
        sg(I.OTHER_SG, I.VPC, 'batch-workers', [], [allOut(true)]),
      ];
      w.enis = [
        appEni(I.E_APP1, I.S_APP, '10.0.10.10', I.I_APP1, { ip6: '2600:1f18:aaaa:a010::10' }),
        appEni(I.E_APP4, I.S_APP, '10.0.10.11', I.I_APP4),
        eni({
          id: I.E_OTHER,
          subnet: I.S_OTHER,
          vpc: I.VPC,
          ip: '10.0.20.10',
          ip6: '2600:1f18:aaaa:a020::10',
          groups: [I.OTHER_SG],
          instance: I.I_OTHER,
        }),
      ];
    },
    [
      {
        args: [],
        exitCode: 0,
        vpcs: [I.VPC],
        summary: { sources: 3, intended: 2, classes: { 'intended-reachable': 2, 'unintended-blocked': 1 } },
        sources: {
          ...app1({ addresses: ['10.0.10.10', '2600:1f18:aaaa:a010::10'], portCount: 12 }),
          [I.E_APP4]: {
            ...client('interface', I.I_APP4),
            intended: true,
            intendedBy: I.APP_SG,
            verdict: 'reachable',
            addresses: ['10.0.10.11'],
            // Judged on IPv4 alone: 2 HSMs × 3 ports, every one at an IPv4 address.
            portCount: 6,
            portAddresses: [I.H1, I.H2],
            ports: REACH,
          },
          [I.E_OTHER]: {
            ...client('interface', I.I_OTHER),
            intended: false,
            intendedBy: null,
            verdict: 'blocked',
            portCount: 12,
            ports: { '*': sgBlocked },
          },
        },
        findings: [],
        passes: ALL_PASS,
      },
    ],
  );
}

function broadProtocols(add) {
  add(
    'all-traffic-rule',
    'the cluster group admits app-clients with IpProtocol -1 (all protocols, all ports) and batch-jobs on TCP 0-65535: both broader than the HSM ports need; the narrower rules keep TCP 2223-2225 from the same groups, so both intended clients keep working',
    ['ipProtocolAll', 'sgReference', 'clusterGroup'],
    (w) => {
      w.clusterIngress = [allTraffic(fromGroup(I.APP_SG)), tcp(0, 65535, fromGroup(I.BATCH_SG))];
      w.sgs.push(sg(I.BATCH_SG, I.VPC, 'batch-jobs', []));
      w.enis.push(
        eni({
          id: I.E_BATCH,
          subnet: I.S_APP,
          vpc: I.VPC,
          ip: '10.0.10.30',
          groups: [I.BATCH_SG],
          instance: I.I_BATCH,
        }),
      );
    },
    [
      {
        args: [],
        exitCode: 0,
        vpcs: [I.VPC],
        summary: { sources: 2, intended: 2, classes: { 'intended-reachable': 2 } },
        sources: {
          ...app1(),
          [I.E_BATCH]: {
            ...client('interface', I.I_BATCH),
            intended: true,
            intendedBy: I.BATCH_SG,
            verdict: 'reachable',
            ports: REACH,
          },
        },
        findings: [
          {
            id: 'exposure.broad-rule',
            status: 'warn',
            target: I.CLUSTER_SG,
            message: [
              `all traffic from ${I.APP_SG}`,
              'all protocols and ports',
              `narrower: tcp 2223-2225 from ${I.APP_SG}`,
            ],
            narrower: [{ protocol: 'tcp', from: 2223, to: 2225, peer: { groupId: I.APP_SG } }],
            afterFix: { [I.E_APP1]: 'reachable', [I.E_BATCH]: 'reachable' },
            remediation: [
              `authorize-security-group-ingress --region us-east-1 --group-id ${I.CLUSTER_SG} --ip-permissions 'IpProtocol=tcp,FromPort=2223,ToPort=2225,UserIdGroupPairs=[{GroupId=${I.APP_SG}}]'`,
              `revoke-security-group-ingress --region us-east-1 --group-id ${I.CLUSTER_SG} --ip-permissions 'IpProtocol=-1,UserIdGroupPairs=[{GroupId=${I.APP_SG}}]'`,
            ],
          },
          {
            id: 'exposure.broad-rule',
            status: 'warn',
            target: I.CLUSTER_SG,
            message: [
              `tcp 0-65535 from ${I.BATCH_SG}`,
              'all TCP ports',
              `narrower: tcp 2223-2225 from ${I.BATCH_SG}`,
            ],
            narrower: [{ protocol: 'tcp', from: 2223, to: 2225, peer: { groupId: I.BATCH_SG } }],
            afterFix: { [I.E_APP1]: 'reachable', [I.E_BATCH]: 'reachable' },
            remediation: [
              `revoke-security-group-ingress --region us-east-1 --group-id ${I.CLUSTER_SG} --ip-permissions 'IpProtocol=tcp,FromPort=0,ToPort=65535,UserIdGroupPairs=[{GroupId=${I.BATCH_SG}}]'`,
            ],
          },
        ],
        passes: ALL_PASS,
      },
    ],
  );
}
