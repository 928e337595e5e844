import mysql from 'mysql2';
import type { CellValue } from '../../pkg/binlog/types.js';
import { quoteId, quoteTable } from '../../pkg/db/connect.js';
import {
  type ColumnInfo,
  columnIndex,
  identityKey,
  isBinaryColumn,
  type TableStructure,
} from '../../pkg/schema/table-structure.js';
import type { RowChange } from '../job.js';

/** One statement with `?` parameters (values never spliced by hand). */
export interface Stmt {
  sql: string;
  params: unknown[];
}

/** The value to send for a decoded cell: SET arrays joined, `0x…` binary text as bytes. */
export function sqlValue(col: ColumnInfo | undefined, v: CellValue): unknown {
  if (Array.isArray(v)) return v.join(',');
  if (typeof v === 'string' && col && isBinaryColumn(col) && /^0x[0-9A-Fa-f]*$/.test(v)) {
    return Buffer.from(v.slice(2), 'hex');
  }
  return v;
}

/** Columns DML may write: generated columns are computed downstream. */
export function writableColumns(t: TableStructure): number[] {
  const out: number[] = [];
  t.columns.forEach((c, i) => {
    if (!c.generated) out.push(i);
  });
  return out;
}

/** Approximate types must not be compared for equality in a WHERE. */
function comparable(c: ColumnInfo): boolean {
  return !/^(float|double|real)/.test(c.type) && !c.generated;
}

/**
 * WHERE clause that finds the row `row`: by PK, else first NOT NULL UK, else every
 * (comparable) column with NULL-safe `<=>`, always with LIMIT 1 added by the caller.
 */
export function whereFor(t: TableStructure, row: CellValue[]): Stmt {
  const key = identityKey(t);
  const cols = key
    ? key.columns.map((n) => columnIndex(t, n))
    : t.columns.map((c, i) => (comparable(c) ? i : -1)).filter((i) => i >= 0);
  const parts: string[] = [];
  const params: unknown[] = [];
  for (const i of cols) {
    const c = t.columns[i] as ColumnInfo;
    const v = row[i] ?? null;
    if (v === null) parts.push(`${quoteId(c.name)} IS NULL`);
    else {
      parts.push(key ? `${quoteId(c.name)} = ?` : `${quoteId(c.name)} <=> ?`);
      params.push(sqlValue(c, v));
    }
  }
  return { sql: parts.length ? parts.join(' AND ') : '1 = 1', params };
}

/** True when the identity key values differ between the two images. */
export function keyChanged(t: TableStructure, before: CellValue[], after: CellValue[]): boolean {
  const key = identityKey(t);
  if (!key) return true;
  return key.columns.some((n) => {
    const i = columnIndex(t, n);
    return !sameValue(before[i] ?? null, after[i] ?? null);
  });
}

function sameValue(a: CellValue, b: CellValue): boolean {
  if (Buffer.isBuffer(a) && Buffer.isBuffer(b)) return a.equals(b);
  if (Array.isArray(a) && Array.isArray(b)) return a.join(',') === b.join(',');
  return a === b;
}

/**
 * INSERT (or REPLACE) of one or more rows of the same table; `rows` are after-images.
 * `ignore` makes it INSERT IGNORE (not used by default).
 */
export function insertSql(
  target: { schema: string; table: string },
  t: TableStructure,
  rows: CellValue[][],
  replace: boolean,
): Stmt {
  const cols = writableColumns(t);
  const params: unknown[] = [];
  const tuple = `(${cols.map(() => '?').join(',')})`;
  for (const r of rows) for (const i of cols) params.push(sqlValue(t.columns[i], r[i] ?? null));
  return {
    sql: `${replace ? 'REPLACE' : 'INSERT'} INTO ${quoteTable(target.schema, target.table)} (${cols
      .map((i) => quoteId((t.columns[i] as ColumnInfo).name))
      .join(',')}) VALUES ${rows.map(() => tuple).join(',')}`,
    params,
  };
}

export function updateSql(
  target: { schema: string; table: string },
  t: TableStructure,
  before: CellValue[],
  after: CellValue[],
): Stmt {
  const cols = writableColumns(t);
  const w = whereFor(t, before);
  return {
    sql: `UPDATE ${quoteTable(target.schema, target.table)} SET ${cols
      .map((i) => `${quoteId((t.columns[i] as ColumnInfo).name)} = ?`)
      .join(', ')} WHERE ${w.sql} LIMIT 1`,
    params: [...cols.map((i) => sqlValue(t.columns[i], after[i] ?? null)), ...w.params],
  };
}

export function deleteSql(
  target: { schema: string; table: string },
  t: TableStructure,
  before: CellValue[],
): Stmt {
  const w = whereFor(t, before);
  return {
    sql: `DELETE FROM ${quoteTable(target.schema, target.table)} WHERE ${w.sql} LIMIT 1`,
    params: w.params,
  };
}

/**
 * Statements for one change. Safe mode makes replays idempotent on keyed tables:
 * INSERT → REPLACE; UPDATE → (DELETE old key when the key changed) + REPLACE new row.
 * Tables without a key keep plain statements (REPLACE would duplicate): they get
 * exactly-once from their table checkpoint instead.
 */
export function changeSql(c: RowChange, safe: boolean): Stmt[] {
  const keyed = identityKey(c.table) !== undefined;
  const useSafe = safe && keyed;
  switch (c.type) {
    case 'insert':
      return [insertSql(c.target, c.table, [c.after ?? []], useSafe)];
    case 'delete':
      return [deleteSql(c.target, c.table, c.before ?? [])];
    case 'update': {
      const before = c.before ?? [];
      const after = c.after ?? [];
      if (!useSafe) return [updateSql(c.target, c.table, before, after)];
      const out: Stmt[] = [];
      if (keyChanged(c.table, before, after)) out.push(deleteSql(c.target, c.table, before));
      out.push(insertSql(c.target, c.table, [after], true));
      return out;
    }
  }
}

/**
 * Statements for a batch of changes, in order. With `multipleRows`, runs of inserts into the
 * same table (same mode) become one multi-row INSERT/REPLACE — safe because causality
 * already put conflicting changes in order, and the run has no other change in between.
 */
export function batchSql(changes: { change: RowChange; safe: boolean }[], multipleRows: boolean): Stmt[] {
  const out: Stmt[] = [];
  let run: { change: RowChange; replace: boolean; rows: CellValue[][] } | undefined;
  const flush = (): void => {
    if (run) out.push(insertSql(run.change.target, run.change.table, run.rows, run.replace));
    run = undefined;
  };
  for (const { change, safe } of changes) {
    if (multipleRows && change.type === 'insert') {
      const replace = safe && identityKey(change.table) !== undefined;
      if (
        run &&
        run.replace === replace &&
        run.change.table === change.table &&
        run.change.target.schema === change.target.schema &&
        run.change.target.table === change.target.table &&
        run.rows.length < 512
      ) {
        run.rows.push(change.after ?? []);
        continue;
      }
      flush();
      run = { change, replace, rows: [change.after ?? []] };
      continue;
    }
    flush();
    out.push(...changeSql(change, safe));
  }
  flush();
  return out;
}

/** Client-side formatting (mysql2's escaping) to send a batch as one multi-statement query. */
export function formatStmt(s: Stmt): string {
  return mysql.format(s.sql, s.params as never[]);
}
