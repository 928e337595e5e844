/**
 * Task management on the leader: `start-task` (parse → prechecks → split per source →
 * subtask configs + expected stage Running), `pause-task`/`resume-task` (expected stage),
 * `stop-task` (Stopped, then the keys are deleted), `check-task` (prechecks only).
 * Workers watch the subtask keys of their bound source and converge to the expected stage.
 */

import { DEFAULT_ERROR_COUNT, DEFAULT_WARN_COUNT, filterResults } from '../pkg/api/check-filter.js';
import { type CheckReport, checkReportError } from '../pkg/api/check-report.js';
import { errorCodeOf, failed, withCode } from '../pkg/api/errors.js';
import { parseGoDuration } from '../pkg/config/duration.js';
import { maybeDecrypt } from '../pkg/config/encrypt.js';
import { parseStartTime } from '../pkg/config/start-time.js';
import { mapTaskPassword } from '../pkg/config/task-password.js';
import type { SourceConfig, SubTaskConfig, TaskConfig } from '../pkg/config/types.js';
import { connectDb } from '../pkg/db/connect.js';
import { FENCE_TABLE_SUFFIXES } from '../pkg/db/fence.js';
import { asDmError, dmError, E } from '../pkg/errors/index.js';
import { Keys } from '../pkg/etcd/keys.js';
import { parseTaskConfig, sealPassword, toSubTaskConfigs } from './config-adapter.js';
import type { LeaderCtx } from './leader-context.js';
import type { EtcdOp } from './scheduler-core.js';
import { type ConfigFile, getSourceConfig, type SourceResult } from './source-ops.js';

export interface StartTaskRequest extends ConfigFile {
  removeMeta?: boolean;
  startTime?: string;
  /** Only these sources of the task (DM `-s`). */
  sources?: string[];
}

export interface StartTaskResponse {
  result: boolean;
  msg: string;
  sources: SourceResult[];
  checkResult: string;
}

export const TASK_OPS = ['Stop', 'Pause', 'Resume'] as const;
export type TaskOp = (typeof TASK_OPS)[number];

export interface OperateTaskResponse {
  op: TaskOp;
  result: boolean;
  msg: string;
  sources: SourceResult[];
}

/** Which sources run a task, from the subtask config keys (`<root><source>/<task>`). */
export async function sourcesOfTask(ctx: LeaderCtx, task: string): Promise<string[]> {
  const keys = await ctx.client.getAll().prefix(Keys.subtaskConfigRoot).keys();
  const out: string[] = [];
  for (const k of keys) {
    const [source, name] = k.slice(Keys.subtaskConfigRoot.length).split('/');
    if (name === task && source !== undefined) out.push(source);
  }
  return out.sort();
}

/** All tasks and their sources. */
export async function listTasks(ctx: LeaderCtx): Promise<Map<string, string[]>> {
  const keys = await ctx.client.getAll().prefix(Keys.subtaskConfigRoot).keys();
  const out = new Map<string, string[]>();
  for (const k of keys) {
    const [source, name] = k.slice(Keys.subtaskConfigRoot.length).split('/');
    if (source === undefined || name === undefined) continue;
    out.set(name, [...(out.get(name) ?? []), source].sort());
  }
  return new Map([...out].sort(([a], [b]) => a.localeCompare(b)));
}

/** Parse a task file and build its subtasks with plain-text passwords (for prechecks). */
export async function prepare(
  ctx: LeaderCtx,
  f: ConfigFile,
): Promise<{ task: TaskConfig; subtasks: SubTaskConfig[] }> {
  const task = parseTaskConfig(f.content, f.file, { encryptKey: ctx.encryptKey });
  const sources = new Map<string, SourceConfig>();
  for (const inst of task.mysqlInstances) {
    const cfg = await getSourceConfig(ctx, inst.sourceId);
    if (!cfg) throw dmError(E.sourceNotFound, `source ${inst.sourceId} in task ${task.name} is not created`);
    cfg.from.password = maybeDecrypt(cfg.from.password, ctx.encryptKey);
    sources.set(inst.sourceId, cfg);
  }
  return { task, subtasks: toSubTaskConfigs(task, sources) };
}

