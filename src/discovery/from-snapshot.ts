// An offline Environment from a snapshot (`analyze`): the same view live discovery builds, no I/O.
import { snapshotKey } from '../aws/operations.js';
import type { Settings } from '../config/settings.js';
import type { Environment } from '../core/environment.js';
import { finding } from '../core/findings.js';
import type { ClientEni, ClientInfo, Finding } from '../model/index.js';
import type { RawCluster, Snapshot } from '../snapshot/format.js';
import { clustersToTargets } from './clusters.js';
import { clientView } from './source-view.js';
import { vpcEstate } from './vpc.js';

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const list = (v: unknown): Obj[] => (Array.isArray(v) ? v.filter(isObj) : []);
const str = (v: unknown): string | null => (typeof v === 'string' && v !== '' ? v : null);

/** The client instance's ENIs from a DescribeInstances answer (SDK output shape). */
export function clientFromInstances(
  answer: unknown,
  instanceId: string | null,
  region: string | null,
): ClientInfo | null {
  if (!instanceId || !isObj(answer)) return null;
  const inst = list(answer.Reservations)
    .flatMap((r) => list(r.Instances))
    .find((i) => i.InstanceId === instanceId);
  if (!inst) return null;
  const enis: ClientEni[] = list(inst.NetworkInterfaces).flatMap((e) => {
    const eniId = str(e.NetworkInterfaceId);
    if (!eniId) return [];
    const ips = list(e.PrivateIpAddresses).sort(
      (a, b) => Number(b.Primary === true) - Number(a.Primary === true),
    );
    const v4 = ips.map((x) => str(x.PrivateIpAddress)).filter((x): x is string => x !== null);
    const primary = str(e.PrivateIpAddress);
    const dev =
      isObj(e.Attachment) && typeof e.Attachment.DeviceIndex === 'number' ? e.Attachment.DeviceIndex : null;
    return [
      {
        eniId,
        mac: str(e.MacAddress),
        deviceNumber: dev,
        subnetId: str(e.SubnetId),
        vpcId: str(e.VpcId),
        securityGroupIds: list(e.Groups)
          .map((g) => str(g.GroupId))
          .filter((g): g is string => g !== null),
        privateIps: v4.length ? v4 : primary ? [primary] : [],
        ipv6s: list(e.Ipv6Addresses)
          .map((a) => str(a.Ipv6Address))
          .filter((a): a is string => a !== null),
      },
    ];
  });
  enis.sort((a, b) => (a.deviceNumber ?? 99) - (b.deviceNumber ?? 99));
  const placement = isObj(inst.Placement) ? str(inst.Placement.AvailabilityZone) : null;
  return { instanceId, region, availabilityZone: placement, enis };
}

export function environmentFromSnapshot(snapshot: Snapshot, settings: Settings): Environment {
  const s = structuredClone(settings);
  if (snapshot.ports?.length) s.ports = [...snapshot.ports];
  const findings: Finding[] = [];
  const clustersAnswer = snapshot.aws[snapshotKey('DescribeClusters')];
  let view: ReturnType<typeof clustersToTargets> = { clusters: [], targets: [], findings: [] };
  if (isObj(clustersAnswer)) {
    view = clustersToTargets(
      list(clustersAnswer.Clusters) as RawCluster[],
      s.clusterIds,
      snapshot.region ?? null,
    );
    findings.push(...view.findings);
  } else {
    findings.push(
      finding(
        'discovery.cloudhsm',
        'skip',
        'cloudhsmv2',
        'cloudhsmv2:DescribeClusters is not in the snapshot: no HSM to analyse',
        {
          operation: 'cloudhsmv2:DescribeClusters',
        },
      ),
    );
  }
  const instance = clientFromInstances(
    snapshot.aws[snapshotKey('DescribeInstances')],
    snapshot.client.instanceId,
    snapshot.region,
  );
  const vpc = vpcEstate(snapshot);
  // The ENIs carrying the traffic, from the recorded source addresses: as live discovery sees them.
  const client = clientView(
    instance,
    snapshot,
    vpc.facts,
    view.targets.map((t) => t.ip),
  );
  return {
    mode: 'offline',
    settings: s,
    region: snapshot.region,
    client,
    clusters: view.clusters,
    targets: view.targets,
    vpc,
    snapshot,
    findings,
    // Offline, nothing was called: the snapshot holds answers, not failures.
    discovery: { hsmsListed: isObj(clustersAnswer), reads: {}, apiErrors: [] },
    credentials: undefined,
  };
}
