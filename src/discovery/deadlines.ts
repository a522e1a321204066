// The deadlines of discovery's steps, in one place: discovery keeps to them, and the agent gives its
// AWS process their sum (this module loads nothing, so the long-lived agent can read it).
import type { Settings } from '../config/settings.js';

/** All of IMDS discovery gets this many request deadlines (token, identity, ENIs, and slack). */
export const IMDS_BUDGET_REQUESTS = 5;

/** The overall deadline of IMDS discovery for a per-request deadline. */
export const imdsBudgetMs = (timeoutMs: number) => timeoutMs * IMDS_BUDGET_REQUESTS;

/**
 * One AWS call with its retries: each attempt within aws.timeout (src/aws/http.ts), and the SDK's
 * backoff between them (at most 500 ms × 2^retry for throttling). This SDK version makes one attempt
 * more than maxAttempts says (its retry count starts at 0), hence the + 1.
 */
export function awsCallDeadlineMs(s: Pick<Settings, 'aws'>): number {
  const attempts = s.aws.maxAttempts + 1;
  return s.aws.timeoutMs * attempts + Math.min(20_000, 500 * 2 ** attempts);
}

/** DescribeClusters, every page: one call's retries. */
export const clustersDeadlineMs = (s: Settings) => awsCallDeadlineMs(s);

/** The EC2 reads for the path checks (after a timeout the others are not asked). */
export const ec2DeadlineMs = (s: Settings) => awsCallDeadlineMs(s) * 4;

/** How long discovery can take at most: IMDS, CloudHSM and the EC2 reads, each within its own. */
export function discoveryDeadlineMs(s: Settings): number {
  return imdsBudgetMs(s.imds.timeoutMs) + clustersDeadlineMs(s) + ec2DeadlineMs(s) + 2000;
}
