// The MetricsFactory of the probe contract, registering every metric in one long-lived registry.
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { MetricsFactory } from '../core/metrics.js';

export function metricsFactory(registry: Registry): MetricsFactory {
  const registers = [registry];
  return {
    gauge: (config) => new Gauge({ ...config, registers }),
    counter: (config) => new Counter({ ...config, registers }),
    histogram: (config) => new Histogram({ ...config, registers }),
  };
}
