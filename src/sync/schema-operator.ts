/**
 * `dmctl binlog-schema list|update|delete` on a sync unit's schema tracker: show the tracked
 * structure of one upstream table as a CREATE TABLE, replace it from a CREATE TABLE text, or
 * forget it (the next row event re-reads the table).
 */
import type { Connection } from '../pkg/db/connect.js';
import { dmError, E } from '../pkg/errors/index.js';
import { SchemaTracker } from '../pkg/schema/schema-tracker.js';
import { renamed, type TableStructure } from '../pkg/schema/table-structure.js';

/** What the operator needs from the sync unit. */
export interface SchemaHolder {
  readonly schemaTracker: SchemaTracker;
  /** Persist the tracker with the checkpoint now (`--flush`). */
  flushSchema(): Promise<void>;
  /** SHOW CREATE TABLE of the upstream table, or of its routed downstream table. */
  createTableOf?(from: 'source' | 'target', database: string, table: string): Promise<string>;
  /** `--sync`: give the optimistic coordinator the table's new schema (false: not optimistic). */
  syncOptimistic?(t: TableStructure): Promise<boolean>;
}

export interface SchemaOpRequest {
  op: 'list' | 'update' | 'delete';
  database: string;
  table: string;
  /** CREATE TABLE text, for update. */
  schema?: string | undefined;
  /** Persist at once (default true, as DM's `--flush`). */
  flush?: boolean;
  /** For update: take the CREATE TABLE from the upstream (`--from-source`) or downstream (`--from-target`). */
  from?: 'source' | 'target' | undefined;
  /** For update: DM's `--sync` (optimistic mode: the master's keeper takes the new schema). */
  sync?: boolean;
}

const q = (id: string): string => `\`${id.replace(/`/g, '``')}\``;

/** A CREATE TABLE statement for a tracked structure (what the tracker knows, not more). */
export function showCreateTable(t: TableStructure): string {
  const lines = t.columns.map((c) => {
    let s = `  ${q(c.name)} ${c.type}`;
    if (c.unsigned && !/unsigned/i.test(c.type)) s += ' unsigned';
    if (c.charset && c.charset !== 'binary' && c.charset !== t.charset) s += ` CHARACTER SET ${c.charset}`;
    s += c.nullable ? ' DEFAULT NULL' : ' NOT NULL';
    if (c.generated) s += ' /* generated */';
    if (c.invisible) s += ' INVISIBLE';
    return s;
  });
  for (const k of t.uniqueKeys) {
    const cols = k.columns.map(q).join(',');
    lines.push(k.primary ? `  PRIMARY KEY (${cols})` : `  UNIQUE KEY ${q(k.name)} (${cols})`);
  }
  const cs = t.charset ? ` DEFAULT CHARSET=${t.charset}` : '';
  return `CREATE TABLE ${q(t.table)} (\n${lines.join(',\n')}\n)${cs}`;
}

/** Parse one CREATE TABLE into a structure named `database.table` (whatever name the text uses). */
export function parseCreateTable(sql: string, database: string, table: string): TableStructure {
  const scratch = new SchemaTracker(true);
  const text = sql.trim().replace(/;\s*$/, '');
  if (!/^CREATE\s+TABLE\b/i.test(text)) {
    throw dmError(E.ctlInvalidArgs, 'binlog-schema update: the file must hold one CREATE TABLE statement');
  }
  const r = scratch.applyDdl(text, database);
  const made = scratch.list();
  if (r.kind !== 'applied' || made.length !== 1 || !made[0]) {
    throw dmError(E.ctlInvalidArgs, 'binlog-schema update: cannot parse the CREATE TABLE statement', {
      context: { sql: text.slice(0, 200) },
    });
  }
  return renamed(made[0], database, table);
}

/** `SHOW CREATE TABLE` text of a table (DM's GetTableCreateSQL), for --from-source/--from-target. */
export async function showCreateTableOf(conn: Connection, database: string, table: string): Promise<string> {
  try {
    const [rows] = await conn.query({
      sql: `SHOW CREATE TABLE ${q(database)}.${q(table)}`,
      rowsAsArray: true,
    });
    return String((rows as unknown[][])[0]?.[1] ?? '');
  } catch (err) {
    throw dmError(
      E.ctlInvalidArgs,
      `binlog-schema update: cannot read the CREATE TABLE of ${database}.${table}: ${(err as Error).message}`,
      { cause: err },
    );
  }
}

/** Run one binlog-schema operation; returns the CREATE TABLE for list, '' otherwise. */
export async function operateSchema(h: SchemaHolder, req: SchemaOpRequest): Promise<string> {
  if (!req.database || !req.table) {
    throw dmError(E.ctlInvalidArgs, 'binlog-schema needs a database and a table name');
  }
  const tracker = h.schemaTracker;
  const current = tracker.get(req.database, req.table);
  switch (req.op) {
    case 'list':
      if (!current) {
        throw dmError(E.ctlInvalidArgs, `table ${req.database}.${req.table} is not in the schema tracker`);
      }
      return showCreateTable(current);
    case 'update': {
      let text = req.schema ?? '';
      if (req.from) {
        if (!h.createTableOf) throw dmError(E.ctlInvalidArgs, `--from-${req.from} needs a running sync unit`);
        text = await h.createTableOf(req.from, req.database, req.table);
      }
      const st = parseCreateTable(text, req.database, req.table);
      tracker.put(st);
      if (req.flush !== false) await h.flushSchema();
      // DM ignores --sync outside optimistic mode (it only logs it); we say so in msg.
      if (req.sync && !(await h.syncOptimistic?.(st))) return '--sync ignored: shard-mode is not optimistic';
      return '';
    }
    case 'delete':
      if (!current) {
        throw dmError(E.ctlInvalidArgs, `table ${req.database}.${req.table} is not in the schema tracker`);
      }
      tracker.drop(req.database, req.table);
      break;
  }
  if (req.flush !== false) await h.flushSchema();
  return '';
}
