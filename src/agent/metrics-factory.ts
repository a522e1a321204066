// The MetricsFactory of the probe contract, registering every metric in one long-lived registry.
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { MetricsFactory } from '../core/metrics.js';

/** `created` collects every metric made, so its owner can clear them (a probe deselected by a reload). */
export function metricsFactory(registry: Registry, created?: Array<{ reset(): void }>): MetricsFactory {
  const registers = [registry];
  const keep = <M extends { reset(): void }>(m: M): M => {
    created?.push(m);
    return m;
  };
  return {
    gauge: (config) => keep(new Gauge({ ...config, registers })),
    counter: (config) => keep(new Counter({ ...config, registers })),
    histogram: (config) => keep(new Histogram({ ...config, registers })),
  };
}
