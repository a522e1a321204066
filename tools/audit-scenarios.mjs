// The exposure-audit test estates (tools/gen-audit-scenarios.mjs): their ids, the base estate every
// scenario starts from, and the AWS documentation the expectations rest on (URL and the sentence).
import {
  allowAll,
  clusterGroup,
  eni,
  estateSnapshot,
  fromGroup,
  local,
  mainTable,
  nacl,
  sg,
  subnet,
  tcp,
} from './audit-estate.mjs';

/** sg-0c1a55e7000000001 and the like: 17 hex digits, as EC2 ids are. */
const hid = (prefix, tag, n = 1) => `${prefix}-0${tag}${String(n).padStart(16 - tag.length, '0')}`;
export const IDS = {
  CLUSTER: 'cluster-audittestaaa',
  VPC: hid('vpc', 'a0a0'),
  VPC_B: hid('vpc', 'b0b0'),
  PCX: hid('pcx', 'ab'),
  CLUSTER_SG: hid('sg', 'c1a55e7'),
  APP_SG: hid('sg', 'a99'),
  OTHER_SG: hid('sg', '0e7'),
  LAMBDA_SG: hid('sg', 'f00d'),
  B_SG: hid('sg', 'b0b0'),
  WEB_SG: hid('sg', 'beb'),
  BATCH_SG: hid('sg', 'ba7c'),
  OPS_SG: hid('sg', '0b5'),
  S_HSM1: hid('subnet', 'a5e', 1),
  S_HSM2: hid('subnet', 'a5e', 2),
  S_APP: hid('subnet', 'a99', 1),
  S_APP2: hid('subnet', 'a99', 2),
  S_APP3: hid('subnet', 'a99', 3),
  S_OTHER: hid('subnet', '0e7'),
  S_LAMBDA: hid('subnet', 'f00d'),
  S_OPS: hid('subnet', '0b5'),
  S_B: hid('subnet', 'b0b0'),
  ACL_DEFAULT: hid('acl', 'def'),
  ACL_DEFAULT_B: hid('acl', 'b0b0'),
  ACL_APP2: hid('acl', 'a99', 2),
  ACL_HSM: hid('acl', 'a5e'),
  RTB: hid('rtb', 'a0a0'),
  RTB_B: hid('rtb', 'b0b0'),
  E_HSM1: hid('eni', 'a5e', 1),
  E_HSM2: hid('eni', 'a5e', 2),
  E_APP1: hid('eni', 'a99', 1),
  E_APP2: hid('eni', 'a99', 2),
  E_APP3: hid('eni', 'a99', 3),
  E_APP4: hid('eni', 'a99', 4),
  E_OTHER: hid('eni', '0e7'),
  E_LAMBDA: hid('eni', 'f00d'),
  E_B: hid('eni', 'b0b0'),
  E_WEB1: hid('eni', 'beb', 1),
  E_WEB2: hid('eni', 'beb', 2),
  E_WEB3: hid('eni', 'beb', 3),
  E_BATCH: hid('eni', 'ba7c'),
  E_OPS: hid('eni', '0b5'),
  I_APP1: hid('i', 'a99', 1),
  I_APP2: hid('i', 'a99', 2),
  I_APP3: hid('i', 'a99', 3),
  I_APP4: hid('i', 'a99', 4),
  I_OTHER: hid('i', '0e7'),
  I_B: hid('i', 'b0b0'),
  I_WEB: (n) => hid('i', 'beb', n),
  I_BATCH: hid('i', 'ba7c'),
  I_OPS: hid('i', '0b5'),
  H1: '10.0.1.12',
  H2: '10.0.2.12',
  H1_6: '2600:1f18:aaaa:a001::12',
  H2_6: '2600:1f18:aaaa:a002::12',
};
const I = IDS;

