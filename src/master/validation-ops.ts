/**
 * `dmctl validation start|stop|status|show-error|ignore-error|resolve-error|clear-error` on
 * the leader, as DM's master does them (dm/master/server.go StartValidation …): start/stop
 * write each subtask's expected validator stage (`Keys.validatorStage`, watched by the bound
 * worker, so it survives restarts of either side); enabling a validator that the task did not
 * configure also stores the subtask config with that mode (the worker restarts the subtask
 * with it). Status and findings come from each source's worker (`POST /operate`).
 */

import { failed } from '../pkg/api/errors.js';
import type { OperateRequest } from '../pkg/api/worker-api.js';
import type { SubTaskConfig } from '../pkg/config/types.js';
import { VALIDATOR_DEFAULTS } from '../pkg/config/validator-config.js';
import { dmError, E } from '../pkg/errors/index.js';
import { Keys } from '../pkg/etcd/keys.js';
import { type LeaderCtx, operateWorker } from './leader-context.js';
import type { EtcdOp } from './scheduler-core.js';

interface Reply {
  result: boolean;
  msg: string;
  [k: string]: unknown;
}

/** task → source → stored subtask config, of one task (or all with task ''), filtered by sources. */
export async function subtaskCfgs(
  ctx: LeaderCtx,
  task: string,
  sources: string[],
): Promise<Map<string, Map<string, SubTaskConfig>>> {
  const all = await ctx.client.getAll().prefix(Keys.subtaskConfigRoot).strings();
  const out = new Map<string, Map<string, SubTaskConfig>>();
  for (const [k, v] of Object.entries(all)) {
    const [source, name] = k.slice(Keys.subtaskConfigRoot.length).split('/');
    if (!source || !name || (task && name !== task)) continue;
    if (sources.length > 0 && !sources.includes(source)) continue;
    const m = out.get(name) ?? new Map<string, SubTaskConfig>();
    m.set(source, JSON.parse(v) as SubTaskConfig);
    out.set(name, m);
  }
  return out;
}

const enabled = (c: SubTaskConfig): boolean => (c.validator?.mode ?? 'none') !== 'none';

function notFound(task: string, sources: string[]): Reply {
  return {
    result: false,
    msg: task
      ? `cannot get subtask by task name \`${task}\` and sources \`[${sources.join(' ')}]\``
      : `cannot get subtask by sources \`[${sources.join(' ')}]\``,
    sources: [],
  };
}

export interface StartValidationRequest {
  taskName: string;
  sources: string[];
  mode?: string;
  startTime?: string;
}

/** DM's StartValidation: enable (mode given, or none enabled) or resume (all enabled). */
export async function startValidation(ctx: LeaderCtx, req: StartValidationRequest): Promise<Reply> {
  const fail = (msg: string): Reply => ({ result: false, msg, sources: [] });
  const cfgs = await subtaskCfgs(ctx, req.taskName, req.sources);
  if (cfgs.size === 0) return notFound(req.taskName, req.sources);
  if (req.mode !== undefined && req.mode !== 'full' && req.mode !== 'fast') {
    return fail('validation mode should be either `full` or `fast`');
  }
  if (req.startTime !== undefined) {
    return fail(dmError(E.validatorStartTime, '--start-time is not supported').toString());
  }
  const explicit = req.mode !== undefined;
  let on = '';
  let allOn = true;
  let noneOn = true;
  for (const [task, m] of cfgs) {
    for (const [source, c] of m) {
      if (enabled(c)) {
        on = `${task} with source ${source}`;
        noneOn = false;
      } else allOn = false;
    }
  }
  if (explicit && !noneOn) {
    return fail(
      allOn
        ? "all target validator has enabled, cannot do 'validation start' with explicit mode or start-time"
        : `some of target validator(${on}) has already enabled, so we can't enable them in one command`,
    );
  }
  if (!explicit && !allOn && !noneOn) {
    return fail(
      `some of target validator(${on}) has already enabled, so we can't enable or start them in one command`,
    );
  }
  const mode = (req.mode ?? 'full') as 'full' | 'fast';
  const ops: EtcdOp[] = [];
  for (const [task, m] of cfgs) {
    for (const [source, c] of m) {
      if (!enabled(c)) {
        const next: SubTaskConfig = { ...c, validator: { ...VALIDATOR_DEFAULTS, ...c.validator, mode } };
        ops.push({ op: 'put', key: Keys.subtaskConfig(source, task), value: JSON.stringify(next) });
      }
      ops.push({
        op: 'put',
        key: Keys.validatorStage(source, task),
        value: JSON.stringify({ stage: 'Running' }),
      });
    }
  }
  await ctx.scheduler.run(() => ops);
  ctx.log.info({ task: req.taskName, sources: req.sources, mode }, 'validation started');
  return { result: true, msg: 'success', sources: [] };
}

