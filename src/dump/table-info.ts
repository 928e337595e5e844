import type { Connection } from '../pkg/db/connect.js';
import { type SampleKind, sampleKind } from './sample-split.js';
import { selectExpr, type ValueKind, valueKind } from './sql-values.js';

/** What the dump needs to know about one upstream table or view. */
export interface TableInfo {
  schema: string;
  table: string;
  isView: boolean;
  /** Dumped columns in ordinal order: generated columns are left out (the server recomputes them). */
  columns: string[];
  kinds: ValueKind[];
  /** SELECT-list expressions matching `columns`. */
  selects: string[];
  /** information_schema estimates. */
  estRows: number;
  avgRowLen: number;
  /** A single-column NOT NULL integer PK/UK to split ranges on, if any. */
  chunkKey?: string;
  /** Without `chunkKey`: a NOT NULL PK/UK (any column count) to split by sampled boundaries. */
  sampleKey?: { columns: string[]; kinds: SampleKind[] };
}

/** Schemas DM never migrates. */
export const SYSTEM_SCHEMAS = new Set(['mysql', 'information_schema', 'performance_schema', 'sys']);

const INT_TYPES = new Set(['tinyint', 'smallint', 'mediumint', 'int', 'integer', 'bigint']);

/** EXTRA of a generated column: `VIRTUAL GENERATED`/`STORED GENERATED` (MySQL's `DEFAULT_GENERATED` is a default). */
export function isGeneratedExtra(extra: string): boolean {
  return /GENERATED/i.test(extra.replace(/DEFAULT_GENERATED/gi, ''));
}

interface ColRow {
  s: string;
  t: string;
  c: string;
  dt: string;
  cs: string | null;
  ex: string;
}

/**
 * List every table and view the filter allows, with columns and chunk keys. Three
 * information_schema queries in total, whatever the table count.
 */
export async function listTables(
  conn: Connection,
  allow: { schema(s: string): boolean; table(s: string, t: string): boolean },
): Promise<TableInfo[]> {
  const [tRows] = await conn.query(
    `SELECT TABLE_SCHEMA AS s, TABLE_NAME AS t, TABLE_TYPE AS ty, COALESCE(TABLE_ROWS, 0) AS r,
            COALESCE(AVG_ROW_LENGTH, 0) AS l
       FROM information_schema.TABLES ORDER BY TABLE_SCHEMA, TABLE_NAME`,
  );
  const out = new Map<string, TableInfo>();
  for (const r of tRows as { s: string; t: string; ty: string; r: string; l: string }[]) {
    if (SYSTEM_SCHEMAS.has(r.s.toLowerCase()) || !allow.schema(r.s) || !allow.table(r.s, r.t)) continue;
    if (r.ty !== 'BASE TABLE' && r.ty !== 'VIEW' && r.ty !== 'SYSTEM VERSIONED') continue;
    out.set(`${r.s}\0${r.t}`, {
      schema: r.s,
      table: r.t,
      isView: r.ty === 'VIEW',
      columns: [],
      kinds: [],
      selects: [],
      estRows: Number(r.r),
      avgRowLen: Number(r.l),
    });
  }
  const [cRows] = await conn.query(
    `SELECT TABLE_SCHEMA AS s, TABLE_NAME AS t, COLUMN_NAME AS c, DATA_TYPE AS dt,
            CHARACTER_SET_NAME AS cs, EXTRA AS ex
       FROM information_schema.COLUMNS ORDER BY TABLE_SCHEMA, TABLE_NAME, ORDINAL_POSITION`,
  );
  for (const r of cRows as ColRow[]) {
    const ti = out.get(`${r.s}\0${r.t}`);
    if (!ti || isGeneratedExtra(r.ex)) continue;
    const kind = valueKind(r.dt, r.cs);
    ti.columns.push(r.c);
    ti.kinds.push(kind);
    ti.selects.push(selectExpr(r.c, kind));
  }
  // Single-column unique indexes over a NOT NULL integer column; PRIMARY preferred.
  const [kRows] = await conn.query(
    `SELECT k.TABLE_SCHEMA AS s, k.TABLE_NAME AS t, k.INDEX_NAME AS i, MIN(k.COLUMN_NAME) AS c,
            MIN(col.DATA_TYPE) AS dt, MIN(col.IS_NULLABLE) AS n
       FROM information_schema.STATISTICS k
       JOIN information_schema.COLUMNS col
         ON col.TABLE_SCHEMA = k.TABLE_SCHEMA AND col.TABLE_NAME = k.TABLE_NAME AND col.COLUMN_NAME = k.COLUMN_NAME
      WHERE k.NON_UNIQUE = 0
      GROUP BY k.TABLE_SCHEMA, k.TABLE_NAME, k.INDEX_NAME
     HAVING COUNT(*) = 1`,
  );
  for (const r of kRows as { s: string; t: string; i: string; c: string; dt: string; n: string }[]) {
    const ti = out.get(`${r.s}\0${r.t}`);
    if (!ti || ti.isView || r.n !== 'NO' || !INT_TYPES.has(r.dt.toLowerCase())) continue;
    if (!ti.chunkKey || r.i === 'PRIMARY') ti.chunkKey = r.c;
  }
  await addSampleKeys(conn, out);
  return [...out.values()];
}

/**
 * For tables without an integer chunk key: the first unique index (PRIMARY preferred) whose
 * columns are all NOT NULL and of a type `sampleKind` can round-trip.
 */
async function addSampleKeys(conn: Connection, out: Map<string, TableInfo>): Promise<void> {
  const [rows] = await conn.query(
    `SELECT k.TABLE_SCHEMA AS s, k.TABLE_NAME AS t, k.INDEX_NAME AS i, k.COLUMN_NAME AS c,
            col.DATA_TYPE AS dt, col.CHARACTER_SET_NAME AS cs, col.IS_NULLABLE AS n
       FROM information_schema.STATISTICS k
       JOIN information_schema.COLUMNS col
         ON col.TABLE_SCHEMA = k.TABLE_SCHEMA AND col.TABLE_NAME = k.TABLE_NAME AND col.COLUMN_NAME = k.COLUMN_NAME
      WHERE k.NON_UNIQUE = 0
      ORDER BY k.TABLE_SCHEMA, k.TABLE_NAME, k.INDEX_NAME, k.SEQ_IN_INDEX`,
  );
  const idx = new Map<
    string,
    { ti: TableInfo; name: string; columns: string[]; kinds: SampleKind[]; ok: boolean }
  >();
  for (const r of rows as {
    s: string;
    t: string;
    i: string;
    c: string;
    dt: string;
    cs: string | null;
    n: string;
  }[]) {
    const ti = out.get(`${r.s}\0${r.t}`);
    if (!ti || ti.isView || ti.chunkKey) continue;
    const id = `${r.s}\0${r.t}\0${r.i}`;
    let e = idx.get(id);
    if (!e) {
      e = { ti, name: r.i, columns: [], kinds: [], ok: true };
      idx.set(id, e);
    }
    const kind = sampleKind(r.dt, r.cs);
    if (!kind || r.n !== 'NO') e.ok = false;
    else {
      e.columns.push(r.c);
      e.kinds.push(kind);
    }
  }
  for (const e of idx.values()) {
    if (!e.ok || e.columns.length === 0) continue;
    if (!e.ti.sampleKey || e.name === 'PRIMARY') e.ti.sampleKey = { columns: e.columns, kinds: e.kinds };
  }
}
