/**
 * The sync unit's pessimistic shard-DDL step (DM's handleQueryEventPessimistic and the
 * sharding re-sync), plugged into the DDL path through `ShardDdlStep` and into the row path
 * through `holds`/`hold`:
 *
 * - a DDL of a shard table is not executed: the table joins its group's pending DDL and its
 *   later DML is held (other tables keep flowing);
 * - once every shard table of this source reached it, the DDL is reported to the master
 *   (etcd info) and the stream waits for the operation: the owner executes the DDLs, the
 *   others skip them; then the held DML is applied, in binlog order;
 * - while any DDL is pending, the global checkpoint stays where it was before the first one
 *   (with the schema tracker of that moment): a restart replays from there in safe mode and
 *   rebuilds the groups; DDLs the sharding meta says were resolved are not coordinated again.
 */
import type { Etcd3 } from 'etcd3';
import type { PositionedEvent, RowsEvent } from '../../pkg/binlog/types.js';
import type { SubTaskConfig } from '../../pkg/config/types.js';
import { dmError, E } from '../../pkg/errors/index.js';
import type { Logger } from '../../pkg/log/logger.js';
import type { TableStructure } from '../../pkg/schema/table-structure.js';
import type { PessimismOperation } from '../../pkg/shardddl/pessimism/types.js';
import { ddlLockId, type ShardSyncStatus } from '../../pkg/shardddl/status.js';
import { formatLocation, type Location, type TableName } from '../job.js';
import type { ShardDdlRequest } from './ddl-request.js';
import { HeldRows as HeldRowsStore } from './held-rows.js';
import { PessimismChannel } from './pessimism-channel.js';
import { ShardingGroups } from './sharding-groups.js';
import { ShardingMetaStore } from './sharding-meta.js';
import { tableDdl } from './table-ddl.js';

export type { ShardDdlRequest } from './ddl-request.js';

/** What the executor does after the step. */
export interface ShardDdlOutcome {
  /** True: the step took care of the statement (the executor must not execute it). */
  handled: boolean;
  /** To run after the executor saved the checkpoint past the DDL. */
  afterDone?: () => Promise<void>;
}

/** The DDL path's view of a shard coordinator (the executor calls nothing else). */
export interface ShardDdlStep {
  ddl(req: ShardDdlRequest): Promise<ShardDdlOutcome>;
}

/** What the step needs from the sync unit. */
export interface PessimistStepHost {
  /** A statement on the control connection. */
  ctlQuery(sql: string, params?: unknown[]): Promise<unknown>;
  /** True when the downstream table exists. */
  targetExists(t: TableName): Promise<boolean>;
  /** The applied position now (everything before it is applied; appliers drained). */
  applied(): Location | undefined;
  /** A copy of the schema tracker now. */
  trackerSnapshot(): TableStructure[];
  /** Dispatch a held ROWS event with the structure it had when read. */
  dispatch(ev: RowsEvent, pe: PositionedEvent, end: Location, t: TableStructure | undefined): Promise<void>;
  /** Apply everything dispatched. */
  drain(): Promise<void>;
  /** The running process()'s signal (waiting for a lock ends with it). */
  signal(): AbortSignal;
  route(schema: string, table: string): TableName;
  /** Base path of the file held DML spills to beyond the memory limit. */
  spillPath: string;
  /** Held ROWS events kept in memory before spilling (default 20 000). */
  memoryLimit?: number;
}

interface HeldRows {
  ev: RowsEvent;
  pe: PositionedEvent;
  end: Location;
  t: TableStructure | undefined;
  /** Unresolved DDLs still ahead of this row (0: it can be applied). */
  tag: number;
  target: string;
}

/** The global checkpoint while a DDL is pending. */
export interface FrozenCheckpoint {
  location: Location;
  tables: TableStructure[];
}

export class PessimistStep implements ShardDdlStep {
  private readonly groups: ShardingGroups;
  private readonly meta: ShardingMetaStore;
  private readonly channel: PessimismChannel;
  private readonly held: HeldRowsStore<HeldRows>;
  private frozenCp: FrozenCheckpoint | undefined;
  private waiting: { id: string; ddls: string[] } | undefined;

