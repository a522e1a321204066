// Reads a snapshot file defensively: bounded size, depth and array lengths, the contract's types
// checked, each problem named by its JSON path. A hostile file is rejected, never half-analysed.
import { isIP } from 'node:net';
import { z } from 'zod';
import { describeIssues, describeValue, formatPath, printable } from '../config/issues.js';
import { readBoundedText } from '../util/files.js';
import { awsAnswers } from './aws-shapes.js';
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

export function readSnapshotFile(path: string, limits = SNAPSHOT_LIMITS): Snapshot {
  const read = readBoundedText(path, limits.maxBytes);
  if (!read.ok)
    throw new SnapshotError(
      read.code === 'TOO_LARGE'
        ? `${path}: the snapshot is ${read.reason.replace(/^too large: /, '')}`
        : `${path}: cannot read the snapshot (${read.reason})`,
    );
  return parseSnapshot(read.text, path, limits);
}

export function parseSnapshot(text: string, where: string, limits = SNAPSHOT_LIMITS): Snapshot {
  if (text.length > limits.maxBytes)
    throw new SnapshotError(`${where}: larger than ${limits.maxBytes} bytes`);
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new SnapshotError(`${where}: not JSON (${printable((e as Error).message, 200)})`);
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
      throw new SnapshotError(
        `${where}: ${printable(path, 300)}: nested deeper than ${limits.maxDepth} levels`,
      );
    if (Array.isArray(v)) {
      if (v.length > limits.maxArray)
        throw new SnapshotError(
          `${where}: ${printable(path, 300)}: ${v.length} items, more than ${limits.maxArray}`,
        );
      for (let i = 0; i < v.length; i++) stack.push({ v: v[i], depth: depth + 1, path: `${path}[${i}]` });
    } else {
      for (const [k, x] of Object.entries(v)) stack.push({ v: x, depth: depth + 1, path: `${path}.${k}` });
    }
  }
}

const isObj = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

const ipAddress = z
  .string({ error: 'must be an IP address' })
  .refine((v) => isIP(v) !== 0, { message: 'must be an IP address' });
const sourceSchema = z.strictObject({
  hsmIp: ipAddress,
  sourceIp: ipAddress.nullable(),
});
const text = z.string({ error: 'must be a string or null' }).nullable();
const ecsTaskSchema = z.strictObject(
  {
    taskArn: z
      .string({ error: 'must be the task ARN' })
      .regex(/^arn:aws[a-z-]*:ecs:/, 'must be the task ARN'),
    cluster: text,
    launchType: text,
    availabilityZone: text,
    vpcId: text,
    addresses: z.array(ipAddress).max(64),
    subnetCidrs: z.array(z.string({ error: 'must be a CIDR block' })).max(64),
  },
  { error: 'must be an object' },
);

const snapshotSchema = z.looseObject({
  hsmwatchSnapshot: z.literal(1, { error: 'must be 1' }),
  capturedAt: z
    .string({ error: 'must be an ISO 8601 time' })
    .refine((t) => !Number.isNaN(Date.parse(t)), { message: 'must be an ISO 8601 time' }),
  region: z.string({ error: 'must be a string or null' }).nullable(),
  client: z.looseObject({
    instanceId: z.string({ error: 'must be a string or null' }).nullable(),
    sources: z.array(sourceSchema, { error: 'must be a list of {hsmIp, sourceIp}' }).max(1024).optional(),
    ecsTask: ecsTaskSchema.optional(),
  }),
  ports: z
    .array(z.number().int().min(1).max(65535))
    .min(1, { error: 'must be a list of 1 to 1024 ports' })
    .max(1024, { error: 'must be a list of 1 to 1024 ports' })
    .optional(),
  aws: awsAnswers,
  clientConfig: z.unknown().optional(),
});

/** Every contract problem, each with its JSON path, in document order (the first one first). */
function checkContract(raw: unknown): string[] {
  if (!isObj(raw)) return [`(top level): must be an object, not ${describeValue(raw)}`];
  const r = snapshotSchema.safeParse(raw);
  if (r.success) return [];
  return describeIssues(r.error.issues, raw).map(
    (p) => `${formatPath(p.path) || '(top level)'}: ${p.message}`,
  );
}
