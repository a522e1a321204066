// AWS SDK clients with hsmwatch's deadlines, retries and endpoint overrides.
import { Agent as HttpsAgent } from 'node:https';
import type { Service, Settings } from '../config/settings.js';
import type { StaticCredentials } from '../model/index.js';
import { proxyFor } from '../net/proxy.js';
import { requireCaBundle } from './ca-bundle.js';
import { DEBUG_MIDDLEWARE_OPTIONS, debugMiddleware } from './debug.js';
import { resolveEndpoint } from './endpoints.js';
import { ProxyTunnelAgent } from './proxy-agent.js';

export type { StaticCredentials };

export interface AwsClientOptions {
  settings: Settings;
  region: string;
  /** Only the demo passes these; everything else uses the SDK's credential chain. */
  credentials?: StaticCredentials;
}

/**
 * caBundle / AWS_CA_BUNDLE: the CAs the SDK trusts instead of the system store; HTTPS_PROXY / NO_PROXY
 * (or the proxy settings): the CONNECT proxy its connections go through. Both as the AWS CLI does.
 */
function httpsAgentFor(
  settings: Settings,
  endpoint: string | undefined,
  region: string,
  service: Service,
): { httpsAgent?: HttpsAgent } {
  // The commands check the bundle before they start (exit 2); this is for the file vanishing since.
  const ca = requireCaBundle(settings);
  const url = new URL(endpoint ?? `https://${service}.${region}.amazonaws.com`);
  const proxy = url.protocol === 'https:' ? proxyFor(url.hostname, Number(url.port || 443), settings) : null;
  const options = ca ? { ca } : {};
  if (proxy)
    return { httpsAgent: new ProxyTunnelAgent(proxy, Math.min(settings.aws.timeoutMs, 5000), options) };
  return ca ? { httpsAgent: new HttpsAgent({ keepAlive: true, ...options }) } : {};
}

async function commonConfig(service: Service, o: AwsClientOptions) {
  const endpoint = resolveEndpoint(service, o.settings);
  const { NodeHttpHandler } = await import('@aws-sdk/node-http-handler');
  return {
    region: o.region,
    maxAttempts: o.settings.aws.maxAttempts,
    requestHandler: new NodeHttpHandler({
      connectionTimeout: Math.min(o.settings.aws.timeoutMs, 5000),
      requestTimeout: o.settings.aws.timeoutMs,
      ...httpsAgentFor(o.settings, endpoint?.url, o.region, service),
    }),
    ...(endpoint ? { endpoint: endpoint.url } : {}),
    ...(o.credentials ? { credentials: o.credentials } : {}),
    // The credential chain of this SDK version reads `profile` from the client config.
    ...(o.settings.profile ? { profile: o.settings.profile } : {}),
  };
}

interface WithStack {
  middlewareStack: { add(mw: unknown, options: typeof DEBUG_MIDDLEWARE_OPTIONS): void };
}

/** --debug: every request of the client is recorded (src/aws/debug.ts). */
function instrumented<C extends WithStack>(client: C, service: Service, settings: Settings): C {
  if (settings.debug) client.middlewareStack.add(debugMiddleware(service), DEBUG_MIDDLEWARE_OPTIONS);
  return client;
}

// The SDK is loaded on the first client made: it is most of hsmwatch's start-up time and memory, and
// `analyze`, `diagnose --hsm-ip` and the usage errors never need it.
export async function makeCloudHsmClient(o: AwsClientOptions) {
  const { CloudHSMV2Client } = await import('@aws-sdk/client-cloudhsm-v2');
  return instrumented(new CloudHSMV2Client(await commonConfig('cloudhsmv2', o)), 'cloudhsmv2', o.settings);
}

export async function makeEc2Client(o: AwsClientOptions) {
  const { EC2Client } = await import('@aws-sdk/client-ec2');
  return instrumented(new EC2Client(await commonConfig('ec2', o)), 'ec2', o.settings);
}

export async function makeStsClient(o: AwsClientOptions) {
  const { STSClient } = await import('@aws-sdk/client-sts');
  return instrumented(new STSClient(await commonConfig('sts', o)), 'sts', o.settings);
}
