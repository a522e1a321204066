// Schema problems as an operator reads them: the path of the bad field and why, in words ("must be
// an integer, not the string \"twenty-two\""), never zod's bare "Invalid input". One formatter for
// the config file, the flags, the web config and the snapshot, so every one of them says the reason.
import type { z } from 'zod';

export type IssuePath = ReadonlyArray<PropertyKey>;

export interface Problem {
  path: PropertyKey[];
  message: string;
}

type Issue = z.core.$ZodIssue;

const EXPECTED: Record<string, string> = {
  string: 'a string',
  number: 'a number',
  int: 'an integer',
  boolean: 'true or false',
  array: 'a list',
  object: 'an object',
  record: 'an object',
  map: 'an object',
  null: 'null',
  bigint: 'an integer',
};

/** Strings longer than this are described by their length only: a value misplaced in a file may be a secret. */
const ECHO_MAX = 16;

/** What a value is, for "not ...": short strings quoted (JSON-escaped), others only by length. */
export function describeValue(v: unknown): string {
  if (v === undefined) return 'missing';
  if (v === null) return 'null';
  if (typeof v === 'string')
    return v.length <= ECHO_MAX && !/^(AKIA|ASIA)/.test(v)
      ? `the string ${quote(v)}`
      : `a string of ${v.length} characters`;
  if (typeof v === 'number') return Number.isFinite(v) ? `the number ${v}` : String(v);
  if (typeof v === 'boolean') return String(v);
  if (Array.isArray(v)) return 'a list';
  if (v instanceof Date) return 'a date';
  if (typeof v === 'object') return 'an object';
  return `a ${typeof v}`;
}

function valueAt(root: unknown, path: IssuePath): unknown {
  let v = root;
  for (const k of path) {
    // Own keys only: a key such as "__proto__" or "constructor" must not reach the prototype.
    if (v === null || typeof v !== 'object' || !Object.hasOwn(v, k)) return undefined;
    v = (v as Record<PropertyKey, unknown>)[k as string];
  }
  return v;
}

const quoteList = (values: readonly unknown[]) =>
  values.map((x) => (typeof x === 'string' ? quote(x) : String(x))).join(', ');

/** A branch of a union failed only because the value had another type altogether. */
const wrongTypeOnly = (issues: readonly Issue[]) =>
  issues.every((i) => i.code === 'invalid_type' && i.path.length === 0);

/** Every problem of a failed parse of `input`, each with its full path and reason. */
export function describeIssues(issues: readonly Issue[], input: unknown): Problem[] {
  return issues.flatMap((i) => describe(i, [], input));
}

/** One line per problem, the first `max` of them: a file with thousands of bad entries stays readable. */
export function problemLines(lines: readonly string[], max = 20): string[] {
  return lines.length > max ? [...lines.slice(0, max), `... and ${lines.length - max} more`] : [...lines];
}

function describe(issue: Issue, prefix: PropertyKey[], input: unknown): Problem[] {
  const path = [...prefix, ...issue.path];
  const here = () => valueAt(input, path);
  switch (issue.code) {
    case 'invalid_type': {
      const v = here();
      if (v === undefined) return [{ path, message: 'is required' }];
      // A schema may say what it wants in its own words ("must be a string or null").
      if (issue.message && !issue.message.startsWith('Invalid input'))
        return [{ path, message: `${issue.message}, not ${describeValue(v)}` }];
      const want = EXPECTED[issue.expected] ?? issue.expected;
      return [{ path, message: `must be ${want}, not ${describeValue(v)}` }];
    }
    case 'invalid_union': {
      // The branch that got past the type check says the real reason (e.g. a list with a bad item).
      const deeper = issue.errors.find((branch) => branch.length > 0 && !wrongTypeOnly(branch));
      if (deeper) return deeper.flatMap((i) => describe(i, path, input));
      const v = describeValue(here());
      if (issue.message && issue.message !== 'Invalid input')
        return [{ path, message: `${issue.message}, not ${v}` }];
      const wants = [
        ...new Set(
          issue.errors.flatMap((b) =>
            b.map((i) => (i.code === 'invalid_type' ? (EXPECTED[i.expected] ?? i.expected) : '')),
          ),
        ),
      ].filter(Boolean);
      const want = wants.length > 1 ? `${wants.slice(0, -1).join(', ')} or ${wants.at(-1)}` : wants[0];
      return [{ path, message: want ? `must be ${want}, not ${v}` : `is not valid (${v})` }];
    }
    case 'invalid_key':
      // The key itself is wrong: name it, at the path of the mapping that holds it.
      return issue.issues.map((i) => ({
        path: path.slice(0, -1),
        message: `key ${quote(String(path.at(-1)))}: ${plain(i, input, path)}`,
      }));
    case 'invalid_element':
      return issue.issues.flatMap((i) => describe(i, path, input));
    case 'unrecognized_keys':
      return [
        {
          path,
          message: `unknown key${issue.keys.length > 1 ? 's' : ''} ${issue.keys
            .slice(0, 10)
            .map((k) => quote(k))
            .join(', ')}${issue.keys.length > 10 ? ` and ${issue.keys.length - 10} more` : ''}`,
        },
      ];
    default:
      return [{ path, message: plain(issue, input, path) }];
  }
}

