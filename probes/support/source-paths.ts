// Which ENI each HSM address's path starts from, and the `client.source` findings that say so. The
// ENI owning the kernel's source address carries the traffic, and AWS judges it by that ENI's groups:
// a pod matched by a SecurityGroupPolicy "gets its own branch network interface attached to the trunk
// interface on its node [...] Traffic to and from that Pod is evaluated against those security groups
// at the branch interface, independently of the node's own security groups" (Amazon EKS User Guide,
// "Assign security groups to individual Pods", https://docs.aws.amazon.com/eks/latest/userguide/auto-sgp.html;
// likewise "Security groups for Pods", security-groups-for-pods.html), while IMDS queried from the pod
// describes the node. An ECS awsvpc task "is allocated its own elastic network interface" (Amazon ECS
// Developer Guide, "Amazon ECS task networking options for EC2" / "... for Fargate").
import type { Environment } from '../../src/core/environment.js';
import { finding } from '../../src/core/findings.js';
import {
  type ClientEni,
  type ClientInfo,
  carrierEniIds,
  type Finding,
  type HsmTarget,
} from '../../src/model/index.js';
import { eniKindLabel } from '../../src/netpath/eni-facts.js';

/** The ENIs IMDS (or DescribeInstances, or the task metadata) describes: the fallback of unowned sources. */
export const describedEnis = (c: ClientInfo): ClientEni[] => c.describedEnis ?? c.enis;

/** Per client ENI, the HSM addresses whose path starts from it. */
export function targetsByEni(client: ClientInfo, targets: readonly HsmTarget[]): Map<string, HsmTarget[]> {
  const out = new Map<string, HsmTarget[]>(client.enis.map((e) => [e.eniId, []]));
  for (const t of targets) for (const id of carrierEniIds(client, t.ip)) out.get(id)?.push(t);
  return out;
}

const groupsOf = (env: Environment, eni: ClientEni) =>
  env.vpc.facts.enis?.get(eni.eniId)?.groupIds ?? eni.securityGroupIds;
const kindOf = (env: Environment, eniId: string) => env.vpc.facts.enis?.get(eniId)?.kind ?? 'interface';
const list = (xs: readonly string[]) => xs.join(', ') || 'none';

/** client.source: which ENI (and kind) carries the traffic to which HSM addresses, per source. */
export function sourceFindings(env: Environment): Finding<'client.source'>[] {
  const c = env.client;
  if (!c?.sources?.length) return [];
  const described = describedEnis(c);
  const out: Finding<'client.source'>[] = [];
  const byEni = new Map<string, { sourceIp: string; hsms: string[] }>();
  for (const s of c.sources) {
    if (s.eniId && s.sourceIp) {
      const e = byEni.get(s.eniId) ?? { sourceIp: s.sourceIp, hsms: [] };
      e.hsms.push(s.hsmIp);
      byEni.set(s.eniId, e);
    }
  }
  for (const [eniId, { sourceIp, hsms }] of byEni) {
    const eni = c.enis.find((e) => e.eniId === eniId);
    if (eni) out.push(carrierFinding(env, eni, sourceIp, hsms, described));
  }
  const unowned = c.sources.filter((s) => s.sourceIp && !s.eniId);
  if (unowned.length) out.push(unownedFinding(env, unowned, described));
  const noRoute = c.sources.filter((s) => !s.sourceIp).map((s) => s.hsmIp);
  if (noRoute.length)
    out.push(
      finding(
        'client.source',
        'warn',
        'client',
        `the kernel has no route to ${list(noRoute)}: no source address is picked, so the path checks start from the described ENIs (${list(described.map((e) => e.eniId))})`,
        { hsmIps: noRoute },
      ),
    );
  return out;
}

function carrierFinding(
  env: Environment,
  eni: ClientEni,
  sourceIp: string,
  hsms: string[],
  described: readonly ClientEni[],
): Finding<'client.source'> {
  const kind = kindOf(env, eni.eniId);
  const groups = groupsOf(env, eni);
  const evidence = { eniId: eni.eniId, kind, sourceIp, hsmIps: hsms, securityGroups: groups };
  const carries = `traffic to ${list(hsms)} leaves from ${sourceIp} on ${eni.eniId} (${eniKindLabel(kind)}, security groups ${list(groups)})`;
  if (described.some((d) => d.eniId === eni.eniId))
    return finding('client.source', 'pass', eni.eniId, carries, evidence);
  const node = described.find((d) => d.deviceNumber === 0) ?? described[0];
  const imds = node
    ? `IMDS describes ${env.client?.instanceId ? 'node ' : ''}ENI ${node.eniId} with ${list(groupsOf(env, node))}`
    : 'IMDS describes no ENI';
  const message =
    kind === 'branch'
      ? `this process runs in a pod with its own security groups: ${list(groups)} (${imds}): traffic to ${list(hsms)} leaves from ${sourceIp} on its branch ENI ${eni.eniId}, judged by the pod's groups, not the node's`
      : `${carries}, an ENI IMDS does not describe (${imds}): AWS judges the traffic by ${eni.eniId}'s groups and subnet`;
  return finding('client.source', 'warn', eni.eniId, message, {
    ...evidence,
    describedEnis: described.map((d) => d.eniId),
  });
}

function unownedFinding(
  env: Environment,
  unowned: NonNullable<ClientInfo['sources']>,
  described: readonly ClientEni[],
): Finding<'client.source'> {
  const ips = [...new Set(unowned.map((s) => s.sourceIp!))];
  const host = described.map((e) => e.eniId);
  return finding(
    'client.source',
    'pass',
    'client',
    `the source address ${list(ips)} (towards ${list(unowned.map((s) => s.hsmIp))}) belongs to no ENI read: a NAT'd container network (a Docker bridge) or a local address, so ${host.length ? `the host's ENI (${list(host)}) carries that traffic and the paths start from it` : 'no ENI is known to carry that traffic'}`,
    { sourceIps: ips, hsmIps: unowned.map((s) => s.hsmIp), describedEnis: host, mode: env.mode },
  );
}
