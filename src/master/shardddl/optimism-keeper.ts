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
 *
 * A lock's state and the schema of a table that reported nothing (its published schema):
 * optimism-lock.ts; how each DDL of an info is answered: optimism-judge.ts.
 */

import { createHash } from 'node:crypto';
import { dmError, E } from '../../pkg/errors/index.js';
import { joinSchemas } from '../../pkg/shardddl/optimism/joined-schema.js';
import type {
  ConflictStage,
  OptimismInfo,
  OptimismOperation,
  SourceTables,
} from '../../pkg/shardddl/optimism/types.js';
import { type DdlLockView, ddlLockId } from '../../pkg/shardddl/status.js';
import { type ConflictChange, changesAgree, sameColumns } from './optimism-conflicts.js';
import { judgeDdls } from './optimism-judge.js';
import {
  addMembers,
  columnsOf,
  deleteLock,
  lockView,
  type Member,
  memberKey,
  memberOf,
  newLock,
  type OLock,
  type OptimismAction,
  resolved,
  schemas,
} from './optimism-lock.js';

export type { OptimismAction } from './optimism-lock.js';

export class OptimismKeeper {
  private readonly locks = new Map<string, OLock>();
  /**
   * Conflict DDLs resolved since this keeper started (lock ID + table → DDLs): a replay of one
   * (a worker restarted from before it) after its lock is gone runs nothing.
   */
  private readonly resolvedConflicts = new Map<string, string>();
  /**
   * Lock ID + table → the digest of the table's last info answered in a lock that is gone
   * (resolved): a replay of that info (its worker restarted from a checkpoint before the DDL,
   * e.g. after its lease was lost while it waited for the answer) is answered with nothing to
   * run and opens no lock. Without this the replay opened a new lock whose only report was
   * that table's: the other tables had reported the DDL (an ADD INDEX, a DROP INDEX) in the
   * lock that is gone and never report it again, so the new lock never resolved. Rebuilt by
   * a new leader from the operations left in etcd (each names its info's digest).
   */
  private readonly coordinated = new Map<string, string>();

  /** A new leader: replay the latest info of every table (revision order), answering those without an operation. */
  restore(
    infos: { info: OptimismInfo; revision: number; answered: boolean; done?: boolean }[],
    tablesOf: (task: string) => SourceTables[],
    ops: OptimismOperation[] = [],
  ): OptimismAction[] {
    this.locks.clear();
    this.coordinated.clear();
    // The operations of tables whose info is gone answered a lock that was resolved.
    const pending = new Set(
      infos.map(({ info }) => tableKey(info.task, info.source, info['up-schema'], info['up-table'])),
    );
    for (const op of ops) {
      const digest = op['info-digest'];
      if (!digest || !COORDINATED_STAGES.has(op['conflict-stage'])) continue;
      if (pending.has(tableKey(op.task, op.source, op['up-schema'], op['up-table']))) continue;
      this.coordinated.set(`${op.id}\u0000${memberKey(op.source, op['up-schema'], op['up-table'])}`, digest);
    }
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
    const key = memberKey(info.source, info['up-schema'], info['up-table']);
    const digest = infoDigest(info);
    const coordinatedKey = `${id}\u0000${key}`;
    if (
      !info['ignore-conflict'] &&
      !lock?.members.get(key)?.last &&
      this.coordinated.get(coordinatedKey) === digest
    )
      return this.replayOfCoordinated(id, info, revision, digest, lock, sourceTables);
    this.coordinated.delete(coordinatedKey);
    if (!lock) {
      lock = newLock(info);
      this.locks.set(id, lock);
    }
    addMembers(lock, sourceTables);
    const m = memberOf(lock, info);
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
        'info-digest': digest,
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
    // The table's last info of this lock again (a replay, or a put its worker retried): its
    // DDLs were answered; nothing to run, nothing recorded twice (an index change of a table
    // counts once).
    const stage = m.last?.op['conflict-stage'];
    if (m.last && (stage === 'none' || stage === 'unlocked') && infoDigest(m.last.info) === digest)
      return [op([], m.last.op.cols)];
    const prev = columnsOf(lock, m);
    const before = joinSchemas(schemas(lock));
    m.columns = after;
    const joined = joinSchemas(schemas(lock));
    m.columns = prev;
    const j = judgeDdls(lock, key, info.ddls, before, joined);
    if (j.unsupported) return [op([], [], 'error', j.unsupported)];
    const { exec, deferred, conflicts } = j;
    if (conflicts.length > 0) {
      // A replay of a conflict DDL already resolved: nothing more to run.
      if (sameColumns(prev, after)) return [op([], [])];
      return this.conflict(lock, member, { prev, post: after }, info, exec, deferred, conflicts, op, joined);
    }
    j.commitIndexes();
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
    const finals = members.map((x) => x.conflict?.post ?? columnsOf(lock, x));
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

  /**
   * A replay of a table's last info of a lock that is gone: answered with nothing to run (its
   * DDLs were coordinated then). No lock is opened; a lock open now (another DDL since) takes
   * the info's schema as the table's, without counting its DDLs again.
   */
  private replayOfCoordinated(
    id: string,
    info: OptimismInfo,
    revision: number,
    digest: string,
    lock: OLock | undefined,
    sourceTables: SourceTables[],
  ): OptimismAction[] {
    const op: OptimismOperation = {
      id,
      task: info.task,
      source: info.source,
      'up-schema': info['up-schema'],
      'up-table': info['up-table'],
      ddls: [],
      'conflict-stage': 'none',
      'conflict-message': '',
      done: false,
      cols: [],
      'info-revision': revision,
      'info-digest': digest,
    };
    if (!lock) return [{ kind: 'put-op', op }];
    addMembers(lock, sourceTables);
    const m = memberOf(lock, info);
    m.columns = info['table-info-after'];
    return [{ kind: 'put-op', op }, ...this.deleteIfResolved(lock)];
  }

  private deleteIfResolved(lock: OLock): OptimismAction[] {
    if (!resolved(lock)) return [];
    this.locks.delete(lock.id);
    // Remember what each table last reported (see `coordinated`).
    for (const m of lock.members.values()) {
      if (!m.last || !COORDINATED_STAGES.has(m.last.op['conflict-stage'])) continue;
      this.coordinated.set(
        `${lock.id}\u0000${memberKey(m.source, m.upSchema, m.upTable)}`,
        infoDigest(m.last.info),
      );
    }
    return [deleteLock(lock)];
  }

  list(task?: string): DdlLockView[] {
    return [...this.locks.values()]
      .filter((l) => !task || l.task === task)
      .map(lockView)
      .sort((a, b) => a.ID.localeCompare(b.ID));
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
    for (const k of [...this.coordinated.keys()]) if (k.startsWith(`${task}-`)) this.coordinated.delete(k);
    return [...this.locks.values()].filter((l) => l.task === task).flatMap((l) => this.remove(l.id));
  }
}

/**
 * Answers after which a table's DDLs count as coordinated (run, not needed, or run by another
 * table for a conflict); an `error` answer (unsupported) is given again to a replay.
 */
const COORDINATED_STAGES = new Set<ConflictStage>(['none', 'unlocked', 'resolved']);

/** What identifies a table's info (its DDLs and schema before and after), for recognising a replay. */
export function infoDigest(info: OptimismInfo): string {
  return createHash('sha1')
    .update(JSON.stringify([info.ddls, info['table-info-before'], info['table-info-after']]))
    .digest('hex');
}

const tableKey = (task: string, source: string, s: string, t: string): string =>
  JSON.stringify([task, source, s, t]);
