// Writes the source-interface demos from the healthy one (run tools/gen-demo-netpath.mjs first):
// pod-security-group (an EKS pod with its own security group, blocked while its node would pass) and
// ecs-task (a Fargate task: no IMDS, the task metadata endpoint gives its address). Both route their
// source addresses in a private network namespace, so the kernel really sends from the pod's or the
// task's address. Run: node tools/gen-demo-source.mjs
import { readFileSync, writeFileSync } from 'node:fs';

const dir = new URL('../scenarios/', import.meta.url);
const read = (n) => JSON.parse(readFileSync(new URL(`${n}.json`, dir), 'utf8'));
const write = (s) => writeFileSync(new URL(`${s.name}.json`, dir), `${JSON.stringify(s, null, 2)}\n`);

const ACCOUNT = '111122223333';
const VPC = 'vpc-0d3m0d3m0d3m00001';
const CLIENT_SUBNET = 'subnet-0c11e47000000001';
const ALL_OUT = {
  IpProtocol: '-1',
  IpRanges: [{ CidrIp: '0.0.0.0/0' }],
  Ipv6Ranges: [],
  PrefixListIds: [],
  UserIdGroupPairs: [],
};
const group = (id, name, description) => ({
  GroupId: id,
  GroupName: name,
  Description: description,
  OwnerId: ACCOUNT,
  VpcId: VPC,
  IpPermissions: [],
  IpPermissionsEgress: [ALL_OUT],
});
const eni = (id, ip, groupId, extra) => ({
  NetworkInterfaceId: id,
  SubnetId: CLIENT_SUBNET,
  VpcId: VPC,
  PrivateIpAddress: ip,
  PrivateIpAddresses: [{ PrivateIpAddress: ip, Primary: true }],
  Groups: [{ GroupId: groupId }],
  SourceDestCheck: true,
  Status: 'in-use',
  ...extra,
});
const hsmIps = (s) => s.snapshot.aws['cloudhsmv2:DescribeClusters'].Clusters[0].Hsms.map((h) => h.EniIp);
const clusterSg = (s) =>
  s.snapshot.aws['ec2:DescribeSecurityGroups'].SecurityGroups.find((g) =>
    g.GroupName.startsWith('cloudhsm-'),
  );

// The pod: a SecurityGroupPolicy gave it the group sg-0b0d…, on a branch ENI of the node's trunk
// (EKS User Guide, "Assign security groups to individual Pods"); IMDS from the pod still describes the
// node, whose group the cluster security group admits.
const POD_SG = 'sg-0b0d0000000000001';
const POD_IP = '127.0.0.77';
const pod = structuredClone(read('healthy'));
pod.snapshot.aws['ec2:DescribeSecurityGroups'].SecurityGroups.push(
  group(POD_SG, 'payments-pod', 'SecurityGroupPolicy payments'),
);
pod.snapshot.aws['ec2:DescribeNetworkInterfaces'].NetworkInterfaces.push(
  eni('eni-0b0d0000000000001', POD_IP, POD_SG, {
    InterfaceType: 'branch',
    Description: 'aws-k8s-branch-eni',
  }),
);
pod.snapshot.client.sources = hsmIps(pod).map((hsmIp) => ({ hsmIp, sourceIp: POD_IP }));
write({
  ...pod,
  name: 'pod-security-group',
  description: `an EKS pod with its own security group (branch ENI ${POD_IP}): the cluster security group admits the node's group, not the pod's, so every HSM port times out from the pod while IMDS (the node) would pass; the analysis names the rule to add`,
  // What the cluster security group does to the pod's packets, for real.
  sim: { network: hsmIps(pod).map((ip) => ({ ip, action: 'drop' })) },
  expect: { exitCode: 1, live: Object.fromEntries(hsmIps(pod).map((ip) => [`${ip}:2223`, 'timeout'])) },
});

// The Fargate task: no IMDS, its address from the task metadata endpoint v4, its ENI (named after the
// task's ECS attachment) found by address; the cluster security group admits the task's group.
const TASK_SG = 'sg-0ec50000000000001';
const TASK_IP = '127.0.0.50';
const TASK_ARN = `arn:aws:ecs:us-east-1:${ACCOUNT}:task/hsm-apps/0b5e0c1e4a5b4c6d8e9f000000000001`;
const task = structuredClone(read('healthy'));
const aws = task.snapshot.aws;
delete aws['ec2:DescribeInstances'];
aws['ec2:DescribeNetworkInterfaces'].NetworkInterfaces = [
  ...aws['ec2:DescribeNetworkInterfaces'].NetworkInterfaces.filter((e) =>
    e.Description?.startsWith('CloudHSM'),
  ),
  eni('eni-0ec50000000000001', TASK_IP, TASK_SG, {
    InterfaceType: 'interface',
    Description: `arn:aws:ecs:us-east-1:${ACCOUNT}:attachment/3f0c1e4a-5b4c-4d8e-9f00-000000000001`,
    RequesterManaged: true,
  }),
];
aws['ec2:DescribeSecurityGroups'].SecurityGroups.push(group(TASK_SG, 'hsm-app-task', 'ECS service hsm-app'));
clusterSg(task).IpPermissions[0].UserIdGroupPairs = [{ GroupId: TASK_SG, UserId: ACCOUNT }];
task.snapshot.client = {
  instanceId: null,
  sources: hsmIps(task).map((hsmIp) => ({ hsmIp, sourceIp: TASK_IP })),
  ecsTask: {
    taskArn: TASK_ARN,
    cluster: `arn:aws:ecs:us-east-1:${ACCOUNT}:cluster/hsm-apps`,
    launchType: 'FARGATE',
    availabilityZone: 'us-east-1a',
    vpcId: null,
    addresses: [TASK_IP],
    subnetCidrs: ['127.0.0.0/24'],
  },
};
write({
  ...task,
  name: 'ecs-task',
  description: `a Fargate task (no IMDS): the task metadata endpoint gives its address ${TASK_IP}, its ENI is found by address, and the cluster security group admits the task's group: every HSM reachable`,
  sim: {
    imds: { absent: true },
    ecsTask: {
      Cluster: `arn:aws:ecs:us-east-1:${ACCOUNT}:cluster/hsm-apps`,
      TaskARN: TASK_ARN,
      Family: 'hsm-app',
      Revision: '7',
      AvailabilityZone: 'us-east-1a',
      LaunchType: 'FARGATE',
      Containers: [
        {
          Name: 'app',
          Networks: [
            { NetworkMode: 'awsvpc', IPv4Addresses: [TASK_IP], IPv4SubnetCIDRBlock: '127.0.0.0/24' },
          ],
        },
      ],
    },
  },
  expect: { exitCode: 0 },
});
