import type { CellValue } from '../pkg/binlog/types.js';
import type { DmlJob, RowChange } from './job.js';
import { tablePlan } from './sql/table-plan.js';

/**
 * `syncer.compact`: folds the changes of one batch that touch the same row (same target table
 * and identity key) into one change, as DM's compactor does:
 *
 * - INSERT + UPDATE → INSERT (the update's row);  UPDATE + UPDATE → UPDATE (first before, last after)
 * - anything + DELETE → DELETE;  DELETE + INSERT → INSERT in safe mode (REPLACE)
 *
 * An UPDATE that changes the key is split into DELETE(old) + INSERT(new) first, so each key
 * folds on its own. The folded change takes the place of the key's LAST change (later
 * changes of other keys may depend on it, e.g. a unique value freed earlier). Jobs of keyless
 * tables are kept as they are. Pure.
 */
export function compactJobs(jobs: DmlJob[]): DmlJob[] {
  const slots: (DmlJob | undefined)[] = [];
  const at = new Map<string, number>();
  for (const job of jobs) {
    for (const j of splitKeyUpdate(job)) {
      const k = j.noKey ? undefined : rowKey(j.change);
      if (k === undefined) {
        slots.push(j);
        continue;
      }
      const prev = at.get(k);
      const folded = prev === undefined ? j : fold(slots[prev] as DmlJob, j);
      if (prev !== undefined) slots[prev] = undefined;
      if (folded) {
        at.set(k, slots.length);
        slots.push(folded);
      } else at.delete(k);
    }
  }
  return slots.filter((j): j is DmlJob => j !== undefined);
}

/** Fold `b` (later) into `a` (earlier) for the same row; undefined when they cancel out. */
function fold(a: DmlJob, b: DmlJob): DmlJob | undefined {
  const ca = a.change;
  const cb = b.change;
  // The folded job holds both jobs' causality keys (a superset of its change's keys, which is
  // what multiple-rows' reordering needs; releasing keys uses the original jobs, not these).
  const change = (c: Partial<RowChange>): DmlJob => ({
    ...b,
    keys: a.keys.concat(b.keys),
    change: { ...cb, ...c },
  });
  if (cb.type === 'delete') {
    // INSERT + DELETE: the row never existed before the batch; a DELETE of it is harmless
    // and keeps the result right even if it did (safe-mode replays).
    return change({ type: 'delete', before: ca.type === 'insert' ? ca.after : ca.before, after: undefined });
  }
  if (cb.type === 'update') {
    if (ca.type === 'insert')
      return { ...change({ type: 'insert', before: undefined, after: cb.after }), safe: a.safe || b.safe };
    if (ca.type === 'update') return change({ type: 'update', before: ca.before, after: cb.after });
    // DELETE + UPDATE cannot happen on one row; if it does, the update's row wins.
    return { ...change({ type: 'insert', before: undefined, after: cb.after }), safe: true };
  }
  // INSERT after DELETE (or after an impossible INSERT/UPDATE): replace the row.
  return { ...change({ type: 'insert', before: undefined, after: cb.after }), safe: true };
}

/** An UPDATE that moves the row to another key becomes DELETE + INSERT. */
function splitKeyUpdate(job: DmlJob): DmlJob[] {
  const c = job.change;
  if (c.type !== 'update' || job.noKey) return [job];
  const kb = keyValues(c, c.before);
  const ka = keyValues(c, c.after);
  if (kb === undefined || ka === undefined || kb === ka) return [job];
  return [
    { ...job, change: { ...c, type: 'delete', after: undefined } },
    { ...job, change: { ...c, type: 'insert', before: undefined }, safe: true },
  ];
}

function rowKey(c: RowChange): string | undefined {
  const v = keyValues(c, c.type === 'insert' ? c.after : c.before);
  return v === undefined ? undefined : `${c.target.schema}\u0000${c.target.table}\u0000${v}`;
}

function keyValues(c: RowChange, row: CellValue[] | undefined): string | undefined {
  // The plan caches the identity key's positions (identityKey + columnIndex rescanned the
  // structure for every row, which cost more than the folding itself).
  const plan = tablePlan(c.table);
  if (!plan.identity || !row) return undefined;
  const cols = plan.identityCols;
  if (cols.length === 1) {
    const i = cols[0] as number;
    if (i < 0) return undefined;
    const v = row[i];
    // Numbers (the usual key) without JSON; other values as JSON, a separate namespace.
    if (typeof v === 'number') return `#${v}`;
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
