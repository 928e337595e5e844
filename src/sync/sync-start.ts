/**
 * Where the sync unit starts (its init): `start-task --start-time` not yet consumed, else the
 * checkpoint, else the task meta / the full phase's dump metadata; with the schema tracker
 * of that point and the exit-safe horizon (safe mode up to it).
 */
import type { SubTaskConfig } from '../pkg/config/types.js';
import type { Connection } from '../pkg/db/connect.js';
import type { Logger } from '../pkg/log/logger.js';
import type { SchemaTracker } from '../pkg/schema/schema-tracker.js';
import type { TableStructure } from '../pkg/schema/table-structure.js';
import type { CheckpointStore, GlobalCheckpoint } from './checkpoint.js';
import type { EventFilters } from './event-filters.js';
import { compareLocation, formatLocation, type Location } from './job.js';
import {
  type FullPhaseStart,
  resolveStartMeta,
  resolveStartTime,
  type StartPoint,
} from './start-location.js';
import { replicatedTables } from './structure-source.js';

/** What choosing the start needs from the sync unit. */
export interface StartHost {
  cfg: SubTaskConfig;
  workDir: string;
  store: CheckpointStore;
  tracker: SchemaTracker;
  filters: EventFilters;
  log: Logger;
  upstream(): Promise<Connection>;
  loadStructure(schema: string, table: string): Promise<TableStructure | undefined>;
}

export interface ChosenStart {
  start: StartPoint;
  exitSafe: Location | undefined;
  /** Chosen by `start-task --start-time` (DM's start-up safe-mode window applies). */
  timed?: boolean;
}

/** start-task --start-time is chosen over the checkpoint and the meta (start-location.ts). */
export async function chooseStart(
  h: StartHost,
  ctl: Connection,
  cp: GlobalCheckpoint | undefined,
  full: FullPhaseStart | undefined,
): Promise<ChosenStart> {
  return (await startFromTime(h, ctl, cp)) ?? (await startFromCheckpointOrMeta(h, ctl, cp, full));
}

/** The checkpoint when there is one, else the task meta / dump metadata. */
async function startFromCheckpointOrMeta(
  h: StartHost,
  ctl: Connection,
  cp: GlobalCheckpoint | undefined,
  full: FullPhaseStart | undefined,
): Promise<ChosenStart> {
  if (cp) {
    h.tracker.load(cp.tables);
    h.log.info(
      { checkpoint: formatLocation(cp.location), exitSafe: formatLocation(cp.exitSafe) },
      'resume from checkpoint',
    );
    return { start: cp.location, exitSafe: cp.exitSafe };
  }
  const start = full?.start ?? (await resolveStartMeta(h.cfg, h.workDir));
  // Killed before the first checkpoint flush, changes up to this point may be applied;
  // and rows of the full phase's latest snapshot are in already (start-location.ts).
  const saved = await h.store.loadExitSafeOnly(ctl);
  const exitSafe =
    saved && full?.exitSafe && compareLocation(saved, full.exitSafe) < 0
      ? full.exitSafe
      : (saved ?? full?.exitSafe);
  if (full?.exitSafe)
    h.log.info(
      { start: full.start, exitSafe: formatLocation(full.exitSafe) },
      'full phase loaded from several snapshots: safe mode until the latest',
    );
  await preloadTracker(h);
  return { start, exitSafe };
}

/**
 * `start-task --start-time` not yet consumed: start at the located position (safe mode up to
 * a later old checkpoint), and save it at once with the consumed start-time, so that a
 * restart resumes from the checkpoint instead of rewinding again. Undefined when not applicable.
 */
async function startFromTime(
  h: StartHost,
  ctl: Connection,
  cp: GlobalCheckpoint | undefined,
): Promise<ChosenStart | undefined> {
  if (!h.cfg.startTime) return undefined;
  const timed = await resolveStartTime({
    cfg: h.cfg,
    checkpoint: cp,
    exitSafeOnly: cp ? undefined : await h.store.loadExitSafeOnly(ctl),
    upstream: () => h.upstream(),
    logger: h.log,
  });
  if (!timed) return undefined;
  await preloadTracker(h);
  const q = h.store.saveGlobalSql({
    location: timed.start,
    ...(timed.exitSafe ? { exitSafe: timed.exitSafe } : {}),
    tables: h.tracker.toJSON(),
    startTime: timed.startTime,
  });
  await ctl.query(q.sql, q.params);
  return { start: timed.start, exitSafe: timed.exitSafe, timed: true };
}

/**
 * First start: take every replicated table's structure now, before any DDL that follows the
 * start position is replayed (loading lazily at the first row would see the upstream's
 * structure of later, possibly after an ALTER the binlog has yet to deliver).
 */
async function preloadTracker(h: StartHost): Promise<void> {
  for (const { s, t } of await replicatedTables(await h.upstream(), h.filters)) {
    const st = await h.loadStructure(s, t);
    if (st) h.tracker.put(st);
  }
}
