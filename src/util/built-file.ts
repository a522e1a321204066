// Worker threads and child processes need a compiled JavaScript file. Run from the TypeScript
// sources (vitest), a module's sibling is taken from the build (`npm test` builds first).
import { existsSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The compiled file `name` beside the module at `moduleUrl` (its import.meta.url). */
export function builtSibling(moduleUrl: string, name: string): string {
  const here = fileURLToPath(moduleUrl);
  if (!here.endsWith('.ts')) return join(dirname(here), name);
  let root = dirname(here);
  for (let i = 0; i < 10 && !existsSync(join(root, 'package.json')); i++) root = dirname(root);
  return join(root, 'dist', relative(root, dirname(here)), name);
}
