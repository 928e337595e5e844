import { createReadStream } from 'node:fs';
import { join } from 'node:path';
import type { Connection } from '../pkg/db/connect.js';
import { dmError, E } from '../pkg/errors/index.js';
import type { Logger } from '../pkg/log/logger.js';
import { addIndexesSql, type DeferredIndexes, deferSecondaryIndexes } from './deferred-indexes.js';
import type { DumpFiles } from './dump-files.js';
import { SqlSplitter, type Statement } from './sql-splitter.js';
import {
  bytesView,
  classify,
  createTableColumns,
  fromBytesView,
  q,
  rewriteCreateDatabase,
  rewriteCreateTable,
  rewriteCreateView,
  routeViewBody,
  stripDefiner,
} from './statement-rewrite.js';

/** ER_DUP_KEYNAME: the index exists already. */
const ER_DUP_KEYNAME = 1061;

/**
 * The downstream structure of a load, from the dump's schema files: databases (with their
 * options), tables under their routed names with plain secondary indexes deferred until the
 * table's data is in (deferred-indexes.ts), and views last, reading the routed tables.
 * Every statement is idempotent (`IF NOT EXISTS`, duplicate index names ignored), so a
 * resumed load runs it all again.
 */
export class SchemaLoader {
  /** Secondary indexes of each target table (`db`.`table`), added once its data is in. */
  private readonly deferred = new Map<string, DeferredIndexes>();

  constructor(
    private readonly dir: string,
    private readonly target: (db: string, table: string) => { schema: string; table: string },
    private readonly log: Logger,
    /**
     * True for a source table whose route extracts columns: its merged target must exist
     * with the extended columns (as DM requires), so the dump's CREATE TABLE is not run.
     */
    private readonly premade: (db: string, table: string) => boolean = () => false,
  ) {}

  /** `db`.`table` of a source table's routed target, as it appears in our SQL. */
  targetKey(db: string, table: string): string {
    const t = this.target(db, table);
    return `${q(bytesView(t.schema))}.${q(bytesView(t.table))}`;
  }

  /**
   * Add the deferred secondary indexes of a loaded target table (see deferred-indexes.ts).
   * Idempotent for a resumed load: when one of them exists already (an earlier run built it,
   * or the table was there before), each index is added on its own and "duplicate key
   * name" is ignored.
   */
  async buildIndexes(conn: Connection, key: string): Promise<void> {
    const d = this.deferred.get(key);
    if (!d) return;
    this.deferred.delete(key);
    const t0 = Date.now();
    const all = addIndexesSql(key, d);
    if (!all) return;
    try {
      await conn.query(all);
    } catch (err) {
      if ((err as { errno?: number }).errno !== ER_DUP_KEYNAME) throw err;
      for (const clause of d.clauses) {
        await conn.query(`ALTER TABLE ${key} ${clause}`).catch((e: { errno?: number }) => {
          if (e.errno !== ER_DUP_KEYNAME) throw e;
        });
      }
    }
    this.log.info({ table: key, indexes: d.names.length, ms: Date.now() - t0 }, 'secondary indexes built');
  }

  /** The statements of a small schema file (latin1 views). */
  private async statements(name: string): Promise<Statement[]> {
    const sp = new SqlSplitter();
    const stmts: Statement[] = [];
    for await (const chunk of createReadStream(join(this.dir, name), { encoding: 'latin1' })) {
      stmts.push(...sp.push(chunk as string));
    }
    stmts.push(...sp.end());
    return stmts;
  }

  /** Run every statement of a small schema file, with `rewrite` applied to each. */
  private async runSchemaFile(
    conn: Connection,
    name: string,
    rewrite: (st: Statement) => string | null,
  ): Promise<void> {
    for (const st of await this.statements(name)) {
      const sql = rewrite(st);
      if (sql === null) continue;
      try {
        await conn.query(sql);
      } catch (err) {
        throw dmError(E.dbExecDownstream, `executing ${name}: ${(err as Error).message}`, {
          cause: err,
          context: { file: name, sql: sql.slice(0, 500) },
        });
      }
    }
  }

  /** Column names (quoted, latin1 view) of the table in a schema file. */
  async tableColumns(name: string): Promise<string[]> {
    const create = (await this.statements(name)).find((st) => classify(st.sql) === 'create-table');
    return create ? createTableColumns(create.sql) : [];
  }

  async createSchemas(conn: Connection, files: DumpFiles): Promise<void> {
    const created = new Set<string>();
    const ensureDb = async (db: string) => {
      if (created.has(db)) return;
      created.add(db);
      await conn.query(`CREATE DATABASE IF NOT EXISTS ${q(bytesView(db))}`);
    };
    const dbFile = new Map(files.databases.map((d) => [d.db, d.name]));
    // Targets of routed tables get the source database's options (charset).
    const targets = new Map<string, string>();
    for (const t of files.tables) targets.set(this.target(t.db, t.table).schema, t.db);
    for (const d of files.databases) {
      const ts = this.target(d.db, '').schema;
      if (!targets.has(ts)) targets.set(ts, d.db);
    }
    for (const [ts, srcDb] of targets) {
      const f = dbFile.get(srcDb);
      if (f) {
        created.add(ts);
        await this.runSchemaFile(conn, f, (st) =>
          classify(st.sql) === 'create-database' ? rewriteCreateDatabase(st.sql, bytesView(ts)) : st.sql,
        );
      } else await ensureDb(ts);
    }
    for (const t of files.tables) {
      const tg = this.target(t.db, t.table);
      await ensureDb(tg.schema);
      if (this.premade(t.db, t.table)) continue;
      await conn.query(`USE ${q(bytesView(tg.schema))}`);
      const key = this.targetKey(t.db, t.table);
      await this.runSchemaFile(conn, t.name, (st) => {
        const k = classify(st.sql);
        if (k === 'create-table') {
          const sql = rewriteCreateTable(st.sql, bytesView(tg.schema), bytesView(tg.table));
          if (sql === null) return null;
          const d = deferSecondaryIndexes(sql);
          // Shards merged into one target: the first schema file defines it.
          if (d.clauses.length > 0 && !this.deferred.has(key)) this.deferred.set(key, d);
          return d.create;
        }
        return k === 'other' ? st.sql : null;
      });
    }
    await conn.query('SET NAMES utf8mb4');
  }

  async createViews(conn: Connection, files: DumpFiles): Promise<void> {
    for (const v of files.views) {
      const tg = this.target(v.db, v.table);
      await conn.query(`USE ${q(bytesView(tg.schema))}`);
      await this.runSchemaFile(conn, v.name, (st) =>
        routeViewBody(
          rewriteCreateView(stripDefiner(st.sql), bytesView(tg.schema), bytesView(tg.table)),
          (s, t) => {
            const r = this.target(fromBytesView(s), fromBytesView(t));
            return { schema: bytesView(r.schema), table: bytesView(r.table) };
          },
        ),
      );
    }
    await conn.query('SET NAMES utf8mb4');
  }

  /** Indexes of tables with no data file left to load (finished by an earlier run, or empty). */
  async buildPendingIndexes(conn: Connection): Promise<void> {
    for (const key of [...this.deferred.keys()]) await this.buildIndexes(conn, key);
  }
}
