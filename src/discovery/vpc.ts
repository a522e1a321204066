// The VPC estate the path checks read, normalised once from the EC2 answers discovery stored.
import type { VpcEstate } from '../core/environment.js';
import { EC2_KEYS, factsFromSnapshot } from '../netpath/facts.js';
import { unreadNatGateways } from '../netpath/middlebox-facts.js';
import type { Snapshot } from '../snapshot/format.js';

/** The reads without which the path checks cannot decide anything. */
const NEEDED = [EC2_KEYS.sgs, EC2_KEYS.subnets, EC2_KEYS.nacls, EC2_KEYS.routeTables, EC2_KEYS.enis];

export function vpcEstate(snapshot: Snapshot): VpcEstate {
  return {
    facts: factsFromSnapshot(snapshot.aws, snapshot.region),
    missing: [...NEEDED.filter((key) => snapshot.aws[key] === undefined), ...unreadNatGateways(snapshot.aws)],
  };
}
