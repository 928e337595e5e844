import { isAbsolute, join } from 'node:path';
import { BinlogClient } from '../pkg/binlog/binlog-client.js';
import type { PositionedEvent, SchemaLookup } from '../pkg/binlog/types.js';
import { parseStartTime } from '../pkg/config/start-time.js';
import type { BinlogMeta, SubTaskConfig } from '../pkg/config/types.js';
import type { Connection } from '../pkg/db/connect.js';
import { binlogEndpoint } from '../pkg/db/connect.js';
import { loadedSnapshotSpan } from '../pkg/dumpfile/load-checkpoint.js';
import { loadedBinlogMeta } from '../pkg/dumpfile/metadata.js';
import { dmError, E } from '../pkg/errors/index.js';
import type { Logger } from '../pkg/log/logger.js';
import { sleep } from '../pkg/retry/backoff.js';
import { relayBatchesAfterGtid } from '../relay/relay-gtid-start.js';
import { readIndex } from '../relay/relay-layout.js';
import { RelayReader } from '../relay/relay-reader.js';
import { type GlobalCheckpoint, tableKey } from './checkpoint.js';
import { compareLocation, type Location } from './job.js';
import { locateStartTime } from './start-time-locate.js';

/** Where the sync unit reads from: a file/position, or a GTID set alone. */
export type StartPoint = Location | { gtid: string };

/**
 * The start point of a sync unit without a checkpoint: the task's `meta` (incremental mode)
 * or the metadata of the dump the load unit applied (mode `all`).
 */
export async function resolveStartMeta(cfg: SubTaskConfig, workDir: string): Promise<StartPoint> {
  let meta: BinlogMeta | undefined;
  if (cfg.taskMode === 'incremental') meta = cfg.meta;
  else meta = await loadedBinlogMeta(cfg, workDir);
  return startPointOf(cfg, meta);
}

/** The start point a binlog meta names (pure). */
function startPointOf(cfg: SubTaskConfig, meta: BinlogMeta | undefined): StartPoint {
  if (!meta || (!meta.binlogName && !meta.binlogGtid)) {
    throw dmError(E.syncFailed, 'no checkpoint and no start position (meta) for the sync unit');
  }
  // With GTID enabled a GTID set is the position of record; the file is only a hint.
  if (meta.binlogGtid && (cfg.enableGtid || !meta.binlogName)) {
    return meta.binlogName
      ? { file: meta.binlogName, pos: meta.binlogPos || 4, gtid: meta.binlogGtid }
      : { gtid: meta.binlogGtid };
  }
  return {
    file: meta.binlogName,
    pos: meta.binlogPos || 4,
    ...(meta.binlogGtid ? { gtid: meta.binlogGtid } : {}),
  };
}

/**
 * What the full phase of a task-mode `all` subtask left for the sync unit, read from the
 * load checkpoint (whose rows name the dump snapshot of every loaded chunk). One snapshot in
 * the usual case; several when the full phase resumed on another worker and dumped the
 * ranges it had not loaded again at a newer snapshot (load-unit.ts). Then, as the watermark
 * method of DBLog / Debezium incremental snapshots: replication starts at the EARLIEST
 * snapshot and stays in safe mode until the LATEST is passed, so replaying the binlog between
 * them brings the chunks of older snapshots up to date (deletes remove stale rows, inserts
 * and updates become REPLACE) and is idempotent on the chunks of newer ones.
 */
export interface FullPhaseStart {
  /** The earliest snapshot: where the sync unit starts without a checkpoint. */
  start: StartPoint;
  /** The latest snapshot when later than the start: safe mode until it is passed. */
  exitSafe: Location | undefined;
  /**
   * Tables loaded only from snapshots later than the start (`schema.table` lower case as
   * `tableKey`): their changes up to it are in the loaded rows. Seeds the per-table
   * checkpoints of keyless tables, whose replay safe mode cannot make idempotent.
   */
  tableStarts: Map<string, Location>;
}

