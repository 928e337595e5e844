/**
 * The worker side of `dmctl validation status|show-error|ignore-error|resolve-error|
 * clear-error` (DM's GetValidationStatus / GetValidationError / OperateValidationError on a
 * worker): the live validator's status, and the source's rows of
 * `<task>_validator_error_change` read or changed downstream (they exist whether or not the
 * sync unit runs right now).
 */
import type { OperateRequest } from '../pkg/api/worker-api.js';
import { connectDb } from '../pkg/db/connect.js';
import { E } from '../pkg/errors/index.js';
import { operateErrors, readErrors, validatorTables } from '../sync/validator/validator-store.js';
import type { SubTask } from './subtask.js';

/** MariaDB/MySQL ER_NO_SUCH_TABLE: the validator never ran for this task. */
const NO_SUCH_TABLE = 1146;

export async function validationOp(st: SubTask, req: OperateRequest): Promise<unknown> {
  if (req.op === 'validation-status') {
    const v = st.syncControl()?.validator;
    await v?.refreshErrorCounts();
    return {
      validators: v ? [v.status()] : [],
      tableStatuses: v ? v.tableStatus(req.tableStage) : [],
    };
  }
  const cfg = st.cfg;
  const tables = validatorTables(cfg.metaSchema, cfg.name);
  const c = await connectDb(cfg.to, E.dbDownstreamConnect);
  try {
    if (req.op === 'validation-errors') return await readErrors(c, tables, cfg.sourceId, req.errState);
    return await operateErrors(
      c,
      tables,
      cfg.sourceId,
      req.errOp ?? 'ignore',
      req.isAll ? 'all' : (req.errId ?? 0),
    );
  } catch (err) {
    if ((err as { errno?: number }).errno === NO_SUCH_TABLE) return req.op === 'validation-errors' ? [] : 0;
    throw err;
  } finally {
    await c.end().catch(() => undefined);
  }
}
