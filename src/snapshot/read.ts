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

/**
 * Depth, array length and node count, walked without recursion. The walk keeps no paths (a large
 * estate has millions of values); when a limit is crossed, the walk with paths runs from the start and
 * throws what it finds first, so the message is the one that walk alone would give.
 */
function checkShape(root: unknown, where: string, limits: typeof SNAPSHOT_LIMITS): void {
  const values: unknown[] = [root];
  const depths: number[] = [0];
  let nodes = 0;
  while (values.length) {
    const v = values.pop();
    const depth = depths.pop()!;
    if (++nodes > limits.maxNodes) checkShapeWithPaths(root, where, limits);
    if (v === null || typeof v !== 'object') continue;
    if (depth >= limits.maxDepth) checkShapeWithPaths(root, where, limits);
    if (Array.isArray(v)) {
      if (v.length > limits.maxArray) checkShapeWithPaths(root, where, limits);
      for (let i = 0; i < v.length; i++) {
        values.push(v[i]);
        depths.push(depth + 1);
      }
    } else {
      for (const k in v) {
        if (!Object.hasOwn(v, k)) continue;
        values.push((v as Record<string, unknown>)[k]);
        depths.push(depth + 1);
      }
    }
  }
}

/** The same walk, naming each value's JSON path: throws on the first limit crossed. */
function checkShapeWithPaths(root: unknown, where: string, limits: typeof SNAPSHOT_LIMITS): never {
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
  throw new SnapshotError(`${where}: exceeds the snapshot limits`);
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
  estate: z
    .strictObject(
      {
        vpcIds: z
          .array(z.string().regex(/^vpc-[0-9a-f]{8,17}$/, 'must be a VPC id vpc-…'), {
            error: 'must be a list of VPC ids',
          })
          .max(10_000),
      },
      { error: 'must be an object {vpcIds}' },
    )
    .optional(),
});

/** Every contract problem, each with its JSON path, in document order (the first one first). */
function checkContract(raw: unknown): string[] {
  if (!isObj(raw)) return [`(top level): must be an object, not ${describeValue(raw)}`];
  if (conforms(snapshotSchema, raw)) return [];
  const r = snapshotSchema.safeParse(raw);
  if (r.success) return [];
  return describeIssues(r.error.issues, raw).map(
    (p) => `${formatPath(p.path) || '(top level)'}: ${p.message}`,
  );
}

// zod's parse copies every object it checks, which for an estate of tens of thousands of interfaces is
// most of the reading time. conforms() walks the same schema without copying and answers true only
// where zod would accept the value; for anything it does not handle, or any doubt, it answers false
// and zod decides (and names the problems).
interface ZodInternals {
  _zod: {
    def: {
      type: string;
      checks?: ZodInternals[];
      coerce?: boolean;
      innerType?: ZodInternals;
      element?: ZodInternals;
      shape?: Record<string, ZodInternals>;
      catchall?: ZodInternals;
      keyType?: ZodInternals;
      valueType?: ZodInternals;
      check?: string;
      when?: (payload: { value: unknown; issues: unknown[] }) => boolean;
    };
    values?: Set<unknown>;
    optin?: string;
    optout?: string;
    traits: Set<string>;
    check?: (payload: { value: unknown; issues: unknown[] }) => unknown;
  };
}

// Checks that only look at the value (no transforms): the ones this file's schemas use.
const PURE_CHECKS = new Set([
  'max_length',
  'min_length',
  'number_format',
  'greater_than',
  'less_than',
  'custom',
  'string_format',
]);

function conforms(schema: ZodInternals | z.ZodType | undefined, v: unknown): boolean {
  const z = (schema as ZodInternals | undefined)?._zod;
  if (!z || z.traits.has('$ZodCheck') || z.def.coerce) return false;
  if (!baseConforms(z, v)) return false;
  for (const ch of z.def.checks ?? []) {
    const c = ch._zod;
    if (!c.def.check || !PURE_CHECKS.has(c.def.check) || !c.check) return false;
    const payload = { value: v, issues: [] as unknown[] };
    if (c.def.when && !c.def.when(payload)) continue;
    if (c.check(payload) instanceof Promise || payload.issues.length) return false;
  }
  return true;
}

function baseConforms(z: ZodInternals['_zod'], v: unknown): boolean {
  const def = z.def;
  switch (def.type) {
    case 'string':
      return typeof v === 'string';
    case 'number':
      return typeof v === 'number' && Number.isFinite(v);
    case 'boolean':
      return typeof v === 'boolean';
    case 'unknown':
      return true;
    case 'literal':
    case 'enum':
      return z.values?.has(v) === true;
    case 'optional':
      return v === undefined || conforms(def.innerType, v);
    case 'nullable':
      return v === null || conforms(def.innerType, v);
    case 'array':
      return Array.isArray(v) && v.every((x) => conforms(def.element, x));
    case 'object':
      return objectConforms(def, v);
    case 'record':
      return recordConforms(def, v);
    default:
      return false;
  }
}

function objectConforms(def: ZodInternals['_zod']['def'], v: unknown): boolean {
  if (!isObj(v) || !def.shape) return false;
  for (const key in def.shape) {
    const field = def.shape[key]!;
    if (!(key in v)) {
      // Absent: fine only for an optional field.
      if (field._zod.optin !== 'optional' || field._zod.optout !== 'optional') return false;
      continue;
    }
    if (!conforms(field, v[key])) return false;
  }
  const rest = def.catchall?._zod.def.type;
  // No catchall: zod drops unknown keys; unknown: it keeps them; never: they are errors.
  if (rest === undefined || rest === 'unknown') return true;
  if (rest !== 'never') return false;
  for (const key in v) if (!Object.hasOwn(def.shape, key)) return false;
  return true;
}

function recordConforms(def: ZodInternals['_zod']['def'], v: unknown): boolean {
  const key = def.keyType?._zod;
  if (key?.def.type !== 'string' || key.def.checks?.length || key.def.coerce) return false;
  if (!isObj(v) || Object.getPrototypeOf(v) !== Object.prototype || Object.hasOwn(v, 'constructor'))
    return false;
  for (const k of Reflect.ownKeys(v)) {
    if (typeof k !== 'string' || k === '__proto__') return false;
    if (!conforms(def.valueType, v[k])) return false;
  }
  return true;
}
