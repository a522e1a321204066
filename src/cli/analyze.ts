// `hsmwatch analyze <file>`: every static check (security groups, NACLs, routes) on a snapshot, offline.
import { UsageError } from '../config/errors.js';
import { type CommandModule, type Io, probeSelection, withProbeSelection } from './shared.js';

export interface AnalyzeArgs {
  file: string;
  output?: string | undefined;
  'cluster-id'?: string[] | undefined;
  strict?: boolean | undefined;
  verbose?: boolean | undefined;
  'ephemeral-ports'?: string | undefined;
  probe?: string[] | undefined;
  'skip-probe'?: string[] | undefined;
}

export async function runAnalyze(argv: AnalyzeArgs, io: Io): Promise<number> {
  const flags: Record<string, unknown> = probeSelection(argv);
  if (argv.output !== undefined) flags.output = argv.output;
  if (argv['cluster-id'] !== undefined) flags.clusterIds = argv['cluster-id'];
  if (argv.strict !== undefined) flags.strict = argv.strict;
  if (argv.verbose !== undefined) flags.verbose = argv.verbose;
  const [{ resolveSettings, validateConfig }, { readSnapshotFile, SnapshotError }, { printDiagnosis }] =
    await Promise.all([
      import('../config/settings.js'),
      import('../snapshot/read.js'),
      import('./settings-args.js'),
    ]);
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
  const [{ analyzeSnapshot }, { PROBES }] = await Promise.all([
    import('../diagnosis/analyze.js'),
    import('../../probes/index.js'),
  ]);
  const d = await analyzeSnapshot(snapshot, settings, PROBES, ephemeral ? { ephemeralPorts: ephemeral } : {});
  return printDiagnosis(d, d.env.settings, io);
}

/** Parses "32768-60999". */
export function parseEphemeralRange(text: string): { from: number; to: number } {
  const m = /^(\d{1,5})-(\d{1,5})$/.exec(text.trim());
  const from = Number(m?.[1]);
  const to = Number(m?.[2]);
  if (!m || from < 1 || to > 65535 || from > to) {
    throw new UsageError(`--ephemeral-ports: "${text}" is not a range like 32768-60999 within 1-65535`);
  }
  return { from, to };
}

export const analyzeCommand: CommandModule = (y, { io, handle, catalogue }) =>
  y.command(
    'analyze <file>',
    'run every static check (security groups, NACLs, routes) on a snapshot, offline',
    (c) =>
      withProbeSelection(c, catalogue)
        .strict()
        .positional('file', { type: 'string', describe: 'snapshot JSON file', demandOption: true })
        .option('output', { alias: 'o', choices: ['text', 'json'] as const, describe: 'report format' })
        .option('cluster-id', {
          type: 'string',
          array: true,
          describe: 'clusters to analyse',
          requiresArg: true,
        })
        .option('strict', { type: 'boolean', describe: 'exit 1 on warnings too' })
        .option('verbose', { alias: 'v', type: 'boolean', describe: 'list the passing checks too' })
        .option('ephemeral-ports', {
          type: 'string',
          describe: "the client's ephemeral port range for return traffic",
          defaultDescription: '1024-65535',
          requiresArg: true,
        })
        .example('$0 analyze snapshot.json --output json', 'the report, with no network access at all'),
    handle((argv: AnalyzeArgs) => runAnalyze(argv, io)),
  );
