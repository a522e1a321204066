// `--debug`: one record per AWS API request attempt — service, operation, endpoint, HTTP status,
// request id, attempt, time. Built from the SDK's request line and response metadata only: never a
// header value other than the retry counter, never a body, a signature or a credential.

export interface AwsRequestRecord {
  service: string;
  operation: string;
  /** scheme://host[:port] of the request, no path or query. */
  endpoint: string;
  /** null when no HTTP answer came (refused, reset, timeout). */
  status: number | null;
  requestId: string | null;
  attempt: number | null;
  ms: number;
  /** The error's code or name when the attempt failed (no message: it may quote the request). */
  error?: string;
}

export type AwsRequestSink = (r: AwsRequestRecord) => void;

/** Where records go: stderr by default; the agent's AWS process sends them to the agent instead. */
let sink: AwsRequestSink = (r) => process.stderr.write(`hsmwatch debug: ${formatAwsRequest(r)}\n`);

export function setAwsRequestSink(s: AwsRequestSink): void {
  sink = s;
}

export function formatAwsRequest(r: AwsRequestRecord): string {
  return [
    `aws ${r.service}.${r.operation}`,
    `endpoint=${r.endpoint}`,
    `status=${r.status ?? '-'}`,
    `request-id=${r.requestId ?? '-'}`,
    ...(r.attempt !== null ? [`attempt=${r.attempt}`] : []),
    `time=${r.ms.toFixed(1)}ms`,
    ...(r.error ? [`error=${r.error}`] : []),
  ].join(' ');
}

interface RequestLine {
  protocol?: string;
  hostname?: string;
  port?: number;
  headers?: Record<string, string>;
}
interface Metadata {
  $metadata?: { httpStatusCode?: number; requestId?: string };
}
type Next = (args: { request?: unknown }) => Promise<{ response?: unknown; output?: Metadata }>;

const SAFE_ID = /^[A-Za-z0-9._:/+=-]{1,128}$/;
const safe = (s: unknown): string | null => (typeof s === 'string' && SAFE_ID.test(s) ? s : null);

function endpointOf(req: RequestLine | undefined): string {
  if (!req?.hostname) return '-';
  const host = req.hostname.includes(':') ? `[${req.hostname}]` : req.hostname;
  return `${(req.protocol ?? 'https:').replace(/:$/, '')}://${host}${req.port ? `:${req.port}` : ''}`;
}

function statusOf(response: unknown): number | null {
  const code = (response as { statusCode?: unknown } | undefined)?.statusCode;
  return typeof code === 'number' ? code : null;
}

function requestIdOf(response: unknown, meta: Metadata['$metadata']): string | null {
  const h = (response as { headers?: Record<string, string> } | undefined)?.headers ?? {};
  return (
    safe(meta?.requestId) ??
    safe(h['x-amzn-requestid']) ??
    safe(h['x-amzn-request-id']) ??
    safe(h['x-amz-request-id'])
  );
}

/** The middleware, for the deserialize step at high priority: around one attempt, outside the parser. */
export function debugMiddleware(service: string) {
  return (next: Next, context: { commandName?: string }) => async (args: { request?: unknown }) => {
    const req = args.request as RequestLine | undefined;
    const attempt = /attempt=(\d+)/.exec(req?.headers?.['amz-sdk-request'] ?? '');
    const base = {
      service,
      operation: (context.commandName ?? 'unknown').replace(/Command$/, ''),
      endpoint: endpointOf(req),
      attempt: attempt ? Number(attempt[1]) : null,
    };
    const t0 = performance.now();
    try {
      const result = await next(args);
      const meta = result.output?.$metadata;
      sink({
        ...base,
        status: meta?.httpStatusCode ?? statusOf(result.response),
        requestId: requestIdOf(result.response, meta),
        ms: performance.now() - t0,
      });
      return result;
    } catch (e) {
      const err = e as {
        name?: string;
        code?: string;
        $metadata?: Metadata['$metadata'];
        $response?: unknown;
      };
      sink({
        ...base,
        status: err.$metadata?.httpStatusCode ?? statusOf(err.$response),
        requestId: requestIdOf(err.$response, err.$metadata),
        ms: performance.now() - t0,
        error: safe(err.code) ?? safe(err.name) ?? 'Error',
      });
      throw e;
    }
  };
}

export const DEBUG_MIDDLEWARE_OPTIONS = {
  step: 'deserialize',
  priority: 'high',
  name: 'hsmwatchDebug',
} as const;
