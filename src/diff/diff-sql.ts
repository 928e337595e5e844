import mysql from 'mysql2';
import { quoteId, quoteTable } from '../pkg/db/connect.js';

/**
 * Pure SQL builders of the diff: chunk conditions, the chunk checksum, the ordered row read and
 * the fix statements. No I/O here.
 */

export interface ColumnInfo {
  readonly name: string;
  /** information_schema DATA_TYPE, lower case (`int`, `varchar`, `blob`, …). */
  readonly dataType: string;
  /** COLUMN_TYPE, for the structure comparison. */
  readonly columnType: string;
  readonly generated: boolean;
  /** IS_NULLABLE; absent = nullable (the safe assumption for the checksum). */
  readonly nullable?: boolean;
  /** CHARACTER_SET_NAME / COLLATION_NAME (null for non-text columns; absent = unknown). */
  readonly charset?: string | null;
  readonly collation?: string | null;
}

export interface TableShape {
  readonly columns: readonly ColumnInfo[];
  /** Columns rows are ordered and chunked by (PK, a NOT NULL unique key, index-fields, or all). */
  readonly key: readonly string[];
  /** True when `key` identifies a row (primary or NOT NULL unique key). */
  readonly keyIsUnique: boolean;
}

/** A value as mysql2 returns it with the product's connection options. */
export type Cell = string | number | bigint | Buffer | null;
export type Row = Record<string, Cell>;

/** One chunk of a table in key order: `lower < key <= upper`; undefined = unbounded. */
export interface ChunkBounds {
  readonly lower?: readonly Cell[];
  readonly upper?: readonly Cell[];
}

/** A literal for SQL text: NULL, numbers bare, binary as x'…', everything else quoted. */
export function literal(v: Cell): string {
  if (v === null) return 'NULL';
  if (typeof v === 'number' || typeof v === 'bigint') return String(v);
  if (Buffer.isBuffer(v)) return `x'${v.toString('hex')}'`;
  return mysql.escape(v);
}

/** `(k1,k2) > (v1,v2)` written out so MariaDB uses the index range on every server version. */
function tupleCmp(key: readonly string[], vals: readonly Cell[], op: '>' | '<='): string {
  const ors: string[] = [];
  for (let i = 0; i < key.length; i++) {
    const eqs = key.slice(0, i).map((k, j) => `${quoteId(k)} = ${literal(vals[j] ?? null)}`);
    const last = i === key.length - 1;
    const cmp = op === '>' ? '>' : last ? '<=' : '<';
    eqs.push(`${quoteId(key[i]!)} ${cmp} ${literal(vals[i] ?? null)}`);
    ors.push(eqs.length > 1 ? `(${eqs.join(' AND ')})` : eqs[0]!);
  }
  return ors.length > 1 ? `(${ors.join(' OR ')})` : ors[0]!;
}

/** WHERE text of a chunk plus the table config's `range`. */
export function chunkWhere(key: readonly string[], b: ChunkBounds, range: string): string {
  const parts: string[] = [];
  if (b.lower) parts.push(tupleCmp(key, b.lower, '>'));
  if (b.upper) parts.push(tupleCmp(key, b.upper, '<='));
  if (range) parts.push(`(${range})`);
  return parts.length ? parts.join(' AND ') : 'TRUE';
}

/** sync-diff-inspector's chunk meta line (`chunk.Range.ToMeta`). */
export function chunkMeta(key: readonly string[], b: ChunkBounds): string {
  const cols = key.join(',');
  const lo = b.lower?.map((v) => cellText(v)).join(',');
  const hi = b.upper?.map((v) => cellText(v)).join(',');
  if (lo === undefined && hi === undefined) return 'range in sequence: Full';
  if (hi === undefined) return `range in sequence: (${lo}) < (${cols})`;
  if (lo === undefined) return `range in sequence: (${cols}) <= (${hi})`;
  return `range in sequence: (${lo}) < (${cols}) <= (${hi})`;
}

/** Columns compared: generated and ignored columns are left out, as the tool does. */
export function comparedColumns(shape: TableShape, ignore: readonly string[] = []): string[] {
  const ig = new Set(ignore.map((c) => c.toLowerCase()));
  return shape.columns.filter((c) => !c.generated && !ig.has(c.name.toLowerCase())).map((c) => c.name);
}

