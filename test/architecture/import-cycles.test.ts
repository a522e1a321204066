// Imports point one way (commands → engine → libraries → model): no cycle between files, nor between
// the folders of src/ and probes/. The checker itself is tested on a tree with planted cycles.
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkCycles, cycles, folderGraph, importGraph } from '../support/import-graph.js';

const root = join(import.meta.dirname, '../..');

function tree(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'hsmwatch-graph-'));
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  return dir;
}

describe('import cycles', () => {
  it('src/ and probes/ have none, at file or folder level', () => {
    expect(checkCycles(root)).toEqual([]);
  });

  it('finds a file cycle made of type-only and dynamic imports', () => {
    const dir = tree({
      'src/a/one.ts': "import type { B } from './two.js';\nexport type A = B;\n",
      'src/a/two.ts': "export type B = 1;\nexport const load = () => import('./one.js');\n",
      'src/a/three.ts': "import './one.js';\n",
    });
    expect(cycles(importGraph(dir, ['src']))).toEqual([['src/a/one.ts', 'src/a/two.ts']]);
    expect(checkCycles(dir, ['src'])[0]).toMatch(
      /^file cycle: src\/a\/one\.ts → src\/a\/two\.ts → src\/a\/one\.ts/,
    );
  });

  it('finds a folder cycle that no file cycle shows', () => {
    const dir = tree({
      'src/aws/x.ts': "import { y } from '../tls/y.js';\nexport const x = y;\n",
      'src/tls/y.ts': 'export const y = 1;\n',
      'src/tls/z.ts': "import { x } from '../aws/x.js';\nexport const z = x;\n",
      'probes/p.ts': "import { z } from '../src/tls/z.js';\nexport const p = z;\n",
    });
    const files = importGraph(dir, ['src', 'probes']);
    expect(cycles(files)).toEqual([]);
    expect(cycles(folderGraph(files))).toEqual([['src/aws', 'src/tls']]);
    expect(checkCycles(dir)).toEqual([
      expect.stringMatching(/^folder cycle: src\/aws → src\/tls → src\/aws/),
    ]);
  });
});
