import { compareBinlogFile } from '../pkg/binlog/position.js';
import type { BinlogLocation } from '../pkg/binlog/types.js';
import type { SubTaskConfig } from '../pkg/config/types.js';
import { connectDb } from '../pkg/db/connect.js';
import { E } from '../pkg/errors/index.js';
import { CheckpointStore } from '../sync/checkpoint.js';
import type { Stage, UnitType } from '../unit/unit.js';
import { unitsForMode } from './resume-point.js';

/**
 * Where a relay with an empty relay dir begins when the source already has subtasks (DM:
 * with no relay meta, the relay starts at the minimum checkpoint of the source's subtasks, so
 * every subtask finds its position in the relay and no older binlog is copied): pos 4 of the
 * oldest binlog file a subtask will read from.
 *
 * Undefined when that is not known for every subtask that will read (one still dumping or
 * loading without a position yet, or a checkpoint that cannot be read): the relay then keeps
 * its own default — `relay-binlog-name`, or the OLDEST binlog on the server — which is never
 * after a position the upstream still has.
 */

/** What the decision needs of a live subtask (SubTask satisfies it). */
export interface SubtaskPosition {
  readonly stage: Stage;
  readonly unitType: UnitType | '';
  /** The live sync unit's applied location; undefined when none. */
  syncLocation(): BinlogLocation | undefined;
}

/** One subtask of the source: its config, the SubTask when it runs here, its expected stage. */
export interface RelayStartCandidate {
  cfg: SubTaskConfig;
  live?: SubtaskPosition;
  /** The master's expected stage; 'Stopped' subtasks read nothing. */
  expected?: string;
}

/** The binlog file of a subtask's saved sync checkpoint; undefined = none saved. May throw. */
export type CheckpointFileReader = (cfg: SubTaskConfig) => Promise<string | undefined>;

/**
 * The relay start for `tasks` (see the file comment). Per subtask, the older of its saved
 * sync checkpoint (where it resumes after a crash) and its live sync unit's position (a fall
 * back when the checkpoint cannot be read); with neither, an incremental task's `meta` file.
 */
export async function relayStartFor(
  tasks: Iterable<RelayStartCandidate>,
  readCheckpointFile: CheckpointFileReader = readSyncCheckpointFile,
): Promise<BinlogLocation | undefined> {
  let oldest: string | undefined;
  for (const t of tasks) {
    if (t.expected === 'Stopped' || !unitsForMode(t.cfg.taskMode).includes('Sync')) continue;
    const stage = t.live?.stage;
    if (stage === 'Stopped' || stage === 'Finished') continue;
    const files: string[] = [];
    let unreadable = false;
    try {
      const f = await readCheckpointFile(t.cfg);
      if (f) files.push(f);
    } catch {
      unreadable = true;
    }
    if (t.live?.unitType === 'Sync') {
      const f = t.live.syncLocation()?.file;
      if (f) files.push(f);
    }
    if (files.length === 0 && !unreadable && t.cfg.taskMode === 'incremental' && t.cfg.meta?.binlogName) {
      files.push(t.cfg.meta.binlogName);
    }
    if (files.length === 0) return undefined;
    for (const f of files) if (oldest === undefined || compareBinlogFile(f, oldest) < 0) oldest = f;
  }
  return oldest === undefined ? undefined : { file: oldest, pos: 4 };
}

/** The sync unit's saved checkpoint file, from the downstream meta schema. */
export async function readSyncCheckpointFile(cfg: SubTaskConfig): Promise<string | undefined> {
  const conn = await connectDb(cfg.to, E.dbDownstreamConnect);
  try {
    const cp = await new CheckpointStore(cfg.metaSchema, cfg.name, cfg.sourceId).loadGlobal(conn);
    return cp?.location.file || undefined;
  } catch (err) {
    // No checkpoint table yet = the sync unit never ran.
    if ((err as { errno?: number }).errno === 1146) return undefined;
    throw err;
  } finally {
    await conn.end().catch(() => undefined);
  }
}