/**
 * COUNT(*) and BIT_XOR(CRC32(CONCAT_WS(',', cols…, CONCAT(ISNULL(c)…)))) of one chunk: the
 * ISNULL suffix tells NULL from '' (CONCAT_WS skips NULLs), the count catches duplicate rows
 * that cancel under XOR. Only the columns in `nullable` (nullable on any side) get an ISNULL:
 * a NOT NULL column has none to tell apart, and the per-row cost is what bounds the diff's
 * speed. The same text must be sent to every side of a chunk.
 *
 * CRC32 hashes a string's bytes in its own character set, so a column whose character set
 * differs between the sides is hashed as `CONVERT(… USING utf8mb4)` (`convert`): otherwise
 * latin1 `é` and cp1251 `й` (both 0xE9) would pass as equal, and equal non-ASCII text in latin1
 * and utf8mb4 would be read row by row for nothing.
 */
export function checksumSql(
  schema: string,
  table: string,
  cols: readonly string[],
  where: string,
  nullable: ReadonlySet<string> = new Set(cols),
  convert: ReadonlySet<string> = new Set(),
): string {
  const q = cols.map((c) => (convert.has(c) ? `CONVERT(${quoteId(c)} USING utf8mb4)` : quoteId(c)));
  const isnull = cols.filter((c) => nullable.has(c)).map((c) => `ISNULL(${quoteId(c)})`);
  const parts = isnull.length ? [...q, `CONCAT(${isnull.join(', ')})`] : q;
  return (
    `SELECT COUNT(*) AS cnt, BIT_XOR(CRC32(CONCAT_WS(',', ${parts.join(', ')}))) AS crc ` +
    `FROM ${quoteTable(schema, table)} WHERE ${where}`
  );
}

/** The rows of one chunk in key order. */
export function rowsSql(
  schema: string,
  table: string,
  cols: readonly string[],
  key: readonly string[],
  where: string,
): string {
  return `SELECT ${cols.map(quoteId).join(', ')} FROM ${quoteTable(schema, table)} WHERE ${where} ORDER BY ${key.map(quoteId).join(', ')}`;
}

/** Exact text of a cell for comparisons (Buffers by their bytes, NULL apart from ''). */
export function cellText(v: Cell): string {
  if (v === null) return 'NULL';
  if (Buffer.isBuffer(v)) return `x'${v.toString('hex')}'`;
  return String(v);
}

/** Identity of a row's key (NULL-safe, unambiguous). */
export function keyOf(row: Row, key: readonly string[]): string {
  return JSON.stringify(key.map((k) => (row[k] === null ? null : cellText(row[k] ?? null))));
}

/** Identity of the whole row. */
export function rowIdentity(row: Row, cols: readonly string[]): string {
  return JSON.stringify(cols.map((c) => (row[c] === null ? null : cellText(row[c] ?? null))));
}

/** `REPLACE INTO …` as sync-diff-inspector writes it for a row missing on the target. */
export function replaceSql(schema: string, table: string, cols: readonly string[], row: Row): string {
  return `REPLACE INTO ${quoteTable(schema, table)}(${cols.map(quoteId).join(',')}) VALUES (${cols
    .map((c) => literal(row[c] ?? null))
    .join(',')});`;
}

/**
 * `DELETE … LIMIT 1` for a row only the target has. The tool matches on every column; with a
 * primary/unique key we match on the key alone, because an equality on a FLOAT/DOUBLE column
 * printed in decimal may not find the stored binary value and the fix would silently miss.
 */
export function deleteSql(
  schema: string,
  table: string,
  cols: readonly string[],
  shape: TableShape,
  row: Row,
): string {
  const match = shape.keyIsUnique ? shape.key : cols;
  const conds = match.map((c) => {
    const v = row[c] ?? null;
    return v === null ? `${quoteId(c)} is NULL` : `${quoteId(c)} = ${literal(v)}`;
  });
  return `DELETE FROM ${quoteTable(schema, table)} WHERE ${conds.join(' AND ')} LIMIT 1;`;
}
