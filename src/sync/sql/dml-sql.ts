import mysql from 'mysql2';
import type { CellValue } from '../../pkg/binlog/types.js';
import { type ColumnInfo, isBinaryColumn, type TableStructure } from '../../pkg/schema/table-structure.js';
import type { RowChange } from '../job.js';
import { quotedTarget, type TablePlan, tablePlan } from './table-plan.js';

/**
 * One statement: `?` parameters in `params`, or (row changes) `sql` already complete with its
 * values as literals and `params` empty — sent as is, see {@link formatStmt}.
 */
export interface Stmt {
  sql: string;
  params: unknown[];
}

/** The value to send for a decoded cell: SET arrays joined, `0x…` binary text as bytes. */
export function sqlValue(col: ColumnInfo | undefined, v: CellValue): unknown {
  if (Array.isArray(v)) return v.join(',');
  if (typeof v === 'string' && col && isBinaryColumn(col) && BINARY_TEXT.test(v)) {
    return Buffer.from(v.slice(2), 'hex');
  }
  return v;
}

const BINARY_TEXT = /^0x[0-9A-Fa-f]*$/;
/** Characters mysql2's escaping rewrites inside a quoted string. */
const NEEDS_ESCAPE = /[\0\b\t\n\r\x1a"'\\]/;

/**
 * The SQL literal of a decoded cell, byte for byte what `mysql.format` makes of
 * `sqlValue(col, v)` (see sql-literal tests), without the placeholder scan of the statement
 * (which costs more than the values on the replication hot path). `binary`: the column is
 * of a binary type.
 */
export function sqlLiteral(binary: boolean, v: CellValue | undefined): string {
  if (v === null || v === undefined) return 'NULL';
  if (typeof v === 'number') return `${v}`;
  if (typeof v === 'string') {
    if (binary && BINARY_TEXT.test(v)) return `X'${Buffer.from(v.slice(2), 'hex').toString('hex')}'`;
    return NEEDS_ESCAPE.test(v) ? mysql.escape(v) : `'${v}'`;
  }
  if (Array.isArray(v)) return sqlLiteral(false, v.join(','));
  if (Buffer.isBuffer(v)) return `X'${v.toString('hex')}'`;
  return mysql.escape(v);
}

/** Columns DML may write: generated columns are computed downstream. */
export function writableColumns(t: TableStructure): number[] {
  return tablePlan(t).writable;
}

/**
 * WHERE clause that finds the row `row`: by PK, else first NOT NULL UK, else every
 * (comparable) column with NULL-safe `<=>`, always with LIMIT 1 added by the caller.
 */
export function whereFor(t: TableStructure, row: CellValue[]): Stmt {
  return { sql: whereText(tablePlan(t), row), params: [] };
}

function whereText(plan: TablePlan, row: CellValue[]): string {
  const keyed = plan.identity !== undefined;
  const cols = keyed ? plan.identityCols : plan.keylessWhere;
  let sql = '';
  for (const i of cols) {
    const v = row[i] ?? null;
    if (sql) sql += ' AND ';
    const name = plan.quoted[i] ?? '``';
    if (v === null) sql += `${name} IS NULL`;
    else sql += `${name}${keyed ? ' = ' : ' <=> '}${sqlLiteral(plan.binary[i] === true, v)}`;
  }
  return sql || '1 = 1';
}

/** True when the identity key values differ between the two images. */
export function keyChanged(t: TableStructure, before: CellValue[], after: CellValue[]): boolean {
  const plan = tablePlan(t);
  if (!plan.identity) return true;
  return plan.identityCols.some((i) => !sameValue(before[i] ?? null, after[i] ?? null));
}

function sameValue(a: CellValue, b: CellValue): boolean {
  if (Buffer.isBuffer(a) && Buffer.isBuffer(b)) return a.equals(b);
  if (Array.isArray(a) && Array.isArray(b)) return a.join(',') === b.join(',');
  return a === b;
}

/** `(v1,v2,…)` of one row over the writable columns. */
function tuple(plan: TablePlan, r: CellValue[]): string {
  let s = '(';
  const cols = plan.writable;
  for (let k = 0; k < cols.length; k++) {
    const i = cols[k] as number;
    if (k > 0) s += ',';
    s += sqlLiteral(plan.binary[i] === true, r[i]);
  }
  return `${s})`;
}

/** INSERT (or REPLACE) of one or more rows of the same table; `rows` are after-images. */
export function insertSql(
  target: { schema: string; table: string },
  t: TableStructure,
  rows: CellValue[][],
  replace: boolean,
): Stmt {
  const plan = tablePlan(t);
  let sql = `${replace ? 'REPLACE' : 'INSERT'} INTO ${quotedTarget(plan, target)} ${plan.columnList} VALUES `;
  for (let k = 0; k < rows.length; k++) {
    if (k > 0) sql += ',';
    sql += tuple(plan, rows[k] as CellValue[]);
  }
  return { sql, params: [] };
}

/**
 * `multiple-rows` form of UPDATEs that keep their key (DM's merger): the after-images as one
 * `INSERT … ON DUPLICATE KEY UPDATE` setting every writable column from `VALUES()`.
 */
export function upsertSql(
  target: { schema: string; table: string },
  t: TableStructure,
  rows: CellValue[][],
): Stmt {
  const plan = tablePlan(t);
  const ins = insertSql(target, t, rows, false);
  let set = '';
  for (const i of plan.writable) {
    if (set) set += ',';
    const q = plan.quoted[i] as string;
    set += `${q}=VALUES(${q})`;
  }
  return { sql: `${ins.sql} ON DUPLICATE KEY UPDATE ${set}`, params: [] };
}

export function updateSql(
  target: { schema: string; table: string },
  t: TableStructure,
  before: CellValue[],
  after: CellValue[],
): Stmt {
  const plan = tablePlan(t);
  let set = '';
  for (const i of plan.writable) {
    if (set) set += ', ';
    set += `${plan.quoted[i]} = ${sqlLiteral(plan.binary[i] === true, after[i])}`;
  }
  return {
    sql: `UPDATE ${quotedTarget(plan, target)} SET ${set} WHERE ${whereText(plan, before)} LIMIT 1`,
    params: [],
  };
}

export function deleteSql(
  target: { schema: string; table: string },
  t: TableStructure,
  before: CellValue[],
): Stmt {
  const plan = tablePlan(t);
  return {
    sql: `DELETE FROM ${quotedTarget(plan, target)} WHERE ${whereText(plan, before)} LIMIT 1`,
    params: [],
  };
}

/**
 * One DELETE of several rows of a keyed table, by identity key: `WHERE `id` IN (1,2)`, or for
 * a composite key `WHERE (`a` = 1 AND `b` = 2) OR (…)` (which the range optimizer turns into
 * one index range per row). A single row keeps {@link deleteSql}'s form.
 */
export function deleteRowsSql(
  target: { schema: string; table: string },
  t: TableStructure,
  rows: CellValue[][],
): Stmt {
  const plan = tablePlan(t);
  if (rows.length === 1) return deleteSql(target, t, rows[0] ?? []);
  // Rows of a keyless table cannot be told apart by a key: callers delete them one by one.
  if (!plan.identity) throw new Error(`deleteRowsSql: ${target.schema}.${target.table} has no key`);
  const cols = plan.identityCols;
  let where = '';
  if (cols.length === 1) {
    const i = cols[0] as number;
    where = `${plan.quoted[i]} IN (`;
    for (let k = 0; k < rows.length; k++) {
      if (k > 0) where += ',';
      where += sqlLiteral(plan.binary[i] === true, (rows[k] as CellValue[])[i]);
    }
    where += ')';
  } else {
    for (let k = 0; k < rows.length; k++) {
      if (k > 0) where += ' OR ';
      where += `(${whereText(plan, rows[k] as CellValue[])})`;
    }
  }
  return { sql: `DELETE FROM ${quotedTarget(plan, target)} WHERE ${where}`, params: [] };
}

/**
 * Statements for one change. Safe mode makes replays idempotent on keyed tables:
 * INSERT → REPLACE; UPDATE → (DELETE old key when the key changed) + REPLACE new row.
 * Tables without a key keep plain statements (REPLACE would duplicate): they get
 * exactly-once from their table checkpoint instead.
 */
export function changeSql(c: RowChange, safe: boolean): Stmt[] {
  const out: Stmt[] = [];
  pushChangeSql(out, c, safe);
  return out;
}

/** {@link changeSql} appending to `out` (no array per change on the hot path). */
export function pushChangeSql(out: Stmt[], c: RowChange, safe: boolean): void {
  const keyed = tablePlan(c.table).identity !== undefined;
  const useSafe = safe && keyed;
  switch (c.type) {
    case 'insert':
      out.push(insertSql(c.target, c.table, [c.after ?? []], useSafe));
      return;
    case 'delete':
      out.push(deleteSql(c.target, c.table, c.before ?? []));
      return;
    case 'update': {
      const before = c.before ?? [];
      const after = c.after ?? [];
      if (!useSafe) {
        out.push(updateSql(c.target, c.table, before, after));
        return;
      }
      if (keyChanged(c.table, before, after)) out.push(deleteSql(c.target, c.table, before));
      out.push(insertSql(c.target, c.table, [after], true));
      return;
    }
  }
}

/**
 * Client-side formatting (mysql2's escaping) to send a batch as one multi-statement query. A
 * statement without parameters is already complete: no placeholder scan of its text.
 */
export function formatStmt(s: Stmt): string {
  return s.params.length === 0 ? s.sql : mysql.format(s.sql, s.params as never[]);
}
