/**
 * A worker's sharding groups (DM's dm/syncer/sharding_group.go), pure: for each target table,
 * the source tables of this source routed into it, and the DDLs each of them met that are not
 * resolved yet.
 *
 * Every table keeps a queue of the DDLs it reached. A table with a non-empty queue is held:
 * its later DML waits (it already has the new structure the downstream lacks). The group is
 * synced on its head DDL once every table's queue is non-empty; the head must be the same on
 * every table, and every later item too (DM: "detect inconsistent DDL sequence"). Resolving
 * the head pops it from every queue.
 */
import { normalizeDdl } from '../../pkg/shardddl/pessimism/types.js';
import { type ShardingGroupStatus, tableId } from '../../pkg/shardddl/status.js';
import { compareLocation, formatLocation, type Location, type TableName } from '../job.js';

/** One DDL (the statements of one upstream DDL, routed) a shard table reached. */
export interface ReachedDdl {
  ddls: string[];
  /** Start and end of the DDL's binlog event. */
  at: Location;
  end: Location;
}

export type ReachResult =
  /** The table waits for the others; nothing else to do now. */
  | { kind: 'waiting' }
  /** Every table reached the head DDLs: report them (the lock). */
  | { kind: 'synced'; ddls: string[] }
  /** The same DDL event again (a resume re-read it): already counted. */
  | { kind: 'duplicate'; synced: boolean }
  /** The table's DDL differs from the one the other tables met at that place in the sequence. */
  | { kind: 'wrong-sequence'; expected: string[]; got: string[] };

interface Group {
  target: TableName;
  /** Source table key → its queue of reached, unresolved DDLs. */
  tables: Map<string, { name: TableName; queue: ReachedDdl[] }>;
}

export class ShardingGroups {
  private readonly groups = new Map<string, Group>();
  /** Source table key → target key. */
  private readonly tableTarget = new Map<string, string>();

  constructor(private readonly caseSensitive: boolean) {}

  private k(schema: string, table: string): string {
    const id = tableId(schema, table);
    return this.caseSensitive ? id : id.toLowerCase();
  }

  /** A source table joins the group of its target (upstream table list, CREATE TABLE). */
  addTable(source: TableName, target: TableName): void {
    const sk = this.k(source.schema, source.table);
    if (this.tableTarget.has(sk)) return;
    const tk = this.k(target.schema, target.table);
    let g = this.groups.get(tk);
    if (!g) {
      g = { target: { ...target }, tables: new Map() };
      this.groups.set(tk, g);
    }
    g.tables.set(sk, { name: { ...source }, queue: [] });
    this.tableTarget.set(sk, tk);
  }

  /** A source table leaves its group (DROP TABLE). True when its group is synced without it. */
  removeTable(source: TableName): boolean {
    const sk = this.k(source.schema, source.table);
    const tk = this.tableTarget.get(sk);
    if (!tk) return false;
    this.tableTarget.delete(sk);
    const g = this.groups.get(tk);
    g?.tables.delete(sk);
    if (g && g.tables.size === 0) this.groups.delete(tk);
    return g !== undefined && g.tables.size > 0 && this.headSynced(g) !== undefined;
  }

  /** The target of a source table in a group (undefined: not a member). */
  targetOf(source: TableName): TableName | undefined {
    const tk = this.tableTarget.get(this.k(source.schema, source.table));
    return tk ? this.groups.get(tk)?.target : undefined;
  }

  /** How many unresolved DDLs the table reached (0: its DML flows). */
  held(schema: string, table: string): number {
    const tk = this.tableTarget.get(this.k(schema, table));
    if (!tk) return 0;
    return this.groups.get(tk)?.tables.get(this.k(schema, table))?.queue.length ?? 0;
  }

  /** Forget every reached DDL (the stream replays them from the frozen checkpoint). */
  clearPending(): void {
    for (const g of this.groups.values()) for (const t of g.tables.values()) t.queue = [];
  }

  /** True while any table of any group has an unresolved DDL. */
  anyPending(): boolean {
    for (const g of this.groups.values()) for (const t of g.tables.values()) if (t.queue.length) return true;
    return false;
  }

  /** A source table reached `ddls` (its DDL event at `at`…`end`). */
  reach(source: TableName, d: ReachedDdl): ReachResult {
    const sk = this.k(source.schema, source.table);
    const tk = this.tableTarget.get(sk);
    const g = tk ? this.groups.get(tk) : undefined;
    const t = g?.tables.get(sk);
    if (!g || !t) throw new RangeError(`table ${sk} is not in a sharding group`);
    if (t.queue.some((q) => compareLocation(q.at, d.at) === 0))
      return { kind: 'duplicate', synced: this.headSynced(g) !== undefined };
    const i = t.queue.length;
    for (const other of g.tables.values()) {
      const e = other.queue[i];
      if (e && !same(e.ddls, d.ddls)) return { kind: 'wrong-sequence', expected: e.ddls, got: d.ddls };
    }
    t.queue.push({ ddls: [...d.ddls], at: { ...d.at }, end: { ...d.end } });
    const head = this.headSynced(g);
    return head ? { kind: 'synced', ddls: head } : { kind: 'waiting' };
  }

  /** The head DDLs when every table of the target's group reached them. */
  syncedHead(target: TableName): string[] | undefined {
    const g = this.groups.get(this.k(target.schema, target.table));
    return g ? this.headSynced(g) : undefined;
  }

  /**
   * The head DDL is resolved (executed by the owner, or skipped): pop it from every table.
   * Returns each table with the end of its DDL event (replays up to it never meet it again).
   */
  resolveHead(target: TableName): { table: TableName; end: Location }[] {
    const g = this.groups.get(this.k(target.schema, target.table));
    if (!g) return [];
    const out: { table: TableName; end: Location }[] = [];
    for (const t of g.tables.values()) {
      const head = t.queue.shift();
      if (head) out.push({ table: { ...t.name }, end: head.end });
    }
    return out;
  }

  /** Groups with an unresolved DDL (query-status `unresolvedGroups`). */
  status(): ShardingGroupStatus[] {
    const out: ShardingGroupStatus[] = [];
    for (const g of this.groups.values()) {
      const tables = [...g.tables.values()];
      const reached = tables.filter((t) => t.queue.length > 0);
      if (reached.length === 0) continue;
      const heads = reached.map((t) => t.queue[0] as ReachedDdl);
      const first = heads.reduce((a, b) => (compareLocation(b.at, a.at) < 0 ? b : a));
      out.push({
        target: tableId(g.target.schema, g.target.table),
        DDLs: [...first.ddls],
        firstLocation: formatLocation(first.at),
        synced: reached.map((t) => tableId(t.name.schema, t.name.table)).sort(),
        unsynced: tables
          .filter((t) => t.queue.length === 0)
          .map((t) => tableId(t.name.schema, t.name.table))
          .sort(),
      });
    }
    return out;
  }

  /** Each member table's reached DDLs (persisted in the sharding meta). */
  queueOf(source: TableName): ReachedDdl[] {
    const sk = this.k(source.schema, source.table);
    const tk = this.tableTarget.get(sk);
    return tk ? [...(this.groups.get(tk)?.tables.get(sk)?.queue ?? [])] : [];
  }

  private headSynced(g: Group): string[] | undefined {
    let head: string[] | undefined;
    for (const t of g.tables.values()) {
      const h = t.queue[0];
      if (!h) return undefined;
      head ??= h.ddls;
    }
    return head;
  }
}

function same(a: string[], b: string[]): boolean {
  return a.length === b.length && a.every((x, i) => normalizeDdl(x) === normalizeDdl(b[i] ?? ''));
}
