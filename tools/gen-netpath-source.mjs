// The source-interface scenarios of tools/gen-netpath-scenarios.mjs (helper "source", issue 10): the
// ENI owning the kernel's source address carries the traffic, whatever IMDS describes. Expectations
// written by hand from the AWS documentation cited on each scenario, never computed by the evaluator.

const POD_SG = 'sg-0b0d0000000000001';
const TASK_SG = 'sg-0ec50000000000001';
const CLIENT_SG2 = 'sg-0c11e47000000002';
const BRANCH_ENI = 'eni-0b0d0000000000001';
const TASK_ENI = 'eni-0ec50000000000001';
const SECOND_ENI = 'eni-0c11e47000000002';
const S_CLIENT2 = 'subnet-0c11e47000000002';
const POD_IP = '10.0.0.77';
const TASK_IP = '10.0.0.50';
const TASK_ARN = 'arn:aws:ecs:us-east-1:111122223333:task/hsm-apps/0b5e0c1e4a5b4c6d8e9f000000000001';

// "A Pod matched by a SecurityGroupPolicy gets its own branch network interface attached to the trunk
// interface on its node, carrying only the security groups you specify. Traffic to and from that Pod
// is evaluated against those security groups at the branch interface, independently of the node's own
// security groups." (Amazon EKS User Guide, "Assign security groups to individual Pods",
// https://docs.aws.amazon.com/eks/latest/userguide/auto-sgp.html); the VPC resource controller names
// branch ENIs aws-k8s-branch-eni ("Configure the Amazon VPC CNI plugin for Kubernetes for security
// groups for Amazon EKS Pods"); InterfaceType "branch" (EC2 API reference, NetworkInterface).
const EKS_DOC = 'EKS User Guide, "Assign security groups to individual Pods" (auto-sgp.html)';
// "every Amazon ECS task on Fargate is provided an elastic network interface (ENI) with a primary
// private IP address" (Amazon ECS Developer Guide, "Amazon ECS task networking options for the Fargate
// launch type"); the task metadata endpoint v4 /task answer (Containers[].Networks[] IPv4Addresses,
// IPv4SubnetCIDRBlock, AvailabilityZone, LaunchType; VPCID only on EC2) is in "Amazon ECS task
// metadata V4 JSON response".
const ECS_DOC = 'ECS Developer Guide, "task networking options for the Fargate launch type"';

