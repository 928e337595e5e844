import { n, type Raw, s } from './normalise.js';
import type { ValidatorConfig } from './types.js';

/**
 * DM's `validators.<name>` defaults (dm/config/subtask.go), in one place:
 * mode `none`; `worker-count` 4; `row-error-delay` 30m (a row still different after this long
 * becomes an error row); `meta-flush-interval` 5m; `batch-query-size` 100 rows per downstream
 * query; `max-pending-row-size` 500m and `max-pending-row-count` 50000 (beyond either the
 * validator stops with an error rather than grow without bound); `start-time` '' (validate
 * from where the validator starts).
 */
export const VALIDATOR_DEFAULTS: Readonly<ValidatorConfig> = Object.freeze({
  mode: 'none',
  workerCount: 4,
  rowErrorDelay: '30m',
  metaFlushInterval: '5m',
  batchQuerySize: 100,
  maxPendingRowSize: '500m',
  maxPendingRowCount: 50_000,
  startTime: '',
});

/** A checked `validators.<name>` map (the schema already rejected wrong keys and types). */
export function normaliseValidator(r: Raw): ValidatorConfig {
  const d = VALIDATOR_DEFAULTS;
  const mode = s(r.mode);
  return {
    mode: mode === 'fast' || mode === 'full' ? mode : 'none',
    workerCount: n(r['worker-count'], d.workerCount) || d.workerCount,
    rowErrorDelay: s(r['row-error-delay']) || d.rowErrorDelay,
    metaFlushInterval: s(r['meta-flush-interval']) || d.metaFlushInterval,
    batchQuerySize: n(r['batch-query-size'], d.batchQuerySize) || d.batchQuerySize,
    maxPendingRowSize: s(r['max-pending-row-size']) || d.maxPendingRowSize,
    maxPendingRowCount: n(r['max-pending-row-count'], d.maxPendingRowCount) || d.maxPendingRowCount,
    startTime: s(r['start-time']),
  };
}

/** `500m`, `1g`, `64k`, or bytes. */
export function parseByteSize(v: string, fallback: number): number {
  const m = /^(\d+)\s*([kmg]?)b?$/i.exec(v.trim());
  if (!m) return fallback;
  const mult = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 }[m[2]!.toLowerCase() as '' | 'k' | 'm' | 'g'];
  return Number(m[1]) * mult;
}
