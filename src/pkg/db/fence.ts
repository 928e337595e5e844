/**
 * Fencing of downstream writers: at most one dm-worker writes for a (task, source), even when
 * an isolated, paused (SIGSTOP) or slow worker wakes up after its source was bound elsewhere.
 *
 * The fencing token is the epoch of the worker's binding: the etcd mod revision of
 * `Keys.boundWorker`, which grows with every new binding. Two tables in the task's meta schema
 * hold the downstream side:
 *   - `<task>_worker_fence`: per source, the highest epoch that claimed it (and its worker);
 *   - `<task>_worker_conn`: per source, every downstream connection a worker opened, with the
 *     epoch it opened under and its server thread id (`CONNECTION_ID()`).
 *
 * Protocol (a write-then-read on both sides, so one always sees the other):
 *   - a new owner **claims** before it reads any checkpoint: it raises the fence epoch, then
 *     KILLs every registered connection of a lower epoch and waits until the server has
 *     ended them (their open transactions roll back; a COMMIT already under way finishes
 *     first), and only then reads the checkpoints it resumes from;
 *   - every connection a worker opens **registers** (inserts its thread id) and then reads
 *     the fence: a higher epoch than its own means it is stale and the connection is closed
 *     with `E.workerFenced`. A registration the claimer did not see must have read the fence
 *     after the claim, so it fails; one it did see is killed.
 * So once a claim returns, nothing the old owner does can reach the downstream, and there is
 * no per-transaction cost. The downstream user kills only its own threads (no SUPER needed).
 */
import type { Connection } from 'mysql2/promise';
import type { FenceToken } from '../config/types.js';
import { dmError, E, isDmError } from '../errors/index.js';
import { sleep } from '../retry/backoff.js';

/** The two fence tables of a task (for `--remove-meta`). */
export const FENCE_TABLE_SUFFIXES = ['worker_fence', 'worker_conn'] as const;

const q = (name: string): string => `\`${name.replaceAll('`', '``')}\``;

/** Quoted names of the fence tables. */
export function fenceTables(t: Pick<FenceToken, 'metaSchema' | 'task'>): { fence: string; conn: string } {
  return {
    fence: `${q(t.metaSchema)}.${q(`${t.task}_worker_fence`)}`,
    conn: `${q(t.metaSchema)}.${q(`${t.task}_worker_conn`)}`,
  };
}

/** DDL of the fence tables (idempotent). */
export function fenceDdl(t: Pick<FenceToken, 'metaSchema' | 'task'>): string[] {
  const { fence, conn } = fenceTables(t);
  return [
    `CREATE DATABASE IF NOT EXISTS ${q(t.metaSchema)}`,
    `CREATE TABLE IF NOT EXISTS ${fence} (
      source VARCHAR(128) NOT NULL PRIMARY KEY,
      epoch BIGINT UNSIGNED NOT NULL,
      worker VARCHAR(128) NOT NULL,
      update_time TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP
    )`,
    `CREATE TABLE IF NOT EXISTS ${conn} (
      source VARCHAR(128) NOT NULL,
      conn_id BIGINT UNSIGNED NOT NULL,
      epoch BIGINT UNSIGNED NOT NULL,
      worker VARCHAR(128) NOT NULL,
      PRIMARY KEY (source, conn_id)
    )`,
  ];
}

/** What a claim found and did. */
export interface ClaimResult {
  /** The owner before this claim, when it was another epoch (a failover or a re-bind). */
  previous?: { worker: string; epoch: number };
  /** Connections of older owners that were still open and were killed. */
  killed: number;
}

function fenced(t: FenceToken, owner: { worker: string; epoch: number }): Error {
  return dmError(
    E.workerFenced,
    `task ${t.task} source ${t.source}: worker ${t.worker} (binding epoch ${t.epoch}) is fenced off; worker ${owner.worker} holds epoch ${owner.epoch}`,
    { context: { task: t.task, source: t.source, worker: t.worker, epoch: t.epoch, owner } },
  );
}

export function isFencedError(err: unknown): boolean {
  return isDmError(err, E.workerFenced);
}

type Row = Record<string, unknown>;

async function rows(conn: Connection, sql: string, params: unknown[] = []): Promise<Row[]> {
  const [r] = await conn.query(sql, params);
  return r as Row[];
}

async function owner(
  conn: Connection,
  t: FenceToken,
): Promise<{ worker: string; epoch: number } | undefined> {
  const r = (
    await rows(conn, `SELECT epoch, worker FROM ${fenceTables(t).fence} WHERE source = ?`, [t.source])
  )[0];
  return r ? { worker: String(r.worker), epoch: Number(r.epoch) } : undefined;
}

