import { E } from '../errors/index.js';
import { parseGoDuration } from './duration.js';
import { n, type Raw, s } from './normalise.js';
import type { ValidatorConfig } from './types.js';
import type { Bad, KeyPath } from './yaml-doc.js';

/**
 * DM's `validators.<name>` defaults (dm/config/task.go:72-83), in one place:
 * mode `none`; `worker-count` 4; `validate-interval` 10s (a validation round of the pending
 * rows); `check-interval` 5s (while the sync unit is not running, how often the validator looks
 * again: DM's waitSyncerRunning); `row-error-delay` 30m (a row still different after this long
 * becomes an error row); `meta-flush-interval` 5m; `batch-query-size` 100 rows per downstream
 * query; `max-pending-row-size` 500m and `max-pending-row-count` 2147483647 (DM's
 * math.MaxInt32; beyond either the validator stops with an error rather than grow without
 * bound); `start-time` '' (validate from where the validator starts).
 */
export const VALIDATOR_DEFAULTS: Readonly<ValidatorConfig> = Object.freeze({
  mode: 'none',
  workerCount: 4,
  validateInterval: '10s',
  checkInterval: '5s',
  rowErrorDelay: '30m',
  metaFlushInterval: '5m',
  batchQuerySize: 100,
  maxPendingRowSize: '500m',
  maxPendingRowCount: 2_147_483_647,
  startTime: '',
});

/**
 * A checked `validators.<name>` map (the schema already rejected wrong keys and types). As DM's
 * `ValidatorConfig.Adjust` (dm/config/task.go:486): zero values take the defaults; durations
 * must parse (DM's Duration) and `max-pending-row-size` must be a size (units.RAMInBytes).
 */
export function normaliseValidator(r: Raw, at: KeyPath = [], bad?: Bad): ValidatorConfig {
  const d = VALIDATOR_DEFAULTS;
  const mode = s(r.mode);
  const duration = (key: string, def: string): string => {
    const v = s(r[key]);
    if (v === '') return def;
    const ms = parseGoDuration(v);
    if (ms === undefined || ms < 0) {
      bad?.(E.configInvalidValue, [...at, key], `invalid duration "${v}" (e.g. 10s, 5m)`);
      return def;
    }
    return ms === 0 ? def : v;
  };
  const size = s(r['max-pending-row-size']) || d.maxPendingRowSize;
  if (Number.isNaN(parseByteSize(size, Number.NaN)))
    bad?.(E.configInvalidValue, [...at, 'max-pending-row-size'], `invalid size "${size}" (e.g. 500m, 1g)`);
  return {
    mode: mode === 'fast' || mode === 'full' ? mode : 'none',
    workerCount: n(r['worker-count'], d.workerCount) || d.workerCount,
    validateInterval: duration('validate-interval', d.validateInterval),
    checkInterval: duration('check-interval', d.checkInterval),
    rowErrorDelay: duration('row-error-delay', d.rowErrorDelay),
    metaFlushInterval: duration('meta-flush-interval', d.metaFlushInterval),
    batchQuerySize: n(r['batch-query-size'], d.batchQuerySize) || d.batchQuerySize,
    maxPendingRowSize: size,
    maxPendingRowCount: n(r['max-pending-row-count'], d.maxPendingRowCount) || d.maxPendingRowCount,
    startTime: s(r['start-time']),
  };
}

/** `500m`, `1g`, `1.5GiB`, `64kb`, or bytes: the forms of DM's units.RAMInBytes (binary units). */
export function parseByteSize(v: string, fallback: number): number {
  const m = /^(\d+(?:\.\d+)?)\s*([kmgtp]?)(?:i?b)?$/i.exec(v.trim());
  if (!m) return fallback;
  const exp = ['', 'k', 'm', 'g', 't', 'p'].indexOf(m[2]!.toLowerCase());
  return Math.floor(Number(m[1]) * 1024 ** exp);
}
