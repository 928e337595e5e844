import type mysql from 'mysql2/promise';
import type { SubTaskConfig } from '../pkg/config/types.js';
import { BlockAllowList } from '../pkg/filter/block-allow-list.js';
import { TableRouter } from '../pkg/router/table-router.js';
import { connect, rows } from './db.js';
import {
  checkShardGroup,
  type ShardColumn,
  type ShardGroupResult,
  type ShardTable,
  tableId,
} from './shard-group-check.js';

/**
 * DM's sharding prechecks (dm/checker/checker.go): with `schema_of_shard_tables` checked, a
 * `shard-mode`, a task mode that dumps (all/full/dump) and a fresh task (no load or sync
 * checkpoint table downstream yet: the upstream structure of a running task is not the one
 * at its binlog position), every target table that more than one upstream table (over all
 * sources) is routed to is checked by shard-group-check.ts. Returns one result per group, or
 * a connection failure as a failed result.
 */
export async function shardTableChecks(
  subtasks: SubTaskConfig[],
  ignored: ReadonlySet<string>,
  timeoutMs: number,
): Promise<ShardGroupResult[]> {
  const first = subtasks[0];
  if (!first || first.shardMode === '') return [];
  if (ignored.has('all') || ignored.has('schema_of_shard_tables')) return [];
  if (!subtasks.some((s) => s.taskMode === 'all' || s.taskMode === 'full' || s.taskMode === 'dump'))
    return [];
  const mode = first.shardMode;
  const out: ShardGroupResult[] = [];
  const failed = (what: string, err: unknown): ShardGroupResult => ({
    name: 'sharding table consistency checking',
    desc: 'check consistency of sharding table structures',
    state: 'fail',
    errors: [{ severity: 'fail', short_error: `${what}: ${(err as Error).message}` }],
    instruction: 'Check the error above.',
    extra: '',
  });
  try {
    if (!(await isFresh(first, timeoutMs))) return [];
  } catch (err) {
    return [failed(`cannot read the checkpoints of the target ${first.to.host}:${first.to.port}`, err)];
  }
  const groups = new Map<string, ShardTable[]>();
  for (const s of subtasks) {
    let c: mysql.Connection | undefined;
    try {
      c = await connect(s.from, timeoutMs);
      for (const t of await shardTablesOf(c, s)) {
        const list = groups.get(t.target) ?? [];
        list.push(t.table);
        groups.set(t.target, list);
      }
    } catch (err) {
      out.push(failed(`cannot read the tables of source ${s.sourceId}`, err));
    } finally {
      await c?.end().catch(() => undefined);
    }
  }
  const checkAuto = !ignored.has('auto_increment_ID');
  for (const [target, tables] of [...groups].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    if (tables.length <= 1) continue;
    out.push(checkShardGroup(target, tables, mode, checkAuto));
  }
  return out;
}

/** DM's `IsFreshTask`: no load/sync checkpoint table of the task downstream. */
async function isFresh(s: SubTaskConfig, timeoutMs: number): Promise<boolean> {
  const c = await connect(s.to, timeoutMs);
  try {
    const r = await rows<{ n: string | number }>(
      c,
      'SELECT COUNT(*) AS n FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_NAME IN (?, ?, ?)',
      [
        s.metaSchema,
        `${s.name}_loader_checkpoint`,
        `${s.name}_syncer_checkpoint`,
        `${s.name}_lightning_checkpoint_list`,
      ],
    );
    return Number(r[0]?.n ?? 0) === 0;
  } finally {
    await c.end().catch(() => undefined);
  }
}

/** The replicated base tables of one source with their routed target (`` `db`.`t` ``) and columns. */
async function shardTablesOf(
  c: mysql.Connection,
  s: SubTaskConfig,
): Promise<{ target: string; table: ShardTable }[]> {
  const bal = new BlockAllowList(s.blockAllowList, {
    caseSensitive: s.caseSensitive,
    alwaysIgnore: [s.metaSchema],
  });
  const router = new TableRouter(s.routes, { caseSensitive: s.caseSensitive });
  const cols = await rows<{
    s: string;
    t: string;
    c: string;
    type: string;
    extra: string;
    nullable: string;
    def: string | null;
  }>(
    c,
    `SELECT c.TABLE_SCHEMA AS s, c.TABLE_NAME AS t, c.COLUMN_NAME AS c, c.COLUMN_TYPE AS type, c.EXTRA AS extra,
            c.IS_NULLABLE AS nullable, c.COLUMN_DEFAULT AS def
       FROM information_schema.COLUMNS c JOIN information_schema.TABLES t
         ON t.TABLE_SCHEMA = c.TABLE_SCHEMA AND t.TABLE_NAME = c.TABLE_NAME
      WHERE t.TABLE_TYPE = 'BASE TABLE'
        AND c.TABLE_SCHEMA NOT IN ('mysql', 'information_schema', 'performance_schema', 'sys')
      ORDER BY c.TABLE_SCHEMA, c.TABLE_NAME, c.ORDINAL_POSITION`,
  );
  const tables = new Map<string, ShardTable>();
  for (const r of cols) {
    if (!bal.allowTable(r.s, r.t)) continue;
    const key = `${r.s}\u0000${r.t}`;
    let t = tables.get(key);
    if (!t) {
      t = { sourceId: s.sourceId, schema: r.s, table: r.t, columns: [] };
      tables.set(key, t);
    }
    const col: ShardColumn = {
      name: r.c,
      type: r.type,
      autoIncrement: /auto_increment/i.test(r.extra),
      nullable: r.nullable === 'YES',
      hasDefault: r.def !== null,
    };
    t.columns.push(col);
  }
  return [...tables.values()].map((t) => {
    const tg = router.route(t.schema, t.table);
    return { target: tableId(tg.schema, tg.table), table: t };
  });
}
