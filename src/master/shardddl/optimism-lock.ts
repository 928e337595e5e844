/**
 * One optimistic lock's state (DM's dm/pkg/shardddl/optimism/lock.go), pure: every shard
 * table's schema, the joined schema over them, the index changes on their way, and when the
 * lock is resolved. A shard table's schema is, newest first: the `table-info-after` of its
 * latest info in this lock; the schema its worker published with the source tables (the
 * worker's schema tracker at its start and after each DDL it ran: what lets a new leader, or
 * a task started again, know the tables that reported nothing, e.g. a column one shard
 * dropped before the lock was rebuilt); the lock's initial schema (the first info's
 * `table-info-before`).
 */
import { joinSchemas } from '../../pkg/shardddl/optimism/joined-schema.js';
import type {
  OptimismInfo,
  OptimismOperation,
  SchemaColumn,
  SourceTables,
} from '../../pkg/shardddl/optimism/types.js';
import { type DdlLockView, ddlLockId, tableId } from '../../pkg/shardddl/status.js';
import { type ConflictChange, sameColumns } from './optimism-conflicts.js';

export interface Member {
  source: string;
  upSchema: string;
  upTable: string;
  /** Undefined until the table reports a DDL in this lock. */
  columns: SchemaColumn[] | undefined;
  /** The schema its worker published with the source tables, if any. */
  known?: SchemaColumn[];
  /** A conflict DDL not run downstream yet (DM's conflict table). */
  conflict?: ConflictChange;
  /** The last info of the table and the operation answering it (table-level unlock). */
  last?: { info: OptimismInfo; op: OptimismOperation };
}

export interface OLock {
  id: string;
  task: string;
  downSchema: string;
  downTable: string;
  init: SchemaColumn[];
  members: Map<string, Member>;
  /** Index → shard tables that added it (executed by the first; the lock lasts until all did). */
  addedIndexes: Map<string, Set<string>>;
  /** Index → shard tables that dropped it (executed when all did). */
  droppedIndexes: Map<string, Set<string>>;
  lastDdls: string[];
  /**
   * A resolved conflict: once the resolving table's operation is done (its DDL is
   * downstream), the other conflict tables get DM's redirect (`resolved`) operation.
   */
  redirect?: { resolver: string; tables: Member[] };
}

export type OptimismAction =
  | { kind: 'put-op'; op: OptimismOperation }
  /** The lock is resolved: delete the infos and operations of these tables. */
  | {
      kind: 'delete-lock';
      id: string;
      tables: { task: string; source: string; upSchema: string; upTable: string }[];
    };

export const memberKey = (source: string, s: string, t: string): string => `${source}\u0000${s}\u0000${t}`;

export function newLock(info: OptimismInfo): OLock {
  return {
    id: ddlLockId(info.task, info['down-schema'], info['down-table']),
    task: info.task,
    downSchema: info['down-schema'],
    downTable: info['down-table'],
    init: info['table-info-before'],
    members: new Map(),
    addedIndexes: new Map(),
    droppedIndexes: new Map(),
    lastDdls: [],
  };
}

/** The member of `info`'s table, added when new. */
export function memberOf(lock: OLock, info: OptimismInfo): Member {
  const key = memberKey(info.source, info['up-schema'], info['up-table']);
  let m = lock.members.get(key);
  if (!m) {
    m = { source: info.source, upSchema: info['up-schema'], upTable: info['up-table'], columns: undefined };
    lock.members.set(key, m);
  }
  return m;
}

/** The shard tables of every source that merge into the lock's target, with their published schemas. */
export function addMembers(lock: OLock, sourceTables: SourceTables[]): void {
  for (const st of sourceTables) {
    const ups = st.tables[lock.downSchema]?.[lock.downTable] ?? {};
    for (const [s, ts] of Object.entries(ups)) {
      for (const [t, entry] of Object.entries(ts)) {
        const k = memberKey(st.source, s, t);
        let m = lock.members.get(k);
        if (!m) {
          m = { source: st.source, upSchema: s, upTable: t, columns: undefined };
          lock.members.set(k, m);
        }
        const known = entry['table-info'];
        if (known) m.known = known;
      }
    }
  }
}

/** A member's schema now (see the file comment). */
export const columnsOf = (lock: OLock, m: Member): SchemaColumn[] => m.columns ?? m.known ?? lock.init;

export function schemas(lock: OLock): SchemaColumn[][] {
  return [...lock.members.values()].map((m) => columnsOf(lock, m));
}

/** Every shard has the joined schema and every index change reached every shard. */
export function resolved(lock: OLock): boolean {
  const j = joinSchemas(schemas(lock));
  if (!j.ok) return false;
  const all = (set: Set<string>) => [...lock.members.keys()].every((k) => set.has(k));
  return (
    lock.redirect === undefined &&
    [...lock.members.values()].every((m) => !m.conflict) &&
    lock.droppedIndexes.size === 0 &&
    [...lock.addedIndexes.values()].every(all) &&
    [...lock.members.values()].every((m) => sameColumns(columnsOf(lock, m), j.columns))
  );
}

export function deleteLock(lock: OLock): OptimismAction {
  const tables = [...lock.members.values()].map((x) => ({
    task: lock.task,
    source: x.source,
    upSchema: x.upSchema,
    upTable: x.upTable,
  }));
  return { kind: 'delete-lock', id: lock.id, tables };
}

/** `shard-ddl-lock`'s view of the lock (DM's JSON). */
export function lockView(l: OLock): DdlLockView {
  const j = joinSchemas(schemas(l));
  const joined = j.ok ? j.columns : [];
  const name = (m: Member) => `${m.source}-${tableId(m.upSchema, m.upTable)}`;
  const members = [...l.members.values()];
  const synced = (m: Member) => !m.conflict && sameColumns(columnsOf(l, m), joined);
  return {
    ID: l.id,
    task: l.task,
    mode: 'optimistic',
    owner: '',
    DDLs: [...l.lastDdls],
    synced: members.filter(synced).map(name).sort(),
    unsynced: members
      .filter((m) => !synced(m))
      .map(name)
      .sort(),
  };
}