/** DM's check-task text: "pre-check is passed. " or the JSON report. */
function checkText(report: CheckReport): string {
  if (report.summary.passed && report.summary.warning === 0) return 'pre-check is passed. ';
  return JSON.stringify(report, null, 4);
}

/** `check-task` options beyond the file (DM's `--error`, `--warn`, `--start-time`). */
export interface CheckTaskOptions {
  /** How many failure items the report shows (DM default 10). */
  errCnt?: number;
  /** How many warning items the report shows (DM default 10). */
  warnCnt?: number;
  /** Where replication would start; replaces the task's `meta` position, as in start-task. */
  startTime?: string;
}

export async function checkTask(
  ctx: LeaderCtx,
  f: ConfigFile,
  opts: CheckTaskOptions = {},
): Promise<{ result: boolean; msg: string }> {
  try {
    const { task, subtasks } = await prepare(ctx, f);
    if (opts.startTime) {
      parseStartTime(opts.startTime, task.timezone);
      // A start time replaces meta's binlog position, so the meta position check has no
      // position to check (as start-task --start-time).
      for (const st of subtasks) {
        st.startTime = opts.startTime;
        delete st.meta;
      }
    }
    const report = filterResults(
      await ctx.prechecks(subtasks, { ignore: task.ignoreCheckingItems }),
      opts.errCnt ?? DEFAULT_ERROR_COUNT,
      opts.warnCnt ?? DEFAULT_WARN_COUNT,
    );
    if (!report.summary.passed) return { result: false, ...failed(checkReportError(report)) };
    return { result: true, msg: checkText(report) };
  } catch (err) {
    return { result: false, ...failed(asDmError(err, E.internal)) };
  }
}

