// `hsmwatch audit`: who can reach the HSMs — every interface in scope, classified. From a snapshot
// (`--snapshot FILE`, offline) or read live (the estate's EC2 answers, read-only).
import type { Argv } from 'yargs';
import type { Finding } from '../model/index.js';
import { type CommandModule, type DiagnoseArgs, EXIT, type Io, withDiagnoseOptions } from './shared.js';

const INSTANCE_FINDINGS = new Set(['discovery.imds', 'discovery.imds-hop-limit', 'discovery.ecs-task']);

export interface AuditArgs extends DiagnoseArgs {
  snapshot?: string | undefined;
  'intended-sg'?: string[] | undefined;
  'intended-tag'?: string[] | undefined;
  'intended-cidr'?: string[] | undefined;
  'ephemeral-ports'?: string | undefined;
}

export async function runAudit(argv: AuditArgs, io: Io): Promise<number> {
  const [{ settingsFromArgs }, { parseEphemeralRange }, { readSnapshotFile, SnapshotError }] =
    await Promise.all([import('./settings-args.js'), import('./analyze.js'), import('../snapshot/read.js')]);
  const intended: Record<string, unknown> = {};
  if (argv['intended-sg']) intended.securityGroups = argv['intended-sg'];
  if (argv['intended-tag']) intended.tags = argv['intended-tag'];
  if (argv['intended-cidr']) intended.cidrs = argv['intended-cidr'];
  const { validateConfig } = await import('../config/settings.js');
  const extra = Object.keys(intended).length
    ? [validateConfig({ audit: { intended } }, 'command line', true)]
    : [];
  const settings = settingsFromArgs(argv);
  // Flags over the config file, as for every other key.
  if (extra[0]?.audit?.intended) Object.assign(settings.audit.intended, extra[0].audit.intended);
  const ephemeral = argv['ephemeral-ports'] ? parseEphemeralRange(argv['ephemeral-ports']) : undefined;
  let snapshot: ReturnType<typeof readSnapshotFile>;
  let discovery: Finding[] | undefined;
  if (argv.snapshot) {
    try {
      snapshot = readSnapshotFile(argv.snapshot);
    } catch (e) {
      if (!(e instanceof SnapshotError)) throw e;
      io.stderr.write(`hsmwatch audit: ${e.message}\n`);
      return EXIT.usage;
    }
  } else {
    const { captureEstate } = await import('../discovery/estate.js');
    const captured = await captureEstate(settings, { progress: (m) => io.stderr.write(`hsmwatch: ${m}\n`) });
    if (!captured.ok) {
      io.stderr.write(`hsmwatch audit: ${captured.error}\n`);
      return EXIT.usage;
    }
    snapshot = captured.snapshot;
    // Where this process runs is no part of an audit: the instance's own discovery is left out.
    discovery = captured.findings.filter((f) => !INSTANCE_FINDINGS.has(f.id));
  }
  const [{ auditSnapshot }, { auditReport }] = await Promise.all([
    import('../audit/audit.js'),
    import('../audit/report.js'),
  ]);
  const result = auditSnapshot(snapshot, settings, {
    ...(ephemeral ? { ephemeral } : {}),
    ...(discovery ? { discovery } : {}),
  });
  return auditReport(result, settings, io);
}

export function withAuditOptions<T>(y: Argv<T>) {
  return withDiagnoseOptions(y)
    .option('snapshot', {
      type: 'string',
      describe: 'audit this snapshot (hsmwatch snapshot --estate) offline instead of reading AWS',
      requiresArg: true,
    })
    .option('intended-sg', {
      type: 'string',
      array: true,
      describe: 'interfaces with this security group are intended clients (repeatable)',
      requiresArg: true,
    })
    .option('intended-tag', {
      type: 'string',
      array: true,
      describe: 'interfaces with this key=value tag are intended clients (repeatable)',
      requiresArg: true,
    })
    .option('intended-cidr', {
      type: 'string',
      array: true,
      describe: 'interfaces with an address in this CIDR are intended clients (repeatable)',
      requiresArg: true,
    })
    .option('ephemeral-ports', {
      type: 'string',
      describe: "the clients' ephemeral port range for return traffic",
      defaultDescription: '1024-65535',
      requiresArg: true,
    })
    .group(['snapshot', 'intended-sg', 'intended-tag', 'intended-cidr', 'ephemeral-ports'], 'Audit:');
}

export const auditCommand: CommandModule = (y, { io, handle }) =>
  y.command(
    'audit',
    'who can reach the HSMs: every interface of the estate classified (live, or --snapshot FILE)',
    (c) =>
      withAuditOptions(c)
        .example('$0 audit --snapshot estate.json', 'offline, from hsmwatch snapshot --estate')
        .example('$0 audit --intended-tag role=hsm-client --strict', 'live; unintended reachability fails'),
    handle((argv: AuditArgs) => runAudit(argv, io)),
  );
