import { dumpSessionsInMainThread } from '../pkg/config/bench-overrides.js';
import type { BinlogMeta, Consistency, DbConfig } from '../pkg/config/types.js';
import { type Connection, connectDb, quoteTable } from '../pkg/db/connect.js';
import { dmError, E } from '../pkg/errors/index.js';
import type { Logger } from '../pkg/log/logger.js';
import { closeSessions, type DumpSession, LocalSession } from './dump-session.js';
import { SessionThreads } from './session-thread.js';

/**
 * Opening a consistent snapshot over N upstream connections and recording the binlog
 * position (file, pos, GTID set) that matches it exactly. Modes follow dumpling's
 * `--consistency`:
 *
 * - `flush`: FLUSH TABLES WITH READ LOCK on a control connection, every worker connection
 *   starts `WITH CONSISTENT SNAPSHOT` (REPEATABLE READ), the position is read, then UNLOCK
 *   TABLES at once: writes are blocked only for the few milliseconds the snapshots take.
 * - `snapshot` (lock-free, MariaDB): every connection starts `WITH CONSISTENT SNAPSHOT`
 *   without any lock. MariaDB reports a per-snapshot `binlog_snapshot_file/position`, but we
 *   measured it off by one or two transactions (both ways) under concurrent commits on
 *   10.11 (6 of 800 snapshots), so it cannot be the exact position. Instead we record a
 *   position that is at or BEFORE every snapshot (see `lowerBound`): the sync unit starts
 *   there in safe mode (safe-mode-duration after every start), so the few transactions
 *   that are both in the dump and replayed are applied idempotently (REPLACE / DELETE)
 *   and none is lost. We still try to open all N snapshots at one position (retrying a
 *   few times), so the chunks of one table normally come from one state.
 * - `lock`: LOCK TABLES … READ for the dumped base tables on a control connection (needs
 *   LOCK TABLES + SELECT only), snapshots opened, position read, UNLOCK.
 * - `none`: snapshots without any lock; the position is the same lower bound as `snapshot`.
 * - `auto`: flush when the user has RELOAD, else snapshot on MariaDB, lock on MySQL.
 *
 * On MariaDB the GTID set is always `BINLOG_GTID_POS(file, pos)` of the recorded position
 * (so both always name the same point); MySQL's is `Executed_Gtid_Set` of SHOW MASTER STATUS.
 */
export interface Snapshot {
  /** Sessions inside `START TRANSACTION WITH CONSISTENT SNAPSHOT`, all seeing the same data. */
  conns: DumpSession[];
  pos: BinlogMeta;
  /** The mode actually used (auto resolved). */
  mode: Exclude<Consistency, 'auto'>;
  isMariadb: boolean;
}

export interface SnapshotOptions {
  from: DbConfig;
  threads: number;
  mode: Consistency;
  /** Base tables to lock in `lock` mode. */
  tables: { schema: string; table: string }[];
  logger: Logger;
  /** How a snapshot session is opened (default: one worker thread per session). */
  openSession?: (from: DbConfig) => Promise<DumpSession>;
  /** Sessions already opened by `openSessions` (then `threads` and `openSession` are unused). */
  sessions?: DumpSession[];
}

/** ER_SPECIFIC_ACCESS_DENIED, ER_DBACCESS_DENIED, ER_ACCESS_DENIED, ER_TABLEACCESS_DENIED. */
const ACCESS_DENIED = new Set([1227, 1044, 1045, 1142]);

export function isAccessDenied(err: unknown): boolean {
  const errno = (err as { errno?: number } | null)?.errno;
  return typeof errno === 'number' && ACCESS_DENIED.has(errno);
}

/** Rows of a statement on the control connection or on a dump session. */
async function q<T = Record<string, unknown>>(c: Connection | DumpSession, sql: string): Promise<T[]> {
  if ('firstRawRow' in c) return (await c.query(sql)) as T[];
  const [rows] = await c.query(sql);
  return rows as T[];
}

async function startSnapshot(c: Connection | DumpSession): Promise<void> {
  await c.query('SET SESSION TRANSACTION ISOLATION LEVEL REPEATABLE READ');
  await c.query('START TRANSACTION WITH CONSISTENT SNAPSHOT');
}

/** MariaDB: the binlog position of this connection's snapshot. */
async function snapshotPos(c: Connection | DumpSession): Promise<{ file: string; pos: number }> {
  const rows = await q<{ Variable_name: string; Value: string }>(
    c,
    "SHOW SESSION STATUS LIKE 'binlog_snapshot_%'",
  );
  const v = new Map(rows.map((r) => [r.Variable_name.toLowerCase(), r.Value]));
  return { file: v.get('binlog_snapshot_file') ?? '', pos: Number(v.get('binlog_snapshot_position') ?? 0) };
}

