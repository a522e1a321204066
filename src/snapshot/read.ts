// Reads a snapshot file defensively: bounded size, depth and array lengths, the contract's types
// checked, each problem named by its JSON path. A hostile file is rejected, never half-analysed.
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { OPERATIONS, snapshotKey } from '../aws/operations.js';
import type { Snapshot } from './format.js';

export const SNAPSHOT_LIMITS = {
  maxBytes: 64 * 1024 * 1024,
  maxDepth: 64,
  maxArray: 200_000,
  maxNodes: 5_000_000,
};

export class SnapshotError extends Error {
  readonly code = 'SNAPSHOT_INVALID';
}

const PREFIX_LISTS = snapshotKey('GetManagedPrefixListEntries');

/** service:Operation → the list field its answer must hold (the contract's keys). */
const LIST_FIELDS: Record<string, string> = Object.fromEntries(
  OPERATIONS.flatMap((o) => (o.listField !== null && o.key !== PREFIX_LISTS ? [[o.key, o.listField]] : [])),
);

export function readSnapshotFile(path: string, limits = SNAPSHOT_LIMITS): Snapshot {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (e) {
    throw new SnapshotError(`${path}: cannot read the snapshot (${(e as NodeJS.ErrnoException).code ?? e})`);
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) throw new SnapshotError(`${path}: not a regular file`);
    if (st.size > limits.maxBytes) {
      throw new SnapshotError(
        `${path}: ${st.size} bytes, larger than the ${limits.maxBytes}-byte limit for a snapshot`,
      );
    }
    const buf = Buffer.alloc(st.size);
    let off = 0;
    while (off < st.size) {
      const n = readSync(fd, buf, off, st.size - off, off);
      if (n === 0) break;
      off += n;
    }
    return parseSnapshot(buf.subarray(0, off).toString('utf8'), path, limits);
  } finally {
    closeSync(fd);
  }
}

export function parseSnapshot(text: string, where: string, limits = SNAPSHOT_LIMITS): Snapshot {
  if (text.length > limits.maxBytes)
    throw new SnapshotError(`${where}: larger than ${limits.maxBytes} bytes`);
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new SnapshotError(`${where}: not JSON (${(e as Error).message})`);
  }
  checkShape(raw, where, limits);
  // A scenario file (demo and tests) holds its snapshot under "snapshot".
  if (
    isObj(raw) &&
    raw.hsmwatchSnapshot === undefined &&
    typeof raw.name === 'string' &&
    isObj(raw.snapshot)
  ) {
    raw = raw.snapshot;
  }
  const problems = checkContract(raw);
  if (problems.length) {
    const shown = problems.slice(0, 10).map((p) => `  ${p}`);
    if (problems.length > 10) shown.push(`  ... and ${problems.length - 10} more`);
    throw new SnapshotError(`${where}: not a valid hsmwatch snapshot:\n${shown.join('\n')}`);
  }
  return raw as Snapshot;
}

/** Depth, array length and node count, walked without recursion. */
function checkShape(root: unknown, where: string, limits: typeof SNAPSHOT_LIMITS): void {
  const stack: Array<{ v: unknown; depth: number; path: string }> = [{ v: root, depth: 0, path: '$' }];
  let nodes = 0;
  while (stack.length) {
    const { v, depth, path } = stack.pop()!;
    if (++nodes > limits.maxNodes) throw new SnapshotError(`${where}: more than ${limits.maxNodes} values`);
    if (v === null || typeof v !== 'object') continue;
    if (depth >= limits.maxDepth)
      throw new SnapshotError(`${where}: ${path}: nested deeper than ${limits.maxDepth} levels`);
    if (Array.isArray(v)) {
      if (v.length > limits.maxArray)
        throw new SnapshotError(`${where}: ${path}: ${v.length} items, more than ${limits.maxArray}`);
      for (let i = 0; i < v.length; i++) stack.push({ v: v[i], depth: depth + 1, path: `${path}[${i}]` });
    } else {
      for (const [k, x] of Object.entries(v)) stack.push({ v: x, depth: depth + 1, path: `${path}.${k}` });
    }
  }
}

const isObj = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

function checkContract(raw: unknown): string[] {
  const p: string[] = [];
  if (!isObj(raw)) return ['(top level): must be an object'];
  if (raw.hsmwatchSnapshot !== 1) p.push('hsmwatchSnapshot: must be 1');
  if (typeof raw.capturedAt !== 'string' || Number.isNaN(Date.parse(raw.capturedAt)))
    p.push('capturedAt: must be an ISO 8601 time');
  if (raw.region !== null && typeof raw.region !== 'string') p.push('region: must be a string or null');
  if (!isObj(raw.client)) p.push('client: must be an object');
  else if (raw.client.instanceId !== null && typeof raw.client.instanceId !== 'string')
    p.push('client.instanceId: must be a string or null');
  if (raw.ports !== undefined) {
    if (!Array.isArray(raw.ports) || raw.ports.length === 0 || raw.ports.length > 1024)
      p.push('ports: must be a list of 1 to 1024 ports');
    else
      raw.ports.forEach((x, i) => {
        if (!Number.isInteger(x) || (x as number) < 1 || (x as number) > 65535)
          p.push(`ports[${i}]: must be a port 1-65535`);
      });
  }
  if (!isObj(raw.aws)) {
    p.push('aws: must be an object keyed by service:Operation');
    return p;
  }
  for (const [key, value] of Object.entries(raw.aws)) {
    if (key === PREFIX_LISTS) {
      if (!isObj(value)) p.push(`aws["${key}"]: must be an object keyed by prefix list id`);
      else
        for (const [id, v] of Object.entries(value)) {
          if (!isObj(v) || !Array.isArray(v.Entries))
            p.push(`aws["${key}"]["${id}"].Entries: must be a list`);
        }
      continue;
    }
    const field = LIST_FIELDS[key];
    if (!field) continue; // answers of operations hsmwatch does not read are kept, not judged
    if (!isObj(value)) p.push(`aws["${key}"]: must be an object`);
    else if (value[field] !== undefined && !Array.isArray(value[field]))
      p.push(`aws["${key}"].${field}: must be a list`);
    else if (Array.isArray(value[field])) {
      const bad = (value[field] as unknown[]).findIndex((x) => !isObj(x));
      if (bad >= 0) p.push(`aws["${key}"].${field}[${bad}]: must be an object`);
    }
  }
  return p;
}
