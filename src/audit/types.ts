// The exposure section of `hsmwatch audit --output json` (a stable contract, README "Exposure audit").
import type { Component } from '../netpath/types.js';

export type SourceVerdict = 'reachable' | 'partial' | 'blocked' | 'unknown';
export type PortVerdict = 'reachable' | 'blocked' | 'unknown';

/** intended-reachable, unintended-blocked, ...: the metric's `class` label and the summary's keys. */
export type ExposureClass = `${'intended' | 'unintended'}-${SourceVerdict}`;
export const EXPOSURE_CLASSES: readonly ExposureClass[] = (['intended', 'unintended'] as const).flatMap((i) =>
  (['reachable', 'partial', 'blocked', 'unknown'] as const).map((v) => `${i}-${v}` as ExposureClass),
);

export interface PortResult {
  hsmId: string;
  address: string;
  port: number;
  verdict: PortVerdict;
  blockedBy: Array<{ component: Component; resourceIds: string[] }>;
}

export interface ExposureSource {
  eniId: string;
  kind: string;
  /** The instance it is attached to, else what EC2 says created it (its description); null: not said. */
  owner: string | null;
  vpcId: string | null;
  subnetId: string | null;
  securityGroups: string[];
  addresses: string[];
  intended: boolean;
  /** Why it counts as intended (the rule of audit.intended or the cluster-group default); null when not. */
  intendedBy: string | null;
  verdict: SourceVerdict;
  ports: PortResult[];
}

export interface ExposureSummary {
  sources: number;
  intended: number;
  classes: Record<ExposureClass, number>;
  /** Distinct evaluations the grouping needed (one per class of interfaces that must share a verdict). */
  evaluations: number;
}

export interface ClusterExposure {
  clusterId: string;
  vpcId: string | null;
  securityGroup: string | null;
  /** The VPCs whose interfaces were audited: the cluster's, and those peered or on a shared transit gateway. */
  vpcs: string[];
  hsms: Array<{ hsmId: string; addresses: string[] }>;
  ports: number[];
  summary: ExposureSummary;
  sources: ExposureSource[];
}

export interface ExposureSection {
  clusters: ClusterExposure[];
  summary: ExposureSummary;
}
