// On a real (pseudo-)terminal of 80 columns: the progress line never wraps and clears itself, so the
// screen holds the report and nothing else.
import { describe, expect, it } from 'vitest';
import { BIN } from '../support/cli.js';
import { emulate, runOnTerminal } from '../support/terminal.js';

const SPINNER = /[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏]/;

describe('hsmwatch on a terminal', () => {
  it.each([80, 120])('demo at %i columns leaves no progress rows behind', async (columns) => {
    const r = await runOnTerminal(
      [process.execPath, BIN, 'demo', '--scenario', 'hsm-down', '--timeout', '1s'],
      {
        columns,
        env: { AWS_EC2_METADATA_DISABLED: 'true' },
      },
    );
    expect(r.code).toBe(1);
    expect(r.output).toMatch(SPINNER); // the progress line was drawn...
    const screen = emulate(r.output, columns);
    // ...and every trace of it is gone: no spinner, no progress text, no row it wrapped into.
    expect(screen.rows.filter((row) => SPINNER.test(row))).toEqual([]);
    expect(screen.rows.filter((row) => /^(running|reading|asking CloudHSM)/.test(row))).toEqual([]);
    expect(screen.wrapped.filter((row) => SPINNER.test(row))).toEqual([]);
    expect(screen.rows.some((row) => row.startsWith('✗ 1 of 3 HSMs unreachable'))).toBe(true);
  });
});