async function masterStatus(c: Connection): Promise<{ file: string; pos: number; gtid: string }> {
  let rows: Record<string, unknown>[];
  try {
    rows = await q(c, 'SHOW MASTER STATUS');
  } catch (err) {
    // MySQL 8.4 renamed it.
    if ((err as { errno?: number }).errno !== 1064) throw err;
    rows = await q(c, 'SHOW BINARY LOG STATUS');
  }
  const r = rows[0] ?? {};
  return {
    file: String(r.File ?? ''),
    pos: Number(r.Position ?? 0),
    gtid: String(r.Executed_Gtid_Set ?? '').replace(/\s+/g, ''),
  };
}

async function gtidAt(c: Connection, file: string, pos: number): Promise<string> {
  const [r] = await q<{ g: string | null }>(c, `SELECT BINLOG_GTID_POS(${c.escape(file)}, ${pos}) AS g`);
  return r?.g ?? '';
}

/** Position under a global/table lock (nothing commits while we read it). */
async function lockedPos(c: Connection, isMariadb: boolean): Promise<BinlogMeta> {
  const ms = await masterStatus(c);
  let gtid = ms.gtid;
  if (isMariadb) {
    const [r] = await q<{ g: string }>(c, 'SELECT @@GLOBAL.gtid_binlog_pos AS g');
    gtid = r?.g ?? '';
  }
  return { binlogName: ms.file, binlogPos: ms.pos, binlogGtid: gtid };
}

/**
 * The task's `mydumpers.threads` sessions spread over worker threads, at most one per core,
 * or all in this thread with the benchmark/test override `DM_DUMP_THREADS=0`
 * (bench-overrides.ts). Threads are the default: rendering rows is the dump's CPU cost, and
 * `npm run bench:full` measured the 2.1 M-row dump at 4.8 s with threads against 6.5 s in
 * one thread on 2 cores.
 */
function defaultOpener(): (from: DbConfig) => Promise<DumpSession> {
  if (dumpSessionsInMainThread()) return LocalSession.open;
  return new SessionThreads().open;
}

/**
 * Open the N dump sessions (not yet in a snapshot). Exported so the dump unit can start them
 * (worker threads loading their modules, N TCP + auth handshakes) while it lists tables and
 * reads the resume point, and pass them to `openSnapshot` as `sessions`.
 */
export async function openSessions(
  o: Pick<SnapshotOptions, 'from' | 'threads' | 'openSession'>,
): Promise<DumpSession[]> {
  return connectAll(o);
}

async function connectAll(
  o: Pick<SnapshotOptions, 'from' | 'threads' | 'openSession'>,
): Promise<DumpSession[]> {
  const open = o.openSession ?? defaultOpener();
  const settled = await Promise.allSettled(Array.from({ length: o.threads }, () => open(o.from)));
  const conns = settled.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
  const failed = settled.find((r) => r.status === 'rejected');
  if (failed) {
    await closeSessions(conns);
    const err = failed.reason as Error;
    throw dmError(E.dbUpstreamConnect, `cannot open a dump connection: ${err.message}`, { cause: err });
  }
  return conns;
}

function privilegeError(mode: string, err: unknown): Error {
  return dmError(
    E.dumpPrivilege,
    `consistency=${mode} is impossible with this upstream user: ${(err as Error).message}`,
    { cause: err, context: { consistency: mode } },
  );
}

/**
 * Open the snapshot. The caller owns (and must close) the returned connections; sessions passed
 * in `o.sessions` are closed here on failure, like the ones opened here.
 */
export async function openSnapshot(o: SnapshotOptions): Promise<Snapshot> {
  let ctl: Connection;
  try {
    ctl = await connectDb(o.from, E.dbUpstreamConnect);
  } catch (err) {
    if (o.sessions) await closeSessions(o.sessions);
    throw err;
  }
  try {
    let isMariadb: boolean;
    try {
      const [v] = await q<{ v: string }>(ctl, 'SELECT VERSION() AS v');
      isMariadb = /mariadb/i.test(v?.v ?? '');
    } catch (err) {
      if (o.sessions) await closeSessions(o.sessions);
      throw err;
    }
    // Sessions first (threads take a moment to start): a lock is then held only while the
    // snapshots open.
    const conns = o.sessions ?? (await connectAll(o));
    try {
      return await lockAndOpen(ctl, conns, o, isMariadb);
    } catch (err) {
      await closeSessions(conns);
      throw err;
    }
  } finally {
    await ctl.end().catch(() => ctl.destroy());
  }
}

