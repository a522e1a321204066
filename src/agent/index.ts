// `hsmwatch agent`: discovery and probes on a schedule, results in memory, served over HTTP(S).
// SIGHUP reloads the configuration (a bad one is rejected and the running one kept); SIGTERM and
// SIGINT stop scheduling, let in-flight probes finish up to a deadline, close the server, exit 0.
import { ConfigError, type Settings, UsageError } from '../config/settings.js';
import type { ProbeDefinition } from '../core/probe.js';
import { selectProbes } from '../core/runner.js';
import { AwsProcess } from './aws-process.js';
import { type Level, type LogFormat, type Logger, type LoggerOptions, makeLogger } from './log.js';
import { AgentMetrics } from './metrics.js';
import { DISCOVERY_TASK, intervalFor, Scheduler } from './scheduler.js';
import { AgentServer, parseListenAddress } from './server.js';
import { AgentState } from './state.js';
import { EMPTY_WEB_CONFIG, loadWebConfig, type WebConfig } from './web-config.js';

export interface AgentConfig {
  settings: Settings;
  probes: readonly ProbeDefinition[];
  web: WebConfig;
}

/** Everything the agent needs from settings, checked together: any error rejects the whole config. */
export function prepareAgentConfig(settings: Settings, all: readonly ProbeDefinition[]): AgentConfig {
  const selected = selectProbes(all, settings.probes.only, settings.probes.skip, settings.probes.enable);
  if (!selected.ok) throw new UsageError(selected.error);
  const known = new Set([DISCOVERY_TASK, ...all.map((p) => p.id)]);
  const unknown = Object.keys(settings.agent.intervalsMs).filter((id) => !known.has(id));
  if (unknown.length)
    throw new ConfigError(
      `agent.intervals: unknown probe ${unknown.map((u) => `"${u}"`).join(', ')}; known: ${[...known].join(', ')}`,
    );
  parseListenAddress(settings.web.listenAddress);
  const web = settings.web.configFile ? loadWebConfig(settings.web.configFile) : EMPTY_WEB_CONFIG;
  return { settings, probes: selected.probes, web };
}

export interface AgentRunOptions {
  /** Every probe there is (the selection comes from the settings). */
  probes: readonly ProbeDefinition[];
  /** The compiled AWS process entry (src/cli/aws-task.ts): discovery and the SDK-using probes run there. */
  awsTaskScript: string;
  /** Builds the settings again on SIGHUP (re-reading the config file). */
  loadSettings: () => Settings;
  version: string;
  /** The git commit of the build ("unknown" without one), logged at start. */
  commit?: string;
  logLevel?: Level;
  logFormat?: LogFormat;
  /** Where logs go (default stdout): `demo --agent` keeps stdout for its addresses. */
  logOut?: LoggerOptions['out'];
  /** Called once listening, with the bound address (tests, `demo --agent`). */
  onListening?: (url: string, telemetryPath: string) => void;
}

/** What the running agent is made of; `config` is replaced by every accepted reload. */
interface Running {
  log: Logger;
  config: AgentConfig;
  scheduler: Scheduler;
  server: AgentServer;
  url: string;
  /** Where each probe runs: the SDK-using ones in the AWS process. */
  placed: (probes: readonly ProbeDefinition[]) => ProbeDefinition[];
}

export async function runAgent(o: AgentRunOptions): Promise<number> {
  const log = makeLogger({
    ...(o.logLevel ? { level: o.logLevel } : {}),
    ...(o.logFormat ? { format: o.logFormat } : {}),
    ...(o.logOut ? { out: o.logOut } : {}),
  });
  const config = initialConfig(o, log);
  const state = new AgentState();
  const metrics = new AgentMetrics({
    version: o.version,
    probes: o.probes,
    ...(o.commit ? { revision: o.commit } : {}),
  });
  const aws = new AwsProcess({
    script: o.awsTaskScript,
    log,
    onPeakRss: (task, bytes) => metrics.awsProcessPeak(task, bytes),
  });
  const placed = (probes: readonly ProbeDefinition[]) =>
    probes.map((p) => (p.usesAwsSdk ? aws.isolate(p) : p));
  const scheduler = new Scheduler({
    settings: config.settings,
    probes: placed(config.probes),
    discover: (settings, signal) => aws.discover(settings, signal),
    state,
    metrics,
    log,
  });
  const server = new AgentServer({
    state,
    metrics,
    log,
    web: config.web,
    version: o.version,
    telemetryPath: config.settings.web.telemetryPath,
  });
  const url = await listen(server, config, log);
  if (url === null) return 1;
  logListening(log, o, config, server, url);
  o.onListening?.(url, server.telemetryPath);
  scheduler.start();
  const run: Running = { log, config, scheduler, server, url, placed };

  const onUnhandled = (e: unknown) => log.error('unhandled error (the agent carries on)', { error: e });
  process.on('unhandledRejection', onUnhandled);
  process.on('uncaughtException', onUnhandled);
  return await untilStopped(run, () => reload(run, o), onUnhandled);
}

