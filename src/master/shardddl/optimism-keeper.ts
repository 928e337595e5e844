/**
 * The optimistic lock keeper's pure core (DM's dm/master/shardddl/optimist.go and
 * dm/pkg/shardddl/optimism/lock.go): per target table, every shard table's schema and the
 * joined schema. A shard's DDL runs downstream at once when it changes the joined schema
 * compatibly (ADD COLUMN, ADD INDEX, widening MODIFY), not at all when the joined schema
 * already has it (the other shards' same DDL), and a DROP COLUMN only once every shard dropped
 * the column (until then the column stays downstream and this shard's rows leave it at its
 * default). A DDL that would make the shards incompatible is a conflict (DM's conflict
 * tables, optimism-conflicts.ts): not run; `skip and wait for redirect` until every shard ran
 * one with the same effect (then the last runs it and, once it is done, the others are
 * redirected), or `detected` when it contradicts another shard's pending conflict DDL (a
 * table-level unlock resolves that). The worker decides what a conflict means for it
 * (`strict-optimistic-shard-mode`: pause with DM 36062). The lock is gone when every shard has
 * the joined schema and no conflict is pending.
 */

import { dmError, E } from '../../pkg/errors/index.js';
import { classifyAlter, joinSchemas } from '../../pkg/shardddl/optimism/joined-schema.js';
import type {
  ConflictStage,
  OptimismInfo,
  OptimismOperation,
  SchemaColumn,
  SourceTables,
} from '../../pkg/shardddl/optimism/types.js';
import { type DdlLockView, ddlLockId, tableId } from '../../pkg/shardddl/status.js';
import { type ConflictChange, changesAgree, sameColumns } from './optimism-conflicts.js';

interface Member {
  source: string;
  upSchema: string;
  upTable: string;
  /** Undefined until the table reports a DDL: it has the lock's initial schema. */
  columns: SchemaColumn[] | undefined;
  /** A conflict DDL not run downstream yet (DM's conflict table). */
  conflict?: ConflictChange;
  /** The last info of the table and the operation answering it (table-level unlock). */
  last?: { info: OptimismInfo; op: OptimismOperation };
}

interface OLock {
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

const memberKey = (source: string, s: string, t: string): string => `${source}\u0000${s}\u0000${t}`;

export class OptimismKeeper {
  private readonly locks = new Map<string, OLock>();
  /**
   * Conflict DDLs resolved since this keeper started (lock ID + table → DDLs): a replay of one
   * (a worker restarted from before it) after its lock is gone runs nothing.
   */
  private readonly resolvedConflicts = new Map<string, string>();

  /** A new leader: replay the latest info of every table (revision order), answering those without an operation. */
  restore(
    infos: { info: OptimismInfo; revision: number; answered: boolean; done?: boolean }[],
    tablesOf: (task: string) => SourceTables[],
  ): OptimismAction[] {
    this.locks.clear();
    const out: OptimismAction[] = [];
    for (const { info, revision, answered, done } of infos) {
      const actions = this.putInfo(info, revision, tablesOf(info.task));
      if (!answered) out.push(...actions);
      else out.push(...actions.filter((a) => a.kind === 'delete-lock'));
      // A resolving DDL already done downstream: its redirects may not have been put.
      if (done) out.push(...this.opDone(info.source, info['up-schema'], info['up-table']));
    }
    return out;
  }

  /**
   * A table's operation was marked done: when it resolved a conflict, the other conflict
   * tables are redirected now (their held DML may be applied: the DDL is downstream).
   */
  opDone(source: string, upSchema: string, upTable: string): OptimismAction[] {
    const key = memberKey(source, upSchema, upTable);
    const out: OptimismAction[] = [];
    for (const lock of this.locks.values()) {
      if (lock.redirect?.resolver !== key) continue;
      for (const m of lock.redirect.tables) {
        const last = m.last;
        if (!last) continue;
        const op: OptimismOperation = {
          ...last.op,
          ddls: [],
          'conflict-stage': 'resolved',
          'conflict-message': '',
          done: false,
          cols: [],
        };
        m.last = { info: last.info, op };
        out.push({ kind: 'put-op', op });
      }
      lock.redirect = undefined;
      out.push(...this.deleteIfResolved(lock));
    }
    return out;
  }

