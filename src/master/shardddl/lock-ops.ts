/**
 * dmctl `shard-ddl-lock` / `shard-ddl-lock unlock` (and the old names) on the leader, shaped
 * as DM's ShowDDLLocksResponse / UnlockDDLLockResponse.
 */
import { dmError, E } from '../../pkg/errors/index.js';
import type { DdlLockView } from '../../pkg/shardddl/status.js';
import type { LeaderCtx } from '../leader-context.js';

export interface ShowLocksRequest {
  task: string;
  sources: string[];
}

export async function showLocks(
  ctx: LeaderCtx,
  r: ShowLocksRequest,
): Promise<{ result: boolean; msg: string; locks: DdlLockView[] }> {
  let locks = [
    ...(await ctx.pessimist.list(r.task || undefined)),
    ...(await ctx.optimist.list(r.task || undefined)),
  ];
  if (r.sources.length > 0)
    locks = locks.filter((l) => [...l.synced, ...l.unsynced].some((s) => r.sources.includes(s)));
  return { result: true, msg: locks.length === 0 ? 'no DDL lock exists' : '', locks };
}

export interface UnlockRequest {
  id: string;
  owner: string;
  forceRemove: boolean;
  action: 'exec' | 'skip';
  sources: string[];
  database: string;
  table: string;
}

export async function unlockLock(
  ctx: LeaderCtx,
  r: UnlockRequest,
): Promise<{ result: boolean; msg: string }> {
  if (!r.id) throw dmError(E.ctlInvalidArgs, 'unlock needs the lock ID');
  if (ctx.optimist.has(r.id)) {
    if (r.forceRemove) {
      await ctx.optimist.remove(r.id);
      return { result: true, msg: '' };
    }
    // DM's table-level unlock: one table (-s SOURCE -d SCHEMA -t TABLE) in `detected` conflict
    // runs its DDLs (--action exec) or none (skip) and goes on.
    if (r.sources.length !== 1 || !r.database || !r.table) {
      throw dmError(
        E.ctlInvalidArgs,
        `lock ${r.id} is optimistic: name the conflicting table with -s SOURCE -d SCHEMA -t TABLE (and --action exec|skip), or remove the lock with --force-remove`,
      );
    }
    await ctx.optimist.unlockTable(r.id, r.sources[0] as string, r.database, r.table, r.action);
    return { result: true, msg: '' };
  }
  if (r.sources.length > 0 || r.database || r.table) {
    // DM uses -s/-d/-t for optimistic locks only; pessimistic locks are resolved as a whole.
    throw dmError(E.ctlInvalidArgs, '-s/-d/-t apply to optimistic locks only; this lock is pessimistic');
  }
  await ctx.pessimist.unlock(r.id, {
    ...(r.owner ? { owner: r.owner } : {}),
    forceRemove: r.forceRemove,
    action: r.action,
  });
  return { result: true, msg: '' };
}
