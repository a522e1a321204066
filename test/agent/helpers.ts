// Shared by the agent tests: a simulated world, the built agent as a child process, a real
// Prometheus on loopback. Every wait is bounded.
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify as stringifyYaml } from 'yaml';
import { loadScenario, type Scenario } from '../../src/sim/scenario.js';
import { startWorld, type World } from '../../src/sim/world.js';
import { packageRoot } from '../../src/util/paths.js';
import { worldConfig } from '../support/world.js';

export const ROOT = packageRoot();
export const CLI = join(ROOT, 'bin', 'hsmwatch.js');

export function requireBuild(): void {
  if (!existsSync(join(ROOT, 'dist', 'src', 'agent', 'index.js')))
    throw new Error('dist/ has no agent: run `npm run build` first (npm test does)');
}

export function tempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), `hsmwatch-${prefix}-`));
}

/**
 * A scenario's world with its HSM subnets moved from 127.0.N.0/24 to 127.0.(100 + 10·(net − 60) + N).0/24
 * (inside the scenario VPC's 127.0.0.0/16), so test files that run at the same time, and the demo
 * tests of other files, never compete for the same listeners. `net` is 61..69, one per test file.
 */
export async function startSimWorld(
  name: string,
  net: number,
  patch: (s: Scenario) => void = () => {},
): Promise<World> {
  const scenario = relocate(loadScenario(name), net);
  patch(scenario);
  return startWorld(scenario, { inPrivateNetns: false });
}

export const relocatedIp = (ip: string, net: number) =>
  ip.replace(/^127\.0\.(\d+)\./, (_m, n: string) => `127.0.${100 + 10 * (net - 60) + Number(n)}.`);

export function relocate(scenario: Scenario, net: number): Scenario {
  if (net < 61 || net > 69) throw new Error('net must be 61..69');
  const text = JSON.stringify(scenario).replace(/"127\.0\.(\d+)\.(\d+)(\/24)?"/g, (m, n: string) =>
    n === '0' ? m : `"${relocatedIp(m.slice(1, -1), net)}"`,
  );
  return JSON.parse(text) as Scenario;
}

/** Config pointing the agent at the simulated world (as `demo` does); `extra` is appended YAML. */
export function writeAgentConfig(dir: string, world: World, extra = ''): string {
  const config: Record<string, unknown> = { ...worldConfig(world), timeout: '500ms' };
  const path = join(dir, 'config.yaml');
  writeFileSync(
    path,
    [
      stringifyYaml(config).trimEnd(),
      'agent:',
      '  jitter: 0.05',
      '  intervals:',
      '    reachability: 1s',
      '    discovery: 2s',
      'web:',
      '  listenAddress: 127.0.0.1:0',
      extra,
    ].join('\n'),
  );
  return path;
}

export interface Waitable<T> {
  timeoutMs?: number;
  intervalMs?: number;
  what: string;
  fn: () => Promise<T | undefined | null | false> | T | undefined | null | false;
}

