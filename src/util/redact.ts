// The one redaction step at hsmwatch's output boundary: every report, log line, metric exposition,
// status page and CLI message passes through `redact` before it is written, whatever produced the
// text (an AWS error that echoes the request's signing headers, a child's stderr, an excerpt of a
// garbage answer). Masked: the credential values this host's configuration holds (the environment,
// the shared credentials and config files, values registered with `rememberSecrets`) — whole, and
// a 16-character start or end of them (a copy cut by an excerpt) — and anything shaped like an
// access key id, a secret access key, a session token, a SigV4 signature, credential scope key,
// `X-Amz-Security-Token` / `X-Amz-Signature` value, a Basic/Bearer authorization, a password in a
// URL, a web identity token (JWT) or a PEM private key.
//
// The replacement never contains a quote, a backslash or a newline, and no shape matches one, so
// JSON, a Prometheus exposition or HTML stays well-formed; PEM certificates are public and are kept
// whole (a snapshot keeps the cluster certificates AWS answered).
import { readFileSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

export const REDACTED = '[redacted]';

const B64 = 'A-Za-z0-9/+=';
/** Case-insensitive spelling of a word in a case-sensitive pattern. */
const ci = (w: string) => w.replace(/[a-z]/gi, (c) => `[${c.toLowerCase()}${c.toUpperCase()}]`);

/** Keys whose value is a credential, wherever they appear (query string, header, JSON, INI, env). */
const SECRET_KEYS = [
  'X-Amz-Security-Token',
  'X-Amz-Signature',
  'X-Amz-Credential',
  'Signature',
  'Credential',
  'SecretAccessKey',
  'SessionToken',
  'SecurityToken',
  'AccessKeyId',
  'aws_secret_access_key',
  'aws_session_token',
  'aws_security_token',
  'aws_access_key_id',
  'secret_access_key',
  'session_token',
  'access_key_id',
].map(ci);

const STS_TOKEN = /^(?:IQoJb3JpZ2lu|IQoDYXdz|FwoGZXIvYXdz|FQoGZXIvYXdz|AQoDYXdz|AgoJb3JpZ2lu)/;
const ACCESS_KEY_ID = /(?<![A-Za-z0-9])(?:AKIA|ASIA)[A-Z0-9]{16}(?![A-Za-z0-9])/g;

// Shapes that start with a keyword or a literal: one regex, cheap to run over large text.
const KEYWORDED = new RegExp(
  [
    // key = value, key: value, "key": "value" (the key and its separator are kept).
    String.raw`(?<kv>(?<![A-Za-z0-9_-])(?<kvkey>${SECRET_KEYS.join('|')})["']?\s{0,8}[:=]\s{0,8}["']?)(?<kvv>[^\s"'&,;<>\\()[\]{}]+)`,
    String.raw`(?<auth>(?<![A-Za-z0-9_-])${ci('authorization')}["']?\s{0,8}[:=]\s{0,8}["']?(?:${ci('basic')}|${ci('bearer')})\s+)(?<authv>[^\s"',;<>\\()[\]{}]+)`,
    // scheme://user:password@host
    String.raw`(?<ui>://[^\s/:@"'<>\\]{0,256}:)(?<uiv>[^\s/@"'<>\\]+)(?=@)`,
    String.raw`(?<jwt>\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]*)`,
  ].join('|'),
  'g',
);

/** PEM blocks (JSON-escaped newlines too); a private key cut short runs to the end of its base64. */
const PEM =
  /-----BEGIN (?<label>[A-Z0-9 ]{1,40})-----(?:[A-Za-z0-9/+=\s\\:,-]{0,65536}?-----END \k<label>-----|(?<cut>[A-Za-z0-9/+=\s\\:,-]*))/g;

type Groups = Record<string, string | undefined>;

/** Random base64 has all three; words, paths, hex digests and ids rarely do. */
const mixed = (s: string) => /[A-Z]/.test(s) && /[a-z]/.test(s) && /[0-9]/.test(s);
/** An ARN's resource path (`role/Name`, `assumed-role/...`) is an identifier, not a key. */
const ARN_PATH =
  /^(?:role|user|group|policy|assumed-role|instance-profile|server-certificate|federated-user)\//;

/** A secret access key (40 random base64 characters) or a session token (long base64). */
function looksLikeKey(run: string): boolean {
  if (run.startsWith('/') || ARN_PATH.test(run)) return false;
  // Exactly 40 is a common length: only when it looks random.
  if (run.length === 40) return mixed(run) && !run.includes('=');
  return run.length >= 80;
}

function replaceKeyworded(match: string, ...args: unknown[]): string {
  const g = args[args.length - 1] as Groups;
  if (g.kv !== undefined) {
    const v = g.kvv ?? '';
    // Credential=AKIA…/20240101/us-east-1/sts/aws4_request: the scope (date, region, service) helps.
    if (/credential$/i.test(g.kvkey ?? '') && v.includes('/'))
      return `${g.kv}${REDACTED}${v.slice(v.indexOf('/'))}`;
    return `${g.kv}${REDACTED}`;
  }
  if (g.auth !== undefined) return `${g.auth}${REDACTED}`;
  if (g.ui !== undefined) return `${g.ui}${REDACTED}`;
  return match.length ? REDACTED : match;
}

/** Character classes for the scan: 0 other, 1 base64 digit or symbol, 3 letter, 4 an escape's start. */
const CLASS = new Uint8Array(65536);
for (let c = 0; c < 128; c++) {
  const ch = String.fromCharCode(c);
  if (/[A-Za-z]/.test(ch)) CLASS[c] = 3;
  else if (/[0-9/+=]/.test(ch)) CLASS[c] = 1;
}
CLASS[0x1b] = 4;
CLASS[0x5c] = 4;

/** Past a terminal colour code (`ESC[…m`) or a backslash escape (`\n` in JSON): they end a run. */
function skipEscape(text: string, i: number): number {
  if (text.charCodeAt(i) === 0x5c) return i + 2;
  if (text[i + 1] !== '[') return i + 1;
  let j = i + 2;
  while (j < text.length && /[0-9;]/.test(text[j]!)) j++;
  return text[j] === 'm' ? j + 1 : i + 1;
}

/** One base64 run: masked whole (a token or key), in part (an access key id inside), or null. */
function maskRun(run: string): string | null {
  if (STS_TOKEN.test(run) || looksLikeKey(run)) return REDACTED;
  if (!run.includes('AKIA') && !run.includes('ASIA')) return null;
  const out = run.replace(ACCESS_KEY_ID, REDACTED);
  return out === run ? null : out;
}

/**
 * Access key ids, secret keys and session tokens: found by one linear scan for base64 runs of 16
 * characters or more with a letter (a regex with look-behinds at every position costs ten times more
 * over a large exposition), each run then judged on its own.
 */
function maskRuns(text: string): string {
  let out = '';
  let last = 0;
  const n = text.length;
  let i = 0;
  while (i < n) {
    let k = CLASS[text.charCodeAt(i)]!;
    if (k === 0) {
      i++;
      continue;
    }
    if (k === 4) {
      i = skipEscape(text, i);
      continue;
    }
    let j = i + 1;
    let letter = k & 2;
    for (; j < n; j++) {
      k = CLASS[text.charCodeAt(j)]!;
      if (k === 0 || k === 4) break;
      letter |= k & 2;
    }
    if (j - i >= 16 && letter) {
      const masked = maskRun(text.slice(i, j));
      if (masked !== null) {
        out += text.slice(last, i) + masked;
        last = j;
      }
    }
    i = j;
  }
  return last === 0 ? text : out + text.slice(last);
}

/** Runs masked outside PEM blocks; certificates kept whole, private keys masked whole. */
function maskOutsidePem(text: string): string {
  if (!text.includes('-----BEGIN ')) return maskRuns(text);
  let out = '';
  let last = 0;
  for (const m of text.matchAll(PEM)) {
    const label = m.groups?.label ?? '';
    const key = /PRIVATE KEY/.test(label);
    // A certificate cut short (no END line) is not kept: only complete blocks are known to be PEM.
    if (!key && m.groups?.cut !== undefined) continue;
    out += maskRuns(text.slice(last, m.index)) + (key ? `[redacted ${label}]` : m[0]);
    last = m.index + m[0].length;
  }
  return out + maskRuns(text.slice(last));
}

// ---------------------------------------------------------------------------------------------
// Known values: what this host's configuration holds, re-read when it changes (at most once a second).

const ENV_KEYS = ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'AWS_SECURITY_TOKEN'];
const FILE_KEY =
  /^\s*(?:aws_access_key_id|aws_secret_access_key|aws_session_token|aws_security_token)\s*=\s*(\S.*?)\s*$/gim;
