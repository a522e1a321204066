// The hsmwatch command line: the composition root. Each command is a module of its own (flags, help,
// handler) whose handler loads what it runs when it runs.
import yargs, { type FallbackCompletionFunction } from 'yargs';
import { ConfigError, UsageError } from '../config/errors.js';
import { redactingStream } from '../util/redact.js';
import { agentCommand } from './agent.js';
import { analyzeCommand } from './analyze.js';
import { auditCommand } from './audit.js';
import { demoCommand } from './demo.js';
import { diagnoseCommand } from './diagnose.js';
import { iamPolicyCommand } from './iam-policy.js';
import {
  type CliContext,
  type CommandModule,
  EXIT,
  type HelpCatalogue,
  type Io,
  versionLine,
} from './shared.js';
import { snapshotCommand } from './snapshot.js';
import { tlsCommand } from './tls.js';

const COMMANDS: readonly CommandModule[] = [
  diagnoseCommand,
  demoCommand,
  snapshotCommand,
  analyzeCommand,
  auditCommand,
  tlsCommand,
  iamPolicyCommand,
  agentCommand,
];

export class UsageAbort extends Error {}

/** The commands that run probes: their help lists the probe ids. */
const PROBE_COMMANDS = new Set(['diagnose', 'demo', 'analyze', 'agent']);

/** The word before the one being completed is --probe or --skip-probe. */
const completingProbeIds = (args: readonly string[]) =>
  args.includes('--get-yargs-completions') &&
  ['--probe', '--skip-probe', '--enable-probe'].includes(args[args.length - 2] ?? '');

/**
 * The probe catalogue, loaded only for help of a command that runs probes or to complete a probe
 * id: every other start (and --help alone) keeps from loading the probes.
 */
export async function helpCatalogue(args: readonly string[]): Promise<HelpCatalogue | undefined> {
  const end = args.indexOf('--');
  const before = end < 0 ? args : args.slice(0, end);
  const help =
    (before.includes('--help') || before.includes('-h')) &&
    PROBE_COMMANDS.has(before.find((a) => !a.startsWith('-')) ?? '');
  if (!help && !completingProbeIds(args)) return undefined;
  const [{ PROBES }, { DEFAULTS }] = await Promise.all([
    import('../../probes/index.js'),
    import('../config/settings.js'),
  ]);
  return {
    probes: PROBES.map((p) => ({
      id: p.id,
      title: p.title,
      intervalMs: DEFAULTS.agent.intervalsMs[p.id] ?? p.defaultIntervalMs ?? DEFAULTS.agent.defaultIntervalMs,
      ...(p.optIn ? { optIn: true } : {}),
    })),
    discoveryIntervalMs: DEFAULTS.agent.intervalsMs.discovery ?? DEFAULTS.agent.defaultIntervalMs,
  };
}

/**
 * Completion: the values of --probe and --skip-probe are the catalogue's ids (loaded beforehand:
 * yargs goes on to validate the command line unless completion answers at once); yargs does the rest.
 */
function completeProbeIds(args: readonly string[], catalogue?: HelpCatalogue): FallbackCompletionFunction {
  return (current, _argv, defaults, done) => {
    if (catalogue && completingProbeIds(args))
      done(catalogue.probes.map((p) => p.id).filter((id) => id.startsWith(current)));
    else defaults((e, c) => done(e || !c ? [] : c));
  };
}

/** Help width: the terminal's, else COLUMNS, else 80; at most 110, which reads better. */
function helpWidth(io: Io): number {
  const columns = io.stdout.columns || Number.parseInt(process.env.COLUMNS ?? '', 10) || 80;
  return Math.max(40, Math.min(110, columns));
}

export function buildCli(
  args: string[],
  unsafeIo: Io,
  setExit: (code: number) => void,
  catalogue?: HelpCatalogue,
) {
  // The output boundary: whatever a command prints (report, message, error, stack) is redacted here.
  const io: Io = { stdout: redactingStream(unsafeIo.stdout), stderr: redactingStream(unsafeIo.stderr) };
  const ctx: CliContext = {
    io,
    catalogue,
    handle: (run) => async (argv) => {
      try {
        setExit(await run(argv));
      } catch (e) {
        if (e instanceof ConfigError || e instanceof UsageError) {
          io.stderr.write(`hsmwatch: ${e.message}\n`);
          setExit(EXIT.usage);
        } else {
          io.stderr.write(`hsmwatch: internal error: ${(e as Error)?.stack ?? e}\n`);
          setExit(EXIT.failed);
        }
      }
    },
  };
  let y = yargs(args)
    .scriptName('hsmwatch')
    .usage('$0 <command> [options]\n\nConnectivity and TLS diagnostics for AWS CloudHSM clients.');
  for (const add of COMMANDS) y = add(y, ctx);
  return y
    .example('$0 diagnose', 'check this instance against its cluster(s)')
    .example('$0 demo --scenario hsm-down', 'see a report without an AWS account')
    .example('source <($0 completion)', 'complete commands and flags in bash (or zsh)')
    .completion(
      'completion',
      'print the shell completion script (bash, or zsh when $SHELL is zsh)',
      completeProbeIds(args, catalogue),
    )
    .demandCommand(1, 'name a command (see --help)')
    .strict()
    .recommendCommands()
    .version(versionLine())
    .help()
    .alias('help', 'h')
    .wrap(helpWidth(io))
    .fail((msg, err) => {
      // yargs' own errors (a flag without its value) are usage errors too; anything else is a bug.
      if (err && err.name !== 'YError') throw err;
      io.stderr.write(`hsmwatch: ${msg ?? err?.message}\nRun 'hsmwatch --help' for usage.\n`);
      setExit(EXIT.usage);
      // yargs would still run the command's handler after a failed validation unless we throw.
      throw new UsageAbort();
    });
}
