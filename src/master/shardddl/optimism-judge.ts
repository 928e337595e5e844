/**
 * How an optimistic lock answers each DDL of a shard table's info, pure (DM's
 * optimism/lock.go TrySync): run downstream now (`exec`), a DROP COLUMN deferred until every
 * shard dropped the column (`deferred`), or a conflict. Index changes are recorded on the
 * lock only when the info is accepted (`commitIndexes`), since a conflict changes nothing.
 */
import { classifyAlter, type joinSchemas } from '../../pkg/shardddl/optimism/joined-schema.js';
import type { SchemaColumn } from '../../pkg/shardddl/optimism/types.js';
import type { OLock } from './optimism-lock.js';

export interface Judgement {
  exec: string[];
  /** Columns this table dropped that other shards still have. */
  deferred: string[];
  conflicts: string[];
  /** A statement optimistic mode does not coordinate (the table pauses with this text). */
  unsupported?: string;
  commitIndexes: () => void;
}

const has = (cols: SchemaColumn[], name: string) =>
  cols.find((c) => c.name.toLowerCase() === name.toLowerCase());

/**
 * `before`/`joined`: the joined schema without and with the table's new schema; `key`: the
 * table's member key.
 */
export function judgeDdls(
  lock: OLock,
  key: string,
  ddls: string[],
  before: ReturnType<typeof joinSchemas>,
  joined: ReturnType<typeof joinSchemas>,
): Judgement {
  const beforeCols = before.ok ? before.columns : [];
  const afterCols = joined.ok ? joined.columns : [];
  const exec: string[] = [];
  const deferred: string[] = [];
  const conflicts: string[] = [];
  const indexes: (() => void)[] = [];
  const commitIndexes = () => {
    for (const f of indexes) f();
  };
  for (const ddl of ddls) {
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
        return {
          exec,
          deferred,
          conflicts,
          unsupported: `statement not supported in optimistic mode: ${spec.text}`,
          commitIndexes,
        };
    }
  }
  if (conflicts.length === 0 && !joined.ok) conflicts.push(...ddls);
  return { exec, deferred, conflicts, commitIndexes };
}