/** Shorter values are not masked: they would mask ordinary words. */
const MIN_SECRET = 8;
const CHECK_EVERY_MS = 1000;

const registered = new Set<string>();

/** Values to mask from now on (credentials hsmwatch resolved or was given, e.g. the demo's). */
export function rememberSecrets(...values: ReadonlyArray<string | null | undefined>): void {
  let added = false;
  for (const v of values)
    if (typeof v === 'string' && v.length >= MIN_SECRET && !registered.has(v)) {
      registered.add(v);
      added = true;
    }
  if (added) known = null;
}

interface Known {
  checkedAt: number;
  fingerprint: string;
  /** Whole values and their escaped spellings, longest first (split/join: native substring search). */
  whole: string[];
  /** A cut copy: one of these and the base64 run it sits in. */
  partial: RegExp | null;
  partialNeedles: string[];
}

let known: Known | null = null;

function credentialFiles(env: NodeJS.ProcessEnv): string[] {
  const home = env.HOME || homedir();
  return [
    env.AWS_SHARED_CREDENTIALS_FILE || join(home, '.aws', 'credentials'),
    env.AWS_CONFIG_FILE || join(home, '.aws', 'config'),
  ];
}

function fileStamp(path: string): string {
  try {
    const s = statSync(path);
    return `${path}:${s.size}:${s.mtimeMs}`;
  } catch {
    return `${path}:-`;
  }
}