/**
 * The base estate: one VPC 10.0.0.0/16, two HSMs (10.0.1.12, 10.0.2.12) behind the cluster group as
 * CloudHSM creates it, which also admits the app-clients group by reference; one app client
 * (10.0.10.10, app-clients); the default network ACL and main route table untouched.
 */
export function base() {
  return {
    estateVpcs: [I.VPC],
    cluster: {
      id: I.CLUSTER,
      vpc: I.VPC,
      securityGroup: I.CLUSTER_SG,
      hsms: [
        { id: 'hsm-aaaaaaaaaaa', ip: I.H1, subnet: I.S_HSM1, eni: I.E_HSM1, az: 'us-east-1a' },
        { id: 'hsm-bbbbbbbbbbb', ip: I.H2, subnet: I.S_HSM2, eni: I.E_HSM2, az: 'us-east-1b' },
      ],
    },
    clusterIngress: [tcp(2223, 2225, fromGroup(I.APP_SG))],
    selfReference: true,
    sgs: [sg(I.APP_SG, I.VPC, 'app-clients', [])],
    subnets: [
      subnet(I.S_HSM1, I.VPC, '10.0.1.0/24', 'us-east-1a'),
      subnet(I.S_HSM2, I.VPC, '10.0.2.0/24', 'us-east-1b'),
      subnet(I.S_APP, I.VPC, '10.0.10.0/24', 'us-east-1a'),
    ],
    nacls: [nacl(I.ACL_DEFAULT, I.VPC, allowAll(), [], true)],
    routeTables: [mainTable(I.RTB, I.VPC, [local('10.0.0.0/16')])],
    peerings: [],
    enis: [
      eni({
        id: I.E_APP1,
        subnet: I.S_APP,
        vpc: I.VPC,
        ip: '10.0.10.10',
        groups: [I.APP_SG],
        instance: I.I_APP1,
      }),
    ],
  };
}

/** The snapshot of a (mutated) base estate: the cluster group first, then the others. */
export function snapshotOf(w) {
  const group = clusterGroup(I.CLUSTER_SG, I.VPC, `cloudhsm-${I.CLUSTER}-sg`, w.clusterIngress, {
    selfReference: w.selfReference,
  });
  return estateSnapshot({ ...w, sgs: [group, ...w.sgs] });
}

// Expectation helpers shared by the scenario lists.
export const ALL_PASS = [
  'exposure.summary',
  'exposure.scope',
  'exposure.self-reference',
  'exposure.subnet-private',
];
export const REACH = { '*': 'reachable' };
export const sgBlocked = `blocked hsm-sg-ingress=${I.CLUSTER_SG}`;
export const client = (kind, owner, extra = {}) => ({ kind, owner, vpcId: I.VPC, ...extra });
/** The base estate's app client: carries app-clients, which the cluster group admits by reference. */
export const app1 = (extra = {}) => ({
  [I.E_APP1]: {
    ...client('interface', I.I_APP1),
    intended: true,
    intendedBy: I.APP_SG,
    verdict: 'reachable',
    ports: REACH,
    ...extra,
  },
});
export const appEni = (id, subnetId, ip, instance, extra = {}) =>
  eni({ id, subnet: subnetId, vpc: I.VPC, ip, groups: [I.APP_SG], instance, ...extra });
export const unintendedReach = (id) => ({
  id: 'exposure.unintended-reachable',
  status: 'warn',
  target: id,
  message: ['is not an intended client and can reach 2 HSM(s)'],
});