/** The reason of an issue that is about the value, not its type. */
function plain(issue: Issue, input: unknown, path: IssuePath): string {
  const v = describeValue(valueAt(input, path));
  switch (issue.code) {
    case 'invalid_value':
      return issue.values.length === 1
        ? `must be ${quoteList(issue.values)}, not ${v}`
        : `must be one of ${quoteList(issue.values)}, not ${v}`;
    case 'too_small':
    case 'too_big': {
      // A schema's own words win over the generic ones.
      if (!/^Too (small|big)/.test(issue.message)) {
        const at = valueAt(input, path);
        return `${issue.message}, not ${Array.isArray(at) ? `${at.length} item(s)` : v}`;
      }
      const bound = issue.code === 'too_small' ? issue.minimum : issue.maximum;
      const word = issue.code === 'too_small' ? 'at least' : 'at most';
      const strictWord = issue.code === 'too_small' ? 'more than' : 'less than';
      const cmp = issue.inclusive === false ? strictWord : word;
      if (issue.origin === 'array' || issue.origin === 'set')
        return `must have ${cmp} ${String(bound)} item(s)`;
      if (issue.origin === 'string')
        return issue.code === 'too_small' && Number(bound) === 1 && issue.inclusive !== false
          ? 'must not be empty'
          : `must be ${cmp} ${String(bound)} character(s) long`;
      return `must be ${cmp} ${String(bound)}, not ${v}`;
    }
    case 'not_multiple_of':
      return `must be a multiple of ${String(issue.divisor)}, not ${v}`;
    default:
      // Custom checks and formats carry their own "must ..." message.
      return issue.message;
  }
}

/** `a.b[0]["service:Op"]`: identifiers dotted, numbers and other keys bracketed. */
export function formatPath(path: IssuePath, root = ''): string {
  let out = root;
  for (const k of path) {
    if (typeof k === 'number') {
      out += `[${k}]`;
      continue;
    }
    // Keys come from the file: cut long ones, escape the rest (no raw control bytes to a terminal).
    const key = String(k).length > 64 ? `${String(k).slice(0, 64)}…` : String(k);
    if (/^[A-Za-z_$][\w$-]*$/.test(key)) out += out === '' ? key : `.${key}`;
    else out += `[${quote(key)}]`;
  }
  return out;
}

/**
 * A string from a file, quoted for a message: JSON escapes C0 controls, printable() the rest (DEL,
 * C1 controls such as CSI, line separators); cut at 64 characters.
 */
function quote(s: string): string {
  return printable(JSON.stringify(s.length > 64 ? `${s.slice(0, 64)}…` : s), 200);
}

/** Text from a file or a peer made safe for a terminal: control bytes escaped, length capped. */
export function printable(text: string, max = 200): string {
  const cut = text.length > max ? `${text.slice(0, max)}…` : text;
  return cut.replace(
    /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}