async function lockAndOpen(
  ctl: Connection,
  conns: DumpSession[],
  o: SnapshotOptions,
  isMariadb: boolean,
): Promise<Snapshot> {
  let mode = o.mode;
  if (mode === 'auto') {
    let flushed = false;
    try {
      await ctl.query('FLUSH TABLES WITH READ LOCK');
      flushed = true;
    } catch (err) {
      if (!isAccessDenied(err)) throw err;
      mode = isMariadb ? 'snapshot' : 'lock';
      o.logger.info({ mode }, 'no RELOAD privilege for FLUSH TABLES WITH READ LOCK; using %s', mode);
    }
    if (flushed) return await underLock(ctl, conns, isMariadb, 'flush', true);
  }
  switch (mode) {
    case 'flush':
      try {
        await ctl.query('FLUSH TABLES WITH READ LOCK');
      } catch (err) {
        if (isAccessDenied(err)) throw privilegeError('flush', err);
        throw err;
      }
      return await underLock(ctl, conns, isMariadb, 'flush', true);
    case 'lock':
      if (o.tables.length > 0) {
        try {
          await ctl.query(
            `LOCK TABLES ${o.tables.map((t) => `${quoteTable(t.schema, t.table)} READ`).join(', ')}`,
          );
        } catch (err) {
          if (isAccessDenied(err)) throw privilegeError('lock', err);
          throw err;
        }
      }
      return await underLock(ctl, conns, isMariadb, 'lock', o.tables.length > 0);
    case 'snapshot':
      if (!isMariadb) {
        throw dmError(
          E.dumpPrivilege,
          'consistency=snapshot needs MariaDB (binlog_snapshot_position); use flush or lock on MySQL',
        );
      }
      return await lockFreeSnapshot(o, ctl, conns);
    default:
      return await underLock(ctl, conns, isMariadb, 'none', false, await lowerBound(ctl, isMariadb));
  }
}

async function underLock(
  ctl: Connection,
  conns: DumpSession[],
  isMariadb: boolean,
  mode: 'flush' | 'lock' | 'none',
  locked: boolean,
  before?: BinlogMeta,
): Promise<Snapshot> {
  await Promise.all(conns.map(startSnapshot));
  let pos: BinlogMeta;
  const first = conns[0];
  if (before) {
    pos = before;
  } else if (isMariadb && first) {
    // Exact for the snapshot itself, and needs no BINLOG MONITOR privilege.
    const sp = await snapshotPos(first);
    pos = { binlogName: sp.file, binlogPos: sp.pos, binlogGtid: await gtidAt(ctl, sp.file, sp.pos) };
  } else {
    pos = await lockedPos(ctl, isMariadb);
  }
  if (locked) await ctl.query('UNLOCK TABLES');
  return { conns, pos, mode, isMariadb };
}

/** How long a commit may sit between its binlog write and its engine commit (see lowerBound). */
const SETTLE_MS = 100;

/**
 * A binlog position at or before every snapshot opened after this returns, for the
 * lock-free modes. MariaDB's group commit writes the binlog (under LOCK_log) and only then
 * makes the transactions visible in InnoDB, so a position read now may already include a
 * commit that a snapshot opened at once would not see. We read the position, then wait
 * SETTLE_MS (that step takes microseconds unless the server is descheduled) so every
 * transaction up to it is visible before the dump snapshots open. Transactions after the
 * position but inside the snapshots are replayed by the sync unit in safe mode.
 * On MariaDB the position comes from a throwaway snapshot (no BINLOG MONITOR privilege needed).
 */
async function lowerBound(ctl: Connection, isMariadb: boolean): Promise<BinlogMeta> {
  let pos: BinlogMeta;
  if (isMariadb) {
    await startSnapshot(ctl);
    const sp = await snapshotPos(ctl);
    await ctl.query('ROLLBACK');
    pos = { binlogName: sp.file, binlogPos: sp.pos, binlogGtid: await gtidAt(ctl, sp.file, sp.pos) };
  } else {
    const ms = await masterStatus(ctl);
    pos = { binlogName: ms.file, binlogPos: ms.pos, binlogGtid: ms.gtid };
  }
  await new Promise((r) => setTimeout(r, SETTLE_MS));
  return pos;
}

async function lockFreeSnapshot(
  o: SnapshotOptions,
  ctl: Connection,
  conns: DumpSession[],
): Promise<Snapshot> {
  const before = await lowerBound(ctl, true);
  {
    let positions: { file: string; pos: number }[] = [];
    for (let attempt = 0; attempt < 8; attempt++) {
      await Promise.all(conns.map(startSnapshot));
      positions = await Promise.all(conns.map(snapshotPos));
      const p0 = positions[0];
      if (positions.every((p) => p.file === p0?.file && p.pos === p0?.pos)) break;
      await Promise.all(conns.map((c) => c.query('ROLLBACK')));
    }
    const p0 = positions[0] ?? { file: '', pos: 0 };
    const keep: DumpSession[] = [];
    const drop: DumpSession[] = [];
    conns.forEach((c, i) => {
      const p = positions[i];
      (p && p.file === p0.file && p.pos === p0.pos ? keep : drop).push(c);
    });
    if (drop.length > 0) {
      o.logger.warn(
        { kept: keep.length, wanted: conns.length },
        'snapshot connections disagree under write load; dumping with fewer threads',
      );
      await closeSessions(drop);
    }
    o.logger.info(
      { snapshot: `${p0.file}:${p0.pos}`, recorded: `${before.binlogName}:${before.binlogPos}` },
      'lock-free snapshot: recording a position at or before it; sync replays the overlap in safe mode',
    );
    return {
      conns: keep,
      pos: before,
      mode: 'snapshot',
      isMariadb: true,
    };
  }
}
