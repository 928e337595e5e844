/**
 * The pessimistic lock keeper's pure core (DM's dm/master/shardddl/pessimist.go and
 * dm/pkg/shardddl/pessimism/lock.go): locks built from the sources' infos and the operations,
 * and the etcd writes each change calls for. No I/O: `pessimist.ts` feeds it what etcd holds
 * and performs the actions it returns.
 *
 * A lock `task-`schema`.`table`` is created by the first info for that target; its owner is
 * that source. When every source of the task has reported the same DDLs, the owner gets an
 * `exec` operation; once the owner marks it done, every other synced source gets `skip`; when
 * all of them are done, the lock and its infos/operations are deleted.
 */

import { type PessimismInfo, type PessimismOperation, sameDdls } from '../../pkg/shardddl/pessimism/types.js';
import { type DdlLockView, ddlLockId } from '../../pkg/shardddl/status.js';

/** An etcd write the keeper asks for. */
export type KeeperAction =
  | { kind: 'put-op'; op: PessimismOperation }
  /**
   * Delete the lock's operations of these sources (guarded by the lock ID), and with
   * `infos` their infos too. A resolved lock leaves the infos alone: each worker deleted its
   * own with its done mark, and one already reporting the next DDL of the same target (same
   * lock ID) must keep it.
   */
  | { kind: 'delete-lock'; id: string; task: string; sources: string[]; infos: boolean };

interface Lock {
  id: string;
  task: string;
  schema: string;
  table: string;
  owner: string;
  ddls: string[];
  /** Every source the lock waits for (the task's sources when it was created). */
  sources: string[];
  /** Sources that reported the DDLs. */
  ready: Set<string>;
  /** Operations sent (by source). */
  ops: Map<string, PessimismOperation>;
  /** Set by `unlock`: do not wait for the unsynced sources. */
  forced: boolean;
  /** Set by `unlock --action skip`: the owner skips too. */
  skipAll: boolean;
  /**
   * Infos of sources that finished this lock and already report their next DDLs of the same
   * target (same lock ID): they form the next lock once this one is deleted.
   */
  next: { info: PessimismInfo; taskSources: string[] }[];
}

/** Options of `unlock` (DM's UnlockDDLLockRequest). */
export interface UnlockOptions {
  /** Source to execute the DDLs instead of the current owner. */
  owner?: string;
  /** Remove the lock without executing anything. */
  forceRemove?: boolean;
  /** `exec` (default): the owner executes; `skip`: nobody executes. */
  action?: 'exec' | 'skip';
}

export class PessimismKeeper {
  private readonly locks = new Map<string, Lock>();

  /**
   * Rebuild from etcd (a new leader). The operations name the locks in progress (an exec
   * operation names the owner; a source with an operation was synced, even if it deleted its
   * info when marking done); then the infos in creation order (a done source's info about
   * other DDLs of the same target waits for the next lock).
   */
  restore(
    infos: PessimismInfo[],
    ops: PessimismOperation[],
    sourcesOf: (task: string) => string[],
  ): KeeperAction[] {
    this.locks.clear();
    for (const op of ops) {
      if (op.conflictMsg) continue;
      let lock = this.locks.get(op.id);
      if (!lock) {
        const [schema = '', table = ''] = parseLockTarget(op.id, op.task);
        lock = this.newLock(op.task, schema, table, op.source, op.ddls, sourcesOf(op.task));
      }
      lock.ready.add(op.source);
      lock.ops.set(op.source, op);
      if (op.exec) lock.owner = op.source;
    }
    const actions: KeeperAction[] = [];
    for (const info of infos) actions.push(...this.putInfo(info, sourcesOf(info.task)));
    for (const lock of [...this.locks.values()]) actions.push(...this.progress(lock));
    return actions;
  }

  /** A source's info was put. */
  putInfo(info: PessimismInfo, taskSources: string[]): KeeperAction[] {
    const id = ddlLockId(info.task, info.schema, info.table);
    const lock = this.locks.get(id);
    if (lock && !sameDdls(lock.ddls, info.ddls) && lock.ops.get(info.source)?.done) {
      lock.next.push({ info, taskSources });
      return [];
    }
    if (lock && !sameDdls(lock.ddls, info.ddls)) {
      // DM 38016: the lock keeps its DDLs; this source is told why it cannot join.
      return [
        {
          kind: 'put-op',
          op: {
            id,
            task: info.task,
            source: info.source,
            ddls: info.ddls,
            exec: false,
            done: false,
            conflictMsg: `sharding ddls in ddl lock ${id} is different with ${JSON.stringify(info.ddls)}: the lock waits for ${JSON.stringify(lock.ddls)} (owner ${lock.owner})`,
          },
        },
      ];
    }
    const l = this.addInfo(info, taskSources);
    return this.progress(l);
  }

