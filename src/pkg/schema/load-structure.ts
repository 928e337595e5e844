import type { Connection, Pool } from '../db/connect.js';
import { enumSetFromType, type IndexInfo, type TableStructure } from './table-structure.js';

type Queryable = Pick<Connection, 'query'> | Pick<Pool, 'query'>;

interface ColRow {
  name: string;
  ctype: string;
  charset: string | null;
  nullable: string;
  extra: string;
  gen: string | null;
}
interface IdxRow {
  idx: string;
  col: string;
  nonUnique: string | number;
}

/**
 * Read a table's structure from a live server's information_schema (the upstream at the
 * start of an incremental task, or the downstream after a DDL the parser could not follow).
 * Returns undefined when the table does not exist.
 */
export async function loadTableStructure(
  db: Queryable,
  schema: string,
  table: string,
): Promise<TableStructure | undefined> {
  const [cols] = (await db.query(
    `SELECT COLUMN_NAME AS name, COLUMN_TYPE AS ctype, CHARACTER_SET_NAME AS charset,
            IS_NULLABLE AS nullable, EXTRA AS extra, IS_GENERATED AS gen
       FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ?
      ORDER BY ORDINAL_POSITION`,
    [schema, table],
  )) as unknown as [ColRow[]];
  if (cols.length === 0) return undefined;
  const [idx] = (await db.query(
    `SELECT INDEX_NAME AS idx, COLUMN_NAME AS col, NON_UNIQUE AS nonUnique
       FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ?
      ORDER BY INDEX_NAME = 'PRIMARY' DESC, INDEX_NAME, SEQ_IN_INDEX`,
    [schema, table],
  )) as unknown as [IdxRow[]];
  const keys = new Map<string, IndexInfo>();
  for (const r of idx) {
    if (Number(r.nonUnique) !== 0 || r.col == null) continue;
    let k = keys.get(r.idx);
    if (!k) {
      k = { name: r.idx, columns: [], primary: r.idx === 'PRIMARY', unique: true };
      keys.set(r.idx, k);
    }
    k.columns.push(r.col);
  }
  return {
    schema,
    table,
    columns: cols.map((c) => {
      const ctype = String(c.ctype);
      const extra = String(c.extra ?? '').toUpperCase();
      const type = ctype.replace(/\s+(unsigned|zerofill|signed)\b/gi, '').toLowerCase();
      const generated =
        /GENERATED|VIRTUAL|PERSISTENT|STORED/.test(extra) || (c.gen != null && c.gen !== 'NEVER');
      return {
        name: c.name,
        type,
        unsigned: /\bunsigned\b/i.test(ctype),
        ...(c.charset ? { charset: c.charset } : /binary|blob/.test(type) ? { charset: 'binary' } : {}),
        nullable: c.nullable === 'YES',
        generated,
        invisible: /INVISIBLE/.test(extra),
        ...enumSetFromType(ctype),
      };
    }),
    uniqueKeys: [...keys.values()],
  };
}

/** Base tables of a schema (to preload the tracker). */
export async function listTables(db: Queryable, schema: string): Promise<string[]> {
  const [rows] = (await db.query(
    "SELECT TABLE_NAME AS t FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_TYPE = 'BASE TABLE'",
    [schema],
  )) as unknown as [{ t: string }[]];
  return rows.map((r) => r.t);
}