/** Drop the task's checkpoint tables in the downstream meta schema (`--remove-meta`). */
async function removeMeta(task: TaskConfig): Promise<void> {
  const conn = await connectDb(task.targetDatabase, E.dbDownstreamConnect);
  try {
    for (const suffix of [
      'syncer_checkpoint',
      'loader_checkpoint',
      'syncer_sharding_meta',
      'onlineddl',
      ...FENCE_TABLE_SUFFIXES,
    ]) {
      const table = `${task.name}_${suffix}`.replaceAll('`', '``');
      await conn.query(`DROP TABLE IF EXISTS \`${task.metaSchema.replaceAll('`', '``')}\`.\`${table}\``);
    }
  } finally {
    await conn.end().catch(() => undefined);
  }
}

/** `start-task`: check, store and run the task's subtasks (expected stage Running). */
export async function startTask(ctx: LeaderCtx, req: StartTaskRequest): Promise<StartTaskResponse> {
  return putTask(ctx, req, 'Running');
}

/**
 * DM OpenAPI `POST /api/v1/tasks`: the same parse, checks and prechecks as start-task, but the
 * subtasks are stored with expected stage Stopped (DM's `AddSubTasks(…, Stage_Stopped, …)`);
 * `startStoredTask` runs them later.
 */
export async function createTask(ctx: LeaderCtx, req: StartTaskRequest): Promise<StartTaskResponse> {
  return putTask(ctx, req, 'Stopped');
}

async function putTask(
  ctx: LeaderCtx,
  req: StartTaskRequest,
  stage: 'Running' | 'Stopped',
): Promise<StartTaskResponse> {
  const fail = (msg: string, checkResult = ''): StartTaskResponse => ({
    result: false,
    msg,
    sources: [],
    checkResult,
  });
  try {
    const { task, subtasks: all } = await prepare(ctx, req);
    // A malformed start-time is refused here, not when a worker's sync unit starts.
    if (req.startTime) parseStartTime(req.startTime, task.timezone);
    const subtasks = req.sources?.length ? all.filter((s) => req.sources?.includes(s.sourceId)) : all;
    if (subtasks.length === 0)
      return fail(`no source of task ${task.name} matches ${req.sources?.join(',')}`);
    const existing = await sourcesOfTask(ctx, task.name);
    const clash = subtasks.filter((s) => existing.includes(s.sourceId)).map((s) => s.sourceId);
    if (clash.length > 0) {
      throw dmError(
        E.taskExists,
        `subtasks with name ${task.name} for sources [${clash.join(' ')}] already exist`,
      );
    }
    const report = await ctx.prechecks(subtasks, { ignore: task.ignoreCheckingItems });
    if (!report.summary.passed) {
      return fail(
        dmError(E.checkFailed, 'fail to check synchronization configuration').toString(),
        checkText(report),
      );
    }
    if (req.removeMeta) await removeMeta(task);
    // The stored YAML keeps the user's text but never a password in clear (etcd data, its WAL
    // and debug logs of the write would otherwise hold it).
    const sealedRaw = mapTaskPassword(task.raw, (p) =>
      sealPassword(maybeDecrypt(p, ctx.encryptKey), ctx.encryptKey),
    );
    const ops: EtcdOp[] = [{ op: 'put', key: Keys.taskConfig(task.name), value: sealedRaw }];
    for (const st of subtasks) {
      const stored: SubTaskConfig = {
        ...st,
        from: { ...st.from, password: sealPassword(st.from.password, ctx.encryptKey) },
        to: { ...st.to, password: sealPassword(st.to.password, ctx.encryptKey) },
        ...(req.startTime ? { startTime: req.startTime } : {}),
      };
      ops.push({ op: 'put', key: Keys.subtaskConfig(st.sourceId, task.name), value: JSON.stringify(stored) });
      ops.push({
        op: 'put',
        key: Keys.subtaskStage(st.sourceId, task.name),
        value: JSON.stringify({ stage }),
      });
    }
    await ctx.scheduler.run(() => ops);
    ctx.log.info(
      { task: task.name, sources: subtasks.map((s) => s.sourceId) },
      stage === 'Running' ? 'task started' : 'task created',
    );
    const view = ctx.scheduler.view();
    return {
      result: true,
      msg: '',
      sources: subtasks.map((s) => ({
        result: true,
        msg: '',
        source: s.sourceId,
        worker: view.workerOf(s.sourceId),
      })),
      checkResult: report.summary.warning > 0 ? checkText(report) : '',
    };
  } catch (err) {
    // the error's code travels as data (the OpenAPI answers it as error_code)
    return { ...fail(''), ...failed(asDmError(err, E.internal)) };
  }
}

/** pause-task / resume-task / stop-task: set the expected stage of each subtask. */
export async function operateTask(
  ctx: LeaderCtx,
  req: { op: TaskOp; task: string; sources?: string[] },
): Promise<OperateTaskResponse> {
  const { op, task } = req;
  try {
    let sources = await sourcesOfTask(ctx, task);
    if (req.sources?.length) sources = sources.filter((s) => req.sources?.includes(s));
    if (sources.length === 0) {
      throw dmError(
        E.taskNotFound,
        `task ${task} has no source or not exist, please check the task name and status`,
      );
    }
    const stage = op === 'Pause' ? 'Paused' : op === 'Resume' ? 'Running' : 'Stopped';
    await ctx.scheduler.run(() =>
      sources.map((s) => ({
        op: 'put' as const,
        key: Keys.subtaskStage(s, task),
        value: JSON.stringify({ stage }),
      })),
    );
    if (op === 'Stop') {
      const remaining = (await sourcesOfTask(ctx, task)).filter((s) => !sources.includes(s));
      const ops: EtcdOp[] = sources.flatMap((s) => [
        { op: 'delete' as const, key: Keys.subtaskConfig(s, task) },
        { op: 'delete' as const, key: Keys.subtaskStage(s, task) },
        { op: 'delete' as const, key: Keys.validatorStage(s, task) },
      ]);
      if (remaining.length === 0) ops.push({ op: 'delete', key: Keys.taskConfig(task) });
      await ctx.scheduler.run(() => ops);
    }
    ctx.log.info({ task, op, sources }, 'task operated');
    const view = ctx.scheduler.view();
    return {
      op,
      result: true,
      msg: '',
      sources: sources.map((s) => ({ result: true, msg: '', source: s, worker: view.workerOf(s) })),
    };
  } catch (err) {
    return { op, result: false, ...failed(asDmError(err, E.internal)), sources: [] };
  }
}

/**
 * The stored task config (as parsed from its YAML, passwords decrypted), limited to the
 * sources that still run it (`start-task -s` or a partial stop leave fewer subtasks).
 */
export async function storedTaskConfig(ctx: LeaderCtx, task: string): Promise<TaskConfig | undefined> {
  const raw = await ctx.client.get(Keys.taskConfig(task)).string();
  const sources = await sourcesOfTask(ctx, task);
  if (raw === null || sources.length === 0) return undefined;
  const cfg = parseTaskConfig(raw, 'task', { encryptKey: ctx.encryptKey });
  return { ...cfg, mysqlInstances: cfg.mysqlInstances.filter((i) => sources.includes(i.sourceId)) };
}

/** The expected stage the master wrote for each source of a task. */
export async function expectedStages(ctx: LeaderCtx, task: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const s of await sourcesOfTask(ctx, task)) {
    const v = await ctx.client.get(Keys.subtaskStage(s, task)).string();
    out.set(s, v === null ? '' : ((JSON.parse(v) as { stage?: string }).stage ?? ''));
  }
  return out;
}

