/**
 * `query-status`: asks each bound worker for its status over HTTP and shapes DM's JSON.
 * A source whose worker is missing or unreachable still appears, with result false.
 */

import { failed } from '../pkg/api/errors.js';
import type { SourceStatus, SubTaskStatus } from '../pkg/api/worker-api.js';
import { asDmError, E } from '../pkg/errors/index.js';
import { fetchWorkerStatus, type LeaderCtx } from './leader-context.js';
import { listTasks, sourcesOfTask } from './task-ops.js';

export interface SourceQueryResult {
  result: boolean;
  msg: string;
  sourceStatus: SourceStatus;
  subTaskStatus: SubTaskStatus[];
}

export interface TaskSummary {
  taskName: string;
  taskStatus: string;
  sources: string[];
}

/** Status of each given source (optionally one task's subtasks only), in parallel. */
export async function sourceStatuses(
  ctx: LeaderCtx,
  sources: string[],
  task?: string,
): Promise<SourceQueryResult[]> {
  const view = ctx.scheduler.view();
  return Promise.all(
    sources.map(async (source): Promise<SourceQueryResult> => {
      const workerName = view.workerOf(source);
      const base: SourceStatus = { source, worker: workerName, result: null, relayStatus: null };
      const worker = workerName ? view.getWorker(workerName) : undefined;
      if (!worker) {
        return {
          result: false,
          // No free dm-worker: the source and its tasks wait, and start on the next worker that joins.
          msg: `source ${source} is not bound to any worker: waiting for a free dm-worker; its tasks start when one joins`,
          sourceStatus: base,
          subTaskStatus: [],
        };
      }
      try {
        const st = await fetchWorkerStatus(worker.addr, task);
        const subs = (st.subTaskStatus ?? []).filter((s) => task === undefined || s.name === task);
        return {
          result: true,
          msg: '',
          sourceStatus: { ...base, ...st.sourceStatus, source, worker: workerName },
          subTaskStatus: subs,
        };
      } catch (err) {
        return {
          result: false,
          ...failed(asDmError(err, E.workerNotFound)),
          sourceStatus: base,
          subTaskStatus: [],
        };
      }
    }),
  );
}

/** DM's task status rule (dmctl query-status without a task), from the subtask stages. */
export function taskStatusOf(task: string, subs: SubTaskStatus[], relayPaused = false): string {
  if (subs.some((s) => s.stage === 'Paused' && (s.result?.errors?.length ?? 0) > 0)) {
    return `Error - Some error occurred in subtask. Please run \`query-status ${task}\` to get more details.`;
  }
  if (relayPaused && subs.some((s) => s.stage === 'Running' && s.unit === 'Sync')) {
    return 'Error - Relay status is Paused. Please run `query-status` to get more details.';
  }
  if (subs.some((s) => s.stage === 'Paused')) return 'Paused';
  if (subs.length > 0 && subs.every((s) => s.stage === 'New')) return 'New';
  if (subs.length > 0 && subs.every((s) => s.stage === 'Finished')) return 'Finished';
  if (subs.length > 0 && subs.every((s) => s.stage === 'Stopped')) return 'Stopped';
  return 'Running';
}

export async function queryStatus(
  ctx: LeaderCtx,
  req: { task?: string; sources?: string[]; more?: boolean },
): Promise<Record<string, unknown>> {
  try {
    const filter = (list: string[]): string[] =>
      req.sources?.length ? list.filter((s) => req.sources?.includes(s)) : list;
    if (req.task) {
      const sources = filter(await sourcesOfTask(ctx, req.task));
      if (sources.length === 0) {
        return {
          result: false,
          msg: `task ${req.task} has no source or not exist, please check the task name and status`,
          sources: [],
        };
      }
      return { result: true, msg: '', sources: await sourceStatuses(ctx, sources, req.task) };
    }
    const tasks = await listTasks(ctx);
    const sources = filter(req.sources?.length ? req.sources : ctx.scheduler.view().listSources());
    const statuses = await sourceStatuses(ctx, sources);
    if (req.more) return { result: true, msg: '', sources: statuses };
    const out: TaskSummary[] = [];
    for (const [task, taskSources] of tasks) {
      const mine = filter(taskSources);
      if (mine.length === 0) continue;
      const subs: SubTaskStatus[] = [];
      let relayPaused = false;
      for (const st of statuses) {
        if (!mine.includes(st.sourceStatus.source)) continue;
        if (!st.result) continue;
        if (st.sourceStatus.relayStatus?.stage === 'Paused') relayPaused = true;
        subs.push(...st.subTaskStatus.filter((s) => s.name === task));
      }
      const unreachable = statuses.some((s) => mine.includes(s.sourceStatus.source) && !s.result);
      out.push({
        taskName: task,
        taskStatus: unreachable
          ? `Error - Some error occurred in subtask. Please run \`query-status ${task}\` to get more details.`
          : taskStatusOf(task, subs, relayPaused),
        sources: mine,
      });
    }
    return { result: true, msg: '', tasks: out };
  } catch (err) {
    return { result: false, ...failed(asDmError(err, E.internal)) };
  }
}
