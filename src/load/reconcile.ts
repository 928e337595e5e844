import type { BinlogMeta, SubTaskConfig } from '../pkg/config/types.js';
import { type Connection, quoteTable } from '../pkg/db/connect.js';
import type { ChunkEntry } from '../pkg/dumpfile/chunk-manifest.js';
import {
  compareMeta,
  deleteCheckpoints,
  FINISHED_MARK,
  type FileCheckpoint,
  isDone,
  sameMeta,
  upsertCheckpoints,
} from '../pkg/dumpfile/load-checkpoint.js';
import type { Logger } from '../pkg/log/logger.js';
import type { DumpFiles } from './dump-files.js';

/** What reconciling the checkpoint with a dump decided. */
export interface Reconciled {
  /** Files whose chunk an earlier run loaded from another snapshot: not loaded again. */
  skip: Set<string>;
  /** Files whose range may hold rows of an older snapshot: loaded with REPLACE whatever `on-duplicate-logical` says. */
  replace: Set<string>;
  /** Bytes of the whole load (this dump's files plus chunks kept from earlier runs). */
  totalBytes: number;
  /** Bytes of those already loaded. */
  finishedBytes: number;
}

/**
 * Make the checkpoint rows match this dump (the files and, for our dumps, the chunk
 * manifest), chunk by chunk, and write them (`cps` is updated in place):
 *
 * - same chunk, same snapshot, same size → resume at its offset (a restart on this worker);
 * - same chunk (same range) already done from another snapshot → kept, its file skipped
 *   (a full phase resumed elsewhere and back: chunks never go back to an older snapshot);
 * - otherwise → loaded from byte 0 at this dump's snapshot. When bytes of it were committed
 *   before (from an older snapshot), the old snapshot stays its `earliest` (the sync unit
 *   replays from there), the file is loaded with REPLACE, and a whole-table chunk (a table
 *   without a usable chunk key, which cannot be resumed by range) is truncated first;
 * - rows of other chunks: kept when done with a chunk identity (loaded by an earlier run;
 *   their table was not dumped again), else deleted.
 */
export async function reconcile(
  ctl: Connection,
  cfg: SubTaskConfig,
  meta: BinlogMeta,
  files: DumpFiles,
  manifest: ChunkEntry[] | undefined,
  cps: Map<string, FileCheckpoint>,
  target: (db: string, table: string) => { schema: string; table: string },
  log: Logger,
  /**
   * `end_pos` of a manifest chunk without a file: 0 (an empty chunk of a finished dump, done at
   * once), or a never-reached value when the dump still runs (pipelined full phase).
   */
  fileless = 0,
): Promise<Reconciled> {
  const { metaSchema, name: task, sourceId } = cfg;
  const snap: BinlogMeta = {
    binlogName: meta.binlogName,
    binlogPos: meta.binlogPos,
    binlogGtid: meta.binlogGtid,
  };
  const out: Reconciled = { skip: new Set(), replace: new Set(), totalBytes: 0, finishedBytes: 0 };
  const chunks = new Map((manifest ?? []).map((c) => [c.file, c]));
  const want: FileCheckpoint[] = [];
  const seen = new Set<string>();
  const truncate = new Map<string, { schema: string; table: string }>();
  const kept = (bytes: number) => {
    out.totalBytes += bytes;
    out.finishedBytes += bytes;
  };
  const reset = (name: string, db: string, table: string, size: number, endPos = size) => {
    const cp = cps.get(name);
    const range = chunks.get(name)?.range;
    const t = target(db, table);
    let earliest = snap;
    // Rows of an older snapshot are in this range downstream when bytes were committed, or
    // when an earlier reset already carried an older `earliest` (and nothing since).
    const old = cp?.earliest ?? cp?.snapshot;
    if (cp && (cp.offset > 0 || (old && cp.snapshot && compareMeta(old, cp.snapshot) < 0))) {
      out.replace.add(name);
      if (range === '' && cp.range === '') {
        // A whole-table chunk is emptied first: it then holds this snapshot's rows only.
        truncate.set(`${t.schema}\0${t.table}`, t);
      } else if (old && compareMeta(old, snap) < 0) earliest = old;
      log.info({ file: name, earliest }, 'chunk partly loaded from an older snapshot: loading it again');
    } else if (cp && range === undefined) {
      log.warn({ file: name }, 'dump file changed since the last load attempt; reloading it');
    }
    const row: FileCheckpoint = {
      filename: name,
      cpSchema: t.schema,
      cpTable: t.table,
      offset: 0,
      endPos,
      ...(range !== undefined ? { range } : {}),
      snapshot: snap,
      earliest,
    };
    want.push(row);
    cps.set(name, row);
    out.totalBytes += size;
  };
  for (const f of files.data) {
    seen.add(f.name);
    const cp = cps.get(f.name);
    const range = chunks.get(f.name)?.range;
    if (cp && cp.range === range) {
      if (cp.endPos === f.size && (!cp.snapshot || sameMeta(cp.snapshot, snap))) {
        out.totalBytes += f.size;
        out.finishedBytes += Math.min(cp.offset, f.size);
        continue;
      }
      if (range !== undefined && isDone(cp)) {
        out.skip.add(f.name);
        kept(cp.endPos);
        continue;
      }
    }
    reset(f.name, f.db, f.table, f.size);
  }
  // Chunks empty at this snapshot have no file; they are loaded (0 bytes) all the same.
  for (const c of chunks.values()) {
    if (seen.has(c.file)) continue;
    seen.add(c.file);
    const cp = cps.get(c.file);
    if (cp && cp.range === c.range && isDone(cp)) kept(cp.endPos);
    else reset(c.file, c.db, c.table, 0, fileless);
  }
  const gone: string[] = [];
  for (const [name, cp] of cps) {
    if (seen.has(name) || name === FINISHED_MARK) continue;
    if (cp.range !== undefined && isDone(cp)) kept(cp.endPos);
    else gone.push(name);
  }
  for (const t of truncate.values()) {
    if (cfg.shardMode) {
      // Other sources' rows share the target: emptying it would lose them (documented).
      log.warn(
        { table: t },
        'keyless shard table partly loaded from an older snapshot: reloading without truncating (rows may double)',
      );
      continue;
    }
    log.warn(
      { table: t },
      'table without a chunk key was partly loaded from an older snapshot: truncating it',
    );
    await ctl.query(`TRUNCATE TABLE ${quoteTable(t.schema, t.table)}`).catch((err: { errno?: number }) => {
      if (err.errno !== 1146) throw err; // ER_NO_SUCH_TABLE: nothing to empty
    });
  }
  await upsertCheckpoints(ctl, metaSchema, task, sourceId, want);
  await deleteCheckpoints(ctl, metaSchema, task, sourceId, gone);
  return out;
}
