/**
 * Commands that act on a running subtask or relay through the source's bound worker:
 * `binlog skip|replace|revert|inject|list`, `binlog-schema list|update|delete`
 * (`POST /operate` on the worker), the relay stage commands (`start-relay` … `resume-relay`:
 * the leader writes `Keys.relayStage(source)`, the bound worker obeys) and `purge-relay`.
 * Answers follow DM: `{result, msg, sources:[{result,msg,source,worker}]}`.
 */

import { failed, withCode } from '../pkg/api/errors.js';
import type { OperateRequest } from '../pkg/api/worker-api.js';
import { asDmError, E } from '../pkg/errors/index.js';
import { Keys } from '../pkg/etcd/keys.js';
import { type LeaderCtx, operateWorker } from './leader-context.js';
import type { SourceResult } from './source-ops.js';
import { sourcesOfTask } from './task-ops.js';

export interface OperateResult extends SourceResult {
  /** Operation output (pending operations for list, CREATE TABLE for binlog-schema list…). */
  data?: unknown;
}

export interface OperateResponse {
  result: boolean;
  msg: string;
  sources: OperateResult[];
}

const fail = (msg: string): OperateResponse => ({ result: false, msg, sources: [] });

/** Send one operation to the worker bound to each source, in parallel. */
async function toWorkers(
  ctx: LeaderCtx,
  sources: string[],
  req: Omit<OperateRequest, 'task'> & { task?: string },
): Promise<OperateResponse> {
  const view = ctx.scheduler.view();
  const results = await Promise.all(
    sources.map(async (source): Promise<OperateResult> => {
      const worker = view.workerOf(source);
      const w = worker ? view.getWorker(worker) : undefined;
      if (!w) return { result: false, msg: `source ${source} is not bound to any worker`, source, worker };
      try {
        const r = await operateWorker(w.addr, { task: '', ...req });
        return {
          result: r.result,
          ...withCode(r.msg, r.errCode),
          source,
          worker,
          ...(r.data !== undefined ? { data: r.data } : {}),
        };
      } catch (err) {
        return { result: false, ...failed(asDmError(err, E.workerNotFound)), source, worker };
      }
    }),
  );
  return { result: results.every((r) => r.result), msg: '', sources: results };
}

/** The sources of `task` (all, or the `-s` ones, which must belong to the task). */
async function taskSources(ctx: LeaderCtx, task: string, only: string[]): Promise<string[] | string> {
  const all = await sourcesOfTask(ctx, task);
  if (all.length === 0)
    return `task ${task} has no source or not exist, please check the task name and status`;
  const missing = only.filter((s) => !all.includes(s));
  if (missing.length > 0) return `sources ${missing.join(', ')} do not run task ${task}`;
  return only.length > 0 ? only : all;
}

export const BINLOG_OPS = ['skip', 'replace', 'revert', 'inject', 'list'] as const;

/** `binlog <op> <task> [-s source…] [-b file:pos] [sqls]`. */
export async function binlogOp(
  ctx: LeaderCtx,
  req: { op: string; task: string; sources: string[]; binlogPos?: string; sqls?: string[] },
): Promise<OperateResponse> {
  if (!(BINLOG_OPS as readonly string[]).includes(req.op)) {
    return fail(`binlog: unknown operation "${req.op}"; expected one of ${BINLOG_OPS.join(', ')}`);
  }
  if ((req.op === 'replace' || req.op === 'inject') && !req.sqls?.length) {
    return fail(`binlog ${req.op} needs the SQL statements to execute`);
  }
  const sources = await taskSources(ctx, req.task, req.sources);
  if (typeof sources === 'string') return fail(sources);
  // A position belongs to one source's binlog (DM asks for exactly one source then).
  if (req.binlogPos && req.sources.length !== 1) {
    return fail('binlog position is given: specify exactly one source with -s');
  }
  return toWorkers(ctx, sources, {
    op: `binlog-${req.op}` as OperateRequest['op'],
    task: req.task,
    ...(req.binlogPos ? { binlogPos: req.binlogPos } : {}),
    ...(req.sqls?.length ? { sqls: req.sqls } : {}),
  });
}

