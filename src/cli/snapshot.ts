// `hsmwatch snapshot`: capture what discovery reads (AWS answers, instance facts) into one JSON file.
import { writeFileAtomic } from '../util/files.js';
import { redact } from '../util/redact.js';
import { type CommandModule, type DiagnoseArgs, type Io, withDiagnoseOptions } from './shared.js';

type SnapshotArgs = DiagnoseArgs & { out?: string | undefined; estate?: boolean | undefined };

export async function runSnapshot(argv: SnapshotArgs, io: Io): Promise<number> {
  const [{ awsSettingsFromArgs }, { discover }] = await Promise.all([
    import('./settings-args.js'),
    import('../discovery/index.js'),
  ]);
  const settings = awsSettingsFromArgs(argv);
  // --estate: every interface of the VPCs that route to the clusters, for `hsmwatch audit --snapshot`.
  const env = await discover(settings, {
    progress: (m) => io.stderr.write(`hsmwatch: ${m}\n`),
    ...(argv.estate ? { estate: true } : {}),
  });
  for (const f of env.findings.filter((x) => x.status !== 'pass')) {
    io.stderr.write(`hsmwatch: ${f.status} ${f.id} ${f.target}: ${f.message}\n`);
  }
  // AWS answers are kept as answered, but an answer may carry a secret (an error echoing the request's
  // signing headers): the file gets the same redaction as stdout (it keeps the JSON valid, and PEM
  // certificates whole).
  const text = redact(`${JSON.stringify(env.snapshot, null, 2)}\n`);
  if (argv.out) {
    writeFileAtomic(argv.out, text);
    io.stderr.write(
      `hsmwatch: snapshot written to ${argv.out} (${Object.keys(env.snapshot.aws).length} AWS answers${estateNote(env.snapshot.estate)})\n`,
    );
  } else {
    io.stdout.write(text);
  }
  return 0;
}

const estateNote = (e: { vpcIds: string[] } | undefined) =>
  e ? `, every interface of ${e.vpcIds.length} VPC(s): ${e.vpcIds.join(', ')}` : '';

export const snapshotCommand: CommandModule = (y, { io, handle }) =>
  y.command(
    'snapshot',
    'capture what discovery reads (AWS answers, instance facts) into one JSON file',
    (c) =>
      withDiagnoseOptions(c, { report: false })
        .option('out', { type: 'string', describe: 'file to write (default: stdout)', requiresArg: true })
        .option('estate', {
          type: 'boolean',
          describe: 'also every interface of the VPCs that can route to the clusters (for hsmwatch audit)',
        })
        .example('$0 snapshot --out hsmwatch-snapshot.json', 'then: hsmwatch analyze hsmwatch-snapshot.json')
        .example('$0 snapshot --estate --out estate.json', 'then: hsmwatch audit --snapshot estate.json'),
    handle((argv: SnapshotArgs) => runSnapshot(argv, io)),
  );
