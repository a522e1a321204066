// One TCP connect with a deadline, classified. The socket is always destroyed and the timer cleared.
import { connect } from 'node:net';
import type { LiveState } from '../model/index.js';

export interface ConnectResult {
  state: LiveState;
  connectMs: number;
  errno?: string;
  localAddress?: string;
}

/** Pure: what a connect error code says about the path. */
export function classifyConnectError(code: string | undefined): LiveState {
  switch (code) {
    case 'ECONNREFUSED':
      return 'refused';
    case 'ETIMEDOUT':
      return 'timeout';
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return 'unreachable';
    default:
      return 'error';
  }
}

export function tcpConnect(
  host: string,
  port: number,
  timeoutMs: number,
  signal?: AbortSignal,
): Promise<ConnectResult> {
  return new Promise((resolve) => {
    const t0 = process.hrtime.bigint();
    let settled = false;
    const socket = connect({ host, port, noDelay: true });
    const finish = (state: LiveState, errno?: string) => {
      if (settled) return;
      settled = true;
      const connectMs = Number(process.hrtime.bigint() - t0) / 1e6;
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      const localAddress = socket.localAddress;
      socket.destroy();
      const r: ConnectResult = { state, connectMs };
      if (errno !== undefined) r.errno = errno;
      if (localAddress !== undefined) r.localAddress = localAddress;
      resolve(r);
    };
    const onAbort = () => finish('error', 'ABORTED');
    const timer = setTimeout(() => finish('timeout', 'ETIMEDOUT'), timeoutMs);
    signal?.addEventListener('abort', onAbort, { once: true });
    if (signal?.aborted) onAbort();
    socket.once('connect', () => finish('open'));
    socket.once('error', (e: NodeJS.ErrnoException) =>
      finish(classifyConnectError(e.code), e.code ?? 'EUNKNOWN'),
    );
  });
}
