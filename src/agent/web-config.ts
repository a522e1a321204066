// --web.config.file in the Prometheus exporter-toolkit format: TLS (certificate, key, client CA) and
// basic auth users with bcrypt hashes. A bad file stops the agent from starting, with the field path.
import { createHash } from 'node:crypto';
import { dirname, resolve } from 'node:path';
import { createSecureContext, type SecureVersion } from 'node:tls';
import bcrypt from 'bcryptjs';
import { z } from 'zod';
import { describeIssues, formatPath, problemLines } from '../config/issues.js';
import { ConfigError } from '../config/settings.js';
import { parseYaml } from '../config/yaml.js';
import { readBounded, readBoundedText } from '../util/files.js';

const TLS_VERSIONS: Record<string, SecureVersion> = {
  TLS10: 'TLSv1',
  TLS11: 'TLSv1.1',
  TLS12: 'TLSv1.2',
  TLS13: 'TLSv1.3',
};

const CLIENT_AUTH = [
  'NoClientCert',
  'RequestClientCert',
  'RequireAnyClientCert',
  'VerifyClientCertIfGiven',
  'RequireAndVerifyClientCert',
] as const;

// Modular crypt format: $2a$ / $2b$ / $2y$ (or the original $2$), two-digit cost, 22 characters of
// salt and 31 of hash in bcrypt's base64 alphabet: what bcryptjs can verify.
const BCRYPT = /^\$2[aby]?\$(\d{2})\$[./A-Za-z0-9]{53}$/;
/**
 * bcrypt itself takes costs 4–31. Every uncached login is verified on the request path and each step
 * doubles the work: in bcryptjs (pure JS) cost 10 takes ~75 ms on a 2-core host, 14 ~1.2 s, 15
 * ~2.5 s, 31 about two days. Above 14 a scrape (Prometheus' default timeout is 10 s) or a status-page
 * load would stall, and anyone could keep the CPU busy with wrong passwords, so it is refused.
 */
export const BCRYPT_MAX_COST = 14;
const BCRYPT_MIN_COST = 4;

const bcryptHash = z.string().superRefine((h, ctx) => {
  const m = BCRYPT.exec(h);
  if (!m) {
    ctx.addIssue({
      code: 'custom',
      message:
        'must be a bcrypt hash ($2y$10$ and 53 characters, e.g. from htpasswd -nBC 10), not a plain password',
    });
    return;
  }
  const cost = Number(m[1]);
  if (cost < BCRYPT_MIN_COST || cost > 31)
    ctx.addIssue({ code: 'custom', message: `bcrypt cost ${cost} is outside bcrypt's range 4-31` });
  else if (cost > BCRYPT_MAX_COST)
    ctx.addIssue({
      code: 'custom',
      message: `bcrypt cost ${cost} is above ${BCRYPT_MAX_COST}: each login check would take seconds of CPU (the work doubles per step); hash again with htpasswd -nBC 10`,
    });
});

/** A web config and the files it names are small; the bound keeps /dev/zero given by mistake harmless. */
const MAX_FILE_BYTES = 1024 * 1024;

const schema = z.strictObject({
  tls_server_config: z
    .strictObject({
      cert_file: z.string().min(1).optional(),
      key_file: z.string().min(1).optional(),
      cert: z.string().min(1).optional(),
      key: z.string().min(1).optional(),
      client_auth_type: z.enum(CLIENT_AUTH).optional(),
      client_ca_file: z.string().min(1).optional(),
      min_version: z.enum(['TLS10', 'TLS11', 'TLS12', 'TLS13']).optional(),
      max_version: z.enum(['TLS10', 'TLS11', 'TLS12', 'TLS13']).optional(),
      cipher_suites: z.array(z.string()).optional(),
      curve_preferences: z.array(z.string()).optional(),
      prefer_server_cipher_suites: z.boolean().optional(),
    })
    .optional(),
  http_server_config: z
    .strictObject({
      http2: z.boolean().optional(),
      headers: z.record(z.string(), z.string()).optional(),
    })
    .optional(),
  basic_auth_users: z.record(z.string().min(1), bcryptHash).optional(),
});

export interface WebConfig {
  tls: {
    cert: Buffer;
    key: Buffer;
    ca?: Buffer;
    requestCert: boolean;
    rejectUnauthorized: boolean;
    minVersion: SecureVersion;
    maxVersion?: SecureVersion;
  } | null;
  headers: Record<string, string>;
  users: Map<string, string>;
}

