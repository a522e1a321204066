// The decoding layer of every AWS client: any answer that is not one of the operation — not the
// service's wire format, a truncated document, an HTML page, a body the SDK's parser cannot read, or
// an answer without the fields the operation always returns — becomes one typed error naming the
// operation, the HTTP status, why, and a short excerpt of the body (never a header). The SDK's own
// failures on such answers (SyntaxError, TypeError, "inspect the hidden field {error}.$response")
// never leave it.
import { AsyncLocalStorage } from 'node:async_hooks';
import { excerpt, foreignText } from './foreign.js';
import type { AwsService } from './operations.js';
import { answerProblem, type WireFormat } from './wire-check.js';

const FORMAT: Record<AwsService, WireFormat> = { cloudhsmv2: 'json', ec2: 'ec2-xml', sts: 'query-xml' };

export class AwsGarbageError extends Error {
  readonly hsmwatchGarbage = true;
  /** What the SDK's retry logic reads: a garbage 5xx is retried like any 5xx. */
  readonly $metadata: { httpStatusCode: number };
  readonly code = 'MalformedAnswer';

  constructor(
    readonly service: string,
    readonly operation: string,
    readonly httpStatus: number,
    readonly reason: string,
    readonly excerpt: string,
  ) {
    super(`${operation} answered HTTP ${httpStatus} with ${reason}`);
    this.name = 'MalformedAnswer';
    this.$metadata = { httpStatusCode: httpStatus };
  }
}

export function isAwsGarbage(e: unknown): e is AwsGarbageError {
  return (e as { hsmwatchGarbage?: unknown } | null)?.hsmwatchGarbage === true;
}

const ACCOUNT = /^\d{12}$/;
// Printable ASCII only: the ARN is shown as it is.
const CALLER_ARN = /^arn:aws[a-z-]*:(iam|sts)::\d{12}:[\x21-\x7e]+$/;

/** Fields an operation's successful answer always has: without them it is not that answer. */
const OUTPUT_CHECKS: Partial<Record<string, (out: Record<string, unknown>) => string | null>> = {
  GetCallerIdentity: (o) =>
    typeof o.Account === 'string' &&
    ACCOUNT.test(o.Account) &&
    typeof o.Arn === 'string' &&
    CALLER_ARN.test(o.Arn) &&
    typeof o.UserId === 'string' &&
    o.UserId !== ''
      ? null
      : 'an answer without the account, ARN and user id GetCallerIdentity always returns',
  DescribeClusters: (o) =>
    o.Clusters === undefined || Array.isArray(o.Clusters) ? null : 'an answer whose Clusters is not a list',
};

/** Why a decoded answer is not the operation's, or null. */
export function outputProblem(operation: string, output: unknown): string | null {
  if (output === null || typeof output !== 'object') return 'no answer the SDK could decode';
  return OUTPUT_CHECKS[operation]?.(output as Record<string, unknown>) ?? null;
}

interface RawResponse {
  statusCode?: number;
  body?: unknown;
}

const bodyBytes = (r: RawResponse | undefined): Uint8Array =>
  r?.body instanceof Uint8Array ? r.body : new Uint8Array(0);

function garbage(service: string, operation: string, r: RawResponse | undefined, reason: string) {
  const text = Buffer.from(bodyBytes(r)).toString('utf8');
  return new AwsGarbageError(service, operation, r?.statusCode ?? 0, reason, excerpt(text));
}

type Handler = (args: unknown) => Promise<{ response?: unknown; output?: unknown }>;
type Middleware = (next: Handler, context: { commandName?: string }) => Handler;

const operationOf = (context: { commandName?: string }) =>
  (context.commandName ?? 'unknown').replace(/Command$/, '');

/** Inside the SDK's parser: the raw answer is checked before it is parsed. */
function checkRawMiddleware(service: AwsService): Middleware {
  return (next, context) => async (args) => {
    const result = await next(args);
    const r = result.response as RawResponse | undefined;
    const problem = answerProblem(FORMAT[service], operationOf(context), r?.statusCode ?? 0, bodyBytes(r));
    if (problem) throw garbage(service, operationOf(context), r, problem);
    return result;
  };
}

// The SDK's parsers coerce a value of the wrong type (a number where the API has a string) and say so
// on console.warn, with a stack trace: here that is a malformed answer of the call being decoded.
const decoding = new AsyncLocalStorage<string[]>();

/** Takes over the SDK parsers' warnings (@aws-sdk/smithy-client's `logger`): they never reach stderr. */
export function captureSdkWarnings(logger: { warn: (...args: unknown[]) => void }): void {
  logger.warn = (message: unknown) => {
    const first = String(message).split('\n')[0] ?? '';
    decoding.getStore()?.push(foreignText(first.replace(/^TypeError: /, ''), 60));
  };
}

/** Around the SDK's parser: what it could not decode, or decoded without the fields that matter. */
function checkDecodedMiddleware(service: AwsService): Middleware {
  return (next, context) => async (args) => {
    const operation = operationOf(context);
    const warnings: string[] = [];
    let result: Awaited<ReturnType<Handler>>;
    try {
      result = await decoding.run(warnings, () => next(args));
    } catch (e) {
      const err = e as { $metadata?: unknown; $response?: RawResponse } | null;
      // A modeled AWS error has its metadata; a parser's own failure only has the response it choked on.
      if (isAwsGarbage(e) || !err || typeof err !== 'object' || '$metadata' in err || !err.$response) throw e;
      throw garbage(service, operation, err.$response, `an answer the SDK cannot decode as ${operation}`);
    }
    const problem = warnings.length
      ? `a value of the wrong type (${warnings[0]})`
      : outputProblem(operation, result.output);
    if (problem) throw garbage(service, operation, result.response as RawResponse, problem);
    return result;
  };
}

interface Stack {
  add(mw: unknown, options: { step: 'deserialize'; priority: 'high' | 'low'; name: string }): void;
}

/** Adds the layer to a client's middleware stack. */
export function addDecodingLayer(stack: Stack, service: AwsService): void {
  stack.add(checkDecodedMiddleware(service), {
    step: 'deserialize',
    priority: 'high',
    name: 'hsmwatchCheckDecoded',
  });
  stack.add(checkRawMiddleware(service), { step: 'deserialize', priority: 'low', name: 'hsmwatchCheckRaw' });
}
