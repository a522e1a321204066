// An https.Agent whose connections go through an HTTP CONNECT proxy, so the AWS SDK honours
// HTTPS_PROXY / NO_PROXY like the AWS CLI (this SDK version does not on its own).

import { type AgentOptions, Agent as HttpsAgent, type RequestOptions } from 'node:https';
import type { Duplex } from 'node:stream';
import { type ConnectionOptions, connect as tlsConnect } from 'node:tls';
import { connectTunnel, type ProxyConfig } from '../net/proxy.js';

export class ProxyTunnelAgent extends HttpsAgent {
  constructor(
    private readonly proxy: ProxyConfig,
    private readonly connectTimeoutMs: number,
    options: AgentOptions = {},
  ) {
    super({ keepAlive: true, ...options });
  }

  // Node's Agent accepts a socket handed over later through the callback.
  override createConnection(
    options: RequestOptions,
    callback?: (err: Error | null, stream: Duplex) => void,
  ): Duplex | null | undefined {
    const host = options.host ?? options.hostname ?? 'localhost';
    const port = Number(options.port ?? 443);
    const tlsOptions = options as ConnectionOptions;
    connectTunnel(this.proxy, host, port, AbortSignal.timeout(this.connectTimeoutMs)).then(
      (raw) =>
        callback?.(
          null,
          tlsConnect({ ...tlsOptions, socket: raw, servername: tlsOptions.servername ?? host }),
        ),
      (e: Error) => callback?.(e, undefined as unknown as Duplex),
    );
    return undefined;
  }
}
