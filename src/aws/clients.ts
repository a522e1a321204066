// AWS SDK clients with hsmwatch's deadlines, retries and endpoint overrides.
import type { Service, Settings } from '../config/settings.js';
import type { StaticCredentials } from '../model/index.js';
import { proxyFor } from '../net/proxy.js';
import { addApiErrorRecorder } from './api-errors.js';
import { requireCaBundle } from './ca-bundle.js';
import { DEBUG_MIDDLEWARE_OPTIONS, debugMiddleware } from './debug.js';
import { addDecodingLayer, captureSdkWarnings } from './decode.js';
import { resolveEndpoint } from './endpoints.js';
import { BoundedSdkHandler, HttpsAgent } from './http.js';
import { ProxyTunnelAgent } from './proxy-agent.js';
import { PagedReadRetryStrategy } from './retry.js';

export type { StaticCredentials };

export interface AwsClientOptions {
  settings: Settings;
  region: string;
  /** Only the demo passes these; everything else uses the SDK's credential chain. */
  credentials?: StaticCredentials;
  /** Long paged reads (the audit's estate): throttling gets THROTTLING_RETRIES, each request its own. */
  pagedReads?: boolean;
}

/** Retries of a throttled request in a long paged read (at most ~2 min of backoff, src/aws/retry.ts). */
export const THROTTLING_RETRIES = 10;

/**
 * caBundle / AWS_CA_BUNDLE: the CAs the SDK trusts instead of the system store; HTTPS_PROXY / NO_PROXY
 * (or the proxy settings): the CONNECT proxy its connections go through. Both as the AWS CLI does.
 */
function httpsAgentFor(
  settings: Settings,
  endpoint: string | undefined,
  region: string,
  service: Service,
): HttpsAgent | undefined {
  // The commands check the bundle before they start (exit 2); this is for the file vanishing since.
  const ca = requireCaBundle(settings);
  const url = new URL(endpoint ?? `https://${service}.${region}.amazonaws.com`);
  const proxy = url.protocol === 'https:' ? proxyFor(url.hostname, Number(url.port || 443), settings) : null;
  const options = ca ? { ca } : {};
  if (proxy) return new ProxyTunnelAgent(proxy, Math.min(settings.aws.timeoutMs, 5000), options);
  return ca ? new HttpsAgent({ keepAlive: true, maxSockets: 50, ...options }) : undefined;
}

function commonConfig(service: Service, o: AwsClientOptions) {
  const endpoint = resolveEndpoint(service, o.settings);
  return {
    region: o.region,
    maxAttempts: o.settings.aws.maxAttempts,
    ...(o.pagedReads
      ? {
          retryStrategy: new PagedReadRetryStrategy(
            o.settings.aws.maxAttempts,
            Math.max(o.settings.aws.maxAttempts, THROTTLING_RETRIES),
          ),
        }
      : {}),
    // aws.timeout bounds each attempt whole, body included (src/aws/http.ts).
    requestHandler: new BoundedSdkHandler({
      timeoutMs: o.settings.aws.timeoutMs,
      connectTimeoutMs: Math.min(o.settings.aws.timeoutMs, 5000),
      httpsAgent: httpsAgentFor(o.settings, endpoint?.url, o.region, service),
    }),
    ...(endpoint ? { endpoint: endpoint.url } : {}),
    ...(o.credentials ? { credentials: o.credentials } : {}),
    // The credential chain of this SDK version reads `profile` from the client config.
    ...(o.settings.profile ? { profile: o.settings.profile } : {}),
  };
}

interface WithStack {
  // biome-ignore lint/suspicious/noExplicitAny: the SDK's stack is typed per client; ours are generic
  middlewareStack: { add(mw: any, options: any): void };
}

/**
 * Every client decodes through one layer (malformed answers are typed errors) and records its failed
 * calls for the agent's counter; with --debug every request is logged too (src/aws/debug.ts).
 */
function instrumented<C extends WithStack>(client: C, service: Service, settings: Settings): C {
  addDecodingLayer(client.middlewareStack, service);
  addApiErrorRecorder(client.middlewareStack, service);
  if (settings.debug) client.middlewareStack.add(debugMiddleware(service), DEBUG_MIDDLEWARE_OPTIONS);
  return client;
}

let sdkWarningsCaptured = false;

/** Once, with the SDK: its parsers' warnings become the decoding layer's (src/aws/decode.ts). */
async function loadSdk(): Promise<void> {
  if (sdkWarningsCaptured) return;
  captureSdkWarnings((await import('@aws-sdk/smithy-client')).logger);
  sdkWarningsCaptured = true;
}

// The SDK is loaded on the first client made: it is most of hsmwatch's start-up time and memory, and
// `analyze`, `diagnose --hsm-ip` and the usage errors never need it.
export async function makeCloudHsmClient(o: AwsClientOptions) {
  await loadSdk();
  const { CloudHSMV2Client } = await import('@aws-sdk/client-cloudhsm-v2');
  return instrumented(new CloudHSMV2Client(commonConfig('cloudhsmv2', o)), 'cloudhsmv2', o.settings);
}

export async function makeEc2Client(o: AwsClientOptions) {
  await loadSdk();
  const { EC2Client } = await import('@aws-sdk/client-ec2');
  return instrumented(new EC2Client(commonConfig('ec2', o)), 'ec2', o.settings);
}

export async function makeStsClient(o: AwsClientOptions) {
  await loadSdk();
  const { STSClient } = await import('@aws-sdk/client-sts');
  return instrumented(new STSClient(commonConfig('sts', o)), 'sts', o.settings);
}
