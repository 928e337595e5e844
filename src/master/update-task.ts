/**
 * `update-task` (dmctl `update-task [-s SOURCE…] task.yaml`, OpenAPI `PUT /tasks/{name}`),
 * as DM's scheduler.UpdateSubTasks + syncer.CheckCanUpdateCfg: a subtask that is not
 * running (paused, or stopped through the OpenAPI) takes a new block-allow-list, routes,
 * binlog filters, expression filters and syncer settings. Everything else — task-mode,
 * target database, meta schema, shard mode, dump/load settings, the binlog start point,
 * safe-mode — is refused with the field named, as DM refuses it.
 *
 * The new subtask config is written to etcd with the expected stage unchanged; the bound
 * worker sees the changed config and replaces its (paused) subtask with one built from it
 * (source-worker.ts replaceIfChanged), so `resume-task` continues from the checkpoint with
 * the new rules: tables newly allowed replicate from the current position onward, as DM
 * documents (their earlier rows are not copied).
 */
import { failed } from '../pkg/api/errors.js';
import { maybeDecrypt } from '../pkg/config/index.js';
import type { SubTaskConfig } from '../pkg/config/types.js';
import { asDmError, dmError, E } from '../pkg/errors/index.js';
import { Keys } from '../pkg/etcd/keys.js';
import type { LeaderCtx } from './leader-context.js';
import type { EtcdOp } from './scheduler-core.js';
import type { ConfigFile } from './source-ops.js';
import { expectedStages, prepare, sourcesOfTask } from './task-ops.js';

/** Subtask fields update-task may change (DM: BAList, RouteRules, FilterRules, ExprFilter, SyncerConfig). */
const UPDATABLE = ['blockAllowList', 'routes', 'filters', 'expressionFilters', 'syncer'] as const;
/** Fields taken from the source config, not from the task (DM copies them from the source too). */
const FROM_SOURCE = [
  'from',
  'flavor',
  'enableGtid',
  'enableRelay',
  'serverId',
  'relayDir',
  'caseSensitive',
  'startTime',
] as const;

/** DM's YAML key of a SubTaskConfig field, for the error message. */
const YAML_KEY: Record<string, string> = {
  taskMode: 'task-mode',
  shardMode: 'shard-mode',
  metaSchema: 'meta-schema',
  to: 'target-database',
  meta: 'mysql-instances[].meta',
  mydumper: 'mydumpers',
  loader: 'loaders',
  onlineDdl: 'online-ddl',
  timezone: 'timezone',
  cleanDumpFile: 'clean-dump-file',
  ignoreCheckingItems: 'ignore-checking-items',
};

/** The fields of `next` that update-task may not change relative to `old`. */
export function forbiddenChanges(old: SubTaskConfig, next: SubTaskConfig, encryptKey: string): string[] {
  const norm = (c: SubTaskConfig): Record<string, unknown> => {
    const o: Record<string, unknown> = {
      ...c,
      to: { ...c.to, password: maybeDecrypt(c.to.password, encryptKey) },
    };
    for (const k of [...UPDATABLE, ...FROM_SOURCE]) delete o[k];
    return o;
  };
  const a = norm(old);
  const b = norm(next);
  const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])];
  const changed = keys.filter((k) => JSON.stringify(a[k] ?? null) !== JSON.stringify(b[k] ?? null));
  if (old.syncer.safeMode !== next.syncer.safeMode) changed.push('syncer.safe-mode');
  return changed.map((k) => YAML_KEY[k] ?? k);
}

export async function updateTask(
  ctx: LeaderCtx,
  req: ConfigFile & { sources?: string[] },
): Promise<{
  result: boolean;
  msg: string;
  checkResult: string;
  sources: { result: boolean; msg: string; source: string; worker: string }[];
}> {
  try {
    const { task, subtasks } = await prepare(ctx, req);
    const existing = await sourcesOfTask(ctx, task.name);
    if (existing.length === 0) throw dmError(E.taskNotFound, `task ${task.name} not found`);
    const only = req.sources?.length ? req.sources : undefined;
    const chosen = subtasks.filter((s) => !only || only.includes(s.sourceId));
    const extra = chosen.filter((s) => !existing.includes(s.sourceId)).map((s) => s.sourceId);
    if (extra.length > 0) {
      throw dmError(
        E.taskNotFound,
        `subtasks with name ${task.name} for sources [${extra.join(' ')}] not exist`,
      );
    }
    if (chosen.length === 0)
      throw dmError(E.taskNotFound, `no source of task ${task.name} matches ${only?.join(',')}`);
    const stages = await expectedStages(ctx, task.name);
    const ops: EtcdOp[] = [];
    for (const st of chosen) {
      const stage = stages.get(st.sourceId);
      if (stage === 'Running') {
        throw dmError(
          E.updateTaskNotPaused,
          `subtask with name ${task.name} source name ${st.sourceId} can only update when no running tasks for now`,
        );
      }
      const raw = await ctx.client.get(Keys.subtaskConfig(st.sourceId, task.name)).string();
      if (raw === null) throw dmError(E.taskNotFound, `task ${task.name} has no subtask on ${st.sourceId}`);
      const old = JSON.parse(raw) as SubTaskConfig;
      const bad = forbiddenChanges(old, st, ctx.encryptKey);
      if (bad.length > 0) {
        throw dmError(
          E.updateTaskField,
          `can only update task config for limited fields: task ${task.name} source ${st.sourceId} changes ${bad.join(', ')}`,
        );
      }
      const next: SubTaskConfig = {
        ...old,
        blockAllowList: st.blockAllowList,
        routes: st.routes,
        filters: st.filters,
        expressionFilters: st.expressionFilters,
        syncer: st.syncer,
      };
      if (!st.blockAllowList) delete next.blockAllowList;
      ops.push({ op: 'put', key: Keys.subtaskConfig(st.sourceId, task.name), value: JSON.stringify(next) });
    }
    // The task YAML follows when every source took the new config.
    if (!only || existing.every((s) => only.includes(s)))
      ops.push({ op: 'put', key: Keys.taskConfig(task.name), value: task.raw });
    await ctx.scheduler.run(() => ops);
    ctx.log.info({ task: task.name, sources: chosen.map((s) => s.sourceId) }, 'task updated');
    const view = ctx.scheduler.view();
    return {
      result: true,
      msg: '',
      checkResult: '',
      sources: chosen.map((s) => ({
        result: true,
        msg: '',
        source: s.sourceId,
        worker: view.workerOf(s.sourceId),
      })),
    };
  } catch (err) {
    return { result: false, ...failed(asDmError(err, E.internal)), checkResult: '', sources: [] };
  }
}
