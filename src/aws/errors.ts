// AWS call failures as values: one closed set of kinds, mapped in one place.

import { redact } from '../util/redact.js';
import { isAwsGarbage } from './decode.js';
import { foreignText } from './foreign.js';

export type AwsErrorKind =
  | 'denied'
  | 'throttled'
  | 'server'
  | 'network'
  | 'timeout'
  | 'credentials'
  /** The endpoint answered something that is not an AWS answer (src/aws/decode.ts). */
  | 'garbage'
  | 'client';

export interface AwsFailure {
  kind: AwsErrorKind;
  code: string;
  /** The error's message: foreign text, one line, control characters and signatures masked. */
  message: string;
  httpStatus?: number;
  /** hsmwatch's own words on what happened (the HTTP layer's deadline, a truncated answer). */
  detail?: string;
  /** garbage: the operation, why its answer is not one, and the start of the body (sanitised). */
  operation?: string;
  reason?: string;
  excerpt?: string;
}

const DENIED =
  /^(AccessDenied|AccessDeniedException|UnauthorizedOperation|CloudHsmAccessDeniedException|UnrecognizedClientException|InvalidClientTokenId|AuthFailure|SignatureDoesNotMatch|ExpiredToken|ExpiredTokenException)$/;
const THROTTLED =
  /^(Throttling|ThrottlingException|RequestLimitExceeded|TooManyRequestsException|RequestThrottled|SlowDown)$/;
const NETWORK = /^(ECONNREFUSED|ECONNRESET|EHOSTUNREACH|ENETUNREACH|ENOTFOUND|EAI_AGAIN|EPIPE|ECONNABORTED)$/;
// What an AWS error code looks like; anything else an endpoint sends as one is not shown as a code.
const CODE_SHAPE = /^[A-Za-z][A-Za-z0-9._-]{0,63}$/;
// An echoed SigV4 Authorization header names the access key id in its credential scope.
const SIGV4 = /AWS4-HMAC-SHA256[^"'<>]*/g;

const foreignMessage = (s: string) => foreignText(redact(s).replace(SIGV4, '[signature]'));

// Anything can be thrown, including objects whose toString is missing or throws.
function printable(x: unknown): string {
  try {
    return String(x);
  } catch {
    return Object.prototype.toString.call(x);
  }
}

export function classifyAwsError(err: unknown): AwsFailure {
  if (isAwsGarbage(err)) {
    return {
      kind: 'garbage',
      code: err.code,
      message: foreignMessage(err.message),
      httpStatus: err.httpStatus,
      operation: err.operation,
      reason: err.reason,
      excerpt: err.excerpt,
    };
  }
  const e = (typeof err === 'object' && err !== null ? err : {}) as {
    name?: unknown;
    code?: unknown;
    message?: unknown;
    Code?: unknown;
    $metadata?: { httpStatusCode?: unknown };
    hsmwatchHttp?: boolean;
  };
  const raw = e.Code ?? (e.name && e.name !== 'Error' ? e.name : undefined) ?? e.code ?? 'Unknown';
  const code = typeof raw === 'string' && CODE_SHAPE.test(raw) ? raw : 'Unknown';
  const message = foreignMessage(printable(e.message ?? err));
  const status = typeof e.$metadata === 'object' ? e.$metadata?.httpStatusCode : undefined;
  const httpStatus = Number.isInteger(status) ? (status as number) : undefined;
  const base = {
    ...(httpStatus === undefined ? {} : { httpStatus }),
    // The HTTP layer's own messages say what it saw (which deadline, how much of the body came).
    ...(e.hsmwatchHttp ? { detail: message } : {}),
  };
  if (e.name === 'CredentialsProviderError' || /Could not load credentials/i.test(message)) {
    return { kind: 'credentials', code: 'CredentialsProviderError', message, ...base };
  }
  if (DENIED.test(code)) return { kind: 'denied', code, message, ...base };
  if (THROTTLED.test(code)) return { kind: 'throttled', code, message, ...base };
  const errno = typeof e.code === 'string' && CODE_SHAPE.test(e.code) ? e.code : code;
  if (NETWORK.test(errno)) return { kind: 'network', code: errno, message, ...base };
  if (/^(TimeoutError|ETIMEDOUT|AbortError|RequestTimeout)$/.test(code) || errno === 'ETIMEDOUT') {
    return { kind: 'timeout', code, message, ...base };
  }
  if (httpStatus !== undefined && httpStatus >= 500) return { kind: 'server', code, message, ...base };
  return { kind: 'client', code, message, ...base };
}

export function describeFailure(f: AwsFailure): string {
  switch (f.kind) {
    case 'denied':
      return `access denied (${f.code})`;
    case 'throttled':
      return `throttled (${f.code}) after all retries`;
    case 'server':
      return `AWS answered ${f.httpStatus ?? ''} ${f.code}`.replace(/\s+/g, ' ');
    case 'network':
      return f.detail ? `${f.detail} (${f.code})` : `cannot reach the endpoint (${f.code})`;
    case 'timeout':
      return f.detail ? `no answer in time: ${f.detail}` : `no answer in time (${f.code})`;
    case 'credentials':
      return 'no AWS credentials found in the SDK chain (environment, profile, SSO, web identity, instance role)';
    case 'garbage':
      return `the endpoint answered garbage to ${f.operation ?? 'the request'}: HTTP ${f.httpStatus ?? '?'}, ${f.reason ?? 'not an AWS answer'}${f.excerpt ? ` ("${f.excerpt}")` : ''}`;
    default:
      return `${f.code}: ${f.message}`;
  }
}

/**
 * The `code` label of cloudhsm_aws_api_errors_total: the AWS error code when AWS answered with one
 * (a bounded set), else the kind of failure — never free text from the endpoint.
 */
export function metricCode(f: AwsFailure): string {
  switch (f.kind) {
    case 'timeout':
    case 'network':
    case 'garbage':
    case 'credentials':
      return f.kind;
    default:
      return f.code === 'Unknown' ? f.kind : f.code;
  }
}
