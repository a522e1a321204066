// The hsmwatch command line: the composition root. Each command is a module of its own (flags, help,
// handler) whose handler loads what it runs when it runs.
import yargs from 'yargs';
import { ConfigError, UsageError } from '../config/errors.js';
import { agentCommand } from './agent.js';
import { analyzeCommand } from './analyze.js';
import { demoCommand } from './demo.js';
import { diagnoseCommand } from './diagnose.js';
import { iamPolicyCommand } from './iam-policy.js';
import { type CliContext, type CommandModule, EXIT, type Io, version } from './shared.js';
import { snapshotCommand } from './snapshot.js';
import { tlsCommand } from './tls.js';

const COMMANDS: readonly CommandModule[] = [
  diagnoseCommand,
  demoCommand,
  snapshotCommand,
  analyzeCommand,
  tlsCommand,
  iamPolicyCommand,
  agentCommand,
];

export class UsageAbort extends Error {}

export function buildCli(args: string[], io: Io, setExit: (code: number) => void) {
  const ctx: CliContext = {
    io,
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
    .demandCommand(1, 'name a command (see --help)')
    .strict()
    .recommendCommands()
    .version(version())
    .help()
    .alias('help', 'h')
    .wrap(Math.min(110, process.stdout.columns || 100))
    .fail((msg, err) => {
      if (err) throw err;
      io.stderr.write(`hsmwatch: ${msg}\nRun 'hsmwatch --help' for usage.\n`);
      setExit(EXIT.usage);
      // yargs would still run the command's handler after a failed validation unless we throw.
      throw new UsageAbort();
    });
}
