import type { DbConfig } from '../pkg/config/types.js';
import { type Connection, connectDb } from '../pkg/db/connect.js';
import { E } from '../pkg/errors/index.js';
import { SYSTEM_SCHEMAS as SYSTEM_SCHEMA_NAMES } from '../pkg/filter/block-allow-list.js';
import type { ColumnInfo, TableShape } from './diff-sql.js';

const SYSTEM_SCHEMAS: ReadonlySet<string> = new Set(SYSTEM_SCHEMA_NAMES);

/**
 * One data source of the diff: `size` connections opened with connectDb (TLS, session vars),
 * handed out one query at a time so `check-thread-count` chunks run in parallel per source.
 */
export class DiffSource {
  private readonly idle: Connection[] = [];
  private readonly waiters: ((c: Connection) => void)[] = [];

  private constructor(
    readonly name: string,
    readonly db: DbConfig,
    private readonly conns: Connection[],
    /** `SELECT VERSION()` of the server (tells TiDB from MySQL/MariaDB). */
    readonly version: string,
  ) {
    this.idle.push(...conns);
  }

  /** JSON columns come back as the server's text (`jsonStrings`): re-serialising a parsed
   * object would not reproduce the bytes the CRC was computed on, nor round-trip as fix SQL. */
  static async open(name: string, db: DbConfig, size: number): Promise<DiffSource> {
    const conns: Connection[] = [];
    try {
      for (let i = 0; i < size; i++) conns.push(await connectDb(db, E.dbDriver, { jsonStrings: true }));
    } catch (err) {
      for (const c of conns) c.destroy();
      throw err;
    }
    let version = '';
    try {
      const [rows] = await conns[0]!.query('SELECT VERSION() AS v');
      version = String((rows as { v: unknown }[])[0]?.v ?? '');
    } catch (err) {
      for (const c of conns) c.destroy();
      throw err;
    }
    return new DiffSource(name, db, conns, version);
  }

  async query<T>(sql: string, params?: unknown[]): Promise<T[]> {
    const c = this.idle.pop() ?? (await new Promise<Connection>((r) => this.waiters.push(r)));
    try {
      const [rows] = await c.query(sql, params);
      return rows as T[];
    } finally {
      const w = this.waiters.shift();
      if (w) w(c);
      else this.idle.push(c);
    }
  }

  async close(): Promise<void> {
    await Promise.allSettled(this.conns.map((c) => c.end()));
  }

  /** Every base table outside the system schemas. */
  async tables(): Promise<{ schema: string; table: string }[]> {
    const rows = await this.query<{ s: string; t: string }>(
      "SELECT TABLE_SCHEMA AS s, TABLE_NAME AS t FROM information_schema.TABLES WHERE TABLE_TYPE = 'BASE TABLE' ORDER BY TABLE_SCHEMA, TABLE_NAME",
    );
    return rows
      .filter((r) => !SYSTEM_SCHEMAS.has(r.s.toLowerCase()))
      .map((r) => ({ schema: r.s, table: r.t }));
  }

  /** Columns and the ordering key: PK, else a unique key of NOT NULL columns, else all columns. */
  async shape(schema: string, table: string, indexFields: readonly string[]): Promise<TableShape> {
    const cols = await this.query<{
      n: string;
      dt: string;
      ct: string;
      x: string;
      nul: string;
      cs: string | null;
      co: string | null;
    }>(
      'SELECT COLUMN_NAME AS n, DATA_TYPE AS dt, COLUMN_TYPE AS ct, EXTRA AS x, IS_NULLABLE AS nul, CHARACTER_SET_NAME AS cs, COLLATION_NAME AS co FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ? ORDER BY ORDINAL_POSITION',
      [schema, table],
    );
    const columns: ColumnInfo[] = cols.map((c) => ({
      name: c.n,
      dataType: c.dt.toLowerCase(),
      columnType: c.ct.toLowerCase(),
      generated: /GENERATED|VIRTUAL|PERSISTENT|STORED/i.test(c.x),
      nullable: c.nul === 'YES',
      charset: c.cs ?? null,
      collation: c.co ?? null,
    }));
    const nullable = new Set(cols.filter((c) => c.nul === 'YES').map((c) => c.n));
    if (indexFields.length) return { columns, key: [...indexFields], keyIsUnique: false };
    const idx = await this.query<{ k: string; c: string; nu: number | string }>(
      'SELECT INDEX_NAME AS k, COLUMN_NAME AS c, NON_UNIQUE AS nu FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ? ORDER BY INDEX_NAME, SEQ_IN_INDEX',
      [schema, table],
    );
    const byIndex = new Map<string, string[]>();
    for (const r of idx) {
      if (Number(r.nu) !== 0) continue;
      byIndex.set(r.k, [...(byIndex.get(r.k) ?? []), r.c]);
    }
    const pk = byIndex.get('PRIMARY');
    if (pk) return { columns, key: pk, keyIsUnique: true };
    for (const k of byIndex.values()) {
      if (k.every((c) => !nullable.has(c))) return { columns, key: k, keyIsUnique: true };
    }
    return {
      columns,
      key: columns.filter((c) => !c.generated).map((c) => c.name),
      keyIsUnique: false,
    };
  }
}