/**
 * The full phase's start for the sync unit; undefined for task modes without a load, and
 * when the load checkpoint carries no snapshots (a foreign dump, or one from an older
 * version: `resolveStartMeta` reads the dump metadata then). It does not need the dump dir,
 * so a worker that took over after the load finished elsewhere can start too.
 */
export async function readFullPhaseStart(
  cfg: SubTaskConfig,
  downstream: Connection,
): Promise<FullPhaseStart | undefined> {
  if (cfg.taskMode !== 'all') return undefined;
  const span = await loadedSnapshotSpan(downstream, cfg.metaSchema, cfg.name, cfg.sourceId);
  if (!span) return undefined;
  const loc = (m: BinlogMeta): Location => ({
    file: m.binlogName,
    pos: m.binlogPos,
    ...(m.binlogGtid ? { gtid: m.binlogGtid } : {}),
  });
  const start = startPointOf(cfg, span.earliest);
  const latest = loc(span.latest);
  const exitSafe = compareLocation(latest, loc(span.earliest)) > 0 ? latest : undefined;
  const tableStarts = new Map(
    span.tables.map((t) => [tableKey({ schema: t.db, table: t.table }), loc(t.since)]),
  );
  return { start, exitSafe, tableStarts };
}

/** A start chosen by `start-task --start-time`. */
export interface TimedStart {
  start: Location;
  /** Safe mode until this is passed: the old checkpoint / exit-safe point when later than `start`. */
  exitSafe: Location | undefined;
  /** The start-time consumed (saved with the checkpoint). */
  startTime: string;
}

/**
 * The start point given by the subtask's `startTime` (DM `start-task --start-time`), or
 * undefined when there is none or it was consumed already. As DM, it has priority over the
 * task's meta and over the checkpoint. When the checkpoint (or a saved exit-safe point) lies
 * after the located position, the replay up to it runs in safe mode (DM: "safe mode until it
 * has replicated past the checkpoint"): it becomes the exit-safe point.
 *
 * Consumed: DM clears the task's start-time in etcd after the first checkpoint flush, so a
 * restart or resume does not rewind again. Here the sync unit saves the located position
 * with the start-time it came from in the checkpoint row, in one statement, before it reads
 * any event (CheckpointStore.saveGlobalSql); a checkpoint whose saved start-time equals the
 * config's is a normal resume. This keeps the rule in the sync unit, crash-safe without a
 * worker→master round trip, and it does not rewrite the subtask config (which the worker
 * treats as update-task and restarts the subtask). Consequence: giving the SAME start-time
 * again later (without --remove-meta) does not rewind again; a different one does.
 */
export async function resolveStartTime(o: {
  cfg: SubTaskConfig;
  checkpoint: GlobalCheckpoint | undefined;
  /** The exit-safe point of a global row without a position (crash before the first flush). */
  exitSafeOnly: Location | undefined;
  upstream: () => Promise<Connection>;
  logger: Logger;
}): Promise<TimedStart | undefined> {
  const startTime = o.cfg.startTime?.trim();
  if (!startTime) return undefined;
  if (o.checkpoint?.startTime === startTime) {
    o.logger.info({ startTime }, 'start-time already consumed: resuming from the checkpoint');
    return undefined;
  }
  const t = parseStartTime(startTime, o.cfg.timezone);
  const located = await locateStartTime({ cfg: o.cfg, t, upstream: await o.upstream(), logger: o.logger });
  let exitSafe: Location | undefined;
  for (const l of [o.checkpoint?.location, o.checkpoint?.exitSafe, o.exitSafeOnly]) {
    if (l && compareLocation(l, exitSafe ?? located.location) > 0) exitSafe = { ...l };
  }
  const log = located.bound === 'in-range' ? o.logger.info.bind(o.logger) : o.logger.warn.bind(o.logger);
  log(
    {
      startTime,
      timezone: o.cfg.timezone || 'UTC',
      bound: located.bound,
      start: located.location,
      exitSafe,
      checkpoint: o.checkpoint?.location,
    },
    located.bound === 'before-oldest'
      ? 'start-time is before the oldest binlog: starting at the oldest binlog'
      : located.bound === 'after-newest'
        ? 'start-time is after the newest binlog event: starting at the current end'
        : 'starting from start-time; the checkpoint and the task meta are ignored',
  );
  return { start: located.location, exitSafe, startTime };
}