  constructor(
    private readonly cfg: SubTaskConfig,
    etcd: Etcd3,
    private readonly host: PessimistStepHost,
    private readonly log: Logger,
  ) {
    this.groups = new ShardingGroups(cfg.caseSensitive);
    this.meta = new ShardingMetaStore(cfg.metaSchema, cfg.name, cfg.sourceId, cfg.caseSensitive);
    this.channel = new PessimismChannel(etcd, cfg.name, cfg.sourceId, log);
    this.held = new HeldRowsStore(host.spillPath, host.memoryLimit);
  }

  /**
   * Back to the frozen checkpoint (a resume after a pause or an error while a DDL was
   * pending): the caller replays from there, which rebuilds the groups and the held DML.
   */
  reset(): void {
    this.groups.clearPending();
    this.held.clear();
    this.frozenCp = undefined;
    this.waiting = undefined;
  }

  /** Unit closed: drop the held DML (and its spill file). */
  close(): void {
    this.held.clear();
  }

  /**
   * At unit init: the sharding meta, the groups from the upstream's table list, and the etcd
   * part of a lock resolved just before a crash (mark its operation done).
   */
  async init(tables: TableName[], signal: AbortSignal): Promise<void> {
    const q = (sql: string, params?: unknown[]): Promise<unknown> => this.host.ctlQuery(sql, params);
    await this.meta.ensureTable(q);
    await this.meta.load(q);
    for (const t of tables) this.groups.addTable(t, this.host.route(t.schema, t.table));
    const op = await this.channel.operation();
    if (
      op &&
      !op.done &&
      this.meta.resolvedLocks().some((l) => l.id === op.id && sameList(l.ddls, op.ddls))
    ) {
      this.log.info({ id: op.id }, 'shard DDL lock resolved before the restart: marking its operation done');
      await this.channel.done(op, signal);
    }
  }

  /** The global checkpoint to save while a DDL is pending (undefined: none pending). */
  frozen(): FrozenCheckpoint | undefined {
    return this.frozenCp;
  }

  /** True when the ROWS event's table is held (its DML waits for a pending DDL). */
  holds(schema: string, table: string): boolean {
    return this.groups.held(schema, table) > 0;
  }

  /** Hold a ROWS event of a held table until its DDLs are resolved. */
  hold(ev: RowsEvent, pe: PositionedEvent, end: Location, t: TableStructure | undefined): void {
    const target = this.groups.targetOf({ schema: ev.schema, table: ev.table });
    this.held.push({
      ev,
      // Without the raw bytes: they may be a slice of a large read buffer a held event would
      // keep alive (the dispatcher needs only the position).
      pe: { ...pe, raw: EMPTY },
      end,
      t,
      tag: this.groups.held(ev.schema, ev.table),
      target: target ? `${target.schema}.${target.table}` : '',
    });
  }

  status(): ShardSyncStatus {
    return {
      blockingDDLs: this.waiting ? [...this.waiting.ddls] : [],
      unresolvedGroups: this.groups.status(),
      unresolvedDDLLockID: this.waiting?.id ?? '',
    };
  }