function valuesFromFile(path: string): string[] {
  let text: string;
  try {
    // A credentials file is small; a huge one is not worth reading on an output path.
    if (statSync(path).size > 1 << 20) return [];
    text = readFileSync(path, 'utf8');
  } catch {
    return [];
  }
  return [...text.matchAll(FILE_KEY)].map((m) => m[1]!.replace(/^["']|["']$/g, ''));
}

const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
const htmlEscape = (s: string) =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

function knownSecrets(env: NodeJS.ProcessEnv = process.env): Known {
  const now = Date.now();
  if (known && now - known.checkedAt < CHECK_EVERY_MS) return known;
  const files = credentialFiles(env);
  const fingerprint = [...ENV_KEYS.map((k) => env[k] ?? ''), ...files.map(fileStamp), ...registered].join(
    '\0',
  );
  if (known && known.fingerprint === fingerprint) {
    known.checkedAt = now;
    return known;
  }
  const values = new Set<string>();
  for (const v of [...ENV_KEYS.map((k) => env[k]), ...files.flatMap(valuesFromFile), ...registered])
    if (v && v.length >= MIN_SECRET) values.add(v);
  const whole = new Set<string>();
  const partialNeedles = new Set<string>();
  for (const v of values) {
    whole.add(v);
    whole.add(JSON.stringify(v).slice(1, -1));
    whole.add(htmlEscape(v));
    if (v.length >= 24) {
      partialNeedles.add(v.slice(0, 16));
      partialNeedles.add(v.slice(-16));
    }
  }
  const needles = [...partialNeedles];
  known = {
    checkedAt: now,
    fingerprint,
    whole: [...whole].sort((a, b) => b.length - a.length),
    partialNeedles: needles,
    partial: needles.length
      ? new RegExp(`[${B64}]{0,512}?(?:${needles.map(escapeRe).join('|')})[${B64}]*`, 'g')
      : null,
  };
  return known;
}

/**
 * The text with every secret masked. `secrets`: values to mask instead of the known ones (tests).
 */
export function redact(text: string, secrets?: readonly string[]): string {
  if (text.length === 0) return text;
  let out = text;
  if (secrets) {
    for (const s of secrets) if (s.length >= MIN_SECRET) out = out.split(s).join(REDACTED);
  } else {
    const k = knownSecrets();
    for (const s of k.whole) if (out.includes(s)) out = out.split(s).join(REDACTED);
    if (k.partial && k.partialNeedles.some((n) => out.includes(n))) out = out.replace(k.partial, REDACTED);
  }
  return maskOutsidePem(out).replace(KEYWORDED, replaceKeyworded);
}

/** For tests: forget what was registered and read. */
export function resetKnownSecrets(): void {
  registered.clear();
  known = null;
}

/**
 * The stream with every string written to it redacted: the CLI's stdout and stderr, so every report,
 * message and error a command prints passes the same step. Other members are the stream's own.
 */
export function redactingStream<S extends { write(chunk: never, ...rest: never[]): unknown }>(stream: S): S {
  const write = (chunk: unknown, ...rest: unknown[]) =>
    (stream.write as (c: unknown, ...r: unknown[]) => unknown).call(
      stream,
      typeof chunk === 'string' ? redact(chunk) : chunk,
      ...rest,
    );
  return new Proxy(stream, {
    get(target, prop) {
      if (prop === 'write') return write;
      const v: unknown = Reflect.get(target, prop, target);
      return typeof v === 'function' ? v.bind(target) : v;
    },
  });
}
