import type { CellValue } from '../pkg/binlog/types.js';
import { TableMap } from '../pkg/schema/table-map.js';
import type { DmlJob, RowChange } from './job.js';
import { tablePlan } from './sql/table-plan.js';

/**
 * `syncer.compact` (on by default here): folds the changes of one batch that touch the same
 * row (same target table and identity key) into one change, as DM's compactor does:
 *
 * - INSERT + UPDATE → INSERT (the update's row);  UPDATE + UPDATE → UPDATE (first before, last after)
 * - anything + DELETE → DELETE;  DELETE + INSERT → INSERT in safe mode (REPLACE)
 *
 * An UPDATE that changes the key is split into DELETE(old) + INSERT(new) first, so each key
 * folds on its own. The folded change takes the place of the key's LAST change, so it moves
 * past other rows' changes of the batch. That is only safe when no other unique constraint
 * ties rows together: with the identity key as the table's ONLY unique key, changes of
 * different key values touch different rows and can neither collide nor free a value for
 * each other, so any order that keeps each key's own changes in order gives the same table.
 * Rows of tables with a second unique key (DM folds them too, and a folded UPDATE that frees
 * a UK value then lands after the INSERT that takes it: duplicate key), keyless tables and
 * changes of one key under two table structures (shards mid-DDL) are kept as they are.
 * A folded change is in safe mode when any of its parts was. Pure.
 */
export function compactJobs(jobs: DmlJob[]): DmlJob[] {
  const slots: (DmlJob | undefined)[] = [];
  // Per target table, the slot of each key's latest change (no text built per change: the
  // names are looked up as they are, and a one-column integer key is its number).
  const tables = new TableMap<Map<RowKey, number>>();
  // The last target object and its map: a batch's changes come in runs of one table, and the
  // dispatcher gives every change of a table the same target object.
  let lastTarget: DmlJob['change']['target'] | undefined;
  let lastAt: Map<RowKey, number> | undefined;
  /** Place `j`, whose row's identity values are `v` (undefined: no usable key, kept as is). */
  const put = (j: DmlJob, v: RowKey | undefined): void => {
    if (v === undefined) {
      slots.push(j);
      return;
    }
    const target = j.change.target;
    let at = target === lastTarget ? lastAt : tables.get(target.schema, target.table);
    if (!at) {
      at = new Map();
      tables.set(target.schema, target.table, at);
    }
    lastTarget = target;
    lastAt = at;
    let prev = at.get(v);
    // Another structure of the table (a shard mid-DDL): its rows do not fold into this one's.
    if (prev !== undefined && (slots[prev] as DmlJob).change.table !== j.change.table) prev = undefined;
    const folded = prev === undefined ? j : fold(slots[prev] as DmlJob, j);
    if (prev !== undefined) slots[prev] = undefined;
    if (folded) {
      at.set(v, slots.length);
      slots.push(folded);
    } else at.delete(v);
  };
  for (const job of jobs) {
    const c = job.change;
    if (job.noKey) {
      slots.push(job);
      continue;
    }
    if (c.type !== 'update') {
      put(job, keyValues(c, c.type === 'insert' ? c.after : c.before));
      continue;
    }
    // An UPDATE that moves the row to another key becomes DELETE(old) + INSERT(new).
    const kb = keyValues(c, c.before);
    const ka = keyValues(c, c.after);
    if (kb === undefined || ka === undefined || kb === ka) {
      put(job, kb);
      continue;
    }
    put(withChange(job, job.keys, job.safe, 'delete', c.before, undefined), kb);
    put(withChange(job, job.keys, true, 'insert', undefined, c.after), ka);
  }
  return slots.filter((j): j is DmlJob => j !== undefined);
}

/**
 * `job` with another change of the same row (built field by field: object spreads of jobs
 * and changes were a visible part of the hot path).
 */
function withChange(
  job: DmlJob,
  keys: DmlJob['keys'],
  safe: boolean,
  type: RowChange['type'],
  before: CellValue[] | undefined,
  after: CellValue[] | undefined,
): DmlJob {
  const c = job.change;
  return {
    seq: job.seq,
    change: { type, source: c.source, target: c.target, table: c.table, before, after },
    keys,
    eventPos: job.eventPos,
    eventEnd: job.eventEnd,
    safe,
    noKey: job.noKey,
  };
}

/** Fold `b` (later) into `a` (earlier) for the same row; undefined when they cancel out. */
function fold(a: DmlJob, b: DmlJob): DmlJob | undefined {
  const ca = a.change;
  const cb = b.change;
  // The folded job holds both jobs' causality keys (a superset of its change's keys, which is
  // what multiple-rows' reordering needs; releasing keys uses the original jobs, not these).
  const keys = a.keys.concat(b.keys);
  const safe = a.safe || b.safe;
  if (cb.type === 'delete') {
    // INSERT + DELETE: the row never existed before the batch; a DELETE of it is harmless
    // and keeps the result right even if it did (safe-mode replays).
    return withChange(b, keys, safe, 'delete', ca.type === 'insert' ? ca.after : ca.before, undefined);
  }
  if (cb.type === 'update') {
    if (ca.type === 'insert') return withChange(b, keys, safe, 'insert', undefined, cb.after);
    if (ca.type === 'update') return withChange(b, keys, safe, 'update', ca.before, cb.after);
    // DELETE + UPDATE cannot happen on one row; if it does, the update's row wins.
    return withChange(b, keys, true, 'insert', undefined, cb.after);
  }
  // INSERT after DELETE (or after an impossible INSERT/UPDATE): replace the row.
  return withChange(b, keys, true, 'insert', undefined, cb.after);
}

/** A row's identity within its table: the number of a one-column integer key, else JSON text. */
type RowKey = number | string;

function keyValues(c: RowChange, row: CellValue[] | undefined): RowKey | undefined {
  // The plan caches the identity key's positions (identityKey + columnIndex rescanned the
  // structure for every row, which cost more than the folding itself).
  const plan = tablePlan(c.table);
  // Only tables whose identity key is their only unique key fold (see compactJobs).
  if (!plan.identity || !row || plan.keys.length !== 1) return undefined;
  const cols = plan.identityCols;
  if (cols.length === 1) {
    const i = cols[0] as number;
    if (i < 0) return undefined;
    const v = row[i];
    // Numbers (the usual key) as they are; other values as JSON text (never equal to a number).
    if (typeof v === 'number') return v;
    return JSON.stringify([v]);
  }
  const vals: unknown[] = [];
  for (const i of cols) {
    if (i < 0) return undefined;
    vals.push(row[i]);
  }
  // Buffers serialise through their toJSON (type + bytes): distinct bytes, distinct keys.
  return JSON.stringify(vals);
}
