// Writes test/fixtures/audit/*.json: small estates (snapshot --estate form: `estate.vpcIds` set and
// DescribeNetworkInterfaces holding every interface of those VPCs), each citing the AWS documentation
// its expectations rest on, with the exposure section and findings `hsmwatch audit` must give, written
// by hand from those semantics (never computed by the audit). Run: node tools/gen-audit-scenarios.mjs
//
// Expectations, per run of `hsmwatch audit --snapshot FILE --output json ARGS`:
//   sources: every interface audited (exactly these), with its class and per-port verdicts ("ip:port",
//     or "*" for all): "reachable", or "blocked component=resource[+resource] ..." in evaluator order;
//   findings: every finding that is not a pass (exactly these), with text its message or remediation
//     must hold; passes: findings that must be there and pass.
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { eni, entry, fromCidr, fromGroup, nacl, sg, subnet, tcp } from './audit-estate.mjs';
import {
  ALL_PASS,
  app1,
  appEni,
  base,
  client,
  DOC,
  IDS as I,
  REACH,
  snapshotOf,
  unintendedReach,
} from './audit-scenarios.mjs';
import { moreScenarios } from './gen-audit-scenarios-more.mjs';
import { scopeScenarios } from './gen-audit-scenarios-scope.mjs';

const OUT = new URL('../test/fixtures/audit/', import.meta.url);
const scenarios = [];
const add = (name, description, docs, mutate, runs) =>
  scenarios.push({ name, description, docs, mutate, runs });

add(
  'self-reference-intact',
  'the base estate: the cluster group as CloudHSM creates it (self-referencing TCP 2223-2225 both ways) admits app-clients by reference; its one client reaches both HSMs on every port; nothing to report',
  ['clusterGroup', 'kmsSelfReference', 'sgReference', 'sgStateful'],
  () => {},
  [
    {
      args: [],
      exitCode: 0,
      vpcs: [I.VPC],
      summary: { sources: 1, intended: 1, evaluations: 1, classes: { 'intended-reachable': 1 } },
      sources: app1({ addresses: ['10.0.10.10'], portCount: 6 }),
      findings: [],
      passes: ALL_PASS,
    },
  ],
);

add(
  'self-reference-removed',
  "the cluster group's self-referencing rules are deleted (inbound and outbound): KMS custom key stores refuse the cluster; the client, admitted by its own rule, still reaches every HSM",
  ['kmsSelfReference', 'clusterGroup', 'sgReference'],
  (w) => {
    w.selfReference = false;
  },
  [
    {
      args: [],
      exitCode: 1,
      vpcs: [I.VPC],
      summary: { sources: 1, intended: 1, classes: { 'intended-reachable': 1 } },
      sources: app1(),
      findings: [
        {
          id: 'exposure.self-reference',
          status: 'fail',
          target: I.CLUSTER,
          message: ['inbound and outbound'],
          remediation: [
            `ec2 authorize-security-group-ingress --region us-east-1 --group-id ${I.CLUSTER_SG}`,
            `ec2 authorize-security-group-egress --region us-east-1 --group-id ${I.CLUSTER_SG}`,
            `IpProtocol=tcp,FromPort=2223,ToPort=2225,UserIdGroupPairs=[{GroupId=${I.CLUSTER_SG}}]`,
          ],
          afterFix: { [I.E_APP1]: 'reachable' },
        },
      ],
      passes: ['exposure.summary', 'exposure.scope', 'exposure.subnet-private'],
    },
  ],
);

