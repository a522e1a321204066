// Name resolution with a deadline, and whether the answer is private (a VPC interface endpoint with
// private DNS) or public.
import { lookup as dnsLookup } from 'node:dns/promises';
import { isIP } from 'node:net';

export type Lookup = (host: string) => Promise<Array<{ address: string; family: number }>>;

export const systemLookup: Lookup = (host) => dnsLookup(host, { all: true, verbatim: true });

export type DnsResult =
  | { ok: true; addresses: string[]; private: boolean; ms: number; literal: boolean }
  | { ok: false; code: string; message: string; ms: number };

export function isPrivateAddress(ip: string): boolean {
  if (isIP(ip) === 4) {
    const [a = 0, b = 0] = ip.split('.').map(Number);
    return (
      a === 10 ||
      a === 127 ||
      (a === 172 && b >= 16 && b <= 31) ||
      (a === 192 && b === 168) ||
      (a === 100 && b >= 64 && b <= 127) ||
      (a === 169 && b === 254)
    );
  }
  const v = ip.toLowerCase();
  if (v === '::1') return true;
  if (v.startsWith('::ffff:')) return isPrivateAddress(v.slice(7));
  return /^f[cd]/.test(v) || /^fe[89ab]/.test(v);
}

export async function resolveHost(
  host: string,
  timeoutMs: number,
  lookup: Lookup = systemLookup,
): Promise<DnsResult> {
  const t0 = performance.now();
  const bare = host.replace(/^\[|\]$/g, '');
  if (isIP(bare))
    return { ok: true, addresses: [bare], private: isPrivateAddress(bare), ms: 0, literal: true };
  let timer: NodeJS.Timeout | undefined;
  try {
    const answers = await Promise.race([
      lookup(bare),
      new Promise<never>((_, reject) => {
        timer = setTimeout(
          () =>
            reject(Object.assign(new Error(`no DNS answer within ${timeoutMs} ms`), { code: 'ETIMEOUT' })),
          timeoutMs,
        );
      }),
    ]);
    const addresses = [...new Set(answers.map((a) => a.address))];
    if (addresses.length === 0)
      return { ok: false, code: 'ENODATA', message: 'no address records', ms: performance.now() - t0 };
    return {
      ok: true,
      addresses,
      private: addresses.every(isPrivateAddress),
      ms: performance.now() - t0,
      literal: false,
    };
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    const code = err.code ?? 'EDNS';
    const message =
      code === 'ENOTFOUND'
        ? `${bare} does not exist (NXDOMAIN)`
        : code === 'EAI_AGAIN' || code === 'ETIMEOUT'
          ? `DNS did not answer for ${bare} (${code})`
          : `${code}: ${err.message}`;
    return { ok: false, code, message, ms: performance.now() - t0 };
  } finally {
    clearTimeout(timer);
  }
}
