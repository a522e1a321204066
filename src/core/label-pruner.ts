/**
 * Removes the label sets of a metric that were set before but not in the latest update, so series of
 * vanished targets (a replaced HSM, a removed cluster) disappear instead of going stale.
 */
export class LabelPruner {
  private seen = new Map<string, Record<string, string>>();

  /** Call with every label set the metric holds now; the others are removed from it. */
  keep(metric: { remove(labels: Record<string, string>): void }, current: Iterable<Record<string, string>>) {
    const next = new Map<string, Record<string, string>>();
    for (const labels of current) next.set(labelKey(labels), labels);
    for (const [key, labels] of this.seen) if (!next.has(key)) metric.remove(labels);
    this.seen = next;
  }
}

const labelKey = (labels: Record<string, string>) =>
  Object.keys(labels)
    .sort()
    .map((k) => `${k}=${labels[k]}`)
    .join('\u0000');
