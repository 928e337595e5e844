/**
 * The sync unit's optimistic shard-DDL step (DM's handleQueryEventOptimistic): DML is never
 * held. A shard table's DDL is sent to the master with the table's schema before and after
 * it (etcd info); the master answers with the DDLs to run downstream (none when the joined
 * schema already has them or a DROP COLUMN waits for the other shards) or a conflict, which
 * pauses the subtask with DM's 36062. The stream waits only for that answer.
 *
 * Crash safety: the checkpoint moves past the DDL only after the answer was executed; a
 * replay sends the same info again, and the keeper answers it without DDLs that the joined
 * schema already has (or the executor accepts "already exists" in the replay).
 */
import type { Etcd3 } from 'etcd3';
import type { SubTaskConfig } from '../../pkg/config/types.js';
import { dmError, E } from '../../pkg/errors/index.js';
import { Keys } from '../../pkg/etcd/keys.js';
import type { Logger } from '../../pkg/log/logger.js';
import { SchemaTracker } from '../../pkg/schema/schema-tracker.js';
import type { TableStructure } from '../../pkg/schema/table-structure.js';
import { splitAlter } from '../../pkg/shardddl/optimism/joined-schema.js';
import type {
  OptimismInfo,
  OptimismOperation,
  SchemaColumn,
  SourceTable,
  SourceTables,
} from '../../pkg/shardddl/optimism/types.js';
import { ddlLockId, type ShardSyncStatus, tableId } from '../../pkg/shardddl/status.js';
import { formatLocation, type TableName } from '../job.js';
import { ConflictHolds, type ConflictHoldsHost } from './conflict-holds.js';
import { retryEtcd } from './etcd-retry.js';
import { awaitOperation } from './op-watch.js';
import type { ShardDdlOutcome, ShardDdlRequest, ShardDdlStep } from './pessimist-step.js';
import { tableDdl } from './table-ddl.js';

export interface OptimistStepHost extends ConflictHoldsHost {
  targetExists(t: TableName): Promise<boolean>;
  /** The tracked structure of an upstream table. */
  structure(schema: string, table: string): TableStructure | undefined;
  signal(): AbortSignal;
  route(schema: string, table: string): TableName;
  /** True when `sql` adds an index the target has, or drops one it lacks. */
  indexChangeDone(sql: string, target: TableName): Promise<boolean>;
}

export class OptimistStep implements ShardDdlStep {
  /** Target key → upstream tables of this source. */
  private readonly tables = new Map<string, Set<string>>();
  private waiting: { id: string; ddls: string[]; owner?: string; conflict?: string } | undefined;
  /** Tables in DM's "skip and wait for redirect" (non-strict mode), with their held DML. */
  readonly holds: ConflictHolds;

  constructor(
    private readonly cfg: SubTaskConfig,
    private readonly etcd: Etcd3,
    private readonly host: OptimistStepHost,
    private readonly log: Logger,
  ) {
    this.holds = new ConflictHolds(etcd, cfg.name, cfg.sourceId, host, log);
  }

  /** At unit init: publish this source's shard tables (DM's source-tables key). */
  async init(tables: TableName[]): Promise<void> {
    for (const t of tables) this.add(t);
    await this.publish(AbortSignal.timeout(60_000));
  }

  status(): ShardSyncStatus {
    const held = this.holds.status();
    return {
      blockingDDLs: this.waiting ? [...this.waiting.ddls] : held.flatMap((g) => g.DDLs),
      // DM shows sharding groups in pessimistic mode only.
      unresolvedGroups: [],
      unresolvedDDLLockID: this.waiting?.id ?? '',
      ...(this.waiting?.owner
        ? { blockDDLOwner: this.waiting.owner, conflictMsg: this.waiting.conflict ?? '' }
        : {}),
    };
  }

