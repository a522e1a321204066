// Load generator for bench:agent, in its own process so the measuring client does not share an
// event loop with the simulated HSMs: N concurrent keep-alive clients, each doing M scrapes as
// Prometheus sends them (gzip accepted). Prints {p50, p99, n, bytes} as JSON. Loopback only.
import { Agent, get } from 'node:http';

const [url, clientsArg, eachArg] = process.argv.slice(2);
if (!url || !new URL(url).hostname.startsWith('127.'))
  throw new Error('usage: scrape-load http://127.x.y.z:port/path [clients] [each]');
const clients = Number(clientsArg ?? 100);
const each = Number(eachArg ?? 10);

function scrape(agent: Agent): Promise<{ ms: number; bytes: number; status: number }> {
  const t0 = performance.now();
  return new Promise((resolve, reject) => {
    const req = get(url!, { agent, timeout: 30_000, headers: { 'accept-encoding': 'gzip' } }, (res) => {
      let bytes = 0;
      res.on('data', (d: Buffer) => {
        bytes += d.length;
      });
      res.on('end', () => resolve({ ms: performance.now() - t0, bytes, status: res.statusCode ?? 0 }));
    });
    req.on('error', reject);
    req.on('timeout', () => req.destroy(new Error('timeout')));
  });
}

const agent = new Agent({ keepAlive: true, maxSockets: clients });
// Open the connections first: connection set-up is not what is measured.
await Promise.all(Array.from({ length: clients }, () => scrape(agent)));
const times: number[] = [];
let bytes = 0;
await Promise.all(
  Array.from({ length: clients }, async () => {
    for (let i = 0; i < each; i++) {
      const r = await scrape(agent);
      if (r.status !== 200) throw new Error(`HTTP ${r.status}`);
      times.push(r.ms);
      bytes = r.bytes;
    }
  }),
);
agent.destroy();
times.sort((a, b) => a - b);
const q = (p: number) => times[Math.min(times.length - 1, Math.floor(p * times.length))]!;
console.log(JSON.stringify({ p50: q(0.5), p99: q(0.99), n: times.length, bytes }));
