// `hsmwatch iam-policy`: the least-privilege, read-only IAM policy hsmwatch needs; with --audit, the
// one `hsmwatch audit` (and `snapshot --estate`) needs.
import { iamPolicy } from '../aws/operations.js';
import type { CommandModule } from './shared.js';

export const iamPolicyCommand: CommandModule = (y, { io, handle }) =>
  y.command(
    'iam-policy',
    'print the least-privilege IAM policy hsmwatch needs (read-only actions)',
    (c) =>
      c
        .option('audit', {
          type: 'boolean',
          describe: 'the policy of `hsmwatch audit` and `hsmwatch snapshot --estate` only',
        })
        .example('$0 iam-policy --audit', 'the read-only actions the exposure audit calls')
        .strict(),
    handle(async (argv: { audit?: boolean | undefined }) => {
      io.stdout.write(`${JSON.stringify(iamPolicy({ audit: argv.audit === true }), null, 2)}\n`);
      return 0;
    }),
  );