  async ddl(req: ShardDdlRequest): Promise<ShardDdlOutcome> {
    const subject = await tableDdl(req, this.host, this.log);
    if (!subject) return { handled: false };
    const { src, target, t } = subject;
    if (t.kind === 'created') {
      this.add(src);
      await this.publish(this.host.signal());
      return { handled: !t.execute };
    }
    if (t.kind === 'dropped') {
      this.remove(src);
      await this.publish(this.host.signal());
      return { handled: true };
    }
    if (t.kind === 'skipped') return { handled: true };
    if (this.holds.holds(src.schema, src.table)) {
      throw dmError(
        E.shardOptimisticHeldDdl,
        `table ${src.schema}.${src.table} waits for its conflicting DDL to be run by the other shards; a further DDL on it (${req.info.sql}) cannot be coordinated before that`,
        { context: { binlogPosition: formatLocation(req.at), sql: req.info.sql } },
      );
    }
    this.add(src);
    const before = this.host.structure(src.schema, src.table);
    if (!before) {
      throw dmError(
        E.syncSchemaUnknown,
        `table ${src.schema}.${src.table} is not known to the schema tracker`,
        {
          context: { binlogPosition: formatLocation(req.at) },
        },
      );
    }
    const scratch = new SchemaTracker(this.cfg.caseSensitive);
    scratch.put(structuredClone(before));
    scratch.applyDdl(req.info.sql, req.schema);
    const after = scratch.get(src.schema, src.table) ?? before;
    const info: OptimismInfo = {
      task: this.cfg.name,
      source: this.cfg.sourceId,
      'up-schema': src.schema,
      'up-table': src.table,
      'down-schema': target.schema,
      'down-table': target.table,
      // Each specification is judged on its own (DM splits them too).
      ddls: splitAlter(req.sql),
      'table-info-before': columnsOf(before),
      'table-info-after': columnsOf(after),
    };
    const id = ddlLockId(this.cfg.name, target.schema, target.table);
    this.waiting = { id, ddls: info.ddls };
    try {
      const signal = this.host.signal();
      const { op: first, revision } = await this.exchange(info, signal);
      let op = first;
      const conflictError = (msg: string) =>
        dmError(
          E.shardOptimisticConflict,
          `fail to handle shard ddl ${JSON.stringify([req.sql])} in optimistic mode, because schema conflict detected, conflict error: ${msg}`,
          { context: { binlogPosition: formatLocation(req.at), sql: req.info.sql } },
        );
      const strict = this.cfg.strictOptimisticShardMode === true;
      if (op['conflict-stage'] === 'detected') {
        // DM: strict pauses; else the unit waits for the operator's table-level unlock.
        if (strict) throw conflictError(op['conflict-message']);
        this.waiting = {
          id,
          ddls: info.ddls,
          owner: `${this.cfg.sourceId}-${tableId(src.schema, src.table)}`,
          conflict: op['conflict-message'],
        };
        this.log.warn(
          { id, sql: req.sql, conflict: op['conflict-message'] },
          'optimistic shard DDL conflict detected: waiting for `shard-ddl-lock unlock`',
        );
        op = await awaitOperation(
          this.etcd,
          Keys.shardOptimisticOperation(info.task, info.source, src.schema, src.table),
          revision,
          (o) => o['info-revision'] === revision && o['conflict-stage'] !== 'detected',
          signal,
          this.log,
        );
      }
      if (op['conflict-stage'] === 'skip and wait for redirect') {
        if (strict) throw conflictError(op['conflict-message']);
        this.holds.wait(src, target, id, info.ddls, req.at, revision);
        // The table's schema as the tracker now has it (see publish).
        return { handled: true, afterDone: () => this.publish(signal) };
      }
      if (op['conflict-stage'] !== 'none' && op['conflict-stage'] !== 'unlocked') {
        throw conflictError(op['conflict-message']);
      }
      for (const sql of op.ddls) {
        // Index changes are made idempotent here: the keeper's memory of which shard added an
        // index does not survive a new leader when the shard's info was overwritten since.
        if (await this.host.indexChangeDone(sql, target)) {
          this.log.info({ sql }, 'optimistic shard DDL: the index change is already downstream');
          continue;
        }
        await req.exec(sql);
      }
      this.log.info(
        { sql: req.sql, executed: op.ddls, deferredDrops: op.cols, stage: op['conflict-stage'] },
        op.ddls.length ? 'optimistic shard DDL executed' : 'optimistic shard DDL: nothing to run downstream',
      );
      const done = op;
      return {
        handled: true,
        afterDone: async () => {
          await retryEtcd('mark the operation done', signal, this.log, async () => {
            await this.etcd
              .put(Keys.shardOptimisticOperation(done.task, done.source, done['up-schema'], done['up-table']))
              .value(JSON.stringify({ ...done, done: true }));
          });
          await this.publish(signal);
        },
      };
    } finally {
      this.waiting = undefined;
    }
  }

