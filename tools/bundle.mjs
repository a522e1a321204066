#!/usr/bin/env node
// The shipped CLI is one bundle (dist/bundle/): a process reads a few files instead of ~2,000 modules
// (the AWS SDK alone is ~1,500 CommonJS files), which is most of what a short command waits for.
// Entry points: the CLI, the prober thread and the agent's AWS process, which find each other as
// siblings. Dynamic imports stay chunks of their own, so a command still loads only what it runs.
// dist/bundle/meta.json says which source modules each chunk holds (test/e2e/lazy-loading.test.ts).
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const outdir = join(root, 'dist', 'bundle');

const result = await build({
  absWorkingDir: root,
  entryPoints: {
    main: 'dist/src/cli/main.js',
    worker: 'dist/src/prober/worker.js',
    'aws-task': 'dist/src/cli/aws-task.js',
  },
  outdir,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  // The AWS SDK's ES module build: named exports across its dynamic imports, and less to load.
  mainFields: ['module', 'main'],
  // Whitespace and syntax only: stack traces keep their names.
  minifyWhitespace: true,
  minifySyntax: true,
  // CommonJS dependencies call require() for Node's own modules.
  banner: {
    js: "import { createRequire as __hsmwatchRequire } from 'node:module'; const require = __hsmwatchRequire(import.meta.url);",
  },
  metafile: true,
  logLevel: 'warning',
});
writeFileSync(join(outdir, 'meta.json'), JSON.stringify(result.metafile));
