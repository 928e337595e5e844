import type { TableColumnsInfo } from '../binlog/types.js';

/**
 * The tracked structure of one upstream table: what the sync unit needs to turn binlog rows
 * into SQL (column names in binlog order, which columns are generated, which keys identify a
 * row) and what the decoder needs for binlogs without optional metadata (signedness,
 * charsets, ENUM/SET values). Plain data: serialisable to JSON for the checkpoint.
 */
export interface ColumnInfo {
  name: string;
  /** Lower-case SQL type without attributes, e.g. `int`, `varchar(10)`, `enum('a','b')`. */
  type: string;
  unsigned: boolean;
  /** MySQL charset name for text columns (`binary` for binary strings), else undefined. */
  charset?: string;
  nullable: boolean;
  /** Generated column (VIRTUAL or STORED): never written by DML. */
  generated: boolean;
  invisible: boolean;
  enumValues?: string[];
  setValues?: string[];
}

export interface IndexInfo {
  name: string;
  /** Column names in index order. */
  columns: string[];
  primary: boolean;
  unique: boolean;
}

export interface TableStructure {
  schema: string;
  table: string;
  columns: ColumnInfo[];
  /** Unique indexes (PRIMARY first when present); plain indexes are not tracked. */
  uniqueKeys: IndexInfo[];
  /** Table default charset, for columns added later without one. */
  charset?: string;
}

/** The key that identifies a row: PK, else the first UK whose columns are all NOT NULL. */
export function identityKey(t: TableStructure): IndexInfo | undefined {
  const pk = t.uniqueKeys.find((k) => k.primary);
  if (pk) return pk;
  return t.uniqueKeys.find((k) =>
    k.columns.every(
      (c) => t.columns.find((col) => col.name.toLowerCase() === c.toLowerCase())?.nullable === false,
    ),
  );
}

/** Index of a column by name (case-insensitive as MySQL column names are), -1 when absent. */
export function columnIndex(t: TableStructure, name: string): number {
  const n = name.toLowerCase();
  return t.columns.findIndex((c) => c.name.toLowerCase() === n);
}

/** True for types whose values are byte strings (decoded as Buffer or `0x…`). */
export function isBinaryColumn(c: ColumnInfo): boolean {
  return (
    c.charset === 'binary' ||
    /^(binary|varbinary|tinyblob|blob|mediumblob|longblob|geometry|point|linestring|polygon|multi|geometrycollection)/.test(
      c.type,
    )
  );
}

/** Split `'a','b'` (the inside of enum(...)/set(...)) into values, honouring '' escapes. */
export function parseEnumValues(inner: string): string[] {
  const out: string[] = [];
  let i = 0;
  while (i < inner.length) {
    const ch = inner[i];
    if (ch !== "'") {
      i++;
      continue;
    }
    let v = '';
    i++;
    while (i < inner.length) {
      const c = inner[i] as string;
      if (c === "'" && inner[i + 1] === "'") {
        v += "'";
        i += 2;
      } else if (c === '\\' && i + 1 < inner.length) {
        v += inner[i + 1];
        i += 2;
      } else if (c === "'") {
        i++;
        break;
      } else {
        v += c;
        i++;
      }
    }
    out.push(v);
  }
  return out;
}

/** Enum/set values from a `enum('a','b')` / `set(...)` type string. */
export function enumSetFromType(type: string): { enumValues?: string[]; setValues?: string[] } {
  const m = /^(enum|set)\((.*)\)$/is.exec(type.trim());
  if (!m) return {};
  const values = parseEnumValues(m[2] ?? '');
  return m[1]?.toLowerCase() === 'enum' ? { enumValues: values } : { setValues: values };
}

/** The decoder's view of a table (for binlogs without column metadata). */
export function toColumnsInfo(t: TableStructure): TableColumnsInfo {
  const pk = t.uniqueKeys.find((k) => k.primary);
  return {
    names: t.columns.map((c) => c.name),
    unsigned: t.columns.map((c) => c.unsigned),
    charsets: t.columns.map((c) => c.charset),
    enumValues: t.columns.map((c) => c.enumValues),
    setValues: t.columns.map((c) => c.setValues),
    ...(pk ? { primaryKey: pk.columns.map((c) => columnIndex(t, c)).filter((i) => i >= 0) } : {}),
  };
}

/** A deep copy under another name (RENAME TABLE, CREATE TABLE … LIKE). */
export function renamed(t: TableStructure, schema: string, table: string): TableStructure {
  return { ...structuredClone(t), schema, table };
}
