import { Counter, type Registry } from 'prom-client';

/** query-status `dump` section (dumpling's fields). */
export interface DumpStatus {
  totalTables: number;
  completedTables: number;
  finishedBytes: number;
  finishedRows: number;
  estimateTotalRows: number;
  /** "12.34 %". */
  progress: string;
  /** Bytes per second since the dump started. */
  bps: number;
}

/** A counter on `registry`, created once per registry (several units share a worker's). */
export function sharedCounter(registry: Registry, name: string, help: string): Counter<'task' | 'source_id'> {
  const existing = registry.getSingleMetric(name);
  if (existing) return existing as Counter<'task' | 'source_id'>;
  return new Counter({ name, help, labelNames: ['task', 'source_id'], registers: [registry] });
}

/** "12.34 %" with the ratio clamped to [0, 1]. */
export function percent(done: number, total: number): string {
  const r = total > 0 ? Math.min(1, Math.max(0, done / total)) : 0;
  return `${(r * 100).toFixed(2)} %`;
}
