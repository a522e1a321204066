// An ordinary instance ENI for the audit's pure tests: one IPv4 address, in vpc-1.
import type { NetworkInterface } from '../../src/netpath/facts.js';

export const instanceEni = (over: Partial<NetworkInterface> & { ip: string }): NetworkInterface => {
  const { ip, ...rest } = over;
  return {
    id: 'eni-1',
    groupIds: ['sg-client'],
    subnetId: 'subnet-a',
    vpcId: 'vpc-1',
    privateIps: [ip],
    ipv6s: [],
    interfaceType: 'interface',
    kind: 'interface',
    description: null,
    sourceDestCheck: true,
    mac: null,
    deviceIndex: 0,
    instanceId: null,
    tags: [],
    ...rest,
  };
};
