// The text report at 80 columns, for every path scenario and demo snapshot: the verdict leads, every
// line fits (only an unbreakable word may overflow), and each fix command, joined back from its
// wrapped lines, is exactly the one in the JSON report and parses as the AWS CLI would.
import { describe, expect, it } from 'vitest';
import { PROBES } from '../../probes/index.js';
import { analyzeSnapshot } from '../../src/diagnosis/analyze.js';
import type { Report } from '../../src/model/index.js';
import { makeStyle, renderText } from '../../src/report/text.js';
import { wrapCommand, wrapText } from '../../src/report/wrap.js';
import { loadScenario } from '../../src/sim/scenario.js';
import { parseAwsCli } from '../netpath/aws-cli-parse.js';
import { netpathScenarios, staticSettings } from '../netpath/support.js';

const WIDTH = 80;
const cases = [
  ...netpathScenarios().map((s) => ({ name: s.file, snapshot: s.scenario.snapshot })),
  ...['healthy', 'sg-blocked', 'nacl-return-blocked', 'port-blocked'].map((n) => ({
    name: `demo ${n}`,
    snapshot: loadScenario(n).snapshot,
  })),
];

/** The `aws …` commands of the text, each joined back from its `\`-continued lines. */
function commandsIn(text: string): string[] {
  const out: string[] = [];
  let cur: string | null = null;
  for (const line of text.split('\n')) {
    const t = line.trim();
    if (cur === null && !t.startsWith('aws ')) continue;
    cur = cur === null ? t : `${cur} ${t}`;
    if (cur.endsWith(' \\')) cur = cur.slice(0, -2);
    else {
      out.push(...cur.replace(/ &&$/, '').split(' && '));
      cur = null;
    }
  }
  return out;
}

describe('text report at 80 columns', () => {
  for (const c of cases) {
    it(c.name, async () => {
      const d = await analyzeSnapshot(c.snapshot, staticSettings(), PROBES);
      const text = renderText(d.report, d.env, makeStyle(false), { width: WIDTH });
      const lines = text.split('\n');
      expect(lines[0]).toMatch(/^[✓!✗] \S/);
      for (const line of lines) {
        if ([...line].length <= WIDTH) continue;
        // Over the width only when one word alone is too long to fit a line.
        expect(
          line
            .trim()
            .split(' ')
            .some((w) => [...w].length > WIDTH - 12),
          line,
        ).toBe(true);
      }
      const fromJson = d.report.findings.flatMap((f) =>
        f.remediation?.startsWith('aws ') ? f.remediation.split(' && ') : [],
      );
      const fromText = commandsIn(text).filter((cmd) => cmd.startsWith('aws ec2'));
      expect(fromText).toEqual(fromJson.filter((cmd) => cmd.startsWith('aws ec2')));
      for (const cmd of fromText) expect(() => parseAwsCli(cmd), cmd).not.toThrow();
      // Complete commands: no placeholder, and the region named.
      for (const cmd of commandsIn(text)) {
        expect(cmd).not.toMatch(/<[a-z-]+>/);
        expect(cmd).toContain(`--region ${d.env.region}`);
      }
    });
  }

  it('lists passes only with verbose, and always counts them', async () => {
    const d = await analyzeSnapshot(loadScenario('healthy').snapshot, staticSettings(), PROBES);
    const brief = renderText(d.report, d.env, makeStyle(false), { width: WIDTH });
    const verbose = renderText(d.report, d.env, makeStyle(false), { width: WIDTH, verbose: true });
    const passes = d.report.summary.pass;
    expect(brief).toMatch(
      new RegExp(`^Summary: 0 fail, ${passes} pass \\(--verbose lists the passes\\)$`, 'm'),
    );
    expect(brief).not.toContain('PASS (');
    expect(verbose).toContain(`PASS (${passes})`);
    expect(brief.split('\n')[0]).toMatch(/^✓ /);
  });

  it('shows the live state and the static verdict as separate words', async () => {
    const d = await analyzeSnapshot(loadScenario('healthy').snapshot, staticSettings(), PROBES);
    const report: Report = structuredClone(d.report);
    for (const p of report.paths) if (p.eniIp === '127.0.2.11') p.live = { state: 'refused', connectMs: 0.2 };
    for (const p of report.paths) if (p.eniIp !== '127.0.2.11') p.live = { state: 'open', connectMs: 0.41 };
    const text = renderText(report, d.env, makeStyle(false), { width: WIDTH });
    expect(text).toMatch(/ADDRESS\s+2223\s+2224\s+2225\s+PATH\n/);
    expect(text).toMatch(/127\.0\.2\.11\s+refused\s+refused\s+refused\s+allowed\n/);
    expect(text).toMatch(/127\.0\.1\.11\s+open 0\.41ms\s+open 0\.41ms\s+open 0\.41ms\s+allowed\n/);
  });
});

describe('wrapping', () => {
  it('never cuts a word, and indents what follows', () => {
    expect(wrapText('aaa bbb ccc ddd', 9, '  ', '')).toEqual(['aaa bbb', '  ccc ddd']);
    expect(wrapText('x averyveryverylongword y', 8, ' ')).toEqual([' x', ' averyveryverylongword', ' y']);
  });

  it('continues a command with backslashes that a shell joins back', () => {
    const cmd = "aws ec2 describe-x --region us-east-1 --query 'A[].B C' --filters Name=a,Values=b";
    const lines = wrapCommand(cmd, 30, '  ', ' &&');
    for (const l of lines.slice(0, -1)) expect(l.endsWith(' \\')).toBe(true);
    expect(lines.at(-1)!.endsWith(' &&')).toBe(true);
    expect(lines.join('\n')).toContain("'A[].B C'"); // a quoted word with a space stays one word
    expect(
      lines
        .map((l) => l.trim().replace(/ \\$/, ''))
        .join(' ')
        .replace(/ &&$/, ''),
    ).toBe(cmd);
  });
});
