// The bench:tls servers, in their own process so their handshake work does not share an event loop
// with the client being measured. Reads {key, cert, configs} as JSON on stdin, prints the ports.
import type { TlsOptions } from 'node:tls';
import { nodeTlsServer } from '../support/tls-peers.js';

let input = '';
for await (const chunk of process.stdin) input += chunk;
const { key, cert, configs } = JSON.parse(input) as { key: string; cert: string; configs: TlsOptions[] };
const ports: number[] = [];
for (const o of configs) ports.push((await nodeTlsServer({ key, cert, ...o })).port);
process.stdout.write(`${JSON.stringify(ports)}\n`);
// Lives until the parent closes the pipe or kills it.
process.stdout.on('error', () => process.exit(0));
setInterval(() => {}, 60_000);
