// The agent's AWS process (src/agent/aws-process.ts): one request on the IPC channel, one reply
// (with --debug, a record per AWS request before it), then exit. It loads the AWS SDK so that the long-lived agent does not. It prints nothing.
import { PROBES } from '../../probes/index.js';
import type { AwsTaskDebug, AwsTaskReply, AwsTaskRequest } from '../agent/aws-process.js';
import { collectApiErrors } from '../aws/api-errors.js';
import { setAwsRequestSink } from '../aws/debug.js';
import { discover } from '../discovery/index.js';
import { environmentFromWire, environmentToWire } from '../discovery/wire.js';

const peakRssBytes = () => process.resourceUsage().maxRSS * 1024;

async function serve(req: AwsTaskRequest): Promise<AwsTaskReply> {
  const signal = AbortSignal.timeout(req.deadlineMs);
  if (req.task === 'discovery') {
    const env = await discover(req.settings, { signal });
    return { ok: true, env: environmentToWire(env), peakRssBytes: peakRssBytes() };
  }
  const probe = PROBES.find((p) => p.id === req.probeId);
  if (!probe) return { ok: false, error: `no probe "${req.probeId}"`, peakRssBytes: peakRssBytes() };
  const env = environmentFromWire(req.env, req.settings);
  // The failed AWS calls of the run travel with its outcome to the agent's error counter.
  const { value: outcome, errors } = await collectApiErrors(() =>
    probe.run({ env, settings: req.settings, signal, facts: req.facts }),
  );
  return { ok: true, outcome: { ...outcome, awsApiErrors: errors }, peakRssBytes: peakRssBytes() };
}

if (!process.send) {
  process.stderr.write('hsmwatch: aws-task is started by the agent, not by hand\n');
  process.exit(2);
}
// The agent went away: nothing left to answer to.
process.once('disconnect', () => process.exit(0));
process.once('message', (req: AwsTaskRequest) => {
  // Beyond the work's deadline, the agent has given up on us anyway.
  setTimeout(() => process.exit(3), req.deadlineMs + 2000).unref();
  // --debug: each AWS request goes to the agent's log, not to a stderr nobody reads.
  if (req.settings.debug) setAwsRequestSink((debug) => process.send!({ debug } satisfies AwsTaskDebug));
  serve(req)
    .catch(
      (e: unknown): AwsTaskReply => ({
        ok: false,
        error: (e as Error)?.message ?? String(e),
        peakRssBytes: peakRssBytes(),
      }),
    )
    .then((reply) => process.send!(reply, () => process.exit(0)));
});