/** The relay directory of a subtask, resolved the same way the relay unit resolves it. */
export function resolveRelayDir(cfg: SubTaskConfig, workDir: string): string {
  const d = cfg.relayDir || 'relay-dir';
  return isAbsolute(d) ? d : join(workDir, d);
}

/** Options of {@link openEvents}. */
export interface EventSourceOptions {
  cfg: SubTaskConfig;
  workDir: string;
  start: StartPoint;
  /** Read the local relay log (binlogType local) instead of the upstream. */
  fromRelay: boolean;
  schemaLookup: SchemaLookup;
  logger: Logger;
}

/**
 * The binlog event stream of a subtask: the local relay log or the upstream server, in arrays
 * of the events already at hand (see BinlogClient.eventBatches, RelayReader.batches).
 */
export function openEvents(o: EventSourceOptions, signal: AbortSignal): AsyncGenerator<PositionedEvent[]> {
  const { cfg, start } = o;
  if (o.fromRelay) return relayEvents(o, signal);
  const byGtid = cfg.enableGtid && start.gtid !== undefined && start.gtid !== '';
  return new BinlogClient({
    ...binlogEndpoint(cfg.from),
    // Each subtask's stream registers under its own random id (as DM's syncer), never the
    // source's server-id, which belongs to the relay: a second task on the source, or the
    // relay, would otherwise evict this stream (MariaDB error 4052).
    reservedServerIds: cfg.serverId ? [cfg.serverId] : [],
    flavor: cfg.flavor,
    start: byGtid || !('file' in start) ? { gtid: start.gtid ?? '' } : { file: start.file, pos: start.pos },
    heartbeatMs: 1000,
    schemaLookup: o.schemaLookup,
    ...(cfg.timezone ? { timeZone: cfg.timezone } : {}),
    logger: o.logger,
  }).eventBatches(signal);
}

/**
 * Events from the relay log. The relay unit may start at the same moment: wait for its first
 * sub-dir before reading. A start point with a GTID set alone is located in the relay's own
 * files (the first transaction not in the set; see relay/gtid-locate.ts); a file/position
 * is used as is (relay files keep the upstream's names and offsets).
 */
async function* relayEvents(o: EventSourceOptions, signal: AbortSignal): AsyncGenerator<PositionedEvent[]> {
  const relayDir = resolveRelayDir(o.cfg, o.workDir);
  let warned = false;
  while (!signal.aborted && readIndex(relayDir).length === 0) {
    if (!warned) o.logger.info({ relayDir }, 'waiting for the relay unit to write the relay log');
    warned = true;
    await sleep(100);
  }
  if (signal.aborted) return;
  // TIMESTAMPs in the task zone, as the sessions that write them (see DecoderOptions.timeZone).
  const decoder = { schemaLookup: o.schemaLookup, ...(o.cfg.timezone ? { timeZone: o.cfg.timezone } : {}) };
  if (!('file' in o.start)) {
    o.logger.info({ gtid: o.start.gtid }, 'locating the GTID start point in the relay log');
    yield* relayBatchesAfterGtid({ relayDir, gtid: o.start.gtid, flavor: o.cfg.flavor, decoder }, signal);
    return;
  }
  const reader = new RelayReader({ relayDir, start: { file: o.start.file, pos: o.start.pos }, decoder });
  yield* reader.batches(signal);
}
