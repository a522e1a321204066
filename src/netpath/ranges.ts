// Inclusive integer ranges (ports). Pure.

export interface PortRange {
  from: number;
  to: number;
}

export const ALL_PORTS: PortRange = { from: 0, to: 65535 };

export function intersect(a: PortRange, b: PortRange): PortRange | null {
  const from = Math.max(a.from, b.from);
  const to = Math.min(a.to, b.to);
  return from <= to ? { from, to } : null;
}

/** `set` minus `cut`; both sorted, disjoint lists stay sorted and disjoint. */
export function subtract(set: readonly PortRange[], cut: PortRange): PortRange[] {
  const out: PortRange[] = [];
  for (const r of set) {
    if (cut.to < r.from || cut.from > r.to) {
      out.push(r);
      continue;
    }
    if (r.from < cut.from) out.push({ from: r.from, to: cut.from - 1 });
    if (r.to > cut.to) out.push({ from: cut.to + 1, to: r.to });
  }
  return out;
}

export function size(set: readonly PortRange[]): number {
  return set.reduce((n, r) => n + r.to - r.from + 1, 0);
}

export function formatRanges(set: readonly PortRange[]): string {
  return set.map((r) => (r.from === r.to ? String(r.from) : `${r.from}-${r.to}`)).join(',');
}

/** Sorted distinct ports → maximal contiguous ranges. */
export function toRanges(ports: readonly number[]): PortRange[] {
  let ascending = true;
  for (let i = 1; i < ports.length && ascending; i++) ascending = ports[i]! > ports[i - 1]!;
  const sorted = ascending ? ports : [...new Set(ports)].sort((a, b) => a - b);
  const out: PortRange[] = [];
  for (const p of sorted) {
    const last = out[out.length - 1];
    if (last && last.to + 1 === p) last.to = p;
    else out.push({ from: p, to: p });
  }
  return out;
}
