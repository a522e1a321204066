import { renameSync, writeFileSync } from 'node:fs';

/** Writes a file whole or not at all: a temporary file renamed over the target. */
export function writeFileAtomic(path: string, text: string): void {
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, text, { mode: 0o600 });
  renameSync(tmp, path);
}
