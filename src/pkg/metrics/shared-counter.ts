import { Counter, type Registry } from 'prom-client';

/** A counter on `registry`, created once per registry (several units share a worker's). */
export function sharedCounter(registry: Registry, name: string, help: string): Counter<'task' | 'source_id'> {
  const existing = registry.getSingleMetric(name);
  if (existing) return existing as Counter<'task' | 'source_id'>;
  return new Counter({ name, help, labelNames: ['task', 'source_id'], registers: [registry] });
}