  /**
   * `binlog-schema update --sync` (DM: an info with `ignore-conflict`): the master's keeper
   * takes `t` as the table's schema, without answering.
   */
  async syncSchema(t: TableStructure): Promise<void> {
    const target = this.host.route(t.schema, t.table);
    const cols = columnsOf(t);
    const info: OptimismInfo = {
      task: this.cfg.name,
      source: this.cfg.sourceId,
      'up-schema': t.schema,
      'up-table': t.table,
      'down-schema': target.schema,
      'down-table': target.table,
      ddls: [''],
      'table-info-before': cols,
      'table-info-after': cols,
      'ignore-conflict': true,
    };
    this.add({ schema: t.schema, table: t.table });
    await this.publish(AbortSignal.timeout(30_000));
    await this.etcd
      .put(Keys.shardOptimisticInfo(info.task, info.source, t.schema, t.table))
      .value(JSON.stringify(info));
  }

  /** Put the info and wait for the operation answering exactly that put. */
  private async exchange(
    info: OptimismInfo,
    signal: AbortSignal,
  ): Promise<{ op: OptimismOperation; revision: number }> {
    const infoKey = Keys.shardOptimisticInfo(info.task, info.source, info['up-schema'], info['up-table']);
    const opKey = Keys.shardOptimisticOperation(info.task, info.source, info['up-schema'], info['up-table']);
    const revision = await retryEtcd('put the DDL info', signal, this.log, async () => {
      const put = await this.etcd.put(infoKey).value(JSON.stringify(info)).exec();
      return Number(put.header.revision);
    });
    const op = await awaitOperation(
      this.etcd,
      opKey,
      revision,
      (o) => o['info-revision'] === revision,
      signal,
      this.log,
    );
    return { op, revision };
  }

  private add(t: TableName): void {
    const tgt = this.host.route(t.schema, t.table);
    const k = JSON.stringify([tgt.schema, tgt.table]);
    const set = this.tables.get(k) ?? new Set<string>();
    set.add(JSON.stringify([t.schema, t.table]));
    this.tables.set(k, set);
  }

  private remove(t: TableName): void {
    const tgt = this.host.route(t.schema, t.table);
    this.tables.get(JSON.stringify([tgt.schema, tgt.table]))?.delete(JSON.stringify([t.schema, t.table]));
  }

  /**
   * DM's source-tables key of this source, each table with its schema as the tracker has it
   * now (after the DDL just run): the master's view of the tables that report no DDL.
   */
  private async publish(signal: AbortSignal): Promise<void> {
    const st: SourceTables = { task: this.cfg.name, source: this.cfg.sourceId, tables: {} };
    for (const [k, ups] of this.tables) {
      const [ds, dt] = JSON.parse(k) as [string, string];
      for (const u of ups) {
        const [us, ut] = JSON.parse(u) as [string, string];
        st.tables[ds] ??= {};
        const byTable = st.tables[ds];
        byTable[dt] ??= {};
        const bySchema = byTable[dt];
        bySchema[us] ??= {};
        const known = this.host.structure(us, ut);
        (bySchema[us] as Record<string, SourceTable>)[ut] = known ? { 'table-info': columnsOf(known) } : {};
      }
    }
    await retryEtcd('publish the source tables', signal, this.log, async () => {
      await this.etcd
        .put(Keys.shardOptimisticSourceTables(this.cfg.name, this.cfg.sourceId))
        .value(JSON.stringify(st));
    });
  }
}

function columnsOf(t: TableStructure): SchemaColumn[] {
  return t.columns
    .filter((c) => !c.generated)
    .map((c) => ({ name: c.name, type: c.type, unsigned: c.unsigned, nullable: c.nullable }));
}
