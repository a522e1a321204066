#!/usr/bin/env node
// `npm run demo` checks the build before it runs: a full `tsc` costs seconds, a look at the files'
// times costs milliseconds. Rebuilds when a source or build setting is newer than the build.
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const INPUTS = [
  'src',
  'probes',
  'test/support',
  'test/bench',
  'tsconfig.json',
  'tsconfig.build.json',
  'package.json',
  'package-lock.json',
];
// tsc writes every output file on each build: this one's time is the build's.
const STAMP = join(root, 'dist', 'src', 'cli', 'main.js');

function newest(path, depth = 0) {
  let st;
  try {
    st = statSync(path);
  } catch {
    return 0;
  }
  if (!st.isDirectory()) return st.mtimeMs;
  if (depth > 12) return st.mtimeMs;
  let max = st.mtimeMs;
  for (const e of readdirSync(path)) max = Math.max(max, newest(join(path, e), depth + 1));
  return max;
}

let built = 0;
try {
  built = statSync(STAMP).mtimeMs;
} catch {}
const changed = Math.max(...INPUTS.map((p) => newest(join(root, p))));
if (built === 0 || changed > built) {
  const r = spawnSync('npm', ['run', 'build', '--silent'], { cwd: root, stdio: 'inherit' });
  process.exit(r.status ?? 1);
}