  /**
   * DM's table-level `shard-ddl-lock unlock -s -d -t --action`: a table whose DDL is in
   * `detected` conflict runs its DDLs (`exec`, its schema becomes the DDLs' result) or none
   * (`skip`) and goes on. Errors: DM's 38019 (no lock) and 38020 (not in conflict).
   */
  unlockTable(
    id: string,
    source: string,
    upSchema: string,
    upTable: string,
    action: 'exec' | 'skip',
  ): OptimismAction[] {
    const lock = this.locks.get(id);
    if (!lock) throw dmError(E.shardLockNotFound, `lock with ID ${id} not found`);
    const m = lock.members.get(memberKey(source, upSchema, upTable));
    if (!m?.last)
      throw dmError(
        E.shardLockIsResolving,
        `lock ${id} is resolving: fail to find related info for lock ${id}`,
      );
    const stage = m.last.op['conflict-stage'];
    if (stage !== 'detected')
      throw dmError(
        E.shardLockIsResolving,
        `lock ${id} is resolving: lock ${id} is in ${stage} status, not conflicted`,
      );
    const op: OptimismOperation = {
      ...m.last.op,
      ddls: action === 'exec' ? [...m.last.info.ddls] : [],
      'conflict-stage': 'unlocked',
      done: false,
    };
    m.last = { info: m.last.info, op };
    delete m.conflict;
    if (action === 'exec') m.columns = m.last.info['table-info-after'];
    return [{ kind: 'put-op', op }, ...this.deleteIfResolved(lock)];
  }

