// The status page in a real headless Chromium: it leads with the report's verdict in the colour of
// its status, and the HSM × port matrix shows the scenario's states, with no JavaScript at all. A
// screenshot is kept under test-artifacts/.
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HsmTarget, Report } from '../../src/model/index.js';
import { verdictOf } from '../../src/report/verdict.js';
import {
  type AgentOnWorld,
  type AgentProcess,
  needTool,
  ROOT,
  startAgentOnWorld,
  tempDir,
} from './helpers.js';

const CHROMIUM = '/usr/bin/chromium';

/** The HSM targets behind a report's paths: all verdictOf reads of them (cluster, HSM, address). */
const targetsOf = (report: Report): HsmTarget[] =>
  [...new Map(report.paths.map((p) => [p.eniIp, p])).values()].map((p) => ({
    clusterId: p.clusterId,
    hsmId: p.hsmId,
    eniId: null,
    ip: p.eniIp,
    family: p.eniIp.includes(':') ? (6 as const) : (4 as const),
    az: null,
    subnetId: null,
    state: 'ACTIVE' as const,
  }));
/**
 * Without the resolver rule, Chromium still resolves update.googleapis.com through the machine's
 * resolver (seen under strace) despite --disable-component-update: every name but loopback is
 * answered NOTFOUND inside the browser, so nothing leaves loopback.
 */
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1',
];

describe.skipIf(!needTool('chromium'))('status page in headless Chromium (scenario hsm-down)', () => {
  let run: AgentOnWorld;
  let agent: AgentProcess;

  beforeAll(async () => {
    run = await startAgentOnWorld('hsm-down', 64, 'page');
    ({ agent } = run);
  });

  afterAll(async () => {
    await run?.stop();
  });

  it('shows the matrix with the down HSM refused and the others open, readable without JavaScript', async () => {
    const { chromium } = await import('playwright-core');
    const profile = tempDir('chromium');
    // A fresh profile each run: Playwright takes it as the persistent context's directory.
    const context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      javaScriptEnabled: false,
      viewport: { width: 1280, height: 900 },
      args: CHROMIUM_ARGS,
      timeout: 20_000,
    });
    try {
      const page = await context.newPage();
      const res = await page.goto(`${agent.url}/`, { timeout: 10_000 });
      expect(res?.status()).toBe(200);
      expect(await page.title()).toBe('hsmwatch agent');
      const rows = await page.$$eval('#matrix tbody tr', (trs) =>
        trs.map((tr) => ({
          ip: tr.getAttribute('data-ip'),
          cells: [...tr.querySelectorAll('td[data-state]')].map((td) => ({
            port: td.getAttribute('data-port'),
            state: td.getAttribute('data-state'),
            text: (td.textContent ?? '').trim(),
            bg: (
              globalThis as unknown as { getComputedStyle(e: unknown): { backgroundColor: string } }
            ).getComputedStyle(td).backgroundColor,
          })),
        })),
      );
      expect(rows.map((r) => r.ip)).toEqual(['127.0.141.11', '127.0.142.11', '127.0.143.11']);
      for (const r of rows) {
        expect(r.cells.map((c) => c.port)).toEqual(['2223', '2224', '2225']);
        for (const c of r.cells) {
          expect(c.state).toBe(r.ip === '127.0.142.11' ? 'refused' : 'open');
          expect(c.text.startsWith(c.state!)).toBe(true);
          // Colour carries the state too: red for refused, green for open.
          expect(c.bg).toBe(c.state === 'open' ? 'rgb(218, 251, 225)' : 'rgb(255, 235, 233)');
        }
      }
      // The page leads with the text report's verdict: hsm-down fails, so the line is red.
      const verdict = await page.$eval('h1 + p#verdict', (p) => {
        const style = (
          globalThis as unknown as {
            getComputedStyle(e: unknown): { backgroundColor: string; borderLeftColor: string; color: string };
          }
        ).getComputedStyle(p);
        return {
          status: p.getAttribute('data-status'),
          mark: p.querySelector('.mark')?.textContent,
          text: p.querySelector('.text')?.textContent,
          bg: style.backgroundColor,
          border: style.borderLeftColor,
          color: style.color,
        };
      });
      const report = (await (await fetch(`${agent.url}/report`)).json()) as Report;
      expect(verdict).toEqual({
        status: 'fail',
        mark: '✗',
        text: verdictOf(report, targetsOf(report)).text,
        bg: 'rgb(255, 235, 233)',
        border: 'rgb(207, 34, 46)',
        color: 'rgb(130, 7, 30)',
      });
      expect(verdict.text).toMatch(/^1 of 3 HSMs unreachable from eni-[0-9a-f]+: /);
      const text = await page.textContent('body');
      expect(text).toContain('discovery ok');
      expect(text).toContain('hsm.reachable');
      expect(await page.$$eval('#probes tbody tr', (trs) => trs.length)).toBeGreaterThanOrEqual(1);
      mkdirSync(join(ROOT, 'test-artifacts'), { recursive: true });
      await page.screenshot({ path: join(ROOT, 'test-artifacts', 'agent-status-page.png'), fullPage: true });
      // Resolution is pinned inside the browser: the name it used to look up is not found, and no
      // query reaches the machine's resolver.
      const outside = await page
        .goto('http://update.googleapis.com/', { timeout: 10_000 })
        .catch((e: Error) => e);
      expect(String(outside)).toMatch(/ERR_NAME_NOT_RESOLVED/);
    } finally {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    }
  }, 45_000);
});