  /** An operation was put (the keeper's own writes echo back here; `done` marks come from workers). */
  putOperation(op: PessimismOperation): KeeperAction[] {
    const lock = this.locks.get(op.id);
    if (!lock || op.conflictMsg) return [];
    lock.ops.set(op.source, op);
    return this.progress(lock);
  }

  /** All locks, sorted by ID (DM's `show-ddl-locks`). */
  list(task?: string): DdlLockView[] {
    return [...this.locks.values()]
      .filter((l) => !task || l.task === task)
      .sort((a, b) => a.id.localeCompare(b.id))
      .map((l) => ({
        ID: l.id,
        task: l.task,
        mode: 'pessimistic' as const,
        owner: l.owner,
        DDLs: [...l.ddls],
        synced: l.sources.filter((s) => l.ready.has(s)),
        unsynced: l.sources.filter((s) => !l.ready.has(s)),
      }));
  }

  has(id: string): boolean {
    return this.locks.has(id);
  }

  /** `shard-ddl-lock unlock`: resolve a lock by hand. Undefined when the lock does not exist. */
  unlock(id: string, o: UnlockOptions): KeeperAction[] | undefined {
    const lock = this.locks.get(id);
    if (!lock) return undefined;
    if (o.forceRemove) {
      this.locks.delete(id);
      return [
        {
          kind: 'delete-lock',
          id,
          task: lock.task,
          sources: [...new Set([...lock.sources, ...lock.ready])],
          infos: true,
        },
      ];
    }
    if (o.owner) {
      if (!lock.ready.has(o.owner)) return undefined;
      lock.owner = o.owner;
    }
    lock.forced = true;
    lock.skipAll = o.action === 'skip';
    return this.progress(lock);
  }

  /** The source is no longer part of the task (stop-task): forget its part. */
  dropTask(task: string): KeeperAction[] {
    const actions: KeeperAction[] = [];
    for (const lock of [...this.locks.values()]) {
      if (lock.task !== task) continue;
      this.locks.delete(lock.id);
      actions.push({
        kind: 'delete-lock',
        id: lock.id,
        task,
        sources: [...new Set([...lock.sources, ...lock.ready])],
        infos: true,
      });
    }
    return actions;
  }

  private addInfo(info: PessimismInfo, taskSources: string[]): Lock {
    const id = ddlLockId(info.task, info.schema, info.table);
    let lock = this.locks.get(id);
    if (!lock) {
      lock = this.newLock(info.task, info.schema, info.table, info.source, info.ddls, taskSources);
    }
    lock.ready.add(info.source);
    if (!lock.sources.includes(info.source)) lock.sources.push(info.source);
    return lock;
  }

  private newLock(
    task: string,
    schema: string,
    table: string,
    owner: string,
    ddls: string[],
    sources: string[],
  ): Lock {
    const id = ddlLockId(task, schema, table);
    const lock: Lock = {
      id,
      task,
      schema,
      table,
      owner,
      ddls: [...ddls],
      sources: [...new Set([...sources, owner])].sort(),
      ready: new Set(),
      ops: new Map(),
      forced: false,
      skipAll: false,
      next: [],
    };
    this.locks.set(id, lock);
    return lock;
  }

  /** The next writes of a lock: exec to the owner, then skips, then deletion. */
  private progress(lock: Lock): KeeperAction[] {
    const allReady = lock.sources.every((s) => lock.ready.has(s));
    if (!allReady && !lock.forced) return [];
    if (!lock.ready.has(lock.owner)) return [];
    const op = (source: string, exec: boolean): KeeperAction => {
      const o: PessimismOperation = {
        id: lock.id,
        task: lock.task,
        source,
        ddls: [...lock.ddls],
        exec,
        done: false,
      };
      lock.ops.set(source, o);
      return { kind: 'put-op', op: o };
    };
    const ownerOp = lock.ops.get(lock.owner);
    if (!ownerOp) return [op(lock.owner, !lock.skipAll)];
    if (!ownerOp.done) return [];
    const actions: KeeperAction[] = [];
    for (const s of lock.ready) if (!lock.ops.has(s)) actions.push(op(s, false));
    if (actions.length) return actions;
    if ([...lock.ready].every((s) => lock.ops.get(s)?.done)) {
      this.locks.delete(lock.id);
      const out: KeeperAction[] = [
        { kind: 'delete-lock', id: lock.id, task: lock.task, sources: [...lock.ready], infos: false },
      ];
      for (const n of lock.next) out.push(...this.putInfo(n.info, n.taskSources));
      return out;
    }
    return [];
  }
}

/** `` task-`schema`.`table` `` → [schema, table] (DM's lockIDPattern). */
export function parseLockTarget(id: string, task: string): [string, string] | [] {
  const rest = id.startsWith(`${task}-`) ? id.slice(task.length + 1) : id;
  const m = /^`((?:[^`]|``)*)`\.`((?:[^`]|``)*)`$/.exec(rest);
  if (!m) return [];
  return [(m[1] as string).replaceAll('``', '`'), (m[2] as string).replaceAll('``', '`')];
}