export interface StartStoredTaskRequest {
  task: string;
  /** Only these sources (DM `source_name_list`); all when empty. */
  sources?: string[];
  removeMeta?: boolean;
  /** DM `start_time`: where incremental replication starts (kept for this start only). */
  startTime?: string;
  /** DM `safe_mode_time_duration`: the safe-mode duration for this start only. */
  safeModeDuration?: string;
}

/**
 * DM OpenAPI `POST /tasks/{name}/start`: run a created (Stopped) or paused task. As DM, the
 * per-start arguments (start time, safe-mode duration) are set when given and cleared when
 * not, an incremental task without a start position needs `startTime`, and a disabled
 * source refuses. Subtask configs are rewritten only when an argument changed them.
 */
export async function startStoredTask(
  ctx: LeaderCtx,
  req: StartStoredTaskRequest,
): Promise<{ result: boolean; msg: string }> {
  try {
    const all = await sourcesOfTask(ctx, req.task);
    if (all.length === 0) throw dmError(E.taskNotFound, `task ${req.task} not found`);
    const sources = req.sources?.length ? req.sources : all;
    if (req.safeModeDuration !== undefined && parseGoDuration(req.safeModeDuration) === undefined) {
      throw dmError(E.configInvalidValue, `invalid safe_mode_time_duration "${req.safeModeDuration}"`);
    }
    const task = await storedTaskConfig(ctx, req.task);
    if (req.startTime) parseStartTime(req.startTime, task?.timezone ?? '');
    const ops: EtcdOp[] = [];
    for (const source of sources) {
      if (!all.includes(source))
        throw dmError(E.sourceNotFound, `task ${req.task} has no subtask on source ${source}`);
      const raw = await ctx.client.get(Keys.subtaskConfig(source, req.task)).string();
      if (raw === null) throw dmError(E.taskNotFound, `task ${req.task} has no subtask on ${source}`);
      const st = JSON.parse(raw) as SubTaskConfig;
      if (!st.meta && st.taskMode === 'incremental' && !req.startTime) {
        throw dmError(
          E.configMissingKey,
          `source ${source}: task-mode incremental needs a start position (binlog_name/binlog_gtid) or start_time`,
        );
      }
      const src = await getSourceConfig(ctx, source);
      if (!src) throw dmError(E.sourceNotFound, `source ${source} not found`);
      if (src.enable === false)
        throw dmError(E.sourceNotFound, `cannot start task ${req.task}: source ${source} is not enabled`);
      const next: SubTaskConfig = { ...st };
      delete next.startTime;
      if (req.startTime) next.startTime = req.startTime;
      const configured = task?.mysqlInstances.find((i) => i.sourceId === source)?.syncer.safeModeDuration;
      next.syncer = {
        ...st.syncer,
        safeModeDuration: req.safeModeDuration ?? configured ?? st.syncer.safeModeDuration,
      };
      const value = JSON.stringify(next);
      if (value !== raw) ops.push({ op: 'put', key: Keys.subtaskConfig(source, req.task), value });
      ops.push({
        op: 'put',
        key: Keys.subtaskStage(source, req.task),
        value: JSON.stringify({ stage: 'Running' }),
      });
    }
    if (req.removeMeta && task) await removeMeta(task);
    await ctx.scheduler.run(() => ops);
    ctx.log.info({ task: req.task, sources }, 'task started (stored config)');
    return { result: true, msg: '' };
  } catch (err) {
    return { result: false, ...failed(asDmError(err, E.internal)) };
  }
}

