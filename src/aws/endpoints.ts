// Endpoint overrides, resolved the way current AWS SDKs do (the SDK version we can use predates
// AWS_ENDPOINT_URL support): explicit per-service setting > --endpoint-url > AWS_ENDPOINT_URL_<SERVICE>
// > AWS_ENDPOINT_URL > the SDK's regional default.
import type { Service, Settings } from '../config/settings.js';

/** The environment-variable suffix of each service: its service id upper-cased, spaces to underscores. */
export const SERVICE_ENV_ID: Record<Service, string> = {
  cloudhsmv2: 'CLOUDHSM_V2',
  ec2: 'EC2',
  sts: 'STS',
};

export interface ResolvedEndpoint {
  url: string;
  source: string;
}

export function resolveEndpoint(
  service: Service,
  settings: Pick<Settings, 'endpoints' | 'endpointUrl'>,
  env: NodeJS.ProcessEnv = process.env,
): ResolvedEndpoint | undefined {
  const explicit = settings.endpoints[service];
  if (explicit) return { url: explicit, source: `endpoints.${service}` };
  if (settings.endpointUrl) return { url: settings.endpointUrl, source: '--endpoint-url' };
  if (/^true$/i.test(env.AWS_IGNORE_CONFIGURED_ENDPOINT_URLS ?? '')) return undefined;
  const perService = `AWS_ENDPOINT_URL_${SERVICE_ENV_ID[service]}`;
  if (env[perService]) return { url: env[perService], source: perService };
  if (env.AWS_ENDPOINT_URL) return { url: env.AWS_ENDPOINT_URL, source: 'AWS_ENDPOINT_URL' };
  return undefined;
}

// us-east-1, us-gov-west-1, cn-northwest-1, eu-isoe-west-1: two letters, words, a number.
const REGION_NAME = /^[a-z]{2}(-[a-z]+)+-\d{1,2}$/;

/** Whether `s` has the shape of an AWS region name (it goes into hosts and signatures as it is). */
export function isRegionName(s: string): boolean {
  return REGION_NAME.test(s);
}