add(
  'nacl-client-outbound',
  'an intended client in its own subnet, whose network ACL denies outbound TCP 2223-2225 to the VPC at rule 100 before allowing everything at rule 200: rule 100 matches first, so it cannot reach any HSM port although the cluster group admits it',
  ['naclStateless', 'naclNumbers', 'sgReference'],
  (w) => {
    w.subnets.push(subnet(I.S_APP2, I.VPC, '10.0.11.0/24', 'us-east-1a'));
    w.nacls.push(
      nacl(
        I.ACL_APP2,
        I.VPC,
        [
          entry(100, true, 'deny', '10.0.0.0/16', '6', [2223, 2225]),
          entry(200, true, 'allow', '0.0.0.0/0'),
          entry(32767, true, 'deny', '0.0.0.0/0'),
          entry(100, false, 'allow', '0.0.0.0/0'),
          entry(32767, false, 'deny', '0.0.0.0/0'),
        ],
        [I.S_APP2],
      ),
    );
    w.enis.push(appEni(I.E_APP2, I.S_APP2, '10.0.11.10', I.I_APP2));
  },
  [
    {
      args: [],
      exitCode: 1,
      vpcs: [I.VPC],
      summary: { sources: 2, intended: 2, classes: { 'intended-reachable': 1, 'intended-blocked': 1 } },
      sources: {
        ...app1(),
        [I.E_APP2]: {
          ...client('interface', I.I_APP2),
          intended: true,
          intendedBy: I.APP_SG,
          verdict: 'blocked',
          ports: { '*': `blocked client-nacl-outbound=${I.ACL_APP2}` },
        },
      },
      findings: [
        {
          id: 'exposure.intended-blocked',
          status: 'fail',
          target: I.E_APP2,
          message: ['client-nacl-outbound', I.ACL_APP2],
          naclFix: {
            naclId: I.ACL_APP2,
            egress: true,
            below: 100,
            covers: [I.H1, I.H2],
            ports: [2223, 2225],
          },
          afterFix: { [I.E_APP2]: 'reachable', [I.E_APP1]: 'reachable' },
        },
      ],
      passes: ALL_PASS,
    },
  ],
);

add(
  'nacl-hsm-inbound',
  "the HSM subnets' network ACL denies inbound TCP 2223-2225 from one client subnet at rule 100 (everything else allowed at 200): that subnet's intended client reaches no HSM; the other client is unaffected",
  ['naclStateless', 'naclNumbers'],
  (w) => {
    w.subnets.push(subnet(I.S_APP3, I.VPC, '10.0.12.0/24', 'us-east-1a'));
    w.nacls.push(
      nacl(
        I.ACL_HSM,
        I.VPC,
        [
          entry(100, false, 'deny', '10.0.12.0/24', '6', [2223, 2225]),
          entry(200, false, 'allow', '0.0.0.0/0'),
          entry(32767, false, 'deny', '0.0.0.0/0'),
          entry(100, true, 'allow', '0.0.0.0/0'),
          entry(32767, true, 'deny', '0.0.0.0/0'),
        ],
        [I.S_HSM1, I.S_HSM2],
      ),
    );
    w.enis.push(appEni(I.E_APP3, I.S_APP3, '10.0.12.10', I.I_APP3));
  },
  [
    {
      args: [],
      exitCode: 1,
      vpcs: [I.VPC],
      summary: { sources: 2, intended: 2, classes: { 'intended-reachable': 1, 'intended-blocked': 1 } },
      sources: {
        ...app1(),
        [I.E_APP3]: {
          ...client('interface', I.I_APP3),
          intended: true,
          intendedBy: I.APP_SG,
          verdict: 'blocked',
          ports: { '*': `blocked hsm-nacl-inbound=${I.ACL_HSM}` },
        },
      },
      findings: [
        {
          id: 'exposure.intended-blocked',
          status: 'fail',
          target: I.E_APP3,
          message: ['hsm-nacl-inbound', I.ACL_HSM],
          naclFix: {
            naclId: I.ACL_HSM,
            egress: false,
            below: 100,
            covers: ['10.0.12.10'],
            ports: [2223, 2225],
          },
          afterFix: { [I.E_APP3]: 'reachable', [I.E_APP1]: 'reachable' },
        },
      ],
      passes: ALL_PASS,
    },
  ],
);

