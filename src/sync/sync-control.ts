/**
 * What the worker may ask of a live sync unit, as calls. The subtask used to steer the unit
 * by flipping `enableRelay` on the config object the unit was running with, and reached the
 * unit's schema tracker and validator through casts; this interface is the one way in.
 */
import type { Unit } from '../unit/unit.js';
import type { SchemaHolder } from './schema-operator.js';
import type { DataValidator } from './validator/validator.js';

export interface SyncControl extends SchemaHolder {
  readonly type: 'Sync';
  /**
   * Read the binlog from the local relay log (true) or from the upstream (false). Takes
   * effect the next time `process` opens its event source: the caller stops a running
   * `process` and starts it again (relay files keep the upstream's names and positions, so
   * the applied position means the same in both).
   */
  setReadFromRelay(on: boolean): void;
  /** Whether `process` reads the relay log (status `binlogType: local`). */
  readonly readsFromRelay: boolean;
  /** DM's continuous validator, when the task's validator mode is fast or full. */
  readonly validator: DataValidator | undefined;
}

/** The unit's SyncControl when it is a sync unit that offers one (test doubles may not). */
export function syncControlOf(u: Unit | undefined): SyncControl | undefined {
  if (u?.type !== 'Sync') return undefined;
  return isSyncControl(u) ? u : undefined;
}

function isSyncControl(u: Unit): u is Unit & SyncControl {
  return 'setReadFromRelay' in u && 'schemaTracker' in u && 'flushSchema' in u;
}
