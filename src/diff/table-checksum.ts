import { quoteTable } from '../pkg/db/connect.js';
import type { TableShape } from './diff-sql.js';

/**
 * The equal-table fast path: before a table is cut into chunks, `CHECKSUM TABLE` runs on both
 * sides at once, with an exact `COUNT(*)` of the target for the report; equal checksums mean
 * the table is equal and no chunk is read. Anything else (a different checksum, a NULL one, an error) falls
 * back to the chunked compare, which finds the rows and writes the fix SQL as before — so a
 * checksum that differs for equal rows (ROW_FORMAT=DYNAMIC given explicitly on one side only,
 * nullability, MySQL vs MariaDB record layouts) costs time, never a wrong verdict.
 *
 * `CHECKSUM TABLE` hashes the stored record bytes, not the values, so it is only consulted
 * when equal bytes mean equal values and every compared value is in the record: one source
 * table (no shard merge), no `range`, no `ignore-columns`, equal structure including each
 * column's character set and collation (the same bytes in latin1 and cp1251 are different
 * text), and no TiDB on either side (its `CHECKSUM TABLE` is not the MySQL one).
 *
 * This module is the pure decision and the SQL text; diff.ts runs it.
 */

/** What the decision needs to know about one side of a table. */
export interface ChecksumSide {
  readonly shape: TableShape;
  /** `SELECT VERSION()` of the side's server. */
  readonly version: string;
}

export interface ChecksumPlanInput {
  /** The config's `use-table-checksum`. */
  readonly enabled: boolean;
  readonly target: ChecksumSide;
  /** Every source table routed to this target table (one per shard). */
  readonly sources: readonly ChecksumSide[];
  /** The table config's `range` ('' = none). */
  readonly range: string;
  readonly ignoreColumns: readonly string[];
  /** The structure check's result (column names and COLUMN_TYPEs in order). */
  readonly structEqual: boolean;
}

export type ChecksumPlan = { readonly use: true } | { readonly use: false; readonly reason: string };

export function isTidb(version: string): boolean {
  return /tidb/i.test(version);
}

/** Whether the table-level checksum may decide this table's equality, and if not, why. */
export function tableChecksumPlan(p: ChecksumPlanInput): ChecksumPlan {
  const no = (reason: string): ChecksumPlan => ({ use: false, reason });
  if (!p.enabled) return no('use-table-checksum = false');
  if (p.sources.length !== 1) return no('sharded source');
  if (p.range.trim() !== '') return no('range');
  if (p.ignoreColumns.length > 0) return no('ignore-columns');
  if (!p.structEqual) return no('structure differs');
  const src = p.sources[0]!;
  if (isTidb(p.target.version) || isTidb(src.version)) return no('TiDB');
  const a = p.target.shape.columns;
  const b = src.shape.columns;
  if (a.length !== b.length) return no('structure differs');
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!;
    const y = b[i]!;
    if (x.name.toLowerCase() !== y.name.toLowerCase() || x.columnType !== y.columnType) {
      return no('structure differs');
    }
    if ((x.charset ?? null) !== (y.charset ?? null) || (x.collation ?? null) !== (y.collation ?? null)) {
      return no(`character set of ${x.name} differs`);
    }
    // NOT NULL on one side only changes the record's null bitmap: the checksum would differ
    // for equal rows, so do not spend a pass on it.
    if ((x.nullable ?? true) !== (y.nullable ?? true)) return no(`nullability of ${x.name} differs`);
  }
  return { use: true };
}

export function checksumTableSql(schema: string, table: string): string {
  return `CHECKSUM TABLE ${quoteTable(schema, table)}`;
}

/**
 * The exact row count next to the checksum, for summary.txt (run on the target only: when
 * the checksums agree the source holds the same rows, and when they do not the chunked
 * compare counts both sides). InnoDB counts on the smallest index by itself, so a plain
 * COUNT(*) is the cheapest exact count (10 M sysbench rows: ~1.1 CPU-s on the k index, ~3.8
 * on the primary key, against ~4.8 for CHECKSUM TABLE).
 */
export function countSql(schema: string, table: string): string {
  return `SELECT COUNT(*) AS n FROM ${quoteTable(schema, table)}`;
}

/** Equal only when both sides gave a checksum and they agree. */
export function tableChecksumEqual(down: bigint | null, up: bigint | null): boolean {
  return down !== null && up !== null && down === up;
}

/** The Checksum column of a CHECKSUM TABLE answer (NULL → null). */
export function checksumOf(rows: readonly Record<string, unknown>[]): bigint | null {
  const v = rows[0]?.Checksum;
  if (v === null || v === undefined) return null;
  try {
    return BigInt(String(v));
  } catch {
    return null;
  }
}
