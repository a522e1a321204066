// Which Client SDK generations this host runs, as its configuration files tell, and what follows
// for the HSM ports: Client SDK 5 connects on 2223 only, Client SDK 3 (its client daemon and
// management utilities) on 2223-2225. A host with no configuration says nothing: every port counts.
import type { ClientSdkConfig } from './config.js';

export type SdkGeneration = 3 | 5;

/** The mutual TLS files one SDK 5 configuration file names (either may be unset: a half setup). */
export interface MtlsFiles {
  /** The configuration file that names them. */
  config: string;
  certFile: string | null;
  keyFile: string | null;
}

export interface ClientSdkInstall {
  /** Where the configuration was read. */
  dir: string;
  /** The generations whose configuration files are there, ascending; empty when none is. */
  generations: SdkGeneration[];
  /** The configuration files read, by path. */
  files: Array<{ path: string; sdk: SdkGeneration }>;
  /** The SDK 5 files that set up mutual TLS, in file order. */
  mtls: MtlsFiles[];
}

/** The ports each generation connects to (Client SDK 5: 2223; Client SDK 3: 2223-2225). */
export const SDK_PORTS: Readonly<Record<SdkGeneration, readonly number[]>> = {
  5: [2223],
  3: [2223, 2224, 2225],
};

const GENERATIONS: readonly SdkGeneration[] = [3, 5];

/** The install a configuration read shows: a file that cannot be parsed still names its generation. */
export function installOf(cfg: ClientSdkConfig): ClientSdkInstall {
  const seen = new Set<SdkGeneration>(cfg.files.map((f) => f.sdk));
  for (const p of cfg.problems) if (p.sdk !== null) seen.add(p.sdk);
  return {
    dir: cfg.dir,
    generations: [...seen].sort(),
    files: cfg.files.map((f) => ({ path: f.path, sdk: f.sdk })),
    mtls: cfg.files.flatMap((f) => (f.mtls ? [{ config: f.path, ...f.mtls }] : [])),
  };
}

const label = (g: readonly SdkGeneration[]) =>
  g.length === 1 ? `Client SDK ${g[0]} only` : `Client SDK ${g.join(' and ')}`;

/**
 * Why a failing port does not matter on this host, or null when it does: an HSM port that no
 * installed generation uses (2224 or 2225 on a host with Client SDK 5 only). Unknown installs, and
 * ports outside the Client SDK's own (a custom --ports list), always matter.
 */
export function portNotUsed(port: number, install: ClientSdkInstall | undefined): string | null {
  const g = install?.generations ?? [];
  if (g.length === 0) return null;
  if (g.some((x) => SDK_PORTS[x].includes(port))) return null;
  const users = GENERATIONS.filter((x) => SDK_PORTS[x].includes(port));
  if (users.length === 0) return null;
  return `${port} is used by ${label(users)}; this host has ${label(g)}`;
}

/** The note for several such ports at once: "2224, 2225 are used by Client SDK 3 only; …". */
export function portsNotUsedNote(ports: readonly number[], install: ClientSdkInstall | undefined): string {
  const first = portNotUsed(ports[0]!, install) ?? '';
  return ports.length < 2 ? first : first.replace(/^\d+ is/, `${ports.join(', ')} are`);
}
