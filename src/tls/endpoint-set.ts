// Which endpoints the TLS checks cover: cloudhsmv2, ec2 and sts in the region (or their overrides),
// their FIPS names when asked, configured VPC interface endpoints, and explicit `hsmwatch tls` targets.
import { readFileSync } from 'node:fs';
import { resolveEndpoint } from '../aws/endpoints.js';
import { SERVICES, type Service, type Settings } from '../config/settings.js';
import type { Lookup } from '../net/dns.js';

export interface EndpointTarget {
  /** DNS name or address. */
  host: string;
  port: number;
  /** Report label: the service and kind (e.g. "sts", "ec2 (FIPS)", "tls target"). */
  label: string;
  /** Apply the AWS expectations (TLS 1.3, Amazon chain) even when the name is not an AWS one (overrides). */
  aws: boolean;
  /** A FIPS or other candidate name that may legitimately not exist in this region. */
  optional?: boolean;
}

/** How to check an endpoint: deadlines, thresholds, trust anchors, proxy, name resolution. */
export interface CheckOptions {
  timeoutMs: number;
  warnDays: number;
  ca?: string[] | undefined;
  proxy?: string | undefined;
  noProxy?: string | undefined;
  extraAwsRoots?: readonly string[];
  concurrency?: number;
  lookup?: Lookup;
  signal?: AbortSignal;
  now?: Date;
}

/** host:port, with an IPv6 address in brackets. */
export function targetName(t: Pick<EndpointTarget, 'host' | 'port'>): string {
  return `${t.host.includes(':') ? `[${t.host}]` : t.host}:${t.port}`;
}

/** Published FIPS names differ by service; these are candidates, resolved before use. */
const FIPS_NAME: Record<Service, (region: string) => string> = {
  cloudhsmv2: (r) => `cloudhsmv2-fips.${r}.api.aws`,
  ec2: (r) => `ec2-fips.${r}.amazonaws.com`,
  sts: (r) => `sts-fips.${r}.amazonaws.com`,
};

export function defaultHost(service: Service, region: string): string {
  return `${service}.${region}.${region.startsWith('cn-') ? 'amazonaws.com.cn' : 'amazonaws.com'}`;
}

/** host[:port] or https://host[:port]/... → target. */
export function parseTarget(spec: string, label = 'tls target'): EndpointTarget | null {
  const s = spec.trim();
  if (!s) return null;
  try {
    const u = new URL(s.includes('://') ? s : `https://${s}`);
    if (!u.hostname) return null;
    return {
      host: u.hostname.replace(/^\[|\]$/g, ''),
      port: Number(u.port || (u.protocol === 'http:' ? 80 : 443)),
      label,
      aws: false,
    };
  } catch {
    return null;
  }
}

export interface EndpointSetEntry extends EndpointTarget {
  service: Service | null;
  /** The endpoint is reached over plain HTTP (an override): no TLS to check. */
  plainHttp?: boolean;
  source: string;
}

export function endpointSet(
  settings: Settings,
  region: string,
  env: NodeJS.ProcessEnv = process.env,
): EndpointSetEntry[] {
  const out: EndpointSetEntry[] = [];
  const add = (e: EndpointSetEntry) => {
    const k = `${e.host}:${e.port}`;
    const same = out.find((x) => `${x.host}:${x.port}` === k);
    if (same) {
      // One endpoint serving several services (a shared override): checked once, labelled with all.
      if (!same.label.split(', ').includes(e.label)) same.label = `${same.label}, ${e.label}`;
      return;
    }
    out.push(e);
  };
  for (const service of SERVICES) {
    const override = resolveEndpoint(service, settings, env);
    if (override) {
      const t = parseTarget(override.url, service);
      if (t)
        add({
          ...t,
          aws: true,
          service,
          source: override.source,
          ...(override.url.startsWith('http:') ? { plainHttp: true } : {}),
        });
      continue;
    }
    add({
      host: defaultHost(service, region),
      port: 443,
      label: service,
      aws: true,
      service,
      source: 'regional',
    });
    if (settings.tls.fips)
      add({
        host: FIPS_NAME[service](region),
        port: 443,
        label: `${service} (FIPS)`,
        aws: true,
        optional: true,
        service,
        source: 'fips',
      });
  }
  for (const [service, host] of Object.entries(settings.tls.vpcEndpoints) as Array<[Service, string]>) {
    const t = parseTarget(host, `${service} (VPC endpoint)`);
    if (t) add({ ...t, aws: true, service, source: `tls.vpcEndpoints.${service}` });
  }
  return out;
}

/** The check options the settings give: trust anchors, proxy, thresholds. */
export function checkOptionsFrom(
  settings: Settings,
  signal?: AbortSignal,
  env: NodeJS.ProcessEnv = process.env,
): CheckOptions {
  const bundle = settings.caBundle ?? env.AWS_CA_BUNDLE;
  return {
    timeoutMs: settings.tls.timeoutMs,
    warnDays: settings.tls.certWarnDays,
    ...(bundle ? { ca: [readFileSync(bundle, 'utf8')] } : {}),
    ...(settings.proxy ? { proxy: settings.proxy } : {}),
    ...(settings.noProxy !== undefined ? { noProxy: settings.noProxy } : {}),
    extraAwsRoots: settings.tls.awsRoots,
    ...(signal ? { signal } : {}),
  };
}
