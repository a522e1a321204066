// The CA bundle for HTTPS to AWS: caBundle (--ca-bundle) or AWS_CA_BUNDLE, as the AWS CLI reads it.
// An unreadable bundle, or one without a certificate, is a configuration error (exit 2), checked once
// before anything runs: every AWS call and TLS check would otherwise fail with the same cause.

import { X509Certificate } from 'node:crypto';
import { ConfigError } from '../config/errors.js';
import { readBoundedText } from '../util/files.js';

export interface CaBundleSource {
  path: string;
  /** What named it: the config key / flag, or the environment variable. */
  from: 'caBundle' | 'AWS_CA_BUNDLE';
}

export function caBundleSource(
  settings: { caBundle?: string | undefined },
  env: NodeJS.ProcessEnv = process.env,
): CaBundleSource | null {
  if (settings.caBundle) return { path: settings.caBundle, from: 'caBundle' };
  if (env.AWS_CA_BUNDLE) return { path: env.AWS_CA_BUNDLE, from: 'AWS_CA_BUNDLE' };
  return null;
}

const CA_BUNDLE_MAX_BYTES = 16 * 1024 * 1024;

export type CaBundleRead = { ok: true; pem: string } | { ok: false; reason: string };

const PEM_CERT = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

/** The bundle's text, or why it cannot serve as one (the OS error, or no certificate in it). */
export function readCaBundle(path: string): CaBundleRead {
  // Bounded: a bundle is a few hundred KB; `--ca-bundle /dev/zero` must not take the memory.
  const read = readBoundedText(path, CA_BUNDLE_MAX_BYTES);
  if (!read.ok) return { ok: false, reason: read.reason };
  const pem = read.text;
  const blocks = pem.match(PEM_CERT) ?? [];
  // Node accepts a bundle with no certificate in silence, and then every handshake fails to verify.
  const parses = blocks.some((b) => {
    try {
      new X509Certificate(b);
      return true;
    } catch {
      return false;
    }
  });
  if (!parses) return { ok: false, reason: 'no PEM certificate in it' };
  return { ok: true, pem };
}

/** The configuration error for an unusable bundle, naming where it was set, the file and the cause. */
export function caBundleError(src: CaBundleSource, reason: string): ConfigError {
  const where = src.from === 'caBundle' ? 'caBundle (--ca-bundle)' : 'AWS_CA_BUNDLE';
  return new ConfigError(`${where}: cannot use the CA bundle ${src.path}: ${reason}`);
}

/** Throws the configuration error when a CA bundle is set and unusable; the PEM text otherwise. */
export function requireCaBundle(
  settings: { caBundle?: string | undefined },
  env: NodeJS.ProcessEnv = process.env,
): string | undefined {
  const src = caBundleSource(settings, env);
  if (!src) return undefined;
  const r = readCaBundle(src.path);
  if (!r.ok) throw caBundleError(src, r.reason);
  return r.pem;
}
