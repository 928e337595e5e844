/**
 * `dmctl cutover --set-upstream-read-only`: make each upstream read-only before the drain, so
 * the position the task drains to is final. MariaDB's `SET GLOBAL read_only = 1` needs the
 * SUPER or READ_ONLY ADMIN privilege (MySQL: SUPER or SYSTEM_VARIABLES_ADMIN) for the source's
 * user; without it cutover stops with code 46100 before any drain, and the upstreams it had
 * already made read-only are put back as they were (the operator asked for a read-only
 * cutover, and none takes place). Once cutover has started draining, the upstreams stay
 * read-only whatever the outcome: that is the state the operator chose, and the application
 * is expected to move to the target. Users with READ_ONLY ADMIN (MariaDB ≥ 10.11: not implied
 * by SUPER) or SUPER on MySQL still write while read_only is on; the report says read-only,
 * the drain still waits for the position to stand still.
 */
import type { DbConfig } from '../pkg/config/types.js';
import { type Connection, connectDb } from '../pkg/db/connect.js';
import { dmError, E } from '../pkg/errors/index.js';

export interface ReadOnlyState {
  /** read_only was already on before cutover (cutover did not set it). */
  wasReadOnly: boolean;
  /** When read_only became on (ISO 8601, UTC). */
  since: string;
  sinceMs: number;
}

/** ER_SPECIFIC_ACCESS_DENIED_ERROR, ER_ACCESS_DENIED_ERROR, ER_DBACCESS_DENIED_ERROR. */
const DENIED = new Set([1227, 1045, 1044]);
/** ER_LOCK_WAIT_TIMEOUT. */
const LOCK_WAIT = 1205;

async function readOnlyNow(conn: Connection): Promise<boolean> {
  const [rows] = (await conn.query('SELECT @@GLOBAL.read_only AS r')) as unknown as [{ r: unknown }[]];
  const r = rows[0]?.r;
  return r === 1 || r === '1' || r === 'ON';
}

/**
 * Set read_only on one upstream. `timeoutMs` bounds the wait for the global read lock that
 * setting it takes (a long write transaction holds it off).
 */
export async function setReadOnly(source: string, db: DbConfig, timeoutMs: number): Promise<ReadOnlyState> {
  const conn = await connectDb(db, E.dbUpstreamConnect);
  try {
    if (await readOnlyNow(conn)) {
      const now = Date.now();
      return { wasReadOnly: true, since: new Date(now).toISOString(), sinceMs: now };
    }
    await conn.query(`SET SESSION lock_wait_timeout = ${Math.max(1, Math.ceil(timeoutMs / 1000))}`);
    try {
      await conn.query('SET GLOBAL read_only = 1');
    } catch (err) {
      const e = err as { errno?: number; message?: string };
      if (e.errno !== undefined && DENIED.has(e.errno)) {
        throw dmError(
          E.cutoverReadOnlyDenied,
          `source ${source}: user ${db.user}@${db.host}:${db.port} may not set the upstream read-only: ${e.message}`,
        );
      }
      if (e.errno === LOCK_WAIT) {
        throw dmError(
          E.cutoverReadOnlyFailed,
          `source ${source}: SET GLOBAL read_only = 1 waited longer than the timeout for running transactions: ${e.message}`,
        );
      }
      throw dmError(E.cutoverReadOnlyFailed, `source ${source}: SET GLOBAL read_only = 1: ${e.message}`);
    }
    const now = Date.now();
    return { wasReadOnly: false, since: new Date(now).toISOString(), sinceMs: now };
  } finally {
    await conn.end().catch(() => conn.destroy());
  }
}

/** Put read_only back off on an upstream cutover made read-only (best effort; false if it failed). */
export async function clearReadOnly(db: DbConfig): Promise<boolean> {
  try {
    const conn = await connectDb(db, E.dbUpstreamConnect);
    try {
      await conn.query('SET GLOBAL read_only = 0');
      return true;
    } finally {
      await conn.end().catch(() => conn.destroy());
    }
  } catch {
    return false;
  }
}

/** Whether the upstream is read-only now (for the report). */
export async function isReadOnly(db: DbConfig): Promise<boolean | null> {
  try {
    const conn = await connectDb(db, E.dbUpstreamConnect);
    try {
      return await readOnlyNow(conn);
    } finally {
      await conn.end().catch(() => conn.destroy());
    }
  } catch {
    return null;
  }
}
