// Which source of the SDK's default credential chain supplies credentials, inferred the way the chain
// looks (environment, then shared config/credentials files, web identity, container, instance role).
// Only names and kinds are returned: never a key.
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

export type CredentialSource =
  | 'static (demo)'
  | 'environment'
  | 'profile'
  | 'profile (assume role)'
  | 'profile (SSO)'
  | 'profile (credential_process)'
  | 'web identity'
  | 'container role'
  | 'instance role (IMDS)';

function iniSections(path: string): Map<string, Record<string, string>> {
  const out = new Map<string, Record<string, string>>();
  let text = '';
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return out;
  }
  let cur: Record<string, string> | undefined;
  for (const line of text.split(/\r?\n/)) {
    const sec = /^\s*\[\s*(?:profile\s+)?([^\]]+?)\s*\]\s*$/.exec(line);
    if (sec) {
      cur = out.get(sec[1]!) ?? {};
      out.set(sec[1]!, cur);
      continue;
    }
    const kv = /^\s*([A-Za-z0-9_]+)\s*=\s*(.*)$/.exec(line);
    if (kv && cur) cur[kv[1]!.toLowerCase()] = kv[2]!.trim();
  }
  return out;
}

/** The region of the shared-config profile, read as the SDK reads it (no SDK needed for that). */
export function profileRegion(
  profile: string | undefined,
  env: NodeJS.ProcessEnv = process.env,
): string | null {
  const name = profile ?? env.AWS_PROFILE ?? 'default';
  const config = iniSections(env.AWS_CONFIG_FILE ?? join(homedir(), '.aws', 'config')).get(name) ?? {};
  return config.region || null;
}

/**
 * A profile named explicitly (flag or AWS_PROFILE) that neither shared file defines, with the
 * profiles they do define; null when it exists, or when none was named.
 */
export function missingProfile(
  profile: string | undefined,
  env: NodeJS.ProcessEnv = process.env,
): { profile: string; known: string[] } | null {
  const name = profile ?? env.AWS_PROFILE;
  if (!name) return null;
  const config = iniSections(env.AWS_CONFIG_FILE ?? join(homedir(), '.aws', 'config'));
  const creds = iniSections(env.AWS_SHARED_CREDENTIALS_FILE ?? join(homedir(), '.aws', 'credentials'));
  if (config.has(name) || creds.has(name)) return null;
  return { profile: name, known: [...new Set([...config.keys(), ...creds.keys()])].sort() };
}

/** Why the SDK chain found no credentials: the named profile that does not exist, when that is it. */
export function missingProfileReason(m: { profile: string; known: string[] }): string {
  return `profile "${m.profile}" is not in ~/.aws/config or ~/.aws/credentials (${m.known.length ? `profiles there: ${m.known.join(', ')}` : 'no profile is defined there'})`;
}

export function credentialSource(
  o: { profile?: string | undefined; staticCredentials: boolean },
  env: NodeJS.ProcessEnv = process.env,
): { source: CredentialSource; profile?: string } {
  if (o.staticCredentials) return { source: 'static (demo)' };
  if (env.AWS_ACCESS_KEY_ID && env.AWS_SECRET_ACCESS_KEY && !o.profile) return { source: 'environment' };
  const profile = o.profile ?? env.AWS_PROFILE ?? 'default';
  const config = iniSections(env.AWS_CONFIG_FILE ?? join(homedir(), '.aws', 'config')).get(profile) ?? {};
  const creds =
    iniSections(env.AWS_SHARED_CREDENTIALS_FILE ?? join(homedir(), '.aws', 'credentials')).get(profile) ?? {};
  const merged = { ...config, ...creds };
  if (merged.sso_start_url || merged.sso_session) return { source: 'profile (SSO)', profile };
  if (merged.role_arn) return { source: 'profile (assume role)', profile };
  if (merged.credential_process) return { source: 'profile (credential_process)', profile };
  if (merged.aws_access_key_id) return { source: 'profile', profile };
  if (env.AWS_WEB_IDENTITY_TOKEN_FILE && env.AWS_ROLE_ARN) return { source: 'web identity' };
  if (env.AWS_CONTAINER_CREDENTIALS_RELATIVE_URI || env.AWS_CONTAINER_CREDENTIALS_FULL_URI)
    return { source: 'container role' };
  return { source: 'instance role (IMDS)' };
}
