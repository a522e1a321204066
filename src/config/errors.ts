// The two errors that mean "exit 2": kept apart from the schema so the CLI can tell them without
// loading it (the schema library is a good part of start-up).

/** A configuration file or flag that does not validate. */
export class ConfigError extends Error {
  readonly code = 'CONFIG_INVALID';
}

/** A request that cannot be carried out as given (exit 2), found after parsing. */
export class UsageError extends Error {
  readonly code = 'USAGE';
}
