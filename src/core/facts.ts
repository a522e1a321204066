// Facts that probes hand to each other within a round. A probe declares the facts it produces and
// those it consumes; the runner orders probes by these declarations, and a consumer never reads
// another probe's findings. A fact is absent when its producer did not run or could not establish it.
import type { ClientSdkInstall } from '../clientsdk/install.js';
import type { PathContribution } from '../model/index.js';

export type Identity =
  | {
      ok: true;
      account: string | null;
      arn: string | null;
      temporary: boolean;
      /** Where the SDK's chain found them: environment, profile, instance role (IMDS)... */
      source: string;
      /** ISO time the temporary credentials expire; null for long-term keys. */
      expiration: string | null;
    }
  | {
      ok: false;
      /** AwsFailure kind: 'credentials' (none found), 'denied', 'network'... */
      kind: string;
      code: string;
      detail: string;
    };

export interface ProbeFacts {
  /** Who the credentials are, as sts:GetCallerIdentity answered. */
  identity: Identity;
  /** The static verdict of every client ENI → HSM address → port path. */
  staticPaths: readonly PathContribution[];
  /** What a live TCP connect saw on every path. */
  livePaths: readonly PathContribution[];
  /** This host's clock minus AWS time (positive: ahead), from the best-measured endpoint. */
  clockSkewMs: number;
  /** The Client SDK generations installed here and their mutual TLS files, from the configuration. */
  clientSdk: ClientSdkInstall;
}

export type FactName = keyof ProbeFacts;
export type Facts<F extends FactName = FactName> = Partial<Pick<ProbeFacts, F>>;
