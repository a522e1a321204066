// `hsmwatch snapshot`: capture what discovery reads (AWS answers, instance facts) into one JSON file.
import { writeFileAtomic } from '../util/files.js';
import { redact } from '../util/redact.js';
import { type CommandModule, type DiagnoseArgs, type Io, withDiagnoseOptions } from './shared.js';

export async function runSnapshot(
  argv: DiagnoseArgs & { out?: string | undefined },
  io: Io,
): Promise<number> {
  const [{ awsSettingsFromArgs }, { discover }] = await Promise.all([
    import('./settings-args.js'),
    import('../discovery/index.js'),
  ]);
  const settings = awsSettingsFromArgs(argv);
  const env = await discover(settings, { progress: (m) => io.stderr.write(`hsmwatch: ${m}\n`) });
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
      `hsmwatch: snapshot written to ${argv.out} (${Object.keys(env.snapshot.aws).length} AWS answers)\n`,
    );
  } else {
    io.stdout.write(text);
  }
  return 0;
}

export const snapshotCommand: CommandModule = (y, { io, handle }) =>
  y.command(
    'snapshot',
    'capture what discovery reads (AWS answers, instance facts) into one JSON file',
    (c) =>
      withDiagnoseOptions(c, { report: false })
        .option('out', { type: 'string', describe: 'file to write (default: stdout)', requiresArg: true })
        .example('$0 snapshot --out hsmwatch-snapshot.json', 'then: hsmwatch analyze hsmwatch-snapshot.json'),
    handle((argv: DiagnoseArgs & { out?: string | undefined }) => runSnapshot(argv, io)),
  );
