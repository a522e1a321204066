// What the path evaluator takes and gives. The component names are the report contract's.
import type { Ec2Key } from './facts.js';
import type { PortRange } from './ranges.js';

export const COMPONENTS = [
  'client-sg-egress',
  'hsm-sg-ingress',
  'client-nacl-outbound',
  'client-nacl-inbound-return',
  'hsm-nacl-inbound',
  'hsm-nacl-outbound-return',
  'client-route',
  'hsm-return-route',
  'peering',
] as const;
export type Component = (typeof COMPONENTS)[number];

/** One end of a path: an ENI and the address used on it. */
export interface Endpoint {
  eniId: string | null;
  ip: string;
  subnetId: string | null;
  vpcId: string | null;
  /** The ENI's security groups; null when not known. */
  groupIds: string[] | null;
}

/** The narrowest change that would let the traffic through, for the remediation builder. */
export type Fix =
  | {
      kind: 'sg-rule';
      direction: 'ingress' | 'egress';
      groupId: string;
      peer: { groupId: string } | { cidr: string };
      ports: PortRange[];
    }
  | {
      kind: 'nacl-entry';
      naclId: string;
      egress: boolean;
      cidr: string;
      entries: Array<{ ruleNumber: number; range: PortRange }>;
    }
  | {
      kind: 'route';
      routeTableId: string;
      destination: string;
      peeringId: string;
      replace: boolean;
    }
  | { kind: 'accept-peering'; peeringId: string }
  | { kind: 'create-peering'; vpcId: string; peerVpcId: string }
  | { kind: 'assign-ipv6'; eniId: string };

export type CheckStatus = 'allow' | 'block' | 'unknown';

export interface Check {
  component: Component;
  status: CheckStatus;
  resourceIds: string[];
  /** Why: the rule that matched, or what is missing. */
  detail: string;
  /** Set when the check could not run because a snapshot key is absent. */
  missing?: Ec2Key;
  fix?: Fix;
}

export interface PathVerdict {
  port: number;
  verdict: 'reachable' | 'blocked' | 'unknown';
  /** Blocking components; when nothing blocks but something is undecided, the undecided ones. */
  blockedBy: Array<{ component: Component; resourceIds: string[]; detail: string }>;
  checks: Check[];
}
