// The ECS task this process runs in, from the task metadata endpoint v4 (`${ECS_CONTAINER_METADATA_URI_V4}/task`):
// Fargate has no IMDS, and an awsvpc task's traffic leaves through the task's own ENI, not the
// instance's. The answer gives the task's addresses, subnet CIDRs, AZ and (on EC2) the VPC, but no ENI
// id or security group: those come from DescribeNetworkInterfaces by address.
// Fields: "Amazon ECS task metadata V4 JSON response",
// https://docs.aws.amazon.com/AmazonECS/latest/developerguide/task-metadata-endpoint-v4-response.html
import { isIP } from 'node:net';
import { foreignText } from '../aws/foreign.js';
import { boundedRequest } from '../aws/http.js';
import type { EcsTaskInfo } from '../model/index.js';

const MAX_BODY_BYTES = 256 * 1024;
const MAX_ADDRESSES = 64;

export type EcsTaskOutcome =
  | { kind: 'ok'; endpoint: string; task: EcsTaskInfo }
  | { kind: 'unset' }
  | { kind: 'error'; endpoint: string; detail: string };

/** The endpoint: the setting, else ECS_CONTAINER_METADATA_URI_V4; null turns the lookup off. */
export function ecsEndpoint(setting: string | null | undefined, env = process.env): string | null {
  if (setting === null) return null;
  return (setting ?? env.ECS_CONTAINER_METADATA_URI_V4 ?? '').replace(/\/+$/, '') || null;
}

export async function readEcsTask(endpoint: string | null, timeoutMs: number): Promise<EcsTaskOutcome> {
  if (!endpoint) return { kind: 'unset' };
  const shown = foreignText(endpoint, 120);
  // The agent serves it over plain HTTP on a link-local address; anything else is not the endpoint.
  if (!URL.canParse(endpoint) || new URL(endpoint).protocol !== 'http:')
    return { kind: 'error', endpoint: shown, detail: 'the task metadata endpoint is not an http:// URL' };
  let r: { status: number; body: Buffer };
  try {
    r = await boundedRequest({
      url: new URL(`${endpoint}/task`),
      method: 'GET',
      headers: {},
      timeoutMs,
      connectTimeoutMs: timeoutMs,
      maxBodyBytes: MAX_BODY_BYTES,
    });
  } catch (e) {
    const err = e as { message?: string; code?: string; name?: string };
    return { kind: 'error', endpoint: shown, detail: foreignText(err.message ?? err.code ?? String(e), 200) };
  }
  if (r.status !== 200) return { kind: 'error', endpoint: shown, detail: `answered HTTP ${r.status}` };
  let raw: unknown;
  try {
    raw = JSON.parse(r.body.toString('utf8'));
  } catch {
    return { kind: 'error', endpoint: shown, detail: 'answered something that is not JSON' };
  }
  const task = parseEcsTask(raw);
  return typeof task === 'string'
    ? { kind: 'error', endpoint: shown, detail: task }
    : { kind: 'ok', endpoint: shown, task };
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown): string | null => (typeof v === 'string' && v !== '' ? v : null);
const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
const AZ = /^[a-z]{2}(-[a-z]+)+-\d+[a-z0-9-]*$/;
const VPC = /^vpc-[0-9a-f]{8,17}$/;
const CIDR = /^[0-9a-fA-F:.]+\/\d{1,3}$/;

/** The task from a `/task` answer, or why it is not one. Fields of the wrong type are dropped. */
export function parseEcsTask(raw: unknown): EcsTaskInfo | string {
  if (!isObj(raw)) return 'answered JSON that is not a task (not an object)';
  const taskArn = str(raw.TaskARN);
  if (!taskArn || !/^arn:aws[a-z-]*:ecs:[a-z0-9-]+:\d{12}:task\/\S+$/.test(taskArn))
    return 'answered JSON without a task ARN (TaskARN)';
  const networks = list(raw.Containers)
    .filter(isObj)
    .flatMap((c) => list(c.Networks).filter(isObj));
  // Only awsvpc networks are the task's ENI; a bridge network's address is Docker's, behind NAT.
  const awsvpc = networks.filter((n) => n.NetworkMode === undefined || n.NetworkMode === 'awsvpc');
  const addresses = unique(
    awsvpc.flatMap((n) => [...list(n.IPv4Addresses), ...list(n.IPv6Addresses)]),
    (a) => isIP(a) !== 0,
  );
  const subnetCidrs = unique(
    awsvpc.flatMap((n) => [n.IPv4SubnetCIDRBlock, n.IPv6SubnetCIDRBlock]),
    (c) => CIDR.test(c),
  );
  const az = str(raw.AvailabilityZone);
  const vpc = str(raw.VPCID);
  return {
    taskArn: foreignText(taskArn, 300),
    cluster: str(raw.Cluster) ? foreignText(raw.Cluster as string, 300) : null,
    launchType: str(raw.LaunchType) ? foreignText(raw.LaunchType as string, 40) : null,
    availabilityZone: az && AZ.test(az) ? az : null,
    vpcId: vpc && VPC.test(vpc) ? vpc : null,
    addresses: addresses.slice(0, MAX_ADDRESSES),
    subnetCidrs: subnetCidrs.slice(0, MAX_ADDRESSES),
  };
}

function unique(values: unknown[], ok: (s: string) => boolean): string[] {
  return [...new Set(values.filter((v): v is string => typeof v === 'string' && ok(v)))];
}

/** The region of a task: from its ARN, else its Availability Zone's name. */
export function regionOfTask(task: EcsTaskInfo): string | null {
  const fromArn = /^arn:aws[a-z-]*:ecs:([a-z0-9-]+):/.exec(task.taskArn)?.[1];
  if (fromArn) return fromArn;
  // us-east-1a, us-west-2-lax-1a: the region is the name up to its first number.
  return /^([a-z]{2}(?:-[a-z]+)+-\d+)/.exec(task.availabilityZone ?? '')?.[1] ?? null;
}
