import { asDmError, type ErrorDef } from '../pkg/errors/index.js';
import type { Logger } from '../pkg/log/logger.js';
import type { ProcessResult } from './unit.js';

/**
 * The `process()` shell shared by units that finish (dump, load): run the work, and on
 * pause/stop (`signal` aborts) destroy the unit's open `connections()`, which rolls back open
 * transactions so data and checkpoint stay equal. An abort is not an error; any
 * other failure becomes a coded error of `errDef` in the result. `cleanup` always runs.
 */
export async function abortableProcess(opts: {
  signal: AbortSignal;
  /** The unit's connections open at the moment of the abort. */
  connections: () => Iterable<{ destroy(): void }>;
  run: () => Promise<void>;
  cleanup: () => Promise<void>;
  errDef: ErrorDef;
  /** Unit name for messages, e.g. "dump". */
  what: string;
  log: Logger;
}): Promise<ProcessResult> {
  const { signal } = opts;
  const onAbort = (): void => {
    for (const c of opts.connections()) c.destroy();
  };
  signal.addEventListener('abort', onAbort, { once: true });
  try {
    await opts.run();
    return { finished: !signal.aborted, errors: [] };
  } catch (err) {
    if (signal.aborted) return { finished: false, errors: [] };
    const e = asDmError(err, opts.errDef, `${opts.what} failed: ${(err as Error).message}`);
    opts.log.error({ err: e.toString() }, `${opts.what} failed`);
    return { finished: false, errors: [e] };
  } finally {
    signal.removeEventListener('abort', onAbort);
    await opts.cleanup();
  }
}
