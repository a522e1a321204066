// AWS SDK clients with hsmwatch's deadlines, retries and endpoint overrides.
import { readFileSync } from 'node:fs';
import { Agent as HttpsAgent } from 'node:https';
import { ConfigError, type Service, type Settings } from '../config/settings.js';
import type { StaticCredentials } from '../model/index.js';
import { proxyFor } from '../net/proxy.js';
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
  const bundle = settings.caBundle ?? process.env.AWS_CA_BUNDLE;
  let ca: string | undefined;
  if (bundle) {
    try {
      ca = readFileSync(bundle, 'utf8');
    } catch (e) {
      throw new ConfigError(
        `caBundle: cannot read the CA bundle ${bundle} (${(e as NodeJS.ErrnoException).code ?? e})`,
      );
    }
  }
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

// The SDK is loaded on the first client made: it is most of hsmwatch's start-up time and memory, and
// `analyze`, `diagnose --hsm-ip` and the usage errors never need it.
export async function makeCloudHsmClient(o: AwsClientOptions) {
  const { CloudHSMV2Client } = await import('@aws-sdk/client-cloudhsm-v2');
  return new CloudHSMV2Client(await commonConfig('cloudhsmv2', o));
}

export async function makeEc2Client(o: AwsClientOptions) {
  const { EC2Client } = await import('@aws-sdk/client-ec2');
  return new EC2Client(await commonConfig('ec2', o));
}

export async function makeStsClient(o: AwsClientOptions) {
  const { STSClient } = await import('@aws-sdk/client-sts');
  return new STSClient(await commonConfig('sts', o));
}