export function sourceScenarios(h) {
  const { base, snapshotOf, expectPaths, sg, tcp, ALL_OUT, CLUSTER_SG, CLIENT_SG, ACCOUNT, VPC, S_CLIENT } =
    h;
  const out = [];
  const H1 = '10.0.1.12';
  const H2 = '10.0.2.12';
  const BLOCK = (...c) => ['blocked', c];
  const clusterSg = (w) => w.sgs.find((g) => g.GroupId === CLUSTER_SG);
  const admits = (group) => [tcp(2223, 2225, { UserIdGroupPairs: [{ GroupId: group, UserId: ACCOUNT }] })];
  const sourcesTo = (ip) => [
    { hsmIp: H1, sourceIp: ip },
    { hsmIp: H2, sourceIp: ip },
  ];

  /** Like add(), with a last look at the snapshot (interfaces added to the instance, or none). */
  function addSource(name, description, mutate, over, { fix, sim, findings } = {}) {
    const w = base();
    mutate(w);
    const snapshot = snapshotOf(w);
    fix?.(snapshot);
    out.push({
      name,
      description,
      snapshot,
      ...(sim ? { sim } : {}),
      expect: { paths: expectPaths(w, over), ...(findings ? { findings } : {}) },
    });
  }

  const branchEni = (groups) => ({
    NetworkInterfaceId: BRANCH_ENI,
    SubnetId: S_CLIENT,
    VpcId: VPC,
    PrivateIpAddress: POD_IP,
    PrivateIpAddresses: [{ PrivateIpAddress: POD_IP, Primary: true }],
    Ipv6Addresses: [],
    Groups: groups.map((g) => ({ GroupId: g, GroupName: g })),
    InterfaceType: 'branch',
    Description: 'aws-k8s-branch-eni',
    RequesterManaged: false,
    SourceDestCheck: true,
    Status: 'in-use',
  });
  function pod(w, { podEgress = [ALL_OUT], clusterAdmits }) {
    w.sgs.push(sg(POD_SG, VPC, [], podEgress));
    clusterSg(w).IpPermissions = admits(clusterAdmits);
    w.extraEnis = [branchEni([POD_SG])];
    w.client = { sources: sourcesTo(POD_IP) };
    w.expectClientEni = BRANCH_ENI;
  }
  addSource(
    'np-src-pod-branch-blocked',
    `an EKS pod with its own security group (branch ENI ${POD_IP}): the cluster SG admits the node's SG, not the pod's, so the pod is blocked although IMDS (the node) would pass (${EKS_DOC})`,
    (w) => pod(w, { clusterAdmits: CLIENT_SG }),
    { '*': BLOCK('hsm-sg-ingress') },
    { findings: { 'client.source': 'warn' } },
  );
  addSource(
    'np-src-pod-branch-allowed',
    `an EKS pod with its own security group: the cluster SG admits the pod's SG and not the node's, so the pod reaches every HSM although the node would be blocked (${EKS_DOC})`,
    (w) => pod(w, { clusterAdmits: POD_SG }),
    {},
    { findings: { 'client.source': 'warn' } },
  );
  addSource(
    'np-src-pod-branch-egress',
    `an EKS pod whose own security group has no egress rule: the branch ENI's groups judge the egress, the node's allow-all egress does not count (${EKS_DOC})`,
    (w) => pod(w, { podEgress: [], clusterAdmits: POD_SG }),
    { '*': BLOCK('client-sg-egress') },
    { findings: { 'client.source': 'warn' } },
  );

  const taskEni = {
    NetworkInterfaceId: TASK_ENI,
    SubnetId: S_CLIENT,
    VpcId: VPC,
    AvailabilityZone: 'us-east-1a',
    PrivateIpAddress: TASK_IP,
    PrivateIpAddresses: [{ PrivateIpAddress: TASK_IP, Primary: true }],
    Ipv6Addresses: [],
    Groups: [{ GroupId: TASK_SG, GroupName: 'hsm-app-task' }],
    InterfaceType: 'interface',
    Description: 'arn:aws:ecs:us-east-1:111122223333:attachment/3f0c1e4a-5b4c-4d8e-9f00-000000000001',
    RequesterManaged: true,
    SourceDestCheck: true,
    Status: 'in-use',
  };
  // The task metadata endpoint v4 /task answer of a Fargate task (no VPCID on Fargate).
  const taskMetadata = {
    Cluster: 'arn:aws:ecs:us-east-1:111122223333:cluster/hsm-apps',
    TaskARN: TASK_ARN,
    Family: 'hsm-app',
    Revision: '7',
    DesiredStatus: 'RUNNING',
    KnownStatus: 'RUNNING',
    AvailabilityZone: 'us-east-1a',
    LaunchType: 'FARGATE',
    Containers: [
      {
        DockerId: '0b5e0c1e4a5b4c6d8e9f000000000001-1234567890',
        Name: 'app',
        Type: 'NORMAL',
        Networks: [
          {
            NetworkMode: 'awsvpc',
            IPv4Addresses: [TASK_IP],
            AttachmentIndex: 0,
            MACAddress: '0a:1b:2c:3d:4e:50',
            IPv4SubnetCIDRBlock: '10.0.0.0/24',
            PrivateDNSName: 'ip-10-0-0-50.ec2.internal',
            SubnetGatewayIpv4Address: '10.0.0.1/24',
          },
        ],
      },
    ],
  };
  function fargate(w, admitted) {
    w.sgs.push(sg(TASK_SG, VPC, []));
    clusterSg(w).IpPermissions = admits(admitted);
    w.extraEnis = [taskEni];
    w.drop = ['ec2:DescribeInstances'];
    w.client = {
      instanceId: null,
      sources: sourcesTo(TASK_IP),
      // What the task metadata answer above distils to (by hand).
      ecsTask: {
        taskArn: TASK_ARN,
        cluster: 'arn:aws:ecs:us-east-1:111122223333:cluster/hsm-apps',
        launchType: 'FARGATE',
        availabilityZone: 'us-east-1a',
        vpcId: null,
        addresses: [TASK_IP],
        subnetCidrs: ['10.0.0.0/24'],
      },
    };
    w.expectClientEni = TASK_ENI;
  }
  // No instance: its ENI is not in the account's answer either.
  const noInstanceEni = (snapshot) => {
    const answer = snapshot.aws['ec2:DescribeNetworkInterfaces'];
    answer.NetworkInterfaces = answer.NetworkInterfaces.filter(
      (e) => e.NetworkInterfaceId !== 'eni-0c11e47000000001',
    );
  };
  const ecsSim = { imds: { absent: true }, ecsTask: taskMetadata };
  addSource(
    'np-src-ecs-task',
    `a Fargate task (no IMDS): the task metadata gives its address ${TASK_IP}, its ENI is found by address and the cluster SG admits the task's SG (${ECS_DOC})`,
    (w) => fargate(w, TASK_SG),
    {},
    { fix: noInstanceEni, sim: ecsSim, findings: { 'client.source': 'pass' } },
  );
  addSource(
    'np-src-ecs-task-blocked',
    `a Fargate task whose security group the cluster SG does not admit (it admits an instance SG): blocked at the HSM ingress (${ECS_DOC})`,
    (w) => fargate(w, CLIENT_SG),
    { '*': BLOCK('hsm-sg-ingress') },
    { fix: noInstanceEni, sim: ecsSim, findings: { 'client.source': 'pass' } },
  );

  // A second instance ENI in another subnet: the kernel's pick towards the HSMs is its address, so
  // only that ENI's groups and subnet apply (security groups are evaluated per network interface,
  // "Security groups for your VPC", Amazon VPC User Guide).
  const secondEni = {
    NetworkInterfaceId: SECOND_ENI,
    MacAddress: '0a:1b:2c:3d:4e:02',
    SubnetId: S_CLIENT2,
    VpcId: VPC,
    PrivateIpAddress: '10.0.3.10',
    PrivateIpAddresses: [{ PrivateIpAddress: '10.0.3.10', Primary: true }],
    Ipv6Addresses: [],
    Groups: [{ GroupId: CLIENT_SG2, GroupName: CLIENT_SG2 }],
    InterfaceType: 'interface',
    SourceDestCheck: true,
    Status: 'in-use',
  };
  addSource(
    'np-src-secondary-eni',
    'an instance with two ENIs in two subnets: the kernel sends to the HSMs from the second (10.0.3.10), whose SG the cluster SG admits; the first ENI (not admitted) carries none of it',
    (w) => {
      w.sgs.push(sg(CLIENT_SG2, VPC, []));
      w.subnets.push({
        SubnetId: S_CLIENT2,
        VpcId: VPC,
        CidrBlock: '10.0.3.0/24',
        AvailabilityZone: 'us-east-1a',
      });
      clusterSg(w).IpPermissions = admits(CLIENT_SG2);
      w.extraEnis = [secondEni];
      w.client = { sources: sourcesTo('10.0.3.10') };
      w.expectClientEni = SECOND_ENI;
    },
    {},
    {
      fix: (s) => {
        const inst = s.aws['ec2:DescribeInstances'].Reservations[0].Instances[0];
        inst.NetworkInterfaces.push({ ...secondEni, Attachment: { DeviceIndex: 1, Status: 'attached' } });
      },
      findings: { 'client.source': 'pass' },
    },
  );
  // A Docker bridge: the container's 172.17.0.2 is translated to the host's address on the way out,
  // so the host's ENI carries the traffic ("bridge" network mode: "The task uses Docker's built-in
  // virtual network", ECS Developer Guide, "Amazon ECS task networking options for EC2").
  addSource(
    'np-src-nat-bridge',
    "a container on a Docker bridge (172.17.0.2, no ENI holds it): the host's ENI carries the traffic, so its path is the one checked (reachable)",
    (w) => {
      w.client = { sources: sourcesTo('172.17.0.2') };
    },
    {},
    { findings: { 'client.source': 'pass' } },
  );
  return out;
}
