import type { CellValue } from '../../pkg/binlog/types.js';
import type { TableStructure } from '../../pkg/schema/table-structure.js';
import { sqlLiteral } from '../sql/dml-sql.js';
import { tablePlan } from '../sql/table-plan.js';

/**
 * Pure SQL of the validator. A pending row is compared on the server, with the very literals
 * the applier writes (`sqlLiteral`), so no value is converted twice: full mode asks which of a
 * batch of rows exist with every comparable column NULL-safe equal (`<=>`; FLOAT/DOUBLE and
 * generated columns are left out, as in the applier's keyless WHERE), fast mode and deletes ask
 * which keys exist at all.
 */

/**
 * The identity key text of a row: its key columns' literals (stable across restarts). A quoted
 * integer loses its quotes: the binlog gives BIGINT as a number, the driver as a string.
 */
export function rowKey(t: TableStructure, row: readonly CellValue[]): string {
  const plan = tablePlan(t);
  const ids = plan.identityCols;
  if (ids.length === 1) {
    // The common case (one integer key) without an array and a join per row.
    const i = ids[0]!;
    const v = row[i] ?? null;
    return typeof v === 'number' ? `${v}` : keyLiteral(plan.binary[i] === true, v);
  }
  return ids.map((i) => keyLiteral(plan.binary[i] === true, row[i] ?? null)).join(',');
}

/** True when two images of a row have the very same identity key values (no key text built). */
export function sameKey(t: TableStructure, a: readonly CellValue[], b: readonly CellValue[]): boolean {
  for (const i of tablePlan(t).identityCols) {
    const x = a[i] ?? null;
    const y = b[i] ?? null;
    if (x === y) continue;
    if (Buffer.isBuffer(x) && Buffer.isBuffer(y) && x.equals(y)) continue;
    return false;
  }
  return true;
}

function keyLiteral(binary: boolean, v: CellValue): string {
  const l = sqlLiteral(binary, v);
  return /^'-?\d+'$/.test(l) ? l.slice(1, -1) : l;
}

function keyCond(t: TableStructure, row: readonly CellValue[]): string {
  const plan = tablePlan(t);
  return plan.identityCols
    .map((i) => {
      const v = row[i] ?? null;
      const q = plan.quoted[i]!;
      return v === null ? `${q} IS NULL` : `${q} = ${sqlLiteral(plan.binary[i] === true, v)}`;
    })
    .join(' AND ');
}

/** The columns full mode compares (the key, then the comparable others), once per batch. */
function fullCols(t: TableStructure): number[] {
  const plan = tablePlan(t);
  return [...new Set([...plan.identityCols, ...plan.keylessWhere])];
}

function fullCond(t: TableStructure, cols: readonly number[], row: readonly CellValue[]): string {
  const plan = tablePlan(t);
  return cols
    .map((i) => `${plan.quoted[i]} <=> ${sqlLiteral(plan.binary[i] === true, row[i] ?? null)}`)
    .join(' AND ');
}

/** The key columns of `rows` that are present downstream (`full`: and equal in every column). */
export function matchSql(
  t: TableStructure,
  quotedTable: string,
  rows: readonly (readonly CellValue[])[],
  full: boolean,
): string {
  const plan = tablePlan(t);
  const keyCols = plan.identityCols.map((i) => plan.quoted[i]).join(', ');
  const cols = full ? fullCols(t) : [];
  const conds = rows.map((r) => `(${full ? fullCond(t, cols, r) : keyCond(t, r)})`).join(' OR ');
  return `SELECT ${keyCols} FROM ${quotedTable} WHERE ${conds}`;
}

/** The downstream rows (writable columns) with the keys of `rows`, for the error record. */
export function fetchSql(
  t: TableStructure,
  quotedTable: string,
  rows: readonly (readonly CellValue[])[],
): string {
  const plan = tablePlan(t);
  const cols = plan.writable.map((i) => plan.quoted[i]).join(', ');
  return `SELECT ${cols} FROM ${quotedTable} WHERE ${rows.map((r) => `(${keyCond(t, r)})`).join(' OR ')}`;
}

/** The key text of a downstream result row, comparable with `rowKey`. */
export function resultKey(t: TableStructure, r: Record<string, unknown>): string {
  const plan = tablePlan(t);
  return plan.identityCols
    .map((i) => {
      const v = r[t.columns[i]!.name] as CellValue | undefined;
      return keyLiteral(plan.binary[i] === true, v ?? null);
    })
    .join(',');
}

/** JSON text of a row for the meta tables (Buffers as 0x… hex, as the binlog decoder prints). */
export function rowJson(t: TableStructure, row: readonly unknown[] | Record<string, unknown>): string {
  const obj: Record<string, unknown> = {};
  t.columns.forEach((c, i) => {
    const v = Array.isArray(row) ? row[i] : (row as Record<string, unknown>)[c.name];
    if (v === undefined) return;
    obj[c.name] = Buffer.isBuffer(v) ? `0x${v.toString('hex').toUpperCase()}` : v;
  });
  return JSON.stringify(obj);
}
