import { DumpFeed } from '../pkg/dumpfile/dump-feed.js';
import { type DmError, dmError, E } from '../pkg/errors/index.js';
import type { ProcessResult, Unit } from '../unit/unit.js';

/** How a pipelined full phase ended. */
export type PipelineEnd =
  | { kind: 'finished' }
  /** Paused or stopped from outside (the subtask's signal). */
  | { kind: 'aborted' }
  | { kind: 'failed'; unit: Unit; errors: DmError[] };

/** What the pipeline tells the subtask as it goes. */
export interface PipelineHooks {
  /** The dump finished (the load may still run): the subtask moves on to the load. */
  dumpFinished(): Promise<void>;
  /** The load running beside the dump, for query-status (undefined once it stands alone). */
  beside(load: Unit | undefined): void;
}

/**
 * The pipelined full phase (beyond DM, whose load starts after the dump): dump and load run
 * at once, the load taking each chunk file as soon as the dump closed it (DumpFeed), so the
 * target ingests while the upstream is still read. Both units must be init()ed. A failure of
 * either stops the other; the error reported is the one that stopped the pair (a unit stopped
 * because the other failed reports nothing). Crash safety is the units' own (see
 * LoadUnit.runFollowing): a new run starts from the dump again.
 */
export async function runFullPipeline(
  dump: Unit,
  load: Unit,
  signal: AbortSignal,
  hooks: PipelineHooks,
): Promise<PipelineEnd> {
  const feed = new DumpFeed();
  const both = new AbortController();
  const stopBoth = () => both.abort();
  signal.addEventListener('abort', stopBoth, { once: true });
  dump.streamTo?.(feed);
  load.follow?.(feed);
  hooks.beside(load);
  let loadEnd: ProcessResult | undefined;
  const loading = load.process(both.signal).then((r) => {
    loadEnd = r;
    if (r.errors.length > 0 || !r.finished) both.abort();
    return r;
  });
  const failed = (unit: Unit, r: ProcessResult): PipelineEnd => ({
    kind: 'failed',
    unit,
    errors:
      r.errors.length > 0
        ? r.errors
        : [dmError(E.workerUnit, `${unit.type} unit returned without finishing or an error`)],
  });
  try {
    const dr = await dump.process(both.signal);
    if (signal.aborted) return { kind: 'aborted' };
    // The load failed first: the dump was stopped by it, its own errors are noise.
    if (loadEnd && (loadEnd.errors.length > 0 || !loadEnd.finished) && !dr.finished)
      return failed(load, loadEnd);
    if (dr.errors.length > 0 || !dr.finished) return failed(dump, dr);
    hooks.beside(undefined);
    await hooks.dumpFinished();
    const lr = await loading;
    if (signal.aborted) return { kind: 'aborted' };
    if (lr.errors.length > 0 || !lr.finished) return failed(load, lr);
    return { kind: 'finished' };
  } finally {
    signal.removeEventListener('abort', stopBoth);
    hooks.beside(undefined);
    dump.streamTo?.(undefined);
    load.follow?.(undefined);
    both.abort();
    await loading.catch(() => undefined);
  }
}
