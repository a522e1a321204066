// Who am I: the instance and its ENIs from IMDSv2, else (Fargate has no IMDS, and a container may not
// reach it) the ECS task from the task metadata endpoint v4. Each read said as a finding.
import type { Settings } from '../config/settings.js';
import { finding } from '../core/findings.js';
import type { ClientInfo, EcsTaskInfo, Finding } from '../model/index.js';
import { ecsEndpoint, readEcsTask } from './ecs-task.js';
import { readInstanceMetadata } from './imds.js';

// AWS CloudHSM known issues ("Known issues for all HSM instances": an error running the SDK 5 configure
// tool with --cluster-id in containerized environments), https://docs.aws.amazon.com/cloudhsm/latest/userguide/ki-all.html
const SDK_BOOTSTRAP_NOTE =
  '; with the same hop limit, Client SDK 5.5 and later fail to bootstrap with `configure --cluster-id` in a container ("No credentials in the property bag", AWS CloudHSM known issues)';

/** The instance (IMDS) or, without one, the ECS task this process runs in, and what each read said. */
export async function discoverInstance(
  settings: Settings,
): Promise<{ client: ClientInfo | null; ecsTask: EcsTaskInfo | null; findings: Finding[] }> {
  const imds = await instanceFromImds(settings);
  if (imds.client) return { ...imds, ecsTask: null };
  const endpoint = ecsEndpoint(settings.imds.ecsEndpoint);
  const r = await readEcsTask(endpoint, settings.imds.timeoutMs);
  if (r.kind === 'unset') return { ...imds, ecsTask: null };
  if (r.kind === 'error')
    return {
      client: null,
      ecsTask: null,
      findings: [
        ...imds.findings,
        finding(
          'discovery.ecs-task',
          'error',
          'ecs-task',
          `the ECS task metadata endpoint ${r.endpoint} ${r.detail}: the task's network interface is not known`,
          { endpoint: r.endpoint },
        ),
      ],
    };
  const t = r.task;
  const found = finding(
    'discovery.ecs-task',
    t.addresses.length ? 'pass' : 'warn',
    t.taskArn,
    `ECS task ${t.taskArn}${t.launchType ? ` (${t.launchType})` : ''} in ${t.availabilityZone ?? '?'}${t.addresses.length ? ` with address(es) ${t.addresses.join(', ')}: its ENI is looked up by address` : ': no awsvpc address in the answer, so its ENI is not known'}`,
    { endpoint: r.endpoint, addresses: t.addresses, subnetCidrs: t.subnetCidrs, vpcId: t.vpcId },
  );
  return { client: null, ecsTask: t, findings: [...imds.findings, found] };
}

/** The instance and its ENIs from IMDSv2, and what IMDS said. */
async function instanceFromImds(
  settings: Settings,
): Promise<{ client: ClientInfo | null; findings: Finding[] }> {
  const imds = await readInstanceMetadata({
    endpoint: settings.imds.endpoint,
    disabled: settings.imds.disabled,
    timeoutMs: settings.imds.timeoutMs,
  });
  switch (imds.kind) {
    case 'ok': {
      const c = imds.client;
      // Malformed values were dropped and a slow IMDS read partly: what is left is used, and said.
      const problems = imds.problems.length ? `; ${imds.problems.slice(0, 3).join('; ')}` : '';
      return {
        client: c,
        findings: [
          finding(
            'discovery.imds',
            imds.problems.length ? 'warn' : 'pass',
            c.instanceId ?? 'instance',
            `instance ${c.instanceId} in ${c.availabilityZone ?? c.region ?? '?'} with ${c.enis.length} network interface(s)${problems}`,
            {
              endpoint: imds.endpoint,
              enis: c.enis.map((e) => e.eniId),
              ...(imds.problems.length ? { problems: imds.problems } : {}),
            },
          ),
        ],
      };
    }
    case 'hop-limit':
      return {
        client: null,
        findings: [
          finding(
            'discovery.imds-hop-limit',
            'fail',
            'imds',
            `the IMDSv2 token request got no answer${imds.plainAnswered ? ' while plain metadata requests did' : ''}${imds.inContainer ? ' from inside a container' : ''}: the instance's PUT response hop limit is too low for this network path (the classic container problem)${SDK_BOOTSTRAP_NOTE}`,
            {
              endpoint: imds.endpoint,
              plainAnswered: imds.plainAnswered,
              inContainer: imds.inContainer,
              detail: imds.detail,
            },
          ),
        ],
      };
    case 'absent':
      return {
        client: null,
        findings: [
          finding('discovery.imds', 'skip', 'imds', `not on EC2, or IMDS unreachable: ${imds.detail}`, {
            endpoint: imds.endpoint,
          }),
        ],
      };
    case 'disabled':
      return { client: null, findings: [finding('discovery.imds', 'skip', 'imds', imds.detail)] };
    case 'error':
      return {
        client: null,
        findings: [
          finding('discovery.imds', 'error', 'imds', `IMDS lookup failed: ${imds.detail}`, {
            endpoint: imds.endpoint,
          }),
        ],
      };
  }
}
