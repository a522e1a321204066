// `hsmwatch iam-policy`: the least-privilege, read-only IAM policy hsmwatch needs.
import { iamPolicy } from '../aws/operations.js';
import type { CommandModule } from './shared.js';

export const iamPolicyCommand: CommandModule = (y, { io, handle }) =>
  y.command(
    'iam-policy',
    'print the least-privilege IAM policy hsmwatch needs (read-only actions)',
    (c) => c.strict(),
    handle(async () => {
      io.stdout.write(`${JSON.stringify(iamPolicy(), null, 2)}\n`);
      return 0;
    }),
  );
