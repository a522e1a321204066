// The source address the kernel picks to reach each HSM address: a UDP socket connected to it says
// (connect only selects a route and a source, it sends nothing). That address's ENI is the one whose
// security groups and subnet AWS judges the traffic by — a pod's branch ENI, a task's ENI, or one of
// several instance ENIs — whatever IMDS describes.
import { createSocket } from 'node:dgram';
import { isIP } from 'node:net';

const DEADLINE_MS = 1000;
// Any port: nothing is sent to it.
const DISCARD_PORT = 9;

/** The kernel's source address towards `ip`, or null when it has no route (or no answer in time). */
export function kernelSourceAddress(ip: string, deadlineMs = DEADLINE_MS): Promise<string | null> {
  const family = isIP(ip);
  if (family === 0) return Promise.resolve(null);
  return new Promise((resolve) => {
    const socket = createSocket(family === 6 ? 'udp6' : 'udp4');
    let done = false;
    const finish = (v: string | null) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.close();
      resolve(v);
    };
    const timer = setTimeout(() => finish(null), deadlineMs);
    socket.on('error', () => finish(null));
    try {
      socket.connect(DISCARD_PORT, ip, () => {
        try {
          const { address } = socket.address();
          // An unspecified address: the route lookup found no source.
          finish(address === '0.0.0.0' || address === '::' ? null : address);
        } catch {
          finish(null);
        }
      });
    } catch {
      finish(null);
    }
  });
}

/** The kernel's pick for each address, in order. */
export async function kernelSources(
  ips: readonly string[],
): Promise<Array<{ hsmIp: string; sourceIp: string | null }>> {
  const unique = [...new Set(ips)];
  const picked = await Promise.all(unique.map((ip) => kernelSourceAddress(ip)));
  return unique.map((hsmIp, i) => ({ hsmIp, sourceIp: picked[i] ?? null }));
}