/**
 * DM OpenAPI `DELETE /tasks/{name}`: refuses while a subtask is expected Running unless
 * `force`; drops the task's checkpoint tables downstream (as DM's deleteTask), then removes
 * the subtasks. With `force` the task is stopped first and an unreachable downstream only
 * leaves the meta tables behind.
 */
export async function deleteTask(
  ctx: LeaderCtx,
  req: { task: string; force?: boolean },
): Promise<{ result: boolean; msg: string }> {
  try {
    const stages = await expectedStages(ctx, req.task);
    if (stages.size === 0) throw dmError(E.taskNotFound, `task ${req.task} not found`);
    const running = [...stages].filter(([, s]) => s !== 'Paused' && s !== 'Stopped').map(([s]) => s);
    if (running.length > 0 && !req.force) {
      throw dmError(
        E.invalidStageTransition,
        `task ${req.task} has running subtasks (${running.join(', ')}); stop them or delete the task with force`,
      );
    }
    const task = await storedTaskConfig(ctx, req.task);
    if (!req.force && task) await removeMeta(task);
    const res = await operateTask(ctx, { op: 'Stop', task: req.task });
    if (!res.result) return { result: false, ...withCode(res.msg, errorCodeOf(res)) };
    if (req.force && task) {
      await removeMeta(task).catch((err: unknown) =>
        ctx.log.warn({ task: req.task, err: String(err) }, 'force delete: meta tables not removed'),
      );
    }
    return { result: true, msg: '' };
  } catch (err) {
    return { result: false, ...failed(asDmError(err, E.internal)) };
  }
}

/**
 * DM OpenAPI `POST /tasks/{name}/stop`: expected stage Stopped, keeping the subtask configs
 * so `startStoredTask` can run the task again from its checkpoint (dmctl `stop-task`, by
 * contrast, removes the task; `pause-task` stays the way to pause).
 */
export async function stopStoredTask(
  ctx: LeaderCtx,
  req: { task: string; sources?: string[] },
): Promise<{ result: boolean; msg: string }> {
  try {
    const all = await sourcesOfTask(ctx, req.task);
    if (all.length === 0) throw dmError(E.taskNotFound, `task ${req.task} not found`);
    const sources = req.sources?.length ? req.sources : all;
    const unknown = sources.filter((s) => !all.includes(s));
    if (unknown.length > 0)
      throw dmError(E.sourceNotFound, `task ${req.task} has no subtask on source(s) ${unknown.join(', ')}`);
    await ctx.scheduler.run(() =>
      sources.map((s) => ({
        op: 'put' as const,
        key: Keys.subtaskStage(s, req.task),
        value: JSON.stringify({ stage: 'Stopped' }),
      })),
    );
    ctx.log.info({ task: req.task, sources }, 'task stopped (config kept)');
    return { result: true, msg: '' };
  } catch (err) {
    return { result: false, ...failed(asDmError(err, E.internal)) };
  }
}
