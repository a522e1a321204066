// HTTPS_PROXY / NO_PROXY as curl and the AWS CLI read them, and an HTTP CONNECT tunnel over node:net.
import { connect, isIP, type Socket } from 'node:net';

export interface ProxyConfig {
  /** The proxy URL without credentials: safe to print. */
  url: string;
  host: string;
  port: number;
  /** Basic credentials from the URL's userinfo; never printed. */
  authorization?: string;
}

export type TunnelError = Error & { code: string; proxyStatus?: number };

/** Parses a proxy URL (http://[user:pass@]host[:port]); null when empty or unusable. */
export function parseProxyUrl(raw: string | undefined): ProxyConfig | null {
  if (!raw) return null;
  let u: URL;
  try {
    u = new URL(raw.includes('://') ? raw : `http://${raw}`);
  } catch {
    return null;
  }
  if (u.protocol !== 'http:' || !u.hostname) return null;
  const host = u.hostname.replace(/^\[|\]$/g, '');
  const port = Number(u.port || 80);
  const cfg: ProxyConfig = { url: `http://${u.host}`, host, port };
  if (u.username) {
    const creds = `${decodeURIComponent(u.username)}:${decodeURIComponent(u.password)}`;
    cfg.authorization = `Basic ${Buffer.from(creds).toString('base64')}`;
  }
  return cfg;
}

/** True when NO_PROXY exempts host:port (entries: `*`, names, `.suffix`, `host:port`, IPs, CIDR-less). */
export function bypassesProxy(host: string, port: number, noProxy: string | undefined): boolean {
  if (!noProxy) return false;
  const h = host.toLowerCase().replace(/^\[|\]$/g, '');
  for (let entry of noProxy.split(/[\s,]+/)) {
    entry = entry.trim().toLowerCase();
    if (!entry) continue;
    if (entry === '*') return true;
    let entryPort: number | undefined;
    const m = /^(.*):(\d+)$/.exec(entry);
    if (m && isIP(entry) !== 6) {
      entry = m[1]!;
      entryPort = Number(m[2]);
    }
    if (entryPort !== undefined && entryPort !== port) continue;
    entry = entry.replace(/^\*?\./, '.').replace(/^\[|\]$/g, '');
    if (
      entry.startsWith('.')
        ? h.endsWith(entry) || h === entry.slice(1)
        : h === entry || h.endsWith(`.${entry}`)
    )
      return true;
  }
  return false;
}

/** The proxy an HTTPS connection to host:port goes through: explicit setting, else HTTPS_PROXY. */
export function proxyFor(
  host: string,
  port: number,
  o: { proxy?: string | undefined; noProxy?: string | undefined } = {},
  env: NodeJS.ProcessEnv = process.env,
): ProxyConfig | null {
  const raw = o.proxy ?? env.HTTPS_PROXY ?? env.https_proxy;
  const noProxy = o.noProxy ?? env.NO_PROXY ?? env.no_proxy;
  if (bypassesProxy(host, port, noProxy)) return null;
  return parseProxyUrl(raw);
}

const tunnelError = (code: string, message: string, proxyStatus?: number): TunnelError =>
  Object.assign(new Error(message), { code }, proxyStatus === undefined ? {} : { proxyStatus });

/** Opens a CONNECT tunnel to host:port through the proxy; resolves with the raw socket after `200`. */
export function connectTunnel(
  proxy: ProxyConfig,
  host: string,
  port: number,
  signal: AbortSignal,
): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: proxy.host, port: proxy.port });
    let buf = Buffer.alloc(0);
    const fail = (e: TunnelError) => {
      cleanup();
      socket.destroy();
      reject(e);
    };
    const onAbort = () => fail(tunnelError('ETIMEDOUT', 'deadline passed while opening the proxy tunnel'));
    const onError = (e: NodeJS.ErrnoException) =>
      fail(tunnelError(e.code ?? 'EPROXY', `proxy ${proxy.url}: ${e.message}`));
    const onClose = () => fail(tunnelError('EPROXY_CLOSED', `proxy ${proxy.url} closed the connection`));
    const onData = (chunk: Buffer) => {
      buf = Buffer.concat([buf, chunk]);
      const end = buf.indexOf('\r\n\r\n');
      if (end < 0) {
        if (buf.length > 16 * 1024) fail(tunnelError('EPROXY_RESPONSE', 'proxy answer too large'));
        return;
      }
      const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(buf.subarray(0, end).toString('latin1'))?.[1]);
      if (status !== 200) {
        return fail(
          tunnelError(
            Number.isNaN(status) ? 'EPROXY_RESPONSE' : `PROXY_${status}`,
            Number.isNaN(status)
              ? `proxy ${proxy.url} did not answer CONNECT with HTTP`
              : `proxy ${proxy.url} refused CONNECT ${host}:${port} with HTTP ${status}`,
            Number.isNaN(status) ? undefined : status,
          ),
        );
      }
      cleanup();
      const rest = buf.subarray(end + 4);
      if (rest.length > 0) socket.unshift(rest);
      resolve(socket);
    };
    const cleanup = () => {
      signal.removeEventListener('abort', onAbort);
      socket.off('error', onError);
      socket.off('close', onClose);
      socket.off('data', onData);
    };
    if (signal.aborted) return onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    socket.on('error', onError);
    socket.on('close', onClose);
    socket.on('data', onData);
    socket.once('connect', () => {
      const target = isIP(host) === 6 ? `[${host}]:${port}` : `${host}:${port}`;
      const auth = proxy.authorization ? `Proxy-Authorization: ${proxy.authorization}\r\n` : '';
      socket.write(`CONNECT ${target} HTTP/1.1\r\nHost: ${target}\r\n${auth}\r\n`);
    });
  });
}