add(
  'broad-cidr-10-8',
  'the cluster group also admits TCP 2223-2225 from 10.0.0.0/8: an instance of another team (its group not admitted) reaches every HSM through that rule; the intended client needs none of it (the cluster group admits its group by reference), so the fix revokes it',
  ['sgAllowOnly', 'sgAggregate'],
  (w) => {
    w.clusterIngress.push(tcp(2223, 2225, fromCidr('10.0.0.0/8')));
    w.sgs.push(sg(I.OTHER_SG, I.VPC, 'batch-workers', []));
    w.subnets.push(subnet(I.S_OTHER, I.VPC, '10.0.20.0/24', 'us-east-1b'));
    w.enis.push(
      eni({
        id: I.E_OTHER,
        subnet: I.S_OTHER,
        vpc: I.VPC,
        ip: '10.0.20.10',
        groups: [I.OTHER_SG],
        instance: I.I_OTHER,
      }),
    );
  },
  [false, true].map((strict) => ({
    args: strict ? ['--strict'] : [],
    exitCode: strict ? 1 : 0,
    vpcs: [I.VPC],
    summary: { sources: 2, intended: 1, classes: { 'intended-reachable': 1, 'unintended-reachable': 1 } },
    sources: {
      ...app1(),
      [I.E_OTHER]: {
        ...client('interface', I.I_OTHER),
        intended: false,
        intendedBy: null,
        verdict: 'reachable',
        ports: REACH,
      },
    },
    findings: [
      { ...unintendedReach(I.E_OTHER), status: strict ? 'fail' : 'warn' },
      {
        id: 'exposure.broad-rule',
        status: 'warn',
        target: I.CLUSTER_SG,
        message: ['every intended source in 10.0.0.0/8 is admitted by another rule'],
        narrower: [],
        // The group reference keeps the intended client; the other instance is no longer admitted.
        afterFix: { [I.E_APP1]: 'reachable', [I.E_OTHER]: 'blocked' },
        remediation: [
          `revoke-security-group-ingress --region us-east-1 --group-id ${I.CLUSTER_SG} --ip-permissions 'IpProtocol=tcp,FromPort=2223,ToPort=2225,IpRanges=[{CidrIp=10.0.0.0/8}]'`,
        ],
      },
    ],
    passes: ALL_PASS,
  })),
);

add(
  'lambda-by-reference',
  "a Lambda function's VPC interface (InterfaceType lambda, no instance) carries the function's group, which the cluster group admits by reference: an intended source, reachable",
  ['eniInterfaceType', 'lambdaEni', 'sgReference'],
  (w) => {
    w.clusterIngress.push(tcp(2223, 2225, fromGroup(I.LAMBDA_SG)));
    w.sgs.push(sg(I.LAMBDA_SG, I.VPC, 'payments-fn', []));
    w.subnets.push(subnet(I.S_LAMBDA, I.VPC, '10.0.30.0/24', 'us-east-1a'));
    w.enis.push(
      eni({
        id: I.E_LAMBDA,
        subnet: I.S_LAMBDA,
        vpc: I.VPC,
        ip: '10.0.30.15',
        groups: [I.LAMBDA_SG],
        type: 'lambda',
        description: 'AWS Lambda VPC ENI-payments-fn',
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
        [I.E_LAMBDA]: {
          ...client('lambda', 'AWS Lambda VPC ENI-payments-fn'),
          intended: true,
          intendedBy: I.LAMBDA_SG,
          verdict: 'reachable',
          ports: REACH,
        },
      },
      findings: [],
      passes: ALL_PASS,
    },
  ],
);

moreScenarios(add);
scopeScenarios(add);

rmSync(OUT, { recursive: true, force: true });
mkdirSync(OUT, { recursive: true });
for (const s of scenarios) {
  const w = base();
  s.mutate(w);
  const file = {
    name: s.name,
    description: s.description,
    docs: s.docs.map((d) => DOC[d]),
    snapshot: snapshotOf(w),
    runs: s.runs,
  };
  writeFileSync(new URL(`${s.name}.json`, OUT), `${JSON.stringify(file, null, 2)}\n`);
}
console.log(`wrote ${scenarios.length} scenarios to ${OUT.pathname}`);