/** Polls until fn returns a truthy value: bounded in time and in count. */
export async function waitFor<T>(w: Waitable<T>): Promise<T> {
  const timeoutMs = w.timeoutMs ?? 15_000;
  const intervalMs = w.intervalMs ?? 100;
  const end = Date.now() + timeoutMs;
  let last: unknown;
  for (let i = 0; i < Math.ceil(timeoutMs / intervalMs) + 1 && Date.now() <= end; i++) {
    try {
      const v = await w.fn();
      if (v) return v as T;
    } catch (e) {
      last = e;
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
  throw new Error(
    `timed out after ${timeoutMs} ms waiting for ${w.what}${last ? ` (last error: ${last})` : ''}`,
  );
}

/** A child process of the built CLI whose output is captured. */
export interface Spawned {
  proc: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Sends the signal and waits for the exit, SIGKILL past the deadline. */
  stop(
    signal?: NodeJS.Signals,
    deadlineMs?: number,
  ): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

export interface SpawnOptions {
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  cli?: string;
  /** A command that runs the CLI's command line (it must exec it, so signals reach the CLI). */
  wrap?: string[];
}

/** Starts the built CLI with `args`, capturing stdout and stderr. */
export function spawnCli(args: string[], o: SpawnOptions = {}): Spawned {
  requireBuild();
  const [cmd, ...rest] = [...(o.wrap ?? []), process.execPath, o.cli ?? CLI, ...args];
  const proc = spawn(cmd!, rest, {
    cwd: o.cwd ?? ROOT,
    env: { ...process.env, ...o.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  proc.stdout!.setEncoding('utf8').on('data', (d: string) => {
    out += d;
  });
  proc.stderr!.setEncoding('utf8').on('data', (d: string) => {
    err += d;
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    proc.once('exit', (code, signal) => resolve({ code, signal })),
  );
  return {
    proc,
    stdout: () => out,
    stderr: () => err,
    exited,
    async stop(signal = 'SIGTERM', deadlineMs = 15_000) {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill(signal);
      const t = setTimeout(() => proc.kill('SIGKILL'), deadlineMs);
      const r = await exited;
      clearTimeout(t);
      return r;
    },
  };
}

export interface AgentProcess {
  proc: ChildProcess;
  url: string;
  logs: () => Array<Record<string, unknown>>;
  stdout: () => string;
  stderr: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  stop(): Promise<void>;
}

/** Starts `hsmwatch agent` and resolves once it logs where it listens. */
export async function startAgent(args: string[], o: SpawnOptions = {}): Promise<AgentProcess> {
  const run = spawnCli(['agent', '--log.format', 'json', ...args], o);
  const logs = () =>
    run
      .stdout()
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as Record<string, unknown>);
  let gone = false;
  void run.exited.then(() => {
    gone = true;
  });
  const url = await waitFor({
    what: 'the agent to listen',
    timeoutMs: 15_000,
    fn: () => {
      if (gone) throw new Error(`agent exited: ${run.stderr()}${run.stdout()}`);
      return logs().find((l) => l.msg === 'hsmwatch agent listening')?.url as string | undefined;
    },
  });
  return {
    proc: run.proc,
    url,
    logs,
    stdout: run.stdout,
    stderr: run.stderr,
    exited: run.exited,
    async stop() {
      if (!gone) await run.stop();
    },
  };
}

/** Runs the agent until it exits by itself (a refused config): code and output. */
export async function runAgentToExit(args: string[], timeoutMs = 15_000) {
  requireBuild();
  const proc = spawn(process.execPath, [CLI, 'agent', '--log.format', 'json', ...args], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  proc.stdout!.setEncoding('utf8').on('data', (d: string) => {
    out += d;
  });
  proc.stderr!.setEncoding('utf8').on('data', (d: string) => {
    out += d;
  });
  const t = setTimeout(() => proc.kill('SIGKILL'), timeoutMs);
  const code = await new Promise<number | null>((resolve) => proc.once('exit', (c) => resolve(c)));
  clearTimeout(t);
  return { code, out };
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

export function hasCommand(cmd: string): boolean {
  const paths = (process.env.PATH ?? '').split(':');
  return paths.some((p) => existsSync(join(p, cmd)));
}

/**
 * Whether a real peer (prometheus, chromium...) is installed. Tests skip without it on a developer
 * machine; under CI (.ci/run installs them) a missing one is an error, never a silent skip.
 */
export function needTool(cmd: string): boolean {
  if (hasCommand(cmd)) return true;
  if (process.env.CI) throw new Error(`${cmd} is not installed; .ci/run installs it with apt-get`);
  console.warn(`SKIP: ${cmd} is not installed (apt-get install it to run these tests)`);
  return false;
}

export interface PromServer {
  url: string;
  query(expr: string): Promise<Array<{ metric: Record<string, string>; value: [number, string] }>>;
  stop(): Promise<void>;
}

/** A real Prometheus on loopback, scraping `targets` every second, with a temporary data dir. */
export async function startPrometheus(o: {
  target: string;
  scheme?: 'http' | 'https';
  extraJobConfig?: string;
  rules?: string[];
}): Promise<PromServer> {
  const dir = tempDir('prom');
  const port = await freePort();
  writeFileSync(
    join(dir, 'prometheus.yml'),
    [
      'global:',
      '  scrape_interval: 1s',
      '  evaluation_interval: 1s',
      ...(o.rules?.length ? ['rule_files:', ...o.rules.map((r) => `  - ${JSON.stringify(r)}`)] : []),
      'scrape_configs:',
      '  - job_name: hsmwatch',
      '    scrape_timeout: 900ms',
      `    scheme: ${o.scheme ?? 'http'}`,
      '    static_configs:',
      `      - targets: ['${o.target}']`,
      o.extraJobConfig ?? '',
    ].join('\n'),
  );
  const proc = spawn(
    'prometheus',
    [
      `--config.file=${join(dir, 'prometheus.yml')}`,
      `--storage.tsdb.path=${join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--web.enable-lifecycle',
      '--log.level=warn',
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let err = '';
  proc.stderr!.setEncoding('utf8').on('data', (d: string) => {
    err += d;
  });
  const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
  const url = `http://127.0.0.1:${port}`;
  try {
    await waitFor({
      what: 'Prometheus ready',
      timeoutMs: 15_000,
      fn: async () => (await fetch(`${url}/-/ready`)).ok,
    });
  } catch (e) {
    proc.kill('SIGKILL');
    throw new Error(`${(e as Error).message}\n${err}`);
  }
  return {
    url,
    async query(expr) {
      const r = await fetch(`${url}/api/v1/query?query=${encodeURIComponent(expr)}`);
      const body = (await r.json()) as { status: string; error?: string; data?: { result: never } };
      if (body.status !== 'success') throw new Error(`query ${expr}: ${body.error}`);
      return body.data!.result;
    },
    async stop() {
      await fetch(`${url}/-/quit`, { method: 'POST' }).catch(() => {});
      const t = setTimeout(() => proc.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(t);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface AgentOnWorld {
  world: World;
  dir: string;
  /** The agent's config file (tests rewrite it for reloads). */
  config: string;
  agent: AgentProcess;
  stop(): Promise<void>;
}

/** A scenario's world and the built agent pointed at it, ready (first round done). */
export async function startAgentOnWorld(
  scenario: string,
  net: number,
  prefix: string,
  patch?: (s: Scenario) => void,
  /** The agent's extra environment, given the run's temporary directory. */
  env?: (dir: string) => NodeJS.ProcessEnv,
): Promise<AgentOnWorld> {
  const world = await startSimWorld(scenario, net, patch);
  const dir = tempDir(prefix);
  const config = writeAgentConfig(dir, world);
  const agent = await startAgent(['--config', config], env ? { env: env(dir) } : {});
  await waitFor({ what: 'agent ready', fn: async () => (await fetch(`${agent.url}/-/ready`)).ok });
  return {
    world,
    dir,
    config,
    agent,
    async stop() {
      await agent.stop();
      await world.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