/** DM's StopValidation: every target validator must be enabled. */
export async function stopValidation(
  ctx: LeaderCtx,
  req: { taskName: string; sources: string[] },
): Promise<Reply> {
  const cfgs = await subtaskCfgs(ctx, req.taskName, req.sources);
  if (cfgs.size === 0) return notFound(req.taskName, req.sources);
  const ops: EtcdOp[] = [];
  for (const [task, m] of cfgs) {
    for (const [source, c] of m) {
      if (!enabled(c)) {
        return {
          result: false,
          msg: `some target validator(${task} with source ${source}) is not enabled`,
          sources: [],
        };
      }
      ops.push({
        op: 'put',
        key: Keys.validatorStage(source, task),
        value: JSON.stringify({ stage: 'Stopped' }),
      });
    }
  }
  await ctx.scheduler.run(() => ops);
  ctx.log.info({ task: req.taskName, sources: req.sources }, 'validation stopped');
  return { result: true, msg: 'success', sources: [] };
}

/** Ask the worker of each source of `task`; DM joins failures as `msg; msg; `. */
async function perSource(
  ctx: LeaderCtx,
  task: string,
  req: Omit<OperateRequest, 'task'>,
): Promise<{ ok: boolean; msg: string; data: unknown[] } | Reply> {
  if (!task) return { result: false, msg: 'task name should be specified' };
  const cfgs = await subtaskCfgs(ctx, task, []);
  const m = cfgs.get(task);
  if (!m) return { result: false, msg: `cannot get subtask by task name \`${task}\`` };
  const view = ctx.scheduler.view();
  const answers = await Promise.all(
    [...m.keys()].sort().map(async (source) => {
      const worker = view.workerOf(source);
      const w = worker ? view.getWorker(worker) : undefined;
      if (!w) {
        return {
          result: false,
          ...failed(dmError(E.workerNotFound, `${source} relevant worker-client not found`)),
        };
      }
      try {
        return await operateWorker(w.addr, { ...req, task });
      } catch (err) {
        return { result: false, msg: (err as Error).message };
      }
    }),
  );
  let msg = '';
  const data: unknown[] = [];
  for (const a of answers) {
    if (!a.result) msg += `${a.msg}; `;
    else if ('data' in a) data.push(a.data);
  }
  return { ok: msg === '', msg, data };
}

/** DM's GetValidationStatus: `{result,msg,validators,tableStatuses}`. */
export async function validationStatus(
  ctx: LeaderCtx,
  req: { taskName: string; tableStage: string },
): Promise<Reply> {
  const s = req.tableStage;
  if (s !== '' && s !== 'running' && s !== 'stopped') {
    return { result: false, msg: 'filtering stage should be either `running`, `stopped`, or empty' };
  }
  const r = await perSource(ctx, req.taskName, {
    op: 'validation-status',
    ...(s ? { tableStage: s === 'running' ? 'Running' : 'Stopped' } : {}),
  });
  if ('result' in r) return { ...r, validators: [], tableStatuses: [] };
  const parts = r.data as { validators: unknown[]; tableStatuses: unknown[] }[];
  return {
    result: r.ok,
    msg: r.msg,
    validators: parts.flatMap((p) => p.validators),
    tableStatuses: parts.flatMap((p) => p.tableStatuses),
  };
}

/** DM's GetValidationError: `{result,msg,error:[…]}`; `--error all|unprocessed|ignored`. */
export async function validationErrors(
  ctx: LeaderCtx,
  req: { taskName: string; errState: string },
): Promise<Reply> {
  const states: Record<string, OperateRequest['errState'] | 'all'> = {
    all: 'all',
    unprocessed: 'NewErr',
    ignored: 'IgnoredErr',
  };
  const st = states[req.errState || 'unprocessed'];
  if (!st)
    return {
      result: false,
      msg: 'only support querying `all`, `unprocessed`, and `ignored` error',
      error: [],
    };
  const r = await perSource(ctx, req.taskName, {
    op: 'validation-errors',
    ...(st !== 'all' ? { errState: st } : {}),
  });
  if ('result' in r) return { ...r, error: [] };
  return { result: r.ok, msg: r.msg, error: (r.data as unknown[][]).flat() };
}

/** DM's OperateValidationError: ignore / resolve / clear one finding or `--all`. */
export async function operateValidationError(
  ctx: LeaderCtx,
  req: { taskName: string; op: string; errId: number; isAllError: boolean },
): Promise<Reply> {
  if (req.op !== 'ignore' && req.op !== 'resolve' && req.op !== 'clear') {
    return { result: false, msg: `unknown validation error operation ${req.op}` };
  }
  if (!req.isAllError && !(req.errId > 0))
    return { result: false, msg: 'either `--all` or `error-id` should be set' };
  const r = await perSource(ctx, req.taskName, {
    op: 'validation-operate-error',
    errOp: req.op,
    errId: req.errId,
    isAll: req.isAllError,
  });
  if ('result' in r) return r;
  return { result: r.ok, msg: r.msg };
}
