// Worker threads and child processes need a compiled JavaScript file. Run from the TypeScript
// sources (vitest), a module's sibling is taken from the build (`npm test` builds first).
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { packageRoot } from './paths.js';

/** The compiled file `name` beside the module at `moduleUrl` (its import.meta.url). */
export function builtSibling(moduleUrl: string, name: string): string {
  const here = dirname(fileURLToPath(moduleUrl));
  if (!moduleUrl.endsWith('.ts')) return join(here, name);
  const root = packageRoot();
  return join(root, 'dist', relative(root, here), name);
}
