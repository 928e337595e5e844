import mysql from 'mysql2';
import type { Connection } from '../pkg/db/connect.js';
import { dmError, E } from '../pkg/errors/index.js';
import type { DumpFiles } from './dump-files.js';
import type { Extension } from './file-loader.js';
import { bytesView, q } from './statement-rewrite.js';

/** What route extraction needs from the load unit. */
export interface ExtendsHost {
  /** The route's extended columns and their values for a source table, if it extracts. */
  extendColumns(db: string, table: string): { columns: string[]; values: string[] } | undefined;
  target(db: string, table: string): { schema: string; table: string };
  /** The columns of a table's schema file (for dumps whose INSERTs name none). */
  tableColumns(schemaFile: string): Promise<string[] | undefined>;
}

/**
 * Route extraction (extract-table/schema/source): per source table whose route extracts,
 * the INSERT parts to add (quoted extended column names, their values as literals, and the
 * table's columns for dumps whose INSERTs name none). The merged target must already have
 * every extended column, as DM requires (its precheck: "downstream table must contain
 * extended columns"); the load refuses to start otherwise.
 */
export async function prepareExtends(
  ctl: Connection,
  files: DumpFiles,
  out: Map<string, Extension>,
  h: ExtendsHost,
): Promise<void> {
  const checked = new Map<string, string[]>();
  const tables = new Map(files.tables.map((t) => [`${t.db}\0${t.table}`, t.name]));
  for (const f of files.data) {
    const key = `${f.db}\0${f.table}`;
    if (out.has(key)) continue;
    const ext = h.extendColumns(f.db, f.table);
    if (!ext) continue;
    const tg = h.target(f.db, f.table);
    const tk = `${tg.schema}\0${tg.table}`;
    let have = checked.get(tk);
    if (!have) {
      const [rows] = await ctl.query(
        'SELECT COLUMN_NAME AS c FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ?',
        [bytesView(tg.schema), bytesView(tg.table)],
      );
      have = (rows as { c: Buffer | string }[]).map((r) => String(r.c).toLowerCase());
      checked.set(tk, have);
    }
    const missing = ext.columns.filter((c) => !have.includes(c.toLowerCase()));
    if (missing.length > 0) {
      throw dmError(
        E.extendColumns,
        have.length === 0
          ? `upstream table ${f.db}.${f.table} who has extended columns ${JSON.stringify(ext.columns)} does not exist in downstream table: create ${tg.schema}.${tg.table} with them before the task`
          : `downstream table ${tg.schema}.${tg.table} must contain extended columns ${JSON.stringify(missing)}`,
        { context: { table: `${tg.schema}.${tg.table}`, columns: missing } },
      );
    }
    const schemaFile = tables.get(key);
    out.set(key, {
      names: ext.columns.map((c) => q(bytesView(c))),
      values: ext.values.map((v) => bytesView(mysql.escape(v))),
      columns: schemaFile ? await h.tableColumns(schemaFile) : undefined,
    });
  }
}
