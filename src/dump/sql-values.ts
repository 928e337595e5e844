import { quoteId } from '../pkg/db/connect.js';

/**
 * How a column's value is read from the upstream and written into an INSERT so that loading
 * it reproduces the stored bytes exactly (pure; no I/O).
 *
 * Values are read with mysql2's `typeCast: false`: every field arrives as the raw bytes of
 * the text protocol (character_set_results utf8mb4 for text, raw bytes for binary). We keep
 * them as latin1 JS strings (one char per byte, lossless) and write files in latin1, so no
 * transcoding ever happens in between.
 */
export type ValueKind =
  /** Integers, DECIMAL, DOUBLE, YEAR: the server's text is a valid literal. */
  | 'num'
  /** FLOAT: selected as `col + 0e0` (a DOUBLE) since the server prints FLOAT with 6 digits only. */
  | 'float'
  /** Binary strings, BLOBs, BIT, GEOMETRY: hex literal `0x…`. */
  | 'bin'
  /** Everything else (text, ENUM/SET, dates and times, JSON): quoted, escaped string. */
  | 'str';

const NUM_TYPES = new Set([
  'tinyint',
  'smallint',
  'mediumint',
  'int',
  'integer',
  'bigint',
  'decimal',
  'numeric',
  'double',
  'real',
  'year',
]);
const BIN_TYPES = new Set([
  'binary',
  'varbinary',
  'tinyblob',
  'blob',
  'mediumblob',
  'longblob',
  'bit',
  'geometry',
  'point',
  'linestring',
  'polygon',
  'multipoint',
  'multilinestring',
  'multipolygon',
  'geometrycollection',
  'geomcollection',
]);

/** Classify an information_schema.COLUMNS DATA_TYPE (plus charset: `binary` means bytes). */
export function valueKind(dataType: string, charset?: string | null): ValueKind {
  const t = dataType.toLowerCase();
  if (t === 'float') return 'float';
  if (NUM_TYPES.has(t)) return 'num';
  if (BIN_TYPES.has(t) || charset === 'binary') return 'bin';
  return 'str';
}

/** The SELECT-list expression for a column. */
export function selectExpr(name: string, kind: ValueKind): string {
  return kind === 'float' ? `(${quoteId(name)} + 0e0)` : quoteId(name);
}

const ESCAPES: Record<string, string> = {
  '\0': '\\0',
  '\n': '\\n',
  '\r': '\\r',
  '\\': '\\\\',
  "'": "\\'",
  '\x1a': '\\Z',
};
// Multi-byte UTF-8 sequences never contain bytes < 0x80, so escaping the ASCII specials in a
// latin1 view of the bytes is safe for every charset MySQL sends (utf8mb4 here).
const ESCAPE_RE = /[\0\n\r\\'\x1a]/g;

/** Quote latin1-view bytes as a MySQL string literal. */
export function quoteBytesString(s: string): string {
  ESCAPE_RE.lastIndex = 0;
  return ESCAPE_RE.test(s) ? `'${s.replace(ESCAPE_RE, (c) => ESCAPES[c] ?? c)}'` : `'${s}'`;
}

/** Render one raw field (null = SQL NULL) as a literal, as a latin1-view string. */
export function literal(v: Buffer | null, kind: ValueKind): string {
  if (v === null) return 'NULL';
  switch (kind) {
    case 'num':
    case 'float':
      return v.toString('latin1');
    case 'bin':
      // `0x` alone is not a literal: an empty binary value is ''.
      return v.length === 0 ? "''" : `0x${v.toString('hex')}`;
    default:
      return quoteBytesString(v.toString('latin1'));
  }
}

/** `(v1,v2,…)` for one row. */
export function rowTuple(row: (Buffer | null)[], kinds: readonly ValueKind[]): string {
  let s = '(';
  for (let i = 0; i < kinds.length; i++) {
    if (i > 0) s += ',';
    s += literal(row[i] ?? null, kinds[i] ?? 'str');
  }
  return s + ')';
}

/** `INSERT INTO `t` (`a`,`b`) VALUES` — unqualified, as mydumper writes it. */
export function insertHeader(table: string, columns: readonly string[]): string {
  return `INSERT INTO ${quoteId(table)} (${columns.map(quoteId).join(',')}) VALUES\n`;
}
