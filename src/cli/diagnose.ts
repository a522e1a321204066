// `hsmwatch diagnose`: discover the cluster, check every HSM and port once, print the report.
import { makeProgress, type Progress } from './progress.js';
import {
  type CommandModule,
  type DiagnoseArgs,
  type Io,
  startProberEarly,
  withDiagnoseOptions,
} from './shared.js';

export const quietProgress: Progress = { update() {}, done() {} };

export async function runDiagnose(argv: DiagnoseArgs, io: Io): Promise<number> {
  startProberEarly();
  // Loaded on use, so --help and usage errors stay quick.
  const [{ awsSettingsFromArgs, printDiagnosis }, { wantColour }, { diagnose }, { PROBES }] =
    await Promise.all([
      import('./settings-args.js'),
      import('../report/text.js'),
      import('../diagnosis/diagnose.js'),
      import('../../probes/index.js'),
    ]);
  const settings = awsSettingsFromArgs(argv);
  // --debug lines and a spinner rewriting its line would garble each other.
  const progress = settings.debug ? quietProgress : makeProgress(io.stderr, wantColour(io.stderr));
  try {
    const d = await diagnose(settings, PROBES, { progress: progress.update });
    progress.done();
    return printDiagnosis(d, settings, io);
  } finally {
    progress.done();
  }
}

export const diagnoseCommand: CommandModule = (y, { io, handle, catalogue }) =>
  y.command(
    'diagnose',
    'discover the cluster, check every HSM and port once, print the report',
    (c) =>
      withDiagnoseOptions(c, { catalogue })
        .example('$0 diagnose', 'on an EC2 client: find the cluster(s) and check everything')
        .example(
          '$0 diagnose --cluster-id cluster-abcdefghijk --output json',
          'one cluster, machine-readable',
        )
        .example('$0 diagnose --hsm-ip 10.0.1.12 --hsm-ip 10.0.2.12 --ports 2223-2225', 'no AWS API needed')
        .epilog(
          'Exit status: 0 all pass, 1 a check failed (or a warning with --strict), 2 usage or config error.',
        ),
    handle((argv: DiagnoseArgs) => runDiagnose(argv, io)),
  );
