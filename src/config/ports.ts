// Port lists such as "2223-2225", "2223,2225" or "2223-2225,8443".

export const DEFAULT_PORTS = [2223, 2224, 2225] as const;
const MAX_PORTS = 1024;

export type Parsed<T> = { ok: true; value: T } | { ok: false; error: string };

export function parsePortSpec(spec: string): Parsed<number[]> {
  const text = spec.trim();
  if (text === '') return { ok: false, error: 'empty port list' };
  const ports = new Set<number>();
  for (const part of text.split(',')) {
    const item = part.trim();
    const m = /^(\d{1,5})(?:-(\d{1,5}))?$/.exec(item);
    if (!m) return { ok: false, error: `"${item}" is not a port or a range like 2223-2225` };
    const from = Number(m[1]);
    const to = m[2] === undefined ? from : Number(m[2]);
    for (const p of [from, to]) {
      if (p < 1 || p > 65535) return { ok: false, error: `port ${p} is outside 1-65535` };
    }
    if (to < from) return { ok: false, error: `range ${item} ends before it starts` };
    if (to - from + 1 + ports.size > MAX_PORTS) {
      return {
        ok: false,
        error: `more than ${MAX_PORTS} ports; hsmwatch checks service ports, it is no scanner`,
      };
    }
    for (let p = from; p <= to; p++) ports.add(p);
  }
  return { ok: true, value: [...ports].sort((a, b) => a - b) };
}

/** Compact form for display: [2223,2224,2225,8443] → "2223-2225,8443". */
export function formatPorts(ports: readonly number[]): string {
  const out: string[] = [];
  let i = 0;
  while (i < ports.length) {
    let j = i;
    while (j + 1 < ports.length && ports[j + 1] === ports[j]! + 1) j++;
    out.push(i === j ? String(ports[i]) : `${ports[i]}-${ports[j]}`);
    i = j + 1;
  }
  return out.join(',');
}
