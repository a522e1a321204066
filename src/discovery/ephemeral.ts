// The client's source ports, for the return-traffic checks of the path analysis.
import { readFile } from 'node:fs/promises';

/** The client's ephemeral port range as the kernel hands it out. */
export async function readEphemeralRange(
  path = '/proc/sys/net/ipv4/ip_local_port_range',
): Promise<{ from: number; to: number; source: string } | undefined> {
  try {
    const m = /^\s*(\d+)\s+(\d+)\s*$/.exec(await readFile(path, 'utf8'));
    if (!m) return undefined;
    const from = Number(m[1]);
    const to = Number(m[2]);
    return from >= 1 && to <= 65535 && from <= to ? { from, to, source: path } : undefined;
  } catch {
    return undefined;
  }
}
