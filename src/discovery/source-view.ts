// Which ENIs carry this process's traffic: the owners of the kernel's source addresses (snapshot
// `client.sources`), found among the instance's ENIs or the DescribeNetworkInterfaces answer. A pod
// with its own security groups sends from its branch ENI, an ECS awsvpc task from the task's ENI, and
// neither is what IMDS describes. Pure: live discovery and `analyze` build the same view from the
// same snapshot, so they give the same answer.
import type { ClientEni, ClientInfo, ClientSource } from '../model/index.js';
import { enisOwning, type NetworkInterface } from '../netpath/eni-facts.js';
import type { NetFacts } from '../netpath/facts.js';
import type { Snapshot } from '../snapshot/format.js';
import { regionOfTask } from './ecs-task.js';

/** A client ENI from its DescribeNetworkInterfaces record, the source address first. */
function clientEni(e: NetworkInterface, sourceIp: string | null): ClientEni {
  const first = (ips: string[]) =>
    sourceIp && ips.includes(sourceIp) ? [sourceIp, ...ips.filter((a) => a !== sourceIp)] : ips;
  return {
    eniId: e.id,
    mac: e.mac,
    deviceNumber: e.deviceIndex,
    subnetId: e.subnetId,
    vpcId: e.vpcId,
    securityGroupIds: e.groupIds,
    privateIps: first(e.privateIps),
    ipv6s: first(e.ipv6s),
  };
}

/**
 * The one ENI holding an address: an instance ENI first, else the answer's; several in different
 * VPCs (overlapping CIDRs) are narrowed to the client's VPCs, and stay unknown if still ambiguous.
 */
function ownerOf(
  ip: string,
  instanceEnis: readonly ClientEni[],
  facts: NetFacts,
  vpcs: ReadonlySet<string>,
): { eni: ClientEni; record: NetworkInterface | null } | null {
  const own = instanceEnis.find((e) => e.privateIps.includes(ip) || e.ipv6s.includes(ip));
  if (own) return { eni: own, record: facts.enis?.get(own.eniId) ?? null };
  let found = enisOwning(facts.enis, ip);
  if (found.length > 1 && vpcs.size) found = found.filter((e) => e.vpcId && vpcs.has(e.vpcId));
  return found.length === 1 ? { eni: clientEni(found[0]!, ip), record: found[0]! } : null;
}

const sameIds = (a: readonly ClientEni[], b: readonly ClientEni[]) =>
  a.length === b.length && a.every((e, i) => e.eniId === b[i]?.eniId);

/**
 * The client as the path checks see it: `enis` are the owners of the source addresses, plus the
 * instance's (or task's) own ENIs when some HSM address has no owned source (no route, or a NAT'd
 * container network whose address belongs to no ENI: the host's ENI carries that traffic).
 */
export function clientView(
  base: ClientInfo | null,
  snapshot: Snapshot,
  facts: NetFacts,
  targetIps: readonly string[],
): ClientInfo | null {
  const task = snapshot.client.ecsTask;
  const recorded = snapshot.client.sources ?? [];
  if (!base && !task) return null;
  const instanceEnis = base?.enis ?? [];
  const vpcs = new Set([...instanceEnis.map((e) => e.vpcId), task?.vpcId].filter((v): v is string => !!v));
  // Without an instance, the task's own ENIs (found by its addresses) are the fallback.
  const described = instanceEnis.length
    ? instanceEnis
    : uniqueEnis(
        (task?.addresses ?? []).flatMap((ip) => {
          const o = ownerOf(ip, [], facts, vpcs);
          return o ? [o.eni] : [];
        }),
      );
  const sources: ClientSource[] = recorded.map((s) => ({
    hsmIp: s.hsmIp,
    sourceIp: s.sourceIp,
    eniId: null,
  }));
  const carrying: ClientEni[] = [];
  for (const s of sources) {
    const o = s.sourceIp ? ownerOf(s.sourceIp, described, facts, vpcs) : null;
    if (!o) continue;
    s.eniId = o.eni.eniId;
    carrying.push(o.eni);
  }
  const owned = new Set(sources.filter((s) => s.eniId).map((s) => s.hsmIp));
  const fallback = targetIps.some((ip) => !owned.has(ip)) || recorded.length === 0;
  const enis = uniqueEnis([...carrying, ...(fallback ? described : [])]);
  return {
    instanceId: base?.instanceId ?? null,
    region: base?.region ?? (task ? regionOfTask(task) : null),
    availabilityZone: base?.availabilityZone ?? task?.availabilityZone ?? null,
    enis,
    ...(sameIds(enis, described) ? {} : { describedEnis: described }),
    ...(recorded.length ? { sources } : {}),
    ...(task ? { ecsTask: task } : {}),
  };
}

function uniqueEnis(enis: ClientEni[]): ClientEni[] {
  const seen = new Set<string>();
  return enis.filter((e) => !seen.has(e.eniId) && seen.add(e.eniId));
}

/** What discoverEc2 looks up by address: the source addresses and the task's, in the task's VPC. */
export function sourceLookups(snapshot: Snapshot): { sourceAddresses: string[]; sourceVpcIds: string[] } {
  const task = snapshot.client.ecsTask;
  return {
    sourceAddresses: [
      ...(snapshot.client.sources ?? []).map((s) => s.sourceIp).filter((ip): ip is string => !!ip),
      ...(task?.addresses ?? []),
    ],
    sourceVpcIds: task?.vpcId ? [task.vpcId] : [],
  };
}