/** `binlog-schema list|update|delete <task> <db> <table> [file] [-s source…] [--flush]`. */
export async function binlogSchemaOp(
  ctx: LeaderCtx,
  req: {
    op: string;
    task: string;
    sources: string[];
    database: string;
    table: string;
    schema?: string;
    flush?: boolean;
    fromSource?: boolean;
    fromTarget?: boolean;
    sync?: boolean;
  },
): Promise<OperateResponse> {
  if (!['list', 'update', 'delete'].includes(req.op)) {
    return fail(`binlog-schema: unknown operation "${req.op}"; expected list, update or delete`);
  }
  if (!req.database || !req.table) return fail('binlog-schema needs <database> and <table>');
  const from = (req.fromSource ? 1 : 0) + (req.fromTarget ? 1 : 0) + (req.schema ? 1 : 0);
  if (req.op === 'update' && from !== 1)
    return fail('binlog-schema update needs exactly one of a schema file, --from-source and --from-target');
  const sources = await taskSources(ctx, req.task, req.sources);
  if (typeof sources === 'string') return fail(sources);
  return toWorkers(ctx, sources, {
    op: `binlog-schema-${req.op}` as OperateRequest['op'],
    task: req.task,
    database: req.database,
    table: req.table,
    ...(req.schema ? { schema: req.schema } : {}),
    flush: req.flush !== false,
    ...(req.fromSource ? { fromSource: true } : {}),
    ...(req.fromTarget ? { fromTarget: true } : {}),
    ...(req.sync ? { sync: true } : {}),
  });
}

export const RELAY_OPS = {
  'start-relay': 'Running',
  'resume-relay': 'Running',
  'pause-relay': 'Paused',
  'stop-relay': 'Stopped',
} as const;
export type RelayCommand = keyof typeof RELAY_OPS;

/**
 * `start-relay|stop-relay|pause-relay|resume-relay -s source [worker…]`: set the expected
 * relay stage of each source; its bound worker starts/stops/pauses/resumes the relay. Named
 * workers must be the ones bound to the source (one worker runs a source here, unlike DM's
 * relay-on-many-workers; naming another worker is an error rather than silently ignored).
 */
export async function relayOp(
  ctx: LeaderCtx,
  req: { command: string; sources: string[]; workers: string[] },
): Promise<OperateResponse> {
  const stage = RELAY_OPS[req.command as RelayCommand];
  if (!stage) return fail(`unknown relay command ${req.command}`);
  if (req.sources.length === 0) return fail(`${req.command} needs -s source`);
  const view = ctx.scheduler.view();
  const known = new Set(view.listSources());
  const out: OperateResult[] = [];
  for (const source of req.sources) {
    const worker = view.workerOf(source);
    if (!known.has(source)) {
      out.push({ result: false, msg: `source ${source} not found`, source, worker });
      continue;
    }
    const other = req.workers.find((w) => w !== worker);
    if (other !== undefined) {
      out.push({
        result: false,
        msg: `source ${source} is bound to worker "${worker}", not "${other}"`,
        source,
        worker,
      });
      continue;
    }
    await ctx.client.put(Keys.relayStage(source)).value(JSON.stringify({ stage }));
    out.push({ result: true, msg: '', source, worker });
  }
  return { result: out.every((r) => r.result), msg: '', sources: out };
}

/** `purge-relay -s source --filename F [--sub-dir D]`: remove relay files before F. */
export async function purgeRelayOp(
  ctx: LeaderCtx,
  req: { sources: string[]; filename: string },
): Promise<OperateResponse> {
  if (req.sources.length !== 1) return fail('purge-relay needs exactly one source (-s)');
  if (!req.filename) return fail('purge-relay needs --filename');
  return toWorkers(ctx, req.sources, { op: 'purge-relay', filename: req.filename });
}
