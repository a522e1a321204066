// A pseudo-terminal run (util-linux `script`) and a minimal screen model of what the user sees:
// enough VT100 (CR, LF, erase to end of line, SGR colours, autowrap) to tell whether a redrawn
// line left rows behind.
import { spawn } from 'node:child_process';

export interface Screen {
  rows: string[];
  /** Rows started by autowrap, with the text of the row that overflowed. */
  wrapped: string[];
}

export function emulate(output: string, columns: number): Screen {
  const rows: string[][] = [[]];
  const wrapped: string[] = [];
  let row = 0;
  let col = 0;
  for (let i = 0; i < output.length; i++) {
    const ch = output[i]!;
    if (ch === '\x1b') {
      const m = /^\x1b\[([0-9;?]*)([A-Za-z])/.exec(output.slice(i));
      if (m) {
        if (m[2] === 'K') rows[row]!.length = Math.min(rows[row]!.length, col);
        i += m[0].length - 1;
      }
      continue;
    }
    if (ch === '\r') col = 0;
    else if (ch === '\n') {
      row++;
      col = 0;
      rows[row] ??= [];
    } else {
      if (col >= columns) {
        wrapped.push(rows[row]!.join(''));
        row++;
        col = 0;
        rows[row] ??= [];
      }
      const line = rows[row]!;
      while (line.length < col) line.push(' ');
      line[col++] = ch;
    }
  }
  return { rows: rows.map((r) => r.join('').trimEnd()), wrapped };
}

/** Runs a command on a pseudo-terminal of `columns` columns; resolves with what it wrote there. */
export function runOnTerminal(
  argv: string[],
  o: { columns: number; env?: NodeJS.ProcessEnv; timeoutMs?: number },
): Promise<{ code: number | null; output: string }> {
  const quoted = argv.map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
  return new Promise((resolve, reject) => {
    const child = spawn('script', ['-qfec', `stty cols ${o.columns} rows 40; exec ${quoted}`, '/dev/null'], {
      env: { ...process.env, TERM: 'xterm', ...o.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${argv.join(' ')} did not finish on the terminal in time`));
    }, o.timeoutMs ?? 60_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, output: output.replace(/\r\n/g, '\n') });
    });
  });
}
