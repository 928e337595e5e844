/**
 * DM's "skip and wait for redirect" on the worker (optimistic mode, `strict-optimistic-shard-mode`
 * false): a shard table whose DDL conflicts with the other shards (e.g. RENAME COLUMN run on
 * one shard first) does not run it downstream; its later DML is held (in binlog order, with
 * the structure it was read with: memory, then a spill file, as the pessimistic mode) until
 * the master redirects it (`resolved` operation: the last shard ran the DDL downstream), then
 * applied. DM re-reads the table's events from the conflict position instead; holding keeps
 * the decoding exactly as read.
 *
 * While any table is held, the global checkpoint stays where it was before the first
 * conflict (with the schema tracker of that moment): a restart or resume replays from there,
 * sends the conflict DDL again (the master answers it the same way) and rebuilds the holds.
 */
import type { Etcd3 } from 'etcd3';
import type { PositionedEvent, RowsEvent } from '../../pkg/binlog/types.js';
import { Keys } from '../../pkg/etcd/keys.js';
import type { Logger } from '../../pkg/log/logger.js';
import type { TableStructure } from '../../pkg/schema/table-structure.js';
import type { ShardingGroupStatus } from '../../pkg/shardddl/status.js';
import { formatLocation, type Location, type TableName } from '../job.js';
import { HeldRows } from './held-rows.js';
import { awaitOperation } from './op-watch.js';
import type { FrozenCheckpoint } from './pessimist-step.js';

/** What the holds need from the sync unit. */
export interface ConflictHoldsHost {
  applied(): Location | undefined;
  trackerSnapshot(): TableStructure[];
  dispatch(ev: RowsEvent, pe: PositionedEvent, end: Location, t: TableStructure | undefined): Promise<void>;
  drain(): Promise<void>;
  spillPath: string;
  /** Rows held in memory before spilling (default 20 000). */
  memoryLimit?: number;
}

interface Held {
  ev: RowsEvent;
  pe: PositionedEvent;
  end: Location;
  t: TableStructure | undefined;
  key: string;
}

interface Waiting {
  id: string;
  ddls: string[];
  at: Location;
  target: TableName;
  stop: AbortController;
}

const tkey = (schema: string, table: string): string => JSON.stringify([schema, table]);

export class ConflictHolds {
  private readonly waiting = new Map<string, Waiting>();
  private readonly ready = new Set<string>();
  private readonly held: HeldRows<Held>;
  private frozenCp: FrozenCheckpoint | undefined;

  constructor(
    private readonly etcd: Etcd3,
    private readonly task: string,
    private readonly source: string,
    private readonly host: ConflictHoldsHost,
    private readonly log: Logger,
  ) {
    this.held = new HeldRows(host.spillPath, host.memoryLimit);
  }

  holds(schema: string, table: string): boolean {
    return this.waiting.has(tkey(schema, table));
  }

  /** The table's conflict DDL (info put at `infoRevision`) waits for the master's redirect. */
  wait(
    src: TableName,
    target: TableName,
    id: string,
    ddls: string[],
    at: Location,
    infoRevision: number,
  ): void {
    const key = tkey(src.schema, src.table);
    if (this.waiting.size === 0 && !this.frozenCp) {
      const location = this.host.applied();
      if (location) this.frozenCp = { location: { ...location }, tables: this.host.trackerSnapshot() };
    }
    const stop = new AbortController();
    this.waiting.set(key, { id, ddls, at, target, stop });
    const opKey = Keys.shardOptimisticOperation(this.task, this.source, src.schema, src.table);
    awaitOperation(
      this.etcd,
      opKey,
      infoRevision,
      (op) => op['info-revision'] === infoRevision && op['conflict-stage'] === 'resolved',
      stop.signal,
      this.log,
    )
      .then(() => {
        if (this.waiting.get(key)?.stop === stop) this.ready.add(key);
      })
      .catch(() => undefined);
    this.log.info(
      { table: `${src.schema}.${src.table}`, ddls, at: formatLocation(at) },
      'optimistic shard DDL conflicts: the table skips it and waits for the redirect (its DML is held)',
    );
  }

  hold(ev: RowsEvent, pe: PositionedEvent, end: Location, t: TableStructure | undefined): void {
    this.held.push({ ev, pe: { ...pe, raw: EMPTY }, end, t, key: tkey(ev.schema, ev.table) });
  }

  /** A redirect arrived: apply the DML those tables held (undefined: nothing to do). */
  redirect(): Promise<void> | undefined {
    if (this.ready.size === 0) return undefined;
    const keys = new Set(this.ready);
    this.ready.clear();
    return this.release(keys);
  }

  private async release(keys: Set<string>): Promise<void> {
    for (const k of keys) this.waiting.delete(k);
    let n = 0;
    const spilled = this.held.spilledCount;
    for (const h of this.held.take((x) => !keys.has(x.key))) {
      n++;
      await this.host.dispatch(h.ev, h.pe, h.end, h.t);
    }
    await this.host.drain();
    this.log.info(
      { tables: [...keys], events: n, spilled },
      'redirected: applied the DML held for the conflict DDL',
    );
    if (this.waiting.size === 0 && this.held.length === 0) this.frozenCp = undefined;
  }

  frozen(): FrozenCheckpoint | undefined {
    return this.frozenCp;
  }

  status(): ShardingGroupStatus[] {
    return [...this.waiting.entries()].map(([k, w]) => {
      const [s, t] = JSON.parse(k) as [string, string];
      return {
        target: `\`${w.target.schema}\`.\`${w.target.table}\``,
        DDLs: [...w.ddls],
        firstLocation: formatLocation(w.at),
        synced: [`\`${s}\`.\`${t}\``],
        unsynced: [],
      };
    });
  }

  /** Back to the frozen checkpoint: the replay rebuilds the holds. */
  reset(): void {
    for (const w of this.waiting.values()) w.stop.abort();
    this.waiting.clear();
    this.ready.clear();
    this.held.clear();
    this.frozenCp = undefined;
  }

  close(): void {
    this.reset();
  }
}

const EMPTY = Buffer.alloc(0);
