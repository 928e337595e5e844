/**
 * Task management on the leader: `start-task` (parse → prechecks → split per source →
 * subtask configs + expected stage Running), `pause-task`/`resume-task` (expected stage),
 * `stop-task` (Stopped, then the keys are deleted), `check-task` (prechecks only).
 * Workers watch the subtask keys of their bound source and converge to the expected stage.
 */
import { maybeDecrypt } from '../pkg/config/encrypt.js';
import type { SourceConfig, SubTaskConfig, TaskConfig } from '../pkg/config/types.js';
import { connectDb } from '../pkg/db/connect.js';
import { asDmError, dmError, E } from '../pkg/errors/index.js';
import { Keys } from '../pkg/etcd/keys.js';
import {
  type CheckReport,
  checkReportError,
  parseTaskConfig,
  runPrechecks,
  sealPassword,
  toSubTaskConfigs,
} from './config-adapter.js';
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
async function prepare(
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

export async function checkTask(ctx: LeaderCtx, f: ConfigFile): Promise<{ result: boolean; msg: string }> {
  try {
    const { task, subtasks } = await prepare(ctx, f);
    const report = await runPrechecks(subtasks, { ignore: task.ignoreCheckingItems });
    if (!report.summary.passed) return { result: false, msg: checkReportError(report).toString() };
    return { result: true, msg: checkText(report) };
  } catch (err) {
    return { result: false, msg: asDmError(err, E.internal).toString() };
  }
}

/** Drop the task's checkpoint tables in the downstream meta schema (`--remove-meta`). */
async function removeMeta(task: TaskConfig): Promise<void> {
  const conn = await connectDb(task.targetDatabase, E.dbDownstreamConnect);
  try {
    for (const suffix of ['syncer_checkpoint', 'loader_checkpoint', 'syncer_sharding_meta', 'onlineddl']) {
      const table = `${task.name}_${suffix}`.replaceAll('`', '``');
      await conn.query(`DROP TABLE IF EXISTS \`${task.metaSchema.replaceAll('`', '``')}\`.\`${table}\``);
    }
  } finally {
    await conn.end().catch(() => undefined);
  }
}

export async function startTask(ctx: LeaderCtx, req: StartTaskRequest): Promise<StartTaskResponse> {
  const fail = (msg: string, checkResult = ''): StartTaskResponse => ({
    result: false,
    msg,
    sources: [],
    checkResult,
  });
  try {
    const { task, subtasks: all } = await prepare(ctx, req);
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
    const report = await runPrechecks(subtasks, { ignore: task.ignoreCheckingItems });
    if (!report.summary.passed) {
      return fail(
        dmError(E.checkFailed, 'fail to check synchronization configuration').toString(),
        checkText(report),
      );
    }
    if (req.removeMeta) await removeMeta(task);
    const ops: EtcdOp[] = [{ op: 'put', key: Keys.taskConfig(task.name), value: task.raw }];
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
        value: JSON.stringify({ stage: 'Running' }),
      });
    }
    await ctx.scheduler.run(() => ops);
    ctx.log.info({ task: task.name, sources: subtasks.map((s) => s.sourceId) }, 'task started');
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
    return fail(asDmError(err, E.internal).toString());
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
    return { op, result: false, msg: asDmError(err, E.internal).toString(), sources: [] };
  }
}
