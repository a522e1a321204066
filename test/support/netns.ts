// Namespace tests need unshare, ip and nft. Without them they are skipped with the reason, unless
// HSMWATCH_REQUIRE_NETNS=1 (set by .ci/run), which turns the skip into a failure.
import { netnsSupport } from '../../src/sim/netns.js';

export const netns = netnsSupport();
export const netnsRequired = process.env.HSMWATCH_REQUIRE_NETNS === '1';
export const skipNetns = !netns.ok && !netnsRequired;

if (!netns.ok) {
  process.stderr.write(`network-namespace tests ${netnsRequired ? 'FAIL' : 'skipped'}: ${netns.reason}\n`);
}