  /** A shard table's info (its DDLs and schema before/after). */
  putInfo(info: OptimismInfo, revision: number, sourceTables: SourceTables[]): OptimismAction[] {
    const id = ddlLockId(info.task, info['down-schema'], info['down-table']);
    let lock = this.locks.get(id);
    // `binlog-schema update --sync` with no lock: the next DDL's info brings the schema anyway.
    if (!lock && info['ignore-conflict']) return [];
    if (!lock) {
      lock = {
        id,
        task: info.task,
        downSchema: info['down-schema'],
        downTable: info['down-table'],
        init: info['table-info-before'],
        members: new Map(),
        addedIndexes: new Map(),
        droppedIndexes: new Map(),
        lastDdls: [],
      };
      this.locks.set(id, lock);
    }
    this.addMembers(lock, sourceTables);
    const key = memberKey(info.source, info['up-schema'], info['up-table']);
    let m = lock.members.get(key);
    if (!m) {
      m = { source: info.source, upSchema: info['up-schema'], upTable: info['up-table'], columns: undefined };
      lock.members.set(key, m);
    }
    const member = m;
    const op = (ddls: string[], cols: string[], stage: ConflictStage = 'none', msg = ''): OptimismAction => {
      const o: OptimismOperation = {
        id,
        task: info.task,
        source: info.source,
        'up-schema': info['up-schema'],
        'up-table': info['up-table'],
        ddls,
        'conflict-stage': stage,
        'conflict-message': msg,
        done: false,
        cols,
        'info-revision': revision,
      };
      member.last = { info, op: o };
      return { kind: 'put-op', op: o };
    };
    const after = info['table-info-after'];
    if (info['ignore-conflict']) {
      // `binlog-schema update --sync`: the operator sets the table's schema; no operation.
      delete m.conflict;
      m.columns = after;
      return this.deleteIfResolved(lock);
    }
    // The same conflict DDL again (a replay while the table waits): the same answer.
    if (
      m.conflict &&
      sameColumns(m.conflict.post, after) &&
      JSON.stringify(m.last?.info.ddls) === JSON.stringify(info.ddls)
    ) {
      return [
        op(
          [],
          [],
          'skip and wait for redirect',
          `conflict DDL of ${key.replaceAll('\u0000', '.')} waits for the other shards`,
        ),
      ];
    }
    delete m.conflict;
    if (this.resolvedConflicts.get(`${id}\u0000${key}`) === JSON.stringify(info.ddls)) return [op([], [])];
    const prev = m.columns ?? lock.init;
    const before = joinSchemas(this.schemas(lock));
    m.columns = after;
    const joined = joinSchemas(this.schemas(lock));
    m.columns = prev;
    const has = (cols: SchemaColumn[], name: string) =>
      cols.find((c) => c.name.toLowerCase() === name.toLowerCase());
    const beforeCols = before.ok ? before.columns : [];
    const afterCols = joined.ok ? joined.columns : [];
    const exec: string[] = [];
    const deferred: string[] = [];
    const conflicts: string[] = [];
    const indexes: (() => void)[] = [];
    for (const ddl of info.ddls) {
      const spec = classifyAlter(ddl);
      switch (spec.kind) {
        case 'add-column':
          if (spec.notNullNoDefault || !joined.ok) conflicts.push(ddl);
          else if (!has(beforeCols, spec.column)) exec.push(ddl);
          break;
        case 'drop-column':
          if (!has(afterCols, spec.column)) exec.push(ddl);
          else deferred.push(spec.column);
          break;
        case 'modify-column': {
          if (!joined.ok) {
            conflicts.push(ddl);
            break;
          }
          const b = has(beforeCols, spec.column);
          const a = has(afterCols, spec.column);
          if (!b || !a || b.type !== a.type || b.unsigned !== a.unsigned || b.nullable !== a.nullable)
            exec.push(ddl);
          break;
        }
        case 'rename-column':
          conflicts.push(ddl);
          break;
        case 'add-index': {
          const k = spec.index.toLowerCase();
          indexes.push(() => {
            const set = lock.addedIndexes.get(k) ?? new Set<string>();
            if (set.size === 0) exec.push(ddl);
            set.add(key);
            lock.addedIndexes.set(k, set);
          });
          break;
        }
        case 'drop-index': {
          const k = spec.index.toLowerCase();
          indexes.push(() => {
            const set = lock.droppedIndexes.get(k) ?? new Set<string>();
            set.add(key);
            lock.droppedIndexes.set(k, set);
            if ([...lock.members.keys()].every((mk) => set.has(mk))) {
              lock.droppedIndexes.delete(k);
              exec.push(ddl);
            }
          });
          break;
        }
        default:
          return [op([], [], 'error', `statement not supported in optimistic mode: ${spec.text}`)];
      }
    }
    if (conflicts.length === 0 && !joined.ok) conflicts.push(...info.ddls);
    if (conflicts.length > 0) {
      // A replay of a conflict DDL already resolved: nothing more to run.
      if (sameColumns(prev, after)) return [op([], [])];
      return this.conflict(lock, member, { prev, post: after }, info, exec, deferred, conflicts, op, joined);
    }
    for (const f of indexes) f();
    member.columns = after;
    lock.lastDdls = [...info.ddls];
    const ordered = info.ddls.filter((d) => exec.includes(d));
    return [op(ordered, deferred), ...this.deleteIfResolved(lock)];
  }

  /** DM's conflict path of TrySync (see optimism-conflicts.ts). */
  private conflict(
    lock: OLock,
    m: Member,
    change: ConflictChange,
    info: OptimismInfo,
    exec: string[],
    deferred: string[],
    conflicts: string[],
    op: (ddls: string[], cols: string[], stage?: ConflictStage, msg?: string) => OptimismAction,
    joined: ReturnType<typeof joinSchemas>,
  ): OptimismAction[] {
    const why = joined.ok ? conflicts.join('; ') : joined.conflict;
    const msg = `there will be conflicts if DDLs ${JSON.stringify(conflicts)} are applied to the downstream (${why})`;
    m.conflict = change;
    const members = [...lock.members.values()];
    const pending = members.filter((x) => x.conflict);
    const changes = pending.map((x) => x.conflict as ConflictChange);
    if (
      !changesAgree(
        changes,
        changes.map((c) => c.post),
      )
    ) {
      // Conflicts with another table's conflict DDL (DM: ConflictDetected).
      delete m.conflict;
      return [op([], [], 'detected', `${msg}: conflicts with another shard's conflicting DDL`)];
    }
    const finals = members.map((x) => x.conflict?.post ?? x.columns ?? lock.init);
    if (!changesAgree(changes, finals)) return [op([], [], 'skip and wait for redirect', msg)];
    // Every shard ran it: this table runs the DDLs, the others are redirected once it did.
    for (const x of pending) {
      x.columns = (x.conflict as ConflictChange).post;
      delete x.conflict;
      this.resolvedConflicts.set(
        `${lock.id}\u0000${memberKey(x.source, x.upSchema, x.upTable)}`,
        JSON.stringify(x.last?.info.ddls ?? info.ddls),
      );
    }
    const others = pending.filter((x) => x !== m);
    if (others.length)
      lock.redirect = { resolver: memberKey(m.source, m.upSchema, m.upTable), tables: others };
    lock.lastDdls = [...info.ddls];
    return [
      op(
        info.ddls.filter((d) => exec.includes(d) || conflicts.includes(d)),
        deferred,
      ),
    ];
  }

