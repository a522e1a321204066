// An `aws ...` command line, complete and copy-pasteable into a POSIX shell: every word quoted where
// it needs to be, and the region named (the CLI's default region may not be the one diagnosed).

/** Single-quotes a shell word when it holds anything but safe characters. */
export function shellWord(s: string): string {
  return /^[A-Za-z0-9_./:=,@+-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

/** `aws <service> <subcommand> [--region R] <args…>`; words in `raw` are shell text, kept as they are. */
export function awsCommand(
  region: string | null | undefined,
  service: string,
  subcommand: string,
  args: readonly string[] = [],
  raw: readonly string[] = [],
): string {
  const words = ['aws', service, subcommand, ...(region ? ['--region', region] : []), ...args];
  return [...words.map(shellWord), ...raw].join(' ');
}
