// Every failed AWS call, for the agent's cloudhsm_aws_api_errors_total: recorded by a middleware on
// every client (after the SDK's retries, so one failed call counts once), into the scope of the
// work that made it (discovery, one probe run). Outside a scope nothing is recorded.
import { AsyncLocalStorage } from 'node:async_hooks';
import { classifyAwsError, metricCode } from './errors.js';

export interface AwsApiError {
  service: string;
  operation: string;
  /** The AWS error code, or the kind of failure (timeout, network, garbage...): a bounded set. */
  code: string;
}

const scope = new AsyncLocalStorage<AwsApiError[]>();

/** Runs `fn`, collecting the AWS call failures made on its behalf. */
export async function collectApiErrors<T>(
  fn: () => Promise<T>,
): Promise<{ value: T; errors: AwsApiError[] }> {
  const errors: AwsApiError[] = [];
  const value = await scope.run(errors, fn);
  return { value, errors };
}

type Handler = (args: unknown) => Promise<unknown>;

function apiErrorMiddleware(service: string) {
  return (next: Handler, context: { commandName?: string }) => async (args: unknown) => {
    try {
      return await next(args);
    } catch (e) {
      const f = classifyAwsError(e);
      // DryRunOperation is how EC2 says "allowed" to a DryRun request: not a failure.
      if (f.code !== 'DryRunOperation')
        scope.getStore()?.push({
          service,
          operation: (context.commandName ?? 'unknown').replace(/Command$/, ''),
          code: metricCode(f),
        });
      throw e;
    }
  };
}

interface Stack {
  add(mw: unknown, options: { step: 'initialize'; priority: 'high'; name: string }): void;
}

export function addApiErrorRecorder(stack: Stack, service: string): void {
  stack.add(apiErrorMiddleware(service), { step: 'initialize', priority: 'high', name: 'hsmwatchApiErrors' });
}
