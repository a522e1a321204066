// Structured logs on stdout: one JSON object per line (time, level, msg, fields), logfmt
// (`time=… level=info msg="…" key=value`, as Prometheus exporters write it), or a readable line
// when stdout is a terminal. Fields are the caller's: never pass a secret; each line is redacted
// anyway (src/util/redact.ts), whatever its fields carry (an AWS error echoing a signing header).
import { redact } from '../util/redact.js';

export type Level = 'debug' | 'info' | 'warn' | 'error';
const ORDER: Record<Level, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export type Fields = Record<string, unknown>;
export type LogFormat = 'json' | 'logfmt' | 'text';

export interface Logger {
  debug(msg: string, fields?: Fields): void;
  info(msg: string, fields?: Fields): void;
  warn(msg: string, fields?: Fields): void;
  error(msg: string, fields?: Fields): void;
}

export interface LoggerOptions {
  level?: Level;
  /** Default: text on a terminal, else JSON. */
  format?: LogFormat;
  out?: { write(s: string): unknown; isTTY?: boolean };
  now?: () => Date;
}

export function makeLogger(o: LoggerOptions = {}): Logger {
  const out = o.out ?? process.stdout;
  const format = o.format ?? (out.isTTY ? 'text' : 'json');
  const min = ORDER[o.level ?? 'info'];
  const now = o.now ?? (() => new Date());
  const write = (level: Level, msg: string, fields: Fields = {}) => {
    if (ORDER[level] < min) return;
    out.write(redact(line(level, msg, fields)));
  };
  const line = (level: Level, msg: string, fields: Fields): string => {
    const time = now().toISOString();
    if (format === 'json') return `${JSON.stringify({ time, level, msg, ...fields }, replacer)}\n`;
    if (format === 'logfmt') {
      const pairs = Object.entries({ time, level, msg, ...fields }).map(
        ([k, v]) => `${logfmtKey(k)}=${logfmtValue(v)}`,
      );
      return `${pairs.join(' ')}\n`;
    }
    const rest = Object.entries(fields)
      .map(([k, v]) => `${k}=${typeof v === 'string' && !/\s/.test(v) ? v : JSON.stringify(v, replacer)}`)
      .join(' ');
    return `${time.slice(11, 23)} ${level.toUpperCase().padEnd(5)} ${msg}${rest ? `  ${rest}` : ''}\n`;
  };
  return {
    debug: (m, f) => write('debug', m, f),
    info: (m, f) => write('info', m, f),
    warn: (m, f) => write('warn', m, f),
    error: (m, f) => write('error', m, f),
  };
}

/** Errors as their message and code; nothing else of them (stacks are for bugs, not logs). */
function replacer(_key: string, value: unknown): unknown {
  if (value instanceof Error) {
    const code = (value as NodeJS.ErrnoException).code;
    return code ? { message: value.message, code } : { message: value.message };
  }
  return value;
}

const logfmtKey = (k: string) => k.replace(/[^A-Za-z0-9_.-]/g, '_') || '_';

/** A bare word when it can be one; else a quoted string with \\, " and control characters escaped. */
function logfmtValue(v: unknown): string {
  let text: string;
  if (typeof v === 'string') text = v;
  else if (v === undefined) text = '';
  else if (v instanceof Error) {
    const code = (v as NodeJS.ErrnoException).code;
    text = code ? `${v.message} (${code})` : v.message;
  } else if (typeof v === 'object' && v !== null) text = JSON.stringify(v, replacer);
  else text = String(v);
  if (text !== '' && /^[^\s"=\\\x00-\x1f\x7f]+$/.test(text)) return text;
  return JSON.stringify(text);
}
