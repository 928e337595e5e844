/**
 * `POST /operate` on a worker (contract in src/master/worker-api.ts): binlog operations on a
 * subtask's sync unit, binlog-schema on its schema tracker, and purge-relay on the relay dir.
 * Every answer is `{result,msg,data?}`; errors become `result:false` with the coded message.
 */
import type { OperateRequest, OperateResponse } from '../pkg/api/worker-api.js';
import type { BinlogOpKind } from '../pkg/binlog/binlog-operator.js';
import { parseBinlogPos } from '../pkg/binlog/binlog-operator.js';
import { asDmError, dmError, E } from '../pkg/errors/index.js';
import { purgeRelay } from '../relay/purge.js';
import { operateSchema } from '../sync/schema-operator.js';
import type { SubTask } from './subtask.js';
import { validationOp } from './validation-operate.js';

/** What operate needs from the SourceWorker. */
export interface OperateBackend {
  subtask(task: string): SubTask | undefined;
  /** The bound source's relay dir, when relay is enabled ('' otherwise). */
  relayDir(): string;
}

export async function operate(b: OperateBackend, req: OperateRequest): Promise<OperateResponse> {
  try {
    return await dispatch(b, req);
  } catch (err) {
    const e = asDmError(err, E.workerUnit);
    return { result: false, msg: e.toString(), errCode: e.code };
  }
}

async function dispatch(b: OperateBackend, req: OperateRequest): Promise<OperateResponse> {
  if (req.op === 'purge-relay') {
    const dir = b.relayDir();
    if (!dir) throw dmError(E.ctlInvalidArgs, 'relay is not enabled for the source bound to this worker');
    if (!req.filename) throw dmError(E.ctlInvalidArgs, 'purge-relay needs --filename');
    const removed = await purgeRelay(dir, { filename: req.filename });
    return { result: true, msg: '', data: removed.map((f) => `${f.subDir}/${f.file}`) };
  }
  const st = b.subtask(req.task);
  if (!st) throw dmError(E.ctlInvalidArgs, `subtask ${req.task} not found on this worker`);
  switch (req.op) {
    case 'binlog-skip':
    case 'binlog-replace':
    case 'binlog-inject': {
      const kind = req.op.slice('binlog-'.length) as BinlogOpKind;
      const pos = positionOf(st, req);
      st.binlogOps.set({ kind, pos, sqls: req.sqls ?? [] });
      // As DM: a subtask paused by an error resumes at once to run the operation. A subtask
      // paused by pause-task stays paused (its expected stage in etcd says so).
      const resumed = st.stage === 'Paused' && st.failedPosition() !== undefined;
      if (resumed) st.resume();
      return { result: true, msg: '', data: { operation: kind, binlogPos: parseBinlogPos(pos), resumed } };
    }
    case 'binlog-revert': {
      const pos = positionOf(st, req);
      if (!st.binlogOps.revert(pos)) {
        throw dmError(E.ctlInvalidArgs, `no pending binlog operation at ${parseBinlogPos(pos)}`);
      }
      return { result: true, msg: '' };
    }
    case 'validation-status':
    case 'validation-errors':
    case 'validation-operate-error':
      return { result: true, msg: '', data: await validationOp(st, req) };
    case 'binlog-list':
      return { result: true, msg: '', data: st.binlogOps.list() };
    case 'binlog-schema-list':
    case 'binlog-schema-update':
    case 'binlog-schema-delete': {
      const unit = st.syncControl();
      if (!unit) {
        throw dmError(
          E.ctlInvalidArgs,
          `subtask ${req.task} has no sync unit yet (schema tracker not ready)`,
        );
      }
      if (st.stage === 'Running' && req.op !== 'binlog-schema-list') {
        throw dmError(
          E.ctlInvalidArgs,
          `subtask ${req.task} is Running: pause it (pause-task) before changing the tracked schema`,
        );
      }
      const data = await operateSchema(unit, {
        op: req.op.slice('binlog-schema-'.length) as 'list' | 'update' | 'delete',
        database: req.database ?? '',
        table: req.table ?? '',
        schema: req.schema,
        flush: req.flush !== false,
        from: req.fromSource ? 'source' : req.fromTarget ? 'target' : undefined,
        sync: req.sync === true,
      });
      return { result: true, msg: typeof data === 'string' ? data : '', data };
    }
  }
  throw dmError(E.ctlInvalidArgs, `unknown operation ${String(req.op)}`);
}

/** `-b` as given, else the position in the error that paused the subtask. */
function positionOf(st: SubTask, req: OperateRequest): string {
  if (req.binlogPos) return req.binlogPos;
  const p = st.failedPosition();
  if (!p) {
    throw dmError(
      E.ctlInvalidArgs,
      `subtask ${req.task} is not paused by a failed binlog event: give the position with -b file:pos`,
    );
  }
  return p;
}
