// The agent's AWS work — discovery and the probes that load the AWS SDK — runs in a short-lived
// child process (src/cli/aws-task.ts): the SDK costs tens of MB that a long-lived process never gives
// back. Settings go in, plain JSON comes out; the child has a deadline, is killed on abort (SIGTERM,
// then SIGKILL), and its failure is an error the scheduler turns into a finding.
import { type ChildProcess, fork } from 'node:child_process';
import type { AwsRequestRecord } from '../aws/debug.js';
import type { Settings } from '../config/settings.js';
import type { Environment } from '../core/environment.js';
import type { Facts } from '../core/facts.js';
import type { ProbeDefinition, ProbeOutcome } from '../core/probe.js';
import { discoveryDeadlineMs } from '../discovery/deadlines.js';
import { environmentFromWire, environmentToWire, type WireEnvironment } from '../discovery/wire.js';
import { redact } from '../util/redact.js';
import type { Logger } from './log.js';

export type AwsTaskRequest =
  | { task: 'discovery'; settings: Settings; deadlineMs: number }
  | {
      task: 'probe';
      probeId: string;
      settings: Settings;
      env: WireEnvironment;
      facts: Facts;
      deadlineMs: number;
    };

export type AwsTaskReply =
  | { ok: true; env?: WireEnvironment; outcome?: ProbeOutcome; peakRssBytes: number }
  | { ok: false; error: string; peakRssBytes: number };

/** With settings.debug, the child reports each AWS request before its reply (src/aws/debug.ts). */
export interface AwsTaskDebug {
  debug: AwsRequestRecord;
}

/** Starting Node and loading the SDK, on top of the work's own deadline. */
export const AWS_PROCESS_STARTUP_MS = 5000;
const STDERR_LIMIT = 8192;

export interface AwsProcessOptions {
  /** The compiled child entry (src/cli/aws-task.ts). */
  script: string;
  log: Logger;
  /** After each run: the child's peak resident memory. */
  onPeakRss?: (task: string, bytes: number) => void;
}

export class AwsProcess {
  constructor(private readonly o: AwsProcessOptions) {}

  async discover(settings: Settings, signal: AbortSignal): Promise<Environment> {
    const reply = await this.call(
      // Discovery's own steps have deadlines (src/discovery/index.ts): their sum bounds the whole.
      { task: 'discovery', settings, deadlineMs: discoveryDeadlineMs(settings) },
      'discovery',
      signal,
    );
    if (!reply.env) throw new Error('the AWS process answered discovery without an environment');
    return environmentFromWire(reply.env, settings);
  }

  /** The probe as the agent runs it: the same definition, its run in a child process. */
  isolate(probe: ProbeDefinition): ProbeDefinition {
    return {
      ...probe,
      deadlineMs: (s, env) => probe.deadlineMs(s, env) + AWS_PROCESS_STARTUP_MS,
      run: async (ctx) => {
        const request: AwsTaskRequest = {
          task: 'probe',
          probeId: probe.id,
          settings: ctx.settings,
          env: environmentToWire(ctx.env),
          facts: ctx.facts,
          deadlineMs: probe.deadlineMs(ctx.settings, ctx.env),
        };
        const reply = await this.call(request, probe.id, ctx.signal);
        if (!reply.outcome) throw new Error('the AWS process answered without an outcome');
        return reply.outcome;
      },
    };
  }

  private call(
    request: AwsTaskRequest,
    task: string,
    signal: AbortSignal,
  ): Promise<Extract<AwsTaskReply, { ok: true }>> {
    return new Promise((resolve, reject) => {
      let child: ChildProcess;
      try {
        child = fork(this.o.script, [], {
          stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
          serialization: 'json',
          execArgv: [],
        });
      } catch (e) {
        reject(new Error(`cannot start the AWS process: ${(e as Error).message}`));
        return;
      }
      let stderr = '';
      child.stderr?.setEncoding('utf8').on('data', (d: string) => {
        if (stderr.length < STDERR_LIMIT) stderr += d.slice(0, STDERR_LIMIT - stderr.length);
      });
      let settled = false;
      const finish = (fn: () => void) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        signal.removeEventListener('abort', onAbort);
        stop(child);
        fn();
      };
      const fail = (why: string) => finish(() => reject(new Error(why + stderrLine(stderr))));
      const onAbort = () => fail('the AWS process was stopped (deadline or shutdown)');
      const timer = setTimeout(
        () => fail(`the AWS process did not answer within ${request.deadlineMs + AWS_PROCESS_STARTUP_MS} ms`),
        request.deadlineMs + AWS_PROCESS_STARTUP_MS,
      );
      signal.addEventListener('abort', onAbort, { once: true });
      child.once('error', (e) => fail(`the AWS process failed: ${e.message}`));
      child.once('exit', (code, sig) =>
        fail(`the AWS process exited before answering (${sig ? `signal ${sig}` : `exit code ${code}`})`),
      );
      child.on('message', (m: AwsTaskReply | AwsTaskDebug) => {
        if ('debug' in m) {
          this.o.log.debug('aws request', { task, ...m.debug });
          return;
        }
        finish(() => {
          this.o.onPeakRss?.(task, m.peakRssBytes);
          if (stderr.trim())
            this.o.log.warn('the AWS process wrote to stderr', { task, stderr: redact(stderr) });
          if (m.ok) resolve(m);
          else reject(new Error(redact(m.error)));
        });
      });
      if (signal.aborted) onAbort();
      else child.send(request);
    });
  }
}

function stderrLine(stderr: string): string {
  const line = stderr.split('\n').find((l) => l.trim() !== '');
  return line ? `: ${redact(line.trim()).slice(0, 300)}` : '';
}

/** SIGTERM now, SIGKILL if it is still there a second later. */
function stop(child: ChildProcess): void {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  const kill = setTimeout(() => child.kill('SIGKILL'), 1000);
  kill.unref();
  child.once('exit', () => clearTimeout(kill));
}