/**
 * Claim the (task, source) for `t.epoch` on `conn` (an unfenced connection of its own).
 * Throws `E.workerFenced` when a newer epoch already holds it. `waitMs` bounds the wait for
 * killed threads to end.
 */
export async function claimFence(conn: Connection, t: FenceToken, waitMs = 30_000): Promise<ClaimResult> {
  for (const s of fenceDdl(t)) await conn.query(s);
  const { fence, conn: connTable } = fenceTables(t);
  const before = await owner(conn, t);
  // Raise, never lower: the assignment order matters (worker is compared with the old epoch).
  await conn.query(
    `INSERT INTO ${fence} (source, epoch, worker) VALUES (?, ?, ?)
     ON DUPLICATE KEY UPDATE worker = IF(epoch <= VALUES(epoch), VALUES(worker), worker),
       epoch = GREATEST(epoch, VALUES(epoch))`,
    [t.source, t.epoch, t.worker],
  );
  const now = await owner(conn, t);
  if (!now || now.epoch !== t.epoch) throw fenced(t, now ?? { worker: '?', epoch: 0 });
  const stale = (
    await rows(conn, `SELECT conn_id FROM ${connTable} WHERE source = ? AND epoch < ?`, [t.source, t.epoch])
  ).map((r) => String(r.conn_id));
  const self = String((await rows(conn, 'SELECT CONNECTION_ID() AS id'))[0]?.id);
  const targets = stale.filter((id) => id !== self);
  let killed = 0;
  for (const id of targets) {
    try {
      await conn.query(`KILL CONNECTION ${Number(id)}`);
      killed++;
    } catch (err) {
      // 1094 ER_NO_SUCH_THREAD: it already ended.
      if ((err as { errno?: number }).errno !== 1094) throw err;
    }
  }
  await waitThreadsGone(conn, targets, waitMs);
  await conn.query(`DELETE FROM ${connTable} WHERE source = ? AND epoch < ?`, [t.source, t.epoch]);
  // Rows of this epoch whose connection has ended (reconnects) are pruned too.
  await conn.query(
    `DELETE FROM ${connTable} WHERE source = ? AND conn_id NOT IN (SELECT ID FROM information_schema.PROCESSLIST)`,
    [t.source],
  );
  const res: ClaimResult = { killed };
  if (before && before.epoch !== t.epoch) res.previous = before;
  return res;
}

/** Wait until none of `ids` is a live server thread (KILL is asynchronous). */
async function waitThreadsGone(conn: Connection, ids: string[], waitMs: number): Promise<void> {
  if (ids.length === 0) return;
  const deadline = Date.now() + waitMs;
  const list = ids.map(Number).join(',');
  for (;;) {
    const live = await rows(conn, `SELECT ID FROM information_schema.PROCESSLIST WHERE ID IN (${list})`);
    if (live.length === 0) return;
    if (Date.now() > deadline) {
      throw dmError(
        E.dbBadConn,
        `killed downstream connections of the previous worker are still alive after ${waitMs} ms: ${live.map((r) => r.ID).join(',')}`,
      );
    }
    await sleep(100);
  }
}

/**
 * Register a freshly opened connection under `t`, then check the fence: throws
 * `E.workerFenced` when a newer epoch claimed the source (the caller closes the connection).
 */
export async function registerFence(conn: Connection, t: FenceToken): Promise<void> {
  const { conn: connTable } = fenceTables(t);
  try {
    await conn.query(
      `INSERT INTO ${connTable} (source, conn_id, epoch, worker) VALUES (?, CONNECTION_ID(), ?, ?)
       ON DUPLICATE KEY UPDATE epoch = VALUES(epoch), worker = VALUES(worker)`,
      [t.source, t.epoch, t.worker],
    );
    // The claimer must see the row: commit even under a session with autocommit off.
    await conn.query('COMMIT');
  } catch (err) {
    // 1146 ER_NO_SUCH_TABLE: nobody claimed yet (the claim creates the tables).
    if ((err as { errno?: number }).errno === 1146) throw fenced(t, { worker: '(unclaimed)', epoch: 0 });
    throw err;
  }
  const now = await owner(conn, t);
  await conn.query('COMMIT');
  if (!now || now.epoch !== t.epoch) throw fenced(t, now ?? { worker: '(unclaimed)', epoch: 0 });
}
