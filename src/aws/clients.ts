// AWS SDK clients with hsmwatch's deadlines, retries and endpoint overrides.
import { readFileSync } from 'node:fs';
import { Agent as HttpsAgent } from 'node:https';
import { CloudHSMV2Client } from '@aws-sdk/client-cloudhsm-v2';
import { EC2Client } from '@aws-sdk/client-ec2';
import { STSClient } from '@aws-sdk/client-sts';
import { NodeHttpHandler } from '@aws-sdk/node-http-handler';
import type { Service, Settings } from '../config.js';
import { resolveEndpoint } from './endpoints.js';

export interface StaticCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

export interface AwsClientOptions {
  settings: Settings;
  region: string;
  /** Only the demo passes these; everything else uses the SDK's credential chain. */
  credentials?: StaticCredentials;
}

/** caBundle / AWS_CA_BUNDLE: the CAs the SDK trusts instead of the system store (as the AWS CLI does). */
function httpsAgentFor(settings: Settings): { httpsAgent?: HttpsAgent } {
  const bundle = settings.caBundle ?? process.env.AWS_CA_BUNDLE;
  if (!bundle) return {};
  return { httpsAgent: new HttpsAgent({ keepAlive: true, ca: readFileSync(bundle, 'utf8') }) };
}

function commonConfig(service: Service, o: AwsClientOptions) {
  const endpoint = resolveEndpoint(service, o.settings);
  return {
    region: o.region,
    maxAttempts: o.settings.aws.maxAttempts,
    requestHandler: new NodeHttpHandler({
      connectionTimeout: Math.min(o.settings.aws.timeoutMs, 5000),
      requestTimeout: o.settings.aws.timeoutMs,
      ...httpsAgentFor(o.settings),
    }),
    ...(endpoint ? { endpoint: endpoint.url } : {}),
    ...(o.credentials ? { credentials: o.credentials } : {}),
    // The credential chain of this SDK version reads `profile` from the client config.
    ...(o.settings.profile ? { profile: o.settings.profile } : {}),
  };
}

export const makeCloudHsmClient = (o: AwsClientOptions) =>
  new CloudHSMV2Client(commonConfig('cloudhsmv2', o));
export const makeEc2Client = (o: AwsClientOptions) => new EC2Client(commonConfig('ec2', o));
export const makeStsClient = (o: AwsClientOptions) => new STSClient(commonConfig('sts', o));
