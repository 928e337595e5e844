import type { Connection } from '../../pkg/db/connect.js';
import { quotedTarget, tablePlan } from '../sql/table-plan.js';
import type { PendingBatch, PendingEntry, PendingRows } from './pending-rows.js';
import { fetchSql, matchSql, resultKey, rowJson, rowKey } from './validator-sql.js';
import { ERROR_STATES, type ValidatorTables } from './validator-store.js';

/** What one batch check needs from its validator. */
export interface CheckContext {
  source: string;
  tables: ValidatorTables;
  pending: PendingRows;
  /** full: every column compared; fast: existence only. */
  full: boolean;
  /** A row still different after this long becomes an error row. */
  delayMs: number;
}

/**
 * Check one batch (one kind, one target table) with one query: rows that match are dropped
 * from the pending set; rows still different after `row-error-delay` are recorded as error rows
 * (true when some were).
 */
export async function checkBatch(ctx: CheckContext, cc: Connection, refs: PendingBatch): Promise<boolean> {
  // Read now: rows replaced since the round began are checked, in their latest state, in the next.
  const batch = ctx.pending.open(refs);
  const first = batch[0]?.[1];
  if (!first) return false;
  const t = first.structure;
  const q = quotedTarget(tablePlan(t), first.at.target);
  const del = first.kind === 'delete';
  const [found] = await cc.query(
    matchSql(
      t,
      q,
      batch.map(([, p]) => p.row),
      ctx.full && !del,
    ),
  );
  const present = new Set((found as Record<string, unknown>[]).map((r) => resultKey(t, r)));
  const failed: PendingEntry[] = [];
  const now = Date.now();
  for (const e of batch) {
    const ok = del ? !present.has(rowKey(t, e[1].row)) : present.has(rowKey(t, e[1].row));
    if (ok) ctx.pending.drop(e[0], e[1]);
    else if (now - e[1].firstSeen >= ctx.delayMs) failed.push(e);
  }
  if (failed.length === 0) return false;
  await recordErrors(ctx, cc, failed, del);
  return true;
}

/** Write the error rows of `failed` (with what the downstream holds), one per key. */
async function recordErrors(
  ctx: CheckContext,
  c: Connection,
  failed: PendingEntry[],
  del: boolean,
): Promise<void> {
  const t = failed[0]![1].structure;
  const q = quotedTarget(tablePlan(t), failed[0]![1].at.target);
  const [dst] = await c.query(
    fetchSql(
      t,
      q,
      failed.map(([, p]) => p.row),
    ),
  );
  const byKey = new Map((dst as Record<string, unknown>[]).map((r) => [resultKey(t, r), r]));
  for (const [key, p] of failed) {
    if (!ctx.pending.holds(key, p)) continue; // replaced by a newer change meanwhile
    const k = rowKey(t, p.row);
    const d = byKey.get(k);
    const type = del ? 0 : d ? 2 : 1;
    await c.query(
      `INSERT INTO ${ctx.tables.error} (source, src_schema_name, src_table_name, row_pk, dst_schema_name, dst_table_name, data, dst_data, error_type, status)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON DUPLICATE KEY UPDATE data = VALUES(data), dst_data = VALUES(dst_data), error_type = VALUES(error_type)`,
      [
        ctx.source,
        p.source.schema,
        p.source.table,
        k,
        p.at.target.schema,
        p.at.target.table,
        rowJson(t, p.row),
        d ? rowJson(t, d) : '{}',
        type,
        ERROR_STATES.NewErr,
      ],
    );
    ctx.pending.drop(key, p);
  }
}
