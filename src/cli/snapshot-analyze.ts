// Handlers of `hsmwatch snapshot`, `analyze` and `iam-policy` (the CLI wiring lives in cli.ts).

import { iamPolicy } from '../aws/iam-actions.js';
import { resolveSettings, validateConfig } from '../config/settings.js';
import { analyzeSnapshot, parseEphemeralRange, writeFileAtomic } from '../diagnosis/analyze.js';
import { readSnapshotFile, SnapshotError } from '../snapshot/read.js';
import { printDiagnosis, settingsFromArgs } from './main.js';

interface Io {
  stdout: NodeJS.WriteStream;
  stderr: NodeJS.WriteStream;
}

export interface AnalyzeArgs {
  file: string;
  output?: string | undefined;
  'cluster-id'?: string[] | undefined;
  strict?: boolean | undefined;
  'ephemeral-ports'?: string | undefined;
  probe?: string[] | undefined;
  'skip-probe'?: string[] | undefined;
}

export async function runAnalyze(argv: AnalyzeArgs, io: Io): Promise<number> {
  const flags: Record<string, unknown> = {};
  if (argv.output !== undefined) flags.output = argv.output;
  if (argv['cluster-id'] !== undefined) flags.clusterIds = argv['cluster-id'];
  if (argv.strict !== undefined) flags.strict = argv.strict;
  if (argv.probe || argv['skip-probe'])
    flags.probes = {
      ...(argv.probe ? { only: argv.probe } : {}),
      ...(argv['skip-probe'] ? { skip: argv['skip-probe'] } : {}),
    };
  const settings = resolveSettings(validateConfig(flags, 'command line', true));
  const ephemeral = argv['ephemeral-ports'] ? parseEphemeralRange(argv['ephemeral-ports']) : undefined;
  let snapshot: ReturnType<typeof readSnapshotFile>;
  try {
    snapshot = readSnapshotFile(argv.file);
  } catch (e) {
    if (!(e instanceof SnapshotError)) throw e;
    io.stderr.write(`hsmwatch analyze: ${e.message}\n`);
    return 2;
  }
  const d = await analyzeSnapshot(snapshot, settings, ephemeral ? { ephemeralPorts: ephemeral } : {});
  return printDiagnosis(d, d.env.settings, io);
}

export async function runSnapshot(
  argv: Parameters<typeof settingsFromArgs>[0] & { out?: string | undefined },
  io: Io,
): Promise<number> {
  const settings = settingsFromArgs(argv);
  const { discover } = await import('../discovery/index.js');
  const env = await discover(settings, { progress: (m) => io.stderr.write(`hsmwatch: ${m}\n`) });
  for (const f of env.findings.filter((x) => x.status !== 'pass')) {
    io.stderr.write(`hsmwatch: ${f.status} ${f.id} ${f.target}: ${f.message}\n`);
  }
  const text = `${JSON.stringify(env.snapshot, null, 2)}\n`;
  if (argv.out) {
    writeFileAtomic(argv.out, text);
    io.stderr.write(
      `hsmwatch: snapshot written to ${argv.out} (${Object.keys(env.snapshot.aws).length} AWS answers)\n`,
    );
  } else {
    io.stdout.write(text);
  }
  return 0;
}

export function runIamPolicy(io: Io): number {
  io.stdout.write(`${JSON.stringify(iamPolicy(), null, 2)}\n`);
  return 0;
}
