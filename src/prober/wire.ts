// What crosses between the engine and the prober thread: plain values only (structured clone).
// Certificates cross as DER and become X509Certificate objects again on the engine's side.
import type { ConnectResult } from '../net/tcp-connect.js';
import type { HandshakeOptions, HandshakeResult } from '../tls/handshake.js';

export type ConnectRequest = { host: string; port: number; timeoutMs: number };
/** A handshake the prober can run: no caller-owned socket, no signal (cancel crosses as a message). */
export type HandshakeRequest = Omit<HandshakeOptions, 'signal' | 'keepOpen'>;

export type ToProber =
  | { kind: 'connect'; id: number; req: ConnectRequest }
  | { kind: 'handshake'; id: number; req: HandshakeRequest }
  | { kind: 'cancel'; id: number };

export type WireHandshake =
  | (Omit<Extract<HandshakeResult, { ok: true }>, 'chain' | 'socket'> & { chain: Uint8Array[] })
  | (Omit<Extract<HandshakeResult, { ok: false }>, 'chain'> & { chain: Uint8Array[] });

export type FromProber =
  | { kind: 'connect'; id: number; result: ConnectResult }
  | { kind: 'handshake'; id: number; result: WireHandshake };

/** A handshake the prober could not carry out (the thread failed or gave no answer in time). */
export function proberFailure(message: string, elapsedMs: number): WireHandshake {
  return {
    ok: false,
    stage: 'connect',
    code: 'EPROBER',
    message,
    dnsMs: null,
    connectMs: null,
    elapsedMs,
    chain: [],
    notTls: false,
  };
}

export function handshakeToWire(r: HandshakeResult): WireHandshake {
  const { chain, ...rest } = r;
  if ('socket' in rest) delete rest.socket;
  return { ...rest, chain: chain.map((c) => new Uint8Array(c.raw)) } as WireHandshake;
}
