// The import graph of the sources (static, type-only and dynamic imports alike) and its cycles, at
// file level and at folder level (src/<folder>, and probes/ as one). Used by the architecture test
// and by `npm run check:cycles`.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import ts from 'typescript';

export type Graph = Map<string, Set<string>>;

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) return sourceFiles(p);
    return /\.ts$/.test(name) && !name.endsWith('.d.ts') ? [p] : [];
  });
}

/** Relative imports of every .ts file under `roots` (paths relative to `base`). */
export function importGraph(base: string, roots: readonly string[]): Graph {
  const graph: Graph = new Map();
  for (const root of roots) {
    for (const file of sourceFiles(join(base, root))) {
      const info = ts.preProcessFile(readFileSync(file, 'utf8'), true, true);
      const deps = new Set<string>();
      for (const ref of info.importedFiles) {
        if (!ref.fileName.startsWith('.')) continue;
        const target = resolve(dirname(file), ref.fileName.replace(/\.js$/, '.ts'));
        if (existsSync(target)) deps.add(relative(base, target));
      }
      graph.set(relative(base, file), deps);
    }
  }
  return graph;
}

/** The folder a file belongs to for the layering rule: src/<folder>, or the top folder otherwise. */
export function folderOf(file: string): string {
  const parts = file.split('/');
  if (parts[0] === 'src' && parts.length > 2) return `src/${parts[1]}`;
  if (parts[0] === 'src') return file;
  return parts[0]!;
}

export function folderGraph(files: Graph): Graph {
  const g: Graph = new Map();
  for (const [from, deps] of files) {
    const f = folderOf(from);
    const set = g.get(f) ?? new Set<string>();
    g.set(f, set);
    for (const d of deps) if (folderOf(d) !== f) set.add(folderOf(d));
  }
  return g;
}

/** Strongly connected components with more than one node (or a self-import): Tarjan's algorithm. */
export function cycles(graph: Graph): string[][] {
  let index = 0;
  const idx = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const out: string[][] = [];
  const visit = (v: string) => {
    idx.set(v, index);
    low.set(v, index);
    index++;
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!idx.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) {
        low.set(v, Math.min(low.get(v)!, idx.get(w)!));
      }
    }
    if (low.get(v) === idx.get(v)) {
      const scc: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        scc.push(w);
      } while (w !== v);
      if (scc.length > 1 || graph.get(v)?.has(v)) out.push(scc.sort());
    }
  };
  for (const v of [...graph.keys()].sort()) if (!idx.has(v)) visit(v);
  return out;
}

/** One path around a cycle, for the message: a → b → … → a. */
export function describeCycle(graph: Graph, scc: readonly string[]): string {
  const members = new Set(scc);
  const start = scc[0]!;
  const path = [start];
  const seen = new Set([start]);
  let at = start;
  for (;;) {
    const next = [...(graph.get(at) ?? [])].filter((n) => members.has(n));
    const back = next.find((n) => n === start);
    if (back && path.length > 1) break;
    const step = next.find((n) => !seen.has(n)) ?? back;
    if (!step) break;
    if (step === start) break;
    path.push(step);
    seen.add(step);
    at = step;
  }
  return [...path, start].join(' → ');
}

export function checkCycles(base: string, roots: readonly string[] = ['src', 'probes']): string[] {
  const files = importGraph(base, roots);
  const folders = folderGraph(files);
  return [
    ...cycles(files).map((c) => `file cycle: ${describeCycle(files, c)} (among ${c.join(', ')})`),
    ...cycles(folders).map((c) => `folder cycle: ${describeCycle(folders, c)} (among ${c.join(', ')})`),
  ];
}
