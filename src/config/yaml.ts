// YAML text → plain values, for the config file and the web config. The parser is loaded only when
// there is a file to read (synchronously: SIGHUP reloads are synchronous).
import { createRequire } from 'node:module';
import { ConfigError } from './errors.js';
import { printable } from './issues.js';

const yaml = () => createRequire(import.meta.url)('yaml') as typeof import('yaml');

/**
 * One YAML document as plain values (null for an empty file). Aliases are capped, so a "billion
 * laughs" file is refused rather than expanded; duplicate keys and deep nesting are refused too.
 * Any failure of the parser is a ConfigError naming the file and the first problem.
 */
export function parseYaml(text: string, where: string): unknown {
  try {
    const doc = yaml().parseDocument(text, { prettyErrors: true, uniqueKeys: true });
    if (doc.errors.length) throw doc.errors[0];
    return doc.toJS({ maxAliasCount: 100 }) ?? null;
  } catch (e) {
    const msg = String((e as Error)?.message ?? e);
    // Deep nesting overflows the parser's recursion: say so rather than "Maximum call stack".
    const first = /call stack/i.test(msg) ? 'nested too deeply' : msg.split('\n')[0]!.replace(/:$/, '');
    throw new ConfigError(`${where}: not valid YAML: ${printable(first)}`);
  }
}