  private deleteIfResolved(lock: OLock): OptimismAction[] {
    const j = joinSchemas(this.schemas(lock));
    if (!j.ok || !this.resolved(lock, j.columns)) return [];
    this.locks.delete(lock.id);
    return [deleteLock(lock)];
  }

  list(task?: string): DdlLockView[] {
    const out: DdlLockView[] = [];
    for (const l of this.locks.values()) {
      if (task && l.task !== task) continue;
      const j = joinSchemas(this.schemas(l));
      const joined = j.ok ? j.columns : [];
      const name = (m: Member) => `${m.source}-${tableId(m.upSchema, m.upTable)}`;
      const members = [...l.members.values()];
      out.push({
        ID: l.id,
        task: l.task,
        mode: 'optimistic',
        owner: '',
        DDLs: [...l.lastDdls],
        synced: members
          .filter((m) => !m.conflict && sameColumns(m.columns ?? l.init, joined))
          .map(name)
          .sort(),
        unsynced: members
          .filter((m) => m.conflict || !sameColumns(m.columns ?? l.init, joined))
          .map(name)
          .sort(),
      });
    }
    return out.sort((a, b) => a.ID.localeCompare(b.ID));
  }

  has(id: string): boolean {
    return this.locks.has(id);
  }

  /** Forget a lock (`shard-ddl-lock unlock --force-remove`, stop-task). */
  remove(id: string): OptimismAction[] {
    const lock = this.locks.get(id);
    if (!lock) return [];
    this.locks.delete(id);
    return [deleteLock(lock)];
  }

  dropTask(task: string): OptimismAction[] {
    for (const k of [...this.resolvedConflicts.keys()])
      if (k.startsWith(`${task}-`)) this.resolvedConflicts.delete(k);
    return [...this.locks.values()].filter((l) => l.task === task).flatMap((l) => this.remove(l.id));
  }

  private addMembers(lock: OLock, sourceTables: SourceTables[]): void {
    for (const st of sourceTables) {
      const ups = st.tables[lock.downSchema]?.[lock.downTable] ?? {};
      for (const [s, ts] of Object.entries(ups)) {
        for (const t of Object.keys(ts)) {
          const k = memberKey(st.source, s, t);
          if (!lock.members.has(k))
            lock.members.set(k, { source: st.source, upSchema: s, upTable: t, columns: undefined });
        }
      }
    }
  }

  private schemas(lock: OLock): SchemaColumn[][] {
    return [...lock.members.values()].map((m) => m.columns ?? lock.init);
  }

  /** Every shard has the joined schema and every index change reached every shard. */
  private resolved(lock: OLock, joined: SchemaColumn[]): boolean {
    const all = (set: Set<string>) => [...lock.members.keys()].every((k) => set.has(k));
    return (
      lock.redirect === undefined &&
      [...lock.members.values()].every((m) => !m.conflict) &&
      lock.droppedIndexes.size === 0 &&
      [...lock.addedIndexes.values()].every(all) &&
      [...lock.members.values()].every((m) => sameColumns(m.columns ?? lock.init, joined))
    );
  }
}

function deleteLock(lock: OLock): OptimismAction {
  const tables = [...lock.members.values()].map((x) => ({
    task: lock.task,
    source: x.source,
    upSchema: x.upSchema,
    upTable: x.upTable,
  }));
  return { kind: 'delete-lock', id: lock.id, tables };
}
