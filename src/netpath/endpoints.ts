// Path ends from discovery's view (client ENIs, HSM targets, clusters) and the VPC facts. Pure.
import type { ClientEni, ClusterInfo, HsmTarget } from '../model/index.js';
import { familyOf } from './cidr.js';
import type { NetFacts } from './facts.js';
import type { Endpoint } from './types.js';

export function clientEndpoint(facts: NetFacts, eni: ClientEni, family: 4 | 6): Endpoint {
  const known = facts.enis?.get(eni.eniId);
  const ip = (family === 4 ? eni.privateIps : eni.ipv6s).find((a) => familyOf(a) === family) ?? '';
  return {
    eniId: eni.eniId,
    ip,
    subnetId: eni.subnetId ?? known?.subnetId ?? null,
    vpcId: eni.vpcId ?? known?.vpcId ?? null,
    groupIds: known?.groupIds ?? eni.securityGroupIds,
  };
}

export function hsmEndpoint(facts: NetFacts, target: HsmTarget, clusters: readonly ClusterInfo[]): Endpoint {
  const cluster = clusters.find((c) => c.clusterId === target.clusterId);
  const known = target.eniId ? facts.enis?.get(target.eniId) : undefined;
  const subnetId = target.subnetId ?? known?.subnetId ?? null;
  // The HSM ENI carries the cluster security group; its own ENI record is better when read.
  const groupIds = known?.groupIds ?? (cluster?.securityGroup ? [cluster.securityGroup] : null);
  return {
    eniId: target.eniId,
    ip: target.ip,
    subnetId,
    vpcId:
      cluster?.vpcId ?? known?.vpcId ?? (subnetId ? (facts.subnets?.get(subnetId)?.vpcId ?? null) : null),
    groupIds,
  };
}
