// Line wrapping for the terminal report: prose at spaces, shell commands at word boundaries with
// `\` continuations (so a wrapped command still pastes whole). Pure.

const ANSI = /\x1b\[[0-9;]*m/g;
export const visibleLength = (s: string) => s.replace(ANSI, '').length;

/**
 * Greedy word wrap: the first line starts with `first`, the others with `indent`. A word longer than
 * a line is never cut; it gets a line of its own.
 */
export function wrapText(text: string, width: number, indent: string, first = indent): string[] {
  const words = text.split(' ').filter((w) => w !== '');
  const lines: string[] = [];
  let line = first;
  let empty = true;
  for (const w of words) {
    if (!empty && visibleLength(line) + 1 + visibleLength(w) > width) {
      lines.push(line);
      line = indent;
      empty = true;
    }
    line += empty ? w : ` ${w}`;
    empty = false;
  }
  lines.push(line);
  return lines;
}

/** Splits at spaces outside single and double quotes (the words of one shell command). */
export function shellWords(cmd: string): string[] {
  const words: string[] = [];
  let cur = '';
  let quote: string | null = null;
  for (const ch of cmd) {
    if (quote) {
      if (ch === quote) quote = null;
      cur += ch;
    } else if (ch === "'" || ch === '"') {
      quote = ch;
      cur += ch;
    } else if (ch === ' ') {
      if (cur) words.push(cur);
      cur = '';
    } else cur += ch;
  }
  if (cur) words.push(cur);
  return words;
}

/**
 * One shell command over as many lines as it needs: each broken line ends with ` \`, continuation
 * lines are indented two more; `suffix` (e.g. ` &&`) closes the last line.
 */
export function wrapCommand(cmd: string, width: number, indent: string, suffix = ''): string[] {
  const words = shellWords(cmd);
  const lines: string[] = [];
  let line = indent;
  let empty = true;
  for (const [i, w] of words.entries()) {
    const last = i === words.length - 1;
    const room = width - (last ? suffix.length : 2);
    if (!empty && line.length + 1 + w.length > room) {
      lines.push(`${line} \\`);
      line = `${indent}  `;
      empty = true;
    }
    line += empty ? w : ` ${w}`;
    empty = false;
  }
  lines.push(line + suffix);
  return lines;
}