const VPC_GUIDE = 'https://docs.aws.amazon.com/vpc/latest/userguide';
/** What each expectation relies on, quoted from the AWS documentation. */
export const DOC = {
  sgAllowOnly: {
    url: `${VPC_GUIDE}/security-group-rules.html`,
    says: 'You can specify allow rules, but not deny rules.',
  },
  sgAggregate: {
    url: `${VPC_GUIDE}/security-group-rules.html`,
    says: 'When you associate multiple security groups with a resource, the rules from each security group are aggregated to form a single set of rules that are used to determine whether to allow access.',
  },
  sgStateful: {
    url: 'https://docs.aws.amazon.com/AWSEC2/latest/WindowsGuide/security-group-rules.html',
    says: 'Security groups are stateful—if you send a request from your instance, the response traffic for that request is allowed to flow in regardless of inbound security group rules. For VPC security groups, this also means that responses to allowed inbound traffic are allowed to flow out, regardless of outbound rules.',
  },
  sgReference: {
    url: `${VPC_GUIDE}/security-group-rules.html`,
    says: 'When you specify a security group as the source or destination for a rule, the rule affects all instances that are associated with the security group.',
  },
  sgSingleAddress: {
    url: `${VPC_GUIDE}/security-group-rules.html`,
    says: 'A single IPv4 address. You must use the /32 prefix length.',
  },
  ipProtocolAll: {
    url: 'https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_IpPermission.html',
    says: 'Use -1 to specify all protocols. When authorizing security group rules, specifying -1 or a protocol number other than tcp, udp, icmp, or icmpv6 allows traffic on all ports, regardless of any port range you specify.',
  },
  naclStateless: {
    url: `${VPC_GUIDE}/vpc-network-acls.html`,
    says: "Network ACLs are stateless, which means that responses to allowed inbound traffic are subject to the rules for outbound traffic (and vice versa). Rules are evaluated starting with the lowest numbered rule. As soon as a rule matches traffic, it's applied regardless of any higher-numbered rule that might contradict it.",
  },
  naclNumbers: {
    url: 'https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_CreateNetworkAclEntry.html',
    says: 'Each network ACL has a set of numbered ingress rules and a separate set of numbered egress rules. When determining whether a packet should be allowed in or out of a subnet associated with the ACL, we process the entries in the ACL according to the rule numbers, in ascending order.',
  },
  peeringRoutes: {
    url: 'https://docs.aws.amazon.com/vpc/latest/peering/vpc-peering-routing.html',
    says: 'To enable private IPv4 traffic between instances in peered VPCs, you must add a route to the route tables associated with the subnets for both instances. The route destination is the CIDR block (or portion of the CIDR block) of the peer VPC and the target is the ID of the VPC peering connection.',
  },
  eniInterfaceType: {
    url: 'https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_NetworkInterface.html',
    says: 'The type of network interface.',
    note: 'the InterfaceType field; its valid values include lambda',
  },
  lambdaEni: {
    url: 'https://docs.aws.amazon.com/lambda/latest/dg/configuration-vpc.html',
    says: 'Functions in the same account that share the same security group:subnet pairing use the same network interfaces.',
  },
  clusterGroup: {
    url: 'https://docs.aws.amazon.com/cloudhsm/latest/userguide/configure-sg.html',
    says: 'When you create a cluster, AWS CloudHSM creates a security group with the name cloudhsm-cluster-<clusterID>-sg. This security group contains a preconfigured TCP rule that allows inbound and outbound communication within the cluster security group over ports 2223-2225.',
  },
  kmsSelfReference: {
    url: 'https://docs.aws.amazon.com/kms/latest/APIReference/API_CreateCustomKeyStore.html',
    says: 'The security group for the cluster (cloudhsm-cluster-<cluster-id>-sg) must include inbound rules and outbound rules that allow TCP traffic on ports 2223-2225. The Source in the inbound rules and the Destination in the outbound rules must match the security group ID. These rules are set by default when you create the CloudHSM cluster. Do not delete or change them.',
  },
  dualStack: {
    url: 'https://docs.aws.amazon.com/cloudhsm/latest/APIReference/API_Cluster.html',
    says: "The cluster's NetworkType can be IPv4 (the default) or DUALSTACK. The IPv4 NetworkType restricts communication between your application and the hardware security modules (HSMs) to the IPv4 protocol only. The DUALSTACK NetworkType enables communication over both IPv4 and IPv6 protocols.",
  },
};
