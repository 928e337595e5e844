import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { SubTaskConfig, TaskMode } from '../pkg/config/types.js';
import { connectDb, quoteTable } from '../pkg/db/connect.js';
import { dumpDir } from '../pkg/dumpfile/dump-dir.js';
import { checkpointTable, isLoadFinished } from '../pkg/dumpfile/load-checkpoint.js';
import { METADATA_FILE, parseDumpMetadata } from '../pkg/dumpfile/metadata.js';
import { E } from '../pkg/errors/index.js';
import type { UnitType } from '../unit/unit.js';

/**
 * Where a (re)started subtask resumes, so finished units are never redone (DM decides this
 * from the checkpoints too). The pure decision is `resumeFrom`; the downstream look-up that
 * feeds it is `readCheckpointFacts`, the one place that knows what the load and sync units
 * write in the meta schema.
 */

/** The units a task mode runs, in order. */
export function unitsForMode(mode: TaskMode): UnitType[] {
  switch (mode) {
    case 'all':
      return ['Dump', 'Load', 'Sync'];
    case 'full':
      return ['Dump', 'Load'];
    case 'incremental':
      return ['Sync'];
    case 'dump':
      return ['Dump'];
    case 'load':
      return ['Load'];
  }
}

/** What the downstream checkpoints (and the local dump dir) say about earlier runs. */
export interface CheckpointFacts {
  /** none: no loader checkpoint rows; in-progress: some chunks not done; finished: all done. */
  load: 'none' | 'in-progress' | 'finished';
  /** `<task>_syncer_checkpoint` has a row for this source. */
  syncStarted: boolean;
  /** The dump output of an earlier run is still on this worker's disk. */
  dumpFilesPresent: boolean;
}

export const NO_FACTS: CheckpointFacts = Object.freeze({
  load: 'none',
  syncStarted: false,
  dumpFilesPresent: false,
});

/**
 * Index into `unitsForMode(mode)` of the first unit to run; `units.length` means nothing is
 * left (the subtask is Finished at once).
 *
 * - sync checkpoint present → Sync (a full+incremental task that already replicates);
 * - load finished → the unit after Load (Sync for all, nothing for full/load);
 * - load in progress with the dump files still here → Load (it resumes per chunk);
 *   without them (the source moved to another worker) → Dump, which then dumps only the
 *   chunk ranges the load checkpoint does not show as loaded, at a new snapshot, and the
 *   sync unit replays from the oldest snapshot in safe mode (DM redoes the whole full
 *   phase: its full import is not HA, see the seed doc; see dump-unit.ts, load-unit.ts);
 * - otherwise from the first unit.
 */
export function resumeFrom(mode: TaskMode, facts: CheckpointFacts): number {
  const units = unitsForMode(mode);
  const sync = units.indexOf('Sync');
  const load = units.indexOf('Load');
  if (sync >= 0 && facts.syncStarted) return sync;
  if (load >= 0) {
    if (facts.load === 'finished') return load + 1;
    if (facts.load === 'in-progress' && (facts.dumpFilesPresent || units[0] === 'Load')) {
      return load;
    }
  }
  return 0;
}

/**
 * Read the facts from the downstream meta schema. Missing tables mean "never ran".
 *
 * Loader: src/load/checkpoint.ts (`isLoadFinished`: its finished-marker row; any other row
 * of this source = in progress). Syncer: `<task>_syncer_checkpoint` has a row for `id`.
 */
export async function readCheckpointFacts(cfg: SubTaskConfig, workDir: string): Promise<CheckpointFacts> {
  const conn = await connectDb(cfg.to, E.dbDownstreamConnect);
  try {
    const load = await loaderState(conn, cfg);
    const syncStarted = await hasSyncerRow(conn, cfg);
    const dumpFilesPresent = completeDump(join(dumpDir(cfg, workDir), METADATA_FILE));
    return { load, syncStarted, dumpFilesPresent };
  } finally {
    await conn.end().catch(() => undefined);
  }
}

/**
 * A finished dump is on this disk: its metadata has "Finished dump at" (a dump killed half
 * way, e.g. a re-dump of the ranges left, is redone rather than loaded).
 */
function completeDump(metadataPath: string): boolean {
  try {
    return parseDumpMetadata(readFileSync(metadataPath, 'utf8')).finishedAt !== undefined;
  } catch {
    return false; // no metadata file: no dump here
  }
}

type Conn = Awaited<ReturnType<typeof connectDb>>;

async function tableExists(conn: Conn, schema: string, table: string): Promise<boolean> {
  const [rows] = await conn.query(
    'SELECT 1 FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ?',
    [schema, table],
  );
  return (rows as unknown[]).length > 0;
}

async function loaderState(conn: Conn, cfg: SubTaskConfig): Promise<CheckpointFacts['load']> {
  // The load unit's own verdict (its FINISHED_MARK row), so the two never disagree.
  if (await isLoadFinished(conn, cfg.metaSchema, cfg.name, cfg.sourceId)) return 'finished';
  const table = checkpointTable(cfg.name);
  if (!(await tableExists(conn, cfg.metaSchema, table))) return 'none';
  const [rows] = await conn.query(`SELECT 1 FROM ${quoteTable(cfg.metaSchema, table)} WHERE id = ? LIMIT 1`, [
    cfg.sourceId,
  ]);
  return (rows as unknown[]).length > 0 ? 'in-progress' : 'none';
}

async function hasSyncerRow(conn: Conn, cfg: SubTaskConfig): Promise<boolean> {
  const table = `${cfg.name}_syncer_checkpoint`;
  if (!(await tableExists(conn, cfg.metaSchema, table))) return false;
  const [rows] = await conn.query(`SELECT 1 FROM ${quoteTable(cfg.metaSchema, table)} WHERE id = ? LIMIT 1`, [
    cfg.sourceId,
  ]);
  return (rows as unknown[]).length > 0;
}