/** A bad configuration at start is fatal (logged, then thrown), unlike on reload. */
function initialConfig(o: AgentRunOptions, log: Logger): AgentConfig {
  try {
    return prepareAgentConfig(o.loadSettings(), o.probes);
  } catch (e) {
    log.error('invalid configuration: not starting', { error: (e as Error).message });
    throw e;
  }
}

/** The URL the agent serves, or null when it cannot listen (logged). */
async function listen(server: AgentServer, config: AgentConfig, log: Logger): Promise<string | null> {
  const address = parseListenAddress(config.settings.web.listenAddress);
  let bound: { address: string; port: number };
  try {
    bound = await server.listen(address);
  } catch (e) {
    log.error('cannot listen', { address: config.settings.web.listenAddress, error: e });
    return null;
  }
  const host = bound.address.includes(':') ? `[${bound.address}]` : bound.address;
  return `${server.tls ? 'https' : 'http'}://${host}:${bound.port}`;
}

function logListening(
  log: Logger,
  o: Pick<AgentRunOptions, 'version' | 'commit'>,
  config: AgentConfig,
  server: AgentServer,
  url: string,
) {
  log.info('hsmwatch agent listening', {
    version: o.version,
    ...(o.commit ? { commit: o.commit } : {}),
    url,
    telemetryPath: server.telemetryPath,
    tls: server.tls,
    basicAuth: config.web.users.size > 0,
    probes: config.probes.map((p) => p.id),
    intervalsSeconds: Object.fromEntries([
      [DISCOVERY_TASK, intervalFor(config.settings, DISCOVERY_TASK) / 1000],
      ...config.probes.map((p) => [p.id, intervalFor(config.settings, p.id, p) / 1000]),
    ]),
  });
}

/** SIGHUP: a rejected configuration leaves the running one in force. */
function reload(run: Running, o: AgentRunOptions): void {
  const { log } = run;
  log.info('SIGHUP: reloading configuration');
  let next: AgentConfig;
  try {
    next = prepareAgentConfig(o.loadSettings(), o.probes);
  } catch (e) {
    log.error('reload rejected: keeping the running configuration', { error: (e as Error).message });
    return;
  }
  if (next.settings.web.listenAddress !== run.config.settings.web.listenAddress)
    log.warn('web.listenAddress changes take a restart; still listening on the old address', {
      url: run.url,
    });
  const webProblem = run.server.reload(next.web);
  if (webProblem) log.warn(webProblem);
  run.server.telemetryPath = next.settings.web.telemetryPath;
  run.config = next;
  run.scheduler.update(next.settings, run.placed(next.probes));
  log.info('configuration reloaded', { probes: next.probes.map((p) => p.id) });
}

/** Serves until SIGTERM or SIGINT, then drains the in-flight probes and closes; resolves to 0. */
function untilStopped(run: Running, onHup: () => void, onUnhandled: (e: unknown) => void): Promise<number> {
  const { log, scheduler, server } = run;
  return new Promise<number>((resolve) => {
    let stopping = false;
    const stop = async (signal: string) => {
      if (stopping) return;
      stopping = true;
      const drainMs = run.config.settings.agent.drainTimeoutMs;
      log.info(`${signal}: stopping`, { inFlight: scheduler.inFlight(), drainMs });
      const drained = await scheduler.stop(drainMs);
      if (!drained) log.warn('in-flight probes cut short at the drain deadline');
      await server.close(2000);
      process.off('SIGHUP', onHup);
      process.off('unhandledRejection', onUnhandled);
      process.off('uncaughtException', onUnhandled);
      log.info('stopped');
      // Whatever handle a probe left behind must not keep the process alive.
      setTimeout(() => process.exit(0), 2000).unref();
      resolve(0);
    };
    process.on('SIGHUP', onHup);
    process.once('SIGTERM', () => void stop('SIGTERM'));
    process.once('SIGINT', () => void stop('SIGINT'));
  });
}
