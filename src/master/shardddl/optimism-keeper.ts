/**
 * The optimistic lock keeper's pure core (DM's dm/master/shardddl/optimist.go and
 * dm/pkg/shardddl/optimism/lock.go): per target table, every shard table's schema and the
 * joined schema. A shard's DDL runs downstream at once when it changes the joined schema
 * compatibly (ADD COLUMN, ADD INDEX, widening MODIFY), not at all when the joined schema
 * already has it (the other shards' same DDL), and a DROP COLUMN only once every shard dropped
 * the column (until then the column stays downstream and this shard's rows leave it at its
 * default). A DDL that would make the shards incompatible is a conflict (DM 36062): the
 * shard's subtask pauses; nothing diverges silently. The lock is gone when every shard has
 * the joined schema.
 */
import { classifyAlter, joinSchemas } from '../../pkg/shardddl/optimism/joined-schema.js';
import type {
  OptimismInfo,
  OptimismOperation,
  SchemaColumn,
  SourceTables,
} from '../../pkg/shardddl/optimism/types.js';
import { type DdlLockView, ddlLockId, tableId } from '../../pkg/shardddl/status.js';

interface Member {
  source: string;
  upSchema: string;
  upTable: string;
  /** Undefined until the table reports a DDL: it has the lock's initial schema. */
  columns: SchemaColumn[] | undefined;
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

  /** A new leader: replay the latest info of every table (revision order), answering those without an operation. */
  restore(
    infos: { info: OptimismInfo; revision: number; answered: boolean }[],
    tablesOf: (task: string) => SourceTables[],
  ): OptimismAction[] {
    this.locks.clear();
    const out: OptimismAction[] = [];
    for (const { info, revision, answered } of infos) {
      const actions = this.putInfo(info, revision, tablesOf(info.task));
      if (!answered) out.push(...actions);
      else out.push(...actions.filter((a) => a.kind === 'delete-lock'));
    }
    return out;
  }

  /** A shard table's info (its DDLs and schema before/after). */
  putInfo(info: OptimismInfo, revision: number, sourceTables: SourceTables[]): OptimismAction[] {
    const id = ddlLockId(info.task, info['down-schema'], info['down-table']);
    let lock = this.locks.get(id);
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
    const op = (ddls: string[], cols: string[], conflict?: string): OptimismAction => ({
      kind: 'put-op',
      op: {
        id,
        task: info.task,
        source: info.source,
        'up-schema': info['up-schema'],
        'up-table': info['up-table'],
        ddls,
        'conflict-stage': conflict ? 'detected' : 'none',
        'conflict-message': conflict ?? '',
        done: false,
        cols,
        'info-revision': revision,
      },
    });
    const before = joinSchemas(this.schemas(lock));
    const prev = m.columns;
    m.columns = info['table-info-after'];
    const after = joinSchemas(this.schemas(lock));
    const conflict = (msg: string): OptimismAction[] => {
      (m as Member).columns = prev;
      return [op([], [], msg)];
    };
    if (!after.ok) return conflict(after.conflict);
    const has = (cols: SchemaColumn[], name: string) =>
      cols.find((c) => c.name.toLowerCase() === name.toLowerCase());
    const beforeCols = before.ok ? before.columns : [];
    const exec: string[] = [];
    const deferred: string[] = [];
    for (const ddl of info.ddls) {
      const spec = classifyAlter(ddl);
      switch (spec.kind) {
        case 'add-column':
          if (spec.notNullNoDefault)
            return conflict(
              `add column ${spec.column} NOT NULL without a default cannot hold the other shards' rows`,
            );
          if (!has(beforeCols, spec.column)) exec.push(ddl);
          break;
        case 'drop-column':
          if (!has(after.columns, spec.column)) exec.push(ddl);
          else deferred.push(spec.column);
          break;
        case 'modify-column': {
          const b = has(beforeCols, spec.column);
          const a = has(after.columns, spec.column);
          if (!b || !a || b.type !== a.type || b.unsigned !== a.unsigned || b.nullable !== a.nullable)
            exec.push(ddl);
          break;
        }
        case 'rename-column':
          return conflict(
            `rename column ${spec.from} to ${spec.to}: the other shards still write ${spec.from}`,
          );
        case 'add-index': {
          const k = spec.index.toLowerCase();
          const set = lock.addedIndexes.get(k) ?? new Set<string>();
          if (set.size === 0) exec.push(ddl);
          set.add(key);
          lock.addedIndexes.set(k, set);
          break;
        }
        case 'drop-index': {
          const k = spec.index.toLowerCase();
          const set = lock.droppedIndexes.get(k) ?? new Set<string>();
          set.add(key);
          lock.droppedIndexes.set(k, set);
          if ([...lock.members.keys()].every((mk) => set.has(mk))) {
            lock.droppedIndexes.delete(k);
            exec.push(ddl);
          }
          break;
        }
        default:
          return conflict(`statement not supported in optimistic mode: ${spec.text}`);
      }
    }
    lock.lastDdls = [...info.ddls];
    const actions: OptimismAction[] = [op(exec, deferred)];
    if (this.resolved(lock, after.columns)) {
      this.locks.delete(id);
      actions.push({
        kind: 'delete-lock',
        id,
        tables: [...lock.members.values()].map((x) => ({
          task: lock.task,
          source: x.source,
          upSchema: x.upSchema,
          upTable: x.upTable,
        })),
      });
    }
    return actions;
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
          .filter((m) => sameColumns(m.columns ?? l.init, joined))
          .map(name)
          .sort(),
        unsynced: members
          .filter((m) => !sameColumns(m.columns ?? l.init, joined))
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
    return [
      {
        kind: 'delete-lock',
        id,
        tables: [...lock.members.values()].map((x) => ({
          task: lock.task,
          source: x.source,
          upSchema: x.upSchema,
          upTable: x.upTable,
        })),
      },
    ];
  }

  dropTask(task: string): OptimismAction[] {
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
      lock.droppedIndexes.size === 0 &&
      [...lock.addedIndexes.values()].every(all) &&
      [...lock.members.values()].every((m) => sameColumns(m.columns ?? lock.init, joined))
    );
  }
}

function sameColumns(a: SchemaColumn[], b: SchemaColumn[]): boolean {
  if (a.length !== b.length) return false;
  const key = (c: SchemaColumn) => `${c.name.toLowerCase()}:${c.type}:${c.unsigned}`;
  const sa = a.map(key).sort();
  const sb = b.map(key).sort();
  return sa.every((x, i) => x === sb[i]);
}
