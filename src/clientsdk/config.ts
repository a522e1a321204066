// The CloudHSM Client SDK configuration on this host: SDK 5 JSON files (cloudhsm-<tool>.cfg, one per
// library or tool) and the SDK 3 ones (cloudhsm_client.cfg, cloudhsm_mgmt_util.cfg). Only what the
// checks need is read: the HSM addresses listed, and the trust anchor path.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { printable } from '../config/issues.js';
import { readBoundedText } from '../util/files.js';

export interface ListedServer {
  hostname: string;
  port: number | null;
  enabled: boolean;
}

export interface ClientSdkFile {
  path: string;
  sdk: 3 | 5;
  servers: ListedServer[];
  /** The trust anchor the file names (SDK 5 hsm_ca_file, SDK 3 CAfile); null when not set. */
  caFile: string | null;
  /**
   * SDK 5 mutual TLS: the client certificate chain and key files the file names (set by configure
   * --client-cert-hsm-tls-file / --client-key-hsm-tls-file); null when it names neither.
   */
  mtls: { certFile: string | null; keyFile: string | null } | null;
}

/**
 * The hostname the SDK 5 packages ship in their configuration files until the configure tool is run
 * (`%%HSM_IP_ADDRESS%%`): a file still holding such a token was never bootstrapped.
 */
export const isPlaceholder = (hostname: string): boolean => /^%%[A-Z0-9_]+%%$/.test(hostname.trim());

export interface ClientSdkConfig {
  dir: string;
  files: ClientSdkFile[];
  /** Files that exist but cannot be used, with the reason and the SDK their name belongs to (null: the directory). */
  problems: Array<{ path: string; reason: string; sdk: 3 | 5 | null }>;
}

const MAX = 1024 * 1024;

export function readJson(path: string): { ok: true; value: unknown } | { ok: false; reason: string } {
  const read = readBoundedText(path, MAX);
  if (!read.ok) return { ok: false, reason: `cannot read: ${read.reason}` };
  return parseJson(read.text);
}

/** JSON text of a config file; a parse failure is a reason (escaped: it may quote the file). */
export function parseJson(text: string): { ok: true; value: unknown } | { ok: false; reason: string } {
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch (e) {
    return { ok: false, reason: `not valid JSON: ${printable(String((e as Error)?.message ?? e), 160)}` };
  }
}

const obj = (v: unknown): Record<string, unknown> | null =>
  v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : null;

function server(v: unknown): ListedServer | null {
  const o = obj(v);
  if (!o || typeof o.hostname !== 'string' || o.hostname === '') return null;
  return {
    // Shown in findings and compared with HSM addresses: no control bytes, no megabyte names.
    hostname: printable(o.hostname, 255),
    port:
      Number.isInteger(o.port) && (o.port as number) >= 1 && (o.port as number) <= 65535
        ? (o.port as number)
        : null,
    enabled: o.enable !== false,
  };
}

/** SDK 5: {"clusters":[{"type":"hsm1","cluster":{"hsm_ca_file":"...","servers":[{"hostname","port","enable"}]}}]} */
export function parseSdk5(path: string, value: unknown): ClientSdkFile | string {
  const clusters = obj(value)?.clusters;
  if (!Array.isArray(clusters)) return 'no "clusters" list (not a Client SDK 5 configuration)';
  const servers: ListedServer[] = [];
  let caFile: string | null = null;
  let mtls: ClientSdkFile['mtls'] = null;
  for (const c of clusters) {
    const cluster = obj(obj(c)?.cluster);
    if (!cluster) continue;
    caFile ??= pathField(cluster.hsm_ca_file);
    mtls ??= mtlsFiles(cluster);
    for (const s of Array.isArray(cluster.servers) ? cluster.servers : []) {
      const parsed = server(s);
      if (parsed) servers.push(parsed);
    }
  }
  return { path, sdk: 5, servers, caFile, mtls };
}

/** A file path field: a non-empty string, else absent. */
const pathField = (v: unknown): string | null => (typeof v === 'string' && v.trim() !== '' ? v : null);

/**
 * The mutual TLS files of one cluster entry. The user guide documents the configure options
 * (--client-cert-hsm-tls-file, --client-key-hsm-tls-file), not the JSON they write: the keys read
 * are those options' names in the file's snake_case.
 */
function mtlsFiles(cluster: Record<string, unknown>): ClientSdkFile['mtls'] {
  const certFile = pathField(cluster.client_cert_hsm_tls_file);
  const keyFile = pathField(cluster.client_key_hsm_tls_file);
  return certFile || keyFile ? { certFile, keyFile } : null;
}

/** SDK 3: cloudhsm_client.cfg {"server":{"hostname","port","CAfile"}}; cloudhsm_mgmt_util.cfg {"servers":[...]}. */
export function parseSdk3(path: string, value: unknown): ClientSdkFile | string {
  const o = obj(value);
  if (!o) return 'not a JSON object';
  const servers: ListedServer[] = [];
  let caFile: string | null = null;
  const single = obj(o.server);
  if (single) {
    const s = server(single);
    if (s) servers.push(s);
    caFile = pathField(single.CAfile);
  }
  for (const s of Array.isArray(o.servers) ? o.servers : []) {
    const parsed = server(s);
    if (parsed) servers.push(parsed);
    caFile ??= pathField(obj(s)?.CAfile);
  }
  if (servers.length === 0 && !single)
    return 'no "server" or "servers" entry (not a Client SDK 3 configuration)';
  return { path, sdk: 3, servers, caFile, mtls: null };
}

const SDK3_FILES = ['cloudhsm_client.cfg', 'cloudhsm_mgmt_util.cfg'];

/** The Client SDK generation a file name belongs to; null for any other file. */
export function generationOf(name: string): 3 | 5 | null {
  if (/^cloudhsm-[a-z0-9-]+\.cfg$/.test(name)) return 5;
  return SDK3_FILES.includes(name) ? 3 : null;
}

export function readClientSdkConfig(dir: string): ClientSdkConfig {
  const out: ClientSdkConfig = { dir, files: [], problems: [] };
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch (e) {
    // No directory: no Client SDK here. Any other failure hides whatever configuration is there.
    const code = (e as NodeJS.ErrnoException)?.code;
    if (code !== 'ENOENT')
      out.problems.push({ path: dir, reason: `cannot read the directory (${code ?? String(e)})`, sdk: null });
    return out;
  }
  for (const name of names.sort()) {
    const sdk = generationOf(name);
    if (sdk === null) continue;
    const path = join(dir, name);
    const r = readJson(path);
    if (!r.ok) {
      out.problems.push({ path, reason: r.reason, sdk });
      continue;
    }
    const parsed = sdk === 5 ? parseSdk5(path, r.value) : parseSdk3(path, r.value);
    if (typeof parsed === 'string') out.problems.push({ path, reason: parsed, sdk });
    else out.files.push(parsed);
  }
  return out;
}
