// The hsmwatch entry point. main() is exported and parses nothing at import time; `--version` is
// answered before the argument parser is even loaded (a whole-process figure in BENCHMARKS.md).
import { versionLine } from './shared.js';

export async function main(args: string[] = process.argv.slice(2)): Promise<void> {
  if (args.length === 1 && args[0] === '--version') {
    process.stdout.write(`${versionLine()}\n`);
    return;
  }
  const { buildCli, helpCatalogue, UsageAbort } = await import('./parser.js');
  const io = { stdout: process.stdout, stderr: process.stderr };
  let code = 0;
  try {
    await buildCli(
      args,
      io,
      (c) => {
        code = c;
      },
      await helpCatalogue(args),
    ).parseAsync();
  } catch (e) {
    if (!(e instanceof UsageAbort)) throw e;
  }
  process.exitCode = code;
}
