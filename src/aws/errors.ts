// AWS call failures as values: one closed set of kinds, mapped in one place.

export type AwsErrorKind =
  | 'denied'
  | 'throttled'
  | 'server'
  | 'network'
  | 'timeout'
  | 'credentials'
  | 'client';

export interface AwsFailure {
  kind: AwsErrorKind;
  code: string;
  message: string;
  httpStatus?: number;
}

const DENIED =
  /^(AccessDenied|AccessDeniedException|UnauthorizedOperation|CloudHsmAccessDeniedException|UnrecognizedClientException|InvalidClientTokenId|AuthFailure|SignatureDoesNotMatch|ExpiredToken|ExpiredTokenException)$/;
const THROTTLED =
  /^(Throttling|ThrottlingException|RequestLimitExceeded|TooManyRequestsException|RequestThrottled|SlowDown)$/;
const NETWORK = /^(ECONNREFUSED|ECONNRESET|EHOSTUNREACH|ENETUNREACH|ENOTFOUND|EAI_AGAIN|EPIPE|ECONNABORTED)$/;

export function classifyAwsError(err: unknown): AwsFailure {
  const e = (err ?? {}) as {
    name?: string;
    code?: string;
    message?: string;
    Code?: string;
    $metadata?: { httpStatusCode?: number };
  };
  const code = e.Code ?? (e.name && e.name !== 'Error' ? e.name : undefined) ?? e.code ?? 'Unknown';
  const message = oneLine(e.message ?? String(err));
  const httpStatus = e.$metadata?.httpStatusCode;
  const base = httpStatus === undefined ? {} : { httpStatus };
  if (e.name === 'CredentialsProviderError' || /Could not load credentials/i.test(message)) {
    return { kind: 'credentials', code: 'CredentialsProviderError', message, ...base };
  }
  if (DENIED.test(code)) return { kind: 'denied', code, message, ...base };
  if (THROTTLED.test(code)) return { kind: 'throttled', code, message, ...base };
  const errno = e.code ?? code;
  if (NETWORK.test(errno)) return { kind: 'network', code: errno, message, ...base };
  if (/^(TimeoutError|ETIMEDOUT|AbortError|RequestTimeout)$/.test(code) || errno === 'ETIMEDOUT') {
    return { kind: 'timeout', code, message, ...base };
  }
  if (httpStatus !== undefined && httpStatus >= 500) return { kind: 'server', code, message, ...base };
  return { kind: 'client', code, message, ...base };
}

function oneLine(s: string): string {
  const line = s.replace(/\s+/g, ' ').trim();
  return line.length > 300 ? `${line.slice(0, 297)}...` : line;
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
      return `cannot reach the endpoint (${f.code})`;
    case 'timeout':
      return `no answer in time (${f.code})`;
    case 'credentials':
      return 'no AWS credentials found in the SDK chain (environment, profile, SSO, web identity, instance role)';
    default:
      return `${f.code}: ${f.message}`;
  }
}