export const EMPTY_WEB_CONFIG: WebConfig = { tls: null, headers: {}, users: new Map() };

export function loadWebConfig(path: string): WebConfig {
  const where = `web config ${path}`;
  const read = readBoundedText(path, MAX_FILE_BYTES);
  if (!read.ok) throw new ConfigError(`${where}: cannot read (${read.reason})`);
  const raw = parseYaml(read.text, where) ?? {};
  const r = schema.safeParse(raw);
  if (!r.success) {
    throw new ConfigError(
      problemLines(
        describeIssues(r.error.issues, raw).map(
          (p) => `${where}: ${formatPath(p.path) || '(top level)'}: ${p.message}`,
        ),
      ).join('\n'),
    );
  }
  const c = r.data;
  const base = dirname(resolve(path));
  const readPem = (field: string, file: string) => {
    const pem = readBounded(resolve(base, file), MAX_FILE_BYTES);
    if (!pem.ok)
      throw new ConfigError(`${where}: tls_server_config.${field}: cannot read ${file} (${pem.reason})`);
    return pem.data;
  };
  let tls: WebConfig['tls'] = null;
  const t = c.tls_server_config;
  if (t && Object.keys(t).length > 0) {
    if (!(t.cert_file || t.cert) || !(t.key_file || t.key)) {
      throw new ConfigError(`${where}: tls_server_config: needs cert_file and key_file (or cert and key)`);
    }
    const cert = t.cert ? Buffer.from(t.cert) : readPem('cert_file', t.cert_file!);
    const key = t.key ? Buffer.from(t.key) : readPem('key_file', t.key_file!);
    const auth = t.client_auth_type ?? (t.client_ca_file ? 'RequireAndVerifyClientCert' : 'NoClientCert');
    if (auth.includes('Verify') && !t.client_ca_file) {
      throw new ConfigError(
        `${where}: tls_server_config.client_ca_file: needed with client_auth_type ${auth}`,
      );
    }
    tls = {
      cert,
      key,
      requestCert: auth !== 'NoClientCert',
      rejectUnauthorized: auth === 'RequireAndVerifyClientCert',
      minVersion: TLS_VERSIONS[t.min_version ?? 'TLS12']!,
      ...(t.max_version ? { maxVersion: TLS_VERSIONS[t.max_version]! } : {}),
      ...(t.client_ca_file ? { ca: readPem('client_ca_file', t.client_ca_file) } : {}),
    };
    try {
      createSecureContext({ cert: tls.cert, key: tls.key, ...(tls.ca ? { ca: tls.ca } : {}) });
    } catch (e) {
      throw new ConfigError(
        `${where}: tls_server_config: certificate and key unusable: ${(e as Error).message}`,
      );
    }
  }
  return {
    tls,
    headers: c.http_server_config?.headers ?? {},
    users: new Map(Object.entries(c.basic_auth_users ?? {})),
  };
}

/**
 * Checks an Authorization header against the configured users. bcrypt is slow on purpose, so
 * verdicts are cached by a hash of the credentials (as the exporter toolkit does).
 */
export class BasicAuth {
  private readonly cache = new Map<string, boolean>();
  // A hash to compare against when the user is unknown, so timing does not tell which users exist.
  private static readonly DUMMY = '$2a$10$CWtkBxPBXjOAOwnRo2HyWuGRr6nO27fm1I3MmFcJ5C2m9W1WWnGe.';

  constructor(private readonly users: ReadonlyMap<string, string>) {}

  get enabled(): boolean {
    return this.users.size > 0;
  }

  async check(header: string | undefined): Promise<boolean> {
    if (!this.enabled) return true;
    const m = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header ?? '');
    if (!m) return false;
    const decoded = Buffer.from(m[1]!, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon < 0) return false;
    const user = decoded.slice(0, colon);
    const password = decoded.slice(colon + 1);
    const hash = this.users.get(user);
    const key = createHash('sha256')
      .update(`${user}\u0000${password}\u0000${hash ?? ''}`)
      .digest('hex');
    const cached = this.cache.get(key);
    if (cached !== undefined) return cached;
    const ok = (await bcrypt.compare(password, hash ?? BasicAuth.DUMMY)) && hash !== undefined;
    if (this.cache.size >= 256) this.cache.clear();
    this.cache.set(key, ok);
    return ok;
  }
}
