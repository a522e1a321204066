// The engine's own finding ids (configuration, discovery, the runner). Probes declare theirs in their
// definitions; probes/index.ts joins both into the one closed catalogue (finding ids are public API:
// add, never rename).
import type { Finding, Status } from '../model/index.js';

export interface FindingSpec {
  /** What the check establishes, one line, for docs and `hsmwatch findings`. */
  summary: string;
  /** A fail means the command cannot run as it was given (missing input): exit status 2, not 1. */
  usage?: true;
}

export type FindingCatalogue<Id extends string> = Readonly<Record<Id, FindingSpec>>;

export const ENGINE_FINDINGS = {
  'config.ports': { summary: 'The configured HSM ports are valid.' },
  'discovery.imds': {
    summary: 'The instance metadata service (IMDSv2) answered with the instance identity.',
  },
  'discovery.imds-hop-limit': {
    summary: 'The IMDSv2 token request reaches the instance (hop limit large enough for containers).',
  },
  'discovery.ecs-task': {
    summary:
      'Without an instance from IMDS (Fargate), the ECS task metadata endpoint v4 answered with the task and its addresses.',
  },
  'discovery.region': {
    summary: 'An AWS region is known (flag, config, environment, profile or IMDS).',
    usage: true,
  },
  'discovery.cloudhsm': { summary: 'CloudHSM DescribeClusters answered and listed the clusters to check.' },
  'discovery.cluster': { summary: 'A cluster is ACTIVE and has HSMs.' },
  'discovery.ec2': {
    summary:
      'EC2 answered the reads the path checks need (instances, ENIs, security groups, subnets, NACLs, routes).',
  },
  'discovery.targets': { summary: 'There is at least one HSM address to check.' },
  'hsm.state': { summary: 'The HSM is ACTIVE.' },
  'probe.error': {
    summary: 'A probe ended with an internal error (a bug in hsmwatch; the other probes ran).',
  },
  'probe.timeout': { summary: 'A probe did not finish within its deadline.' },
  'probe.skipped': { summary: 'A probe could not run because something it needs is missing.' },
} as const satisfies FindingCatalogue<string>;

/** Whether a failed engine finding says the command was given too little to run (exit status 2). */
export function isUsageFailure(findings: readonly Finding[]): boolean {
  const specs: FindingCatalogue<string> = ENGINE_FINDINGS;
  return findings.some((f) => f.status === 'fail' && specs[f.id]?.usage === true);
}

export type EngineFindingId = keyof typeof ENGINE_FINDINGS;

/**
 * A finding whose type keeps its literal id: returned where a probe's outcome is expected, an id
 * outside the probe's catalogue does not compile.
 */
export function finding<const Id extends string>(
  id: Id,
  status: Status,
  target: string,
  message: string,
  evidence: Record<string, unknown> = {},
  remediation?: string,
): Finding<Id> {
  const f: Finding<Id> = { id, status, target, message, evidence };
  if (remediation !== undefined) f.remediation = remediation;
  return f;
}
