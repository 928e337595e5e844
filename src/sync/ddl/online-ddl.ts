import type { SubTaskConfig } from '../../pkg/config/types.js';
import { quoteTable } from '../../pkg/db/connect.js';
import type { TableName } from '../job.js';
import type { DdlInfo, NameRef } from './ddl-info.js';

/** DM's defaults: gh-ost (`_t_gho`, `_t_ghc`, `_t_del`) and pt-osc (`_t_new`, `_t_old`). */
const DEFAULT_SHADOW = ['^_(.+)_(?:new|gho)$'];
const DEFAULT_TRASH = ['^_(.+)_(?:ghc|del|old)$'];

/** Ghost ("shadow") and trash table name patterns; group 1 of a match is the real table. */
export interface OnlineDdlRules {
  shadow: RegExp[];
  trash: RegExp[];
}

/** The rules of a subtask (`shadow-table-rules`, `trash-table-rules`, else DM's defaults). */
export function onlineDdlRules(
  cfg: Pick<SubTaskConfig, 'shadowTableRules' | 'trashTableRules'>,
): OnlineDdlRules {
  const re = (xs: string[], def: string[]): RegExp[] => (xs.length ? xs : def).map((x) => new RegExp(x));
  return { shadow: re(cfg.shadowTableRules, DEFAULT_SHADOW), trash: re(cfg.trashTableRules, DEFAULT_TRASH) };
}

/** What a table is to an online schema change tool. */
export type OnlineTableKind = { kind: 'real' } | { kind: 'ghost' | 'trash'; real: string };

/** Classify one table name by the rules. */
export function classifyTable(rules: OnlineDdlRules, table: string): OnlineTableKind {
  for (const r of rules.shadow) {
    const m = r.exec(table);
    if (m?.[1]) return { kind: 'ghost', real: m[1] };
  }
  for (const r of rules.trash) {
    const m = r.exec(table);
    if (m?.[1]) return { kind: 'trash', real: m[1] };
  }
  return { kind: 'real' };
}

/**
 * What to do with a DDL under online DDL:
 * - `none`: not about a ghost/trash table, handle normally;
 * - `skip`: a ghost/trash table's own DDL (CREATE … LIKE, DROP, RENAME real → trash): not replicated;
 * - `record`: an ALTER of the ghost table, kept until the cut-over;
 * - `cutover`: RENAME ghost → real: the recorded ALTERs are applied to the real table.
 */
export type OnlineDdlAction =
  | { action: 'none' }
  | { action: 'skip' }
  | { action: 'record'; ghost: TableName; real: TableName }
  | { action: 'cutover'; ghost: TableName; real: TableName };

/** Pure classification of one per-table DDL statement. */
export function classifyDdl(rules: OnlineDdlRules, info: DdlInfo): OnlineDdlAction {
  const kinds = info.refs.map((r) =>
    r.table === '' ? { kind: 'real' as const } : classifyTable(rules, r.table),
  );
  if (kinds.every((k) => k.kind === 'real')) return { action: 'none' };
  const subject = info.refs[0] as NameRef;
  const sk = kinds[0] as OnlineTableKind;
  if (info.eventName === 'rename table' && info.refs.length === 2) {
    const to = info.refs[1] as NameRef;
    if (sk.kind === 'ghost' && to.table === sk.real && to.schema === subject.schema) {
      return { action: 'cutover', ghost: name(subject), real: name(to) };
    }
    return { action: 'skip' };
  }
  if (sk.kind === 'ghost' && info.eventName === 'alter table') {
    return { action: 'record', ghost: name(subject), real: { schema: subject.schema, table: sk.real } };
  }
  return { action: 'skip' };
}

function name(r: NameRef): TableName {
  return { schema: r.schema, table: r.table };
}

/** The ALTER recorded for a ghost table, rewritten to alter the real table instead. */
export function alterForReal(info: DdlInfo, ghost: TableName, real: TableName): string {
  let out = '';
  let at = 0;
  for (const r of [...info.refs].sort((a, b) => a.start - b.start)) {
    const isGhost = r.schema === ghost.schema && r.table === ghost.table;
    out +=
      info.sql.slice(at, r.start) +
      (isGhost ? quoteTable(real.schema, real.table) : info.sql.slice(r.start, r.end));
    at = r.end;
  }
  return out + info.sql.slice(at);
}

/** Where the recorded ghost-table ALTERs are kept: `<meta-schema>.<task>_onlineddl`. */
export class OnlineDdlStore {
  private readonly tbl: string;
  private ddls: Map<string, string[]> | undefined;

  constructor(
    metaSchema: string,
    task: string,
    private readonly sourceId: string,
  ) {
    this.tbl = quoteTable(metaSchema, `${task}_onlineddl`);
  }

  /** Create the table if needed and read what earlier runs recorded (once). */
  async ready(query: (sql: string, params?: unknown[]) => Promise<unknown>): Promise<void> {
    if (this.ddls) return;
    await query(`CREATE TABLE IF NOT EXISTS ${this.tbl} (
      id VARCHAR(190) NOT NULL, ghost_schema VARCHAR(128) NOT NULL, ghost_table VARCHAR(128) NOT NULL,
      ddls LONGTEXT NOT NULL, update_time TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP,
      PRIMARY KEY (id, ghost_schema, ghost_table))`);
    const rows = (await query(
      `SELECT ghost_schema AS s, ghost_table AS t, ddls AS d FROM ${this.tbl} WHERE id = ?`,
      [this.sourceId],
    )) as { s: string; t: string; d: string }[];
    this.ddls = new Map(rows.map((r) => [key({ schema: r.s, table: r.t }), JSON.parse(r.d) as string[]]));
  }

  /** Record one ALTER of a ghost table (a replay after a crash records it once). */
  async record(
    query: (sql: string, params?: unknown[]) => Promise<unknown>,
    ghost: TableName,
    sql: string,
  ): Promise<void> {
    await this.ready(query);
    const list = this.ddls?.get(key(ghost)) ?? [];
    if (list.includes(sql)) return;
    list.push(sql);
    this.ddls?.set(key(ghost), list);
    await query(
      `INSERT INTO ${this.tbl} (id, ghost_schema, ghost_table, ddls) VALUES (?, ?, ?, ?)
       ON DUPLICATE KEY UPDATE ddls = VALUES(ddls)`,
      [this.sourceId, ghost.schema, ghost.table, JSON.stringify(list)],
    );
  }

  /** The ALTERs recorded for a ghost table. */
  async recorded(
    query: (sql: string, params?: unknown[]) => Promise<unknown>,
    ghost: TableName,
  ): Promise<string[]> {
    await this.ready(query);
    return [...(this.ddls?.get(key(ghost)) ?? [])];
  }

  /** Forget a ghost table's ALTERs (after the cut-over applied them). */
  async clear(query: (sql: string, params?: unknown[]) => Promise<unknown>, ghost: TableName): Promise<void> {
    await this.ready(query);
    this.ddls?.delete(key(ghost));
    await query(`DELETE FROM ${this.tbl} WHERE id = ? AND ghost_schema = ? AND ghost_table = ?`, [
      this.sourceId,
      ghost.schema,
      ghost.table,
    ]);
  }
}

function key(t: TableName): string {
  return `${t.schema}\u0000${t.table}`;
}
