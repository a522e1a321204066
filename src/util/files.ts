import { closeSync, constants, fstatSync, openSync, readSync, renameSync, writeFileSync } from 'node:fs';

/** Writes a file whole or not at all: a temporary file renamed over the target. */
export function writeFileAtomic(path: string, text: string): void {
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, text, { mode: 0o600 });
  renameSync(tmp, path);
}

export type BoundedRead =
  | { ok: true; data: Buffer }
  | {
      ok: false;
      /** The errno code (ENOENT, EACCES, EISDIR...), TOO_LARGE, or ETIMEDOUT for a silent pipe. */
      code: string;
      /** Short and path-free: the caller names the file and what it is for. */
      reason: string;
    };

const SILENT_PIPE_MS = 5000;
const nap = new Int32Array(new SharedArrayBuffer(4));

const human = (n: number) =>
  n >= 1024 * 1024 && n % (1024 * 1024) === 0
    ? `${n / (1024 * 1024)} MB`
    : n >= 1024 && n % 1024 === 0
      ? `${n / 1024} kB`
      : `${n} bytes`;

/**
 * Reads at most `maxBytes` of a file the user named, from the open descriptor. A regular file over
 * the limit is refused from its size before any byte is read; anything else (/dev/zero, a pipe, a
 * device) is read up to maxBytes + 1 bytes and refused past the limit. Opened non-blocking, so a
 * FIFO nobody writes to neither blocks the open nor the reads for longer than 5 s. Synchronous on
 * purpose: config reloads (SIGHUP) are synchronous. Never throws.
 */
export function readBounded(path: string, maxBytes: number): BoundedRead {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (e) {
    return errnoFailure(e);
  }
  try {
    const st = fstatSync(fd);
    if (st.isDirectory()) return { ok: false, code: 'EISDIR', reason: 'EISDIR: is a directory, not a file' };
    if (st.isFile() && st.size > maxBytes)
      return tooLarge(`${st.size} bytes, more than the ${human(maxBytes)} limit`);
    const cap = maxBytes + 1;
    const chunks: Buffer[] = [];
    let total = 0;
    const deadline = performance.now() + SILENT_PIPE_MS;
    while (total < cap) {
      const buf = Buffer.allocUnsafe(Math.min(cap - total, 64 * 1024));
      let n: number;
      try {
        n = readSync(fd, buf, 0, buf.length, null);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EAGAIN') return errnoFailure(e);
        if (performance.now() > deadline)
          return {
            ok: false,
            code: 'ETIMEDOUT',
            reason: `no data within ${SILENT_PIPE_MS / 1000} s (a pipe or device nobody writes to?)`,
          };
        Atomics.wait(nap, 0, 0, 10);
        continue;
      }
      if (n === 0) break;
      chunks.push(n === buf.length ? buf : buf.subarray(0, n));
      total += n;
    }
    if (total > maxBytes) return tooLarge(`more than the ${human(maxBytes)} limit`);
    return { ok: true, data: Buffer.concat(chunks, total) };
  } catch (e) {
    return errnoFailure(e);
  } finally {
    try {
      closeSync(fd);
    } catch {
      // nothing to do: the descriptor is gone either way
    }
  }
}

/** The same as text (UTF-8). */
export function readBoundedText(
  path: string,
  maxBytes: number,
): { ok: true; text: string } | Extract<BoundedRead, { ok: false }> {
  const r = readBounded(path, maxBytes);
  return r.ok ? { ok: true, text: r.data.toString('utf8') } : r;
}

function tooLarge(detail: string): BoundedRead {
  return { ok: false, code: 'TOO_LARGE', reason: `too large: ${detail}` };
}

function errnoFailure(e: unknown): Extract<BoundedRead, { ok: false }> {
  const err = e as NodeJS.ErrnoException;
  const code = typeof err?.code === 'string' ? err.code : 'EIO';
  // "ENOENT: no such file or directory, open '/x'" without the path (the caller names it).
  const text = String(err?.message ?? e).replace(/, \w+ '.*'$/s, '');
  return { ok: false, code, reason: text.startsWith(code) ? text : `${code}: ${text}` };
}
