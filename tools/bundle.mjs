#!/usr/bin/env node
// The shipped CLI is one bundle (dist/bundle/): a process reads a few files instead of ~2,000 modules
// (the AWS SDK alone is ~1,500 CommonJS files), which is most of what a short command waits for.
// Entry points: the CLI, the prober thread and the agent's AWS process, which find each other as
// siblings. Dynamic imports stay chunks of their own, so a command still loads only what it runs.
// dist/bundle/meta.json says which source modules each chunk holds (test/e2e/lazy-loading.test.ts).
// dist/build-info.json records the git commit built, for `--version` (no git call at run time).
// gitCommit() is exported for its test; importing this file builds nothing.
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, isAbsolute, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const outdir = join(root, 'dist', 'bundle');

// The build's git commit, read from the repository's files: no git binary, no git call (a Docker
// build has neither .git nor git). null when there is no repository or it cannot be read.
/** The repository's git dir: .git, or where a worktree's .git file points; null without one. */
function gitDir(root) {
  const dotGit = join(root, '.git');
  if (!existsSync(dotGit)) return null;
  if (statSync(dotGit).isDirectory()) return dotGit;
  const named = readFileSync(dotGit, 'utf8')
    .replace(/^gitdir: */, '')
    .trim();
  return isAbsolute(named) ? named : join(root, named);
}

/** HEAD's commit, read from the git dir itself (no git binary needed, e.g. in a Docker build). */
function commitOf(gitDir) {
  try {
    const head = readFileSync(join(gitDir, 'HEAD'), 'utf8').trim();
    if (/^[0-9a-f]{40,64}$/.test(head)) return head;
    const ref = /^ref: (.+)$/.exec(head)?.[1];
    if (!ref) return null;
    const common = existsSync(join(gitDir, 'commondir'))
      ? join(gitDir, readFileSync(join(gitDir, 'commondir'), 'utf8').trim())
      : gitDir;
    for (const dir of [gitDir, common]) {
      if (existsSync(join(dir, ref))) return readFileSync(join(dir, ref), 'utf8').trim();
      const packed = existsSync(join(dir, 'packed-refs'))
        ? readFileSync(join(dir, 'packed-refs'), 'utf8')
        : '';
      const line = packed.split('\n').find((l) => l.endsWith(` ${ref}`));
      if (line) return line.split(' ')[0];
    }
  } catch {
    // An unreadable repository is a build without a known commit.
  }
  return null;
}

/** HEAD's commit (40 or 64 hex digits) of the repository at `root`, or null. */
export function gitCommit(root) {
  const dir = gitDir(root);
  const commit = dir ? commitOf(dir) : null;
  return commit && /^[0-9a-f]{40}([0-9a-f]{24})?$/.test(commit) ? commit : null;
}

// yargs' ES module build lays help out with a wrap that cuts words anywhere; its CommonJS build of
// the same layout library (cliui) wraps at word boundaries. That one sets a type hint such as
// [string] flush against a description line that ends where the hint begins: ask for one space.
const CLIUI_INLINE = 'if (leadingWhitespace < targetTextWidth) {';
const cliuiWordWrap = {
  name: 'cliui-word-wrap',
  setup(b) {
    b.onResolve({ filter: /^cliui$/ }, (args) => ({ path: createRequire(args.importer).resolve('cliui') }));
    b.onLoad({ filter: /[\\/]cliui[\\/]build[\\/]index\.cjs$/ }, (args) => {
      const text = readFileSync(args.path, 'utf8');
      if (!text.includes(CLIUI_INLINE))
        throw new Error(`${args.path}: cliui changed; review tools/bundle.mjs`);
      return {
        contents: text.replace(CLIUI_INLINE, 'if (leadingWhitespace <= targetTextWidth) {'),
        loader: 'js',
        resolveDir: dirname(args.path),
      };
    });
  },
};

async function bundle() {
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
    plugins: [cliuiWordWrap],
  });
  writeFileSync(join(outdir, 'meta.json'), JSON.stringify(result.metafile));
  writeFileSync(
    join(root, 'dist', 'build-info.json'),
    `${JSON.stringify({ commit: gitCommit(root) ?? 'unknown' })}\n`,
  );
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await bundle();
