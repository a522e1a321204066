// The HSM side of a slow link: the repo's simulated HSMs (dist/src/sim/hsm-listeners.js, so
// `npm run build` first) listening on addresses inside the HSM namespace. Started by slow-link.ts as
//   ip netns exec <hsm ns> node test/support/slow-link-peer.mjs --ips a,b,c --ports 2223,2224,2225 \
//     --tls-port 2223 --key k.pem --cert c.pem
// Prints "ready <listeners>" when every listener is up. Exits on SIGTERM/SIGINT, when stdin closes
// (its parent died) and after --max-seconds.
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const args = new Map();
for (let i = 2; i < process.argv.length; i += 2) args.set(process.argv[i], process.argv[i + 1]);
const need = (k) => {
  const v = args.get(k);
  if (v === undefined) {
    process.stderr.write(`slow-link-peer: ${k} is required\n`);
    process.exit(2);
  }
  return v;
};

const listenersUrl = new URL('../../dist/src/sim/hsm-listeners.js', import.meta.url);
if (!existsSync(fileURLToPath(listenersUrl))) {
  process.stderr.write(`slow-link-peer: ${fileURLToPath(listenersUrl)} is missing; run npm run build\n`);
  process.exit(2);
}
const { SimulatedHsms } = await import(listenersUrl.href);

const ips = need('--ips').split(',').filter(Boolean);
const ports = need('--ports').split(',').map(Number);
const tlsPort = args.has('--tls-port') ? Number(args.get('--tls-port')) : undefined;
const tls =
  tlsPort !== undefined
    ? { port: tlsPort, key: readFileSync(need('--key'), 'utf8'), cert: readFileSync(need('--cert'), 'utf8') }
    : undefined;
const maxMs = Number(args.get('--max-seconds') ?? 1800) * 1000;

const hsms = new SimulatedHsms(tls);
let stopping = false;
async function stop(code) {
  if (stopping) return;
  stopping = true;
  const force = setTimeout(() => process.exit(code), 2000);
  force.unref();
  await hsms.stop().catch(() => {});
  process.exit(code);
}
process.on('SIGTERM', () => stop(0));
process.on('SIGINT', () => stop(0));
process.stdin.on('end', () => stop(0));
process.stdin.on('error', () => stop(0));
process.stdin.resume();
setTimeout(() => stop(0), maxMs).unref();

try {
  await hsms.start(ips.flatMap((ip) => ports.map((port) => ({ ip, port }))));
} catch (e) {
  process.stderr.write(`slow-link-peer: ${e.message}\n`);
  await stop(1);
}
process.stdout.write(`ready ${ips.length * ports.length}\n`);