  async ddl(req: ShardDdlRequest): Promise<ShardDdlOutcome> {
    const subject = await tableDdl(req, this.host, this.log);
    if (!subject) return { handled: false };
    const { src, target, t } = subject;
    if (t.kind === 'created') {
      this.groups.addTable(src, target);
      return { handled: !t.execute };
    }
    if (t.kind === 'dropped') {
      this.groups.removeTable(src);
      return { handled: true, ...(await this.afterGroupChange(target, req)) };
    }
    if (t.kind === 'skipped') return { handled: true };
    if (!this.groups.targetOf(src)) this.groups.addTable(src, target);
    if (this.meta.resolved(src, req.end)) {
      this.log.info(
        { sql: req.sql, at: formatLocation(req.at) },
        'shard DDL resolved before the restart: not coordinated again',
      );
      return { handled: true };
    }
    if (!this.groups.anyPending()) {
      const location = this.host.applied();
      if (location) this.frozenCp = { location: { ...location }, tables: this.host.trackerSnapshot() };
    }
    const r = this.groups.reach(src, { ddls: [req.sql], at: req.at, end: req.end });
    if (r.kind === 'wrong-sequence') {
      throw dmError(
        E.shardDdlWrongSequence,
        `detect inconsistent DDL sequence from source ${this.cfg.sourceId} table ${src.schema}.${src.table}: got ${JSON.stringify(r.got)}, right DDL sequence should be ${JSON.stringify(r.expected)}`,
        { context: { binlogPosition: formatLocation(req.at), sql: req.info.sql } },
      );
    }
    if (r.kind !== 'duplicate') {
      await this.meta.savePending((s, p) => this.host.ctlQuery(s, p), src, target, this.groups.queueOf(src));
      this.log.info(
        { sql: req.sql, at: formatLocation(req.at), synced: r.kind === 'synced' },
        'shard DDL reached: the table waits for its sharding group',
      );
    }
    return { handled: true, ...(await this.afterGroupChange(target, req)) };
  }

  /** While the group is synced on its head DDL: lock it through the master, then re-sync. */
  private async afterGroupChange(
    target: TableName,
    req: ShardDdlRequest,
  ): Promise<Omit<ShardDdlOutcome, 'handled'>> {
    const done: PessimismOperation[] = [];
    for (let head = this.groups.syncedHead(target); head; head = this.groups.syncedHead(target)) {
      done.push(await this.resolve(target, head, req));
    }
    if (done.length === 0) return {};
    const signal = this.host.signal();
    return {
      afterDone: async () => {
        for (const op of done) await this.channel.done(op, signal);
      },
    };
  }

  private async resolve(
    target: TableName,
    ddls: string[],
    req: ShardDdlRequest,
  ): Promise<PessimismOperation> {
    const id = ddlLockId(this.cfg.name, target.schema, target.table);
    const signal = this.host.signal();
    this.waiting = { id, ddls };
    try {
      await this.channel.putInfo(
        { task: this.cfg.name, source: this.cfg.sourceId, schema: target.schema, table: target.table, ddls },
        signal,
      );
      this.log.info({ id, ddls }, 'sharding group synced: waiting for the shard DDL lock');
      const op = await this.channel.waitOperation(id, ddls, signal);
      if (op.conflictMsg) {
        throw dmError(E.shardDdlsDiffer, op.conflictMsg, {
          context: { binlogPosition: formatLocation(req.at) },
        });
      }
      if (op.exec) for (const sql of op.ddls) await req.exec(sql);
      this.log.info(
        { id, exec: op.exec },
        op.exec ? 'shard DDL executed (owner)' : 'shard DDL skipped (executed by the owner)',
      );
      const popped = this.groups.resolveHead(target);
      await this.meta.saveResolved(
        (s, p) => this.host.ctlQuery(s, p),
        target,
        { id, ddls },
        popped.map((p) => ({ ...p, pending: this.groups.queueOf(p.table) })),
      );
      await this.release(target);
      return op;
    } finally {
      this.waiting = undefined;
    }
  }

  /** Apply the held DML of `target` that no unresolved DDL stands before any more. */
  private async release(target: TableName): Promise<void> {
    const tk = `${target.schema}.${target.table}`;
    let n = 0;
    const spilled = this.held.spilledCount;
    for (const h of this.held.take((x) => {
      if (x.target === tk) x.tag--;
      return x.tag > 0;
    })) {
      n++;
      await this.host.dispatch(h.ev, h.pe, h.end, h.t);
    }
    if (n) this.log.info({ target: tk, events: n, spilled }, 'applied the DML held during the lock');
    await this.host.drain();
    if (!this.groups.anyPending() && this.held.length === 0) this.frozenCp = undefined;
  }
}

const EMPTY = Buffer.alloc(0);

function sameList(a: string[], b: string[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}
