import type { SchemaLookup, TableColumnsInfo } from '../pkg/binlog/types.js';
import type { Connection } from '../pkg/db/connect.js';

const SYSTEM_SCHEMAS = ['mysql', 'information_schema', 'performance_schema', 'sys'];

/**
 * A SchemaLookup over the server's information_schema, for tables whose TABLE_MAP carries no
 * optional metadata (MariaDB's default). The lookup the decoder calls is synchronous, so the
 * columns of every user table are loaded once up front and cached per table; `refresh`
 * reloads them (e.g. after a DDL in --stop-never mode). The binlog may be older than the
 * current schema: that is the same limitation mariadb-binlog has without metadata.
 */
export class InformationSchemaLookup {
  private tables = new Map<string, TableColumnsInfo>();

  constructor(private readonly conn: Connection) {}

  /** The function to hand to the decoder/client. */
  readonly lookup: SchemaLookup = (schema, table) => this.tables.get(`${schema}\u0000${table}`);

  /** (Re)load every user table's columns. */
  async refresh(): Promise<void> {
    const [rows] = await this.conn.query(
      `SELECT TABLE_SCHEMA s, TABLE_NAME t, COLUMN_NAME c, DATA_TYPE dt, COLUMN_TYPE ct, CHARACTER_SET_NAME cs, COLUMN_KEY k
         FROM information_schema.COLUMNS
        WHERE TABLE_SCHEMA NOT IN (?)
        ORDER BY TABLE_SCHEMA, TABLE_NAME, ORDINAL_POSITION`,
      [SYSTEM_SCHEMAS],
    );
    const next = new Map<string, TableColumnsInfo>();
    for (const r of rows as {
      s: string;
      t: string;
      c: string;
      dt: string;
      ct: string;
      cs: string | null;
      k: string;
    }[]) {
      const key = `${r.s}\u0000${r.t}`;
      let info = next.get(key);
      if (!info) {
        info = { names: [], unsigned: [], charsets: [], enumValues: [], setValues: [], primaryKey: [] };
        next.set(key, info);
      }
      const i = info.names.length;
      info.names.push(r.c);
      info.unsigned!.push(/\bunsigned\b/i.test(r.ct));
      info.charsets!.push(r.cs ?? (isBinaryType(r.dt) ? 'binary' : undefined));
      const dt = r.dt.toLowerCase();
      info.enumValues!.push(dt === 'enum' ? parseValueList(r.ct) : undefined);
      info.setValues!.push(dt === 'set' ? parseValueList(r.ct) : undefined);
      if (r.k === 'PRI') info.primaryKey!.push(i);
    }
    this.tables = next;
  }
}

function isBinaryType(dt: string): boolean {
  return /^(binary|varbinary|tinyblob|blob|mediumblob|longblob)$/i.test(dt);
}

/** `enum('a','b''c')` → ['a', "b'c"]. Pure. */
export function parseValueList(columnType: string): string[] {
  const open = columnType.indexOf('(');
  const out: string[] = [];
  let i = open + 1;
  while (i < columnType.length) {
    if (columnType[i] !== "'") {
      i++;
      continue;
    }
    let s = '';
    i++;
    for (; i < columnType.length; i++) {
      const ch = columnType[i]!;
      if (ch === "'" && columnType[i + 1] === "'") {
        s += "'";
        i++;
      } else if (ch === "'") {
        break;
      } else if (ch === '\\' && i + 1 < columnType.length) {
        s += columnType[i + 1];
        i++;
      } else s += ch;
    }
    out.push(s);
    i++;
  }
  return out;
}
