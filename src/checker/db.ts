import type mysql from 'mysql2/promise';
import type { DbConfig, SubTaskConfig } from '../pkg/config/types.js';
import { openConnection } from '../pkg/db/connect.js';

/**
 * A precheck connection: the one connection factory's options (TLS from `security`, contents
 * not paths), with a short connect timeout (a failure is reported, never a hang).
 */
export async function connect(db: DbConfig, timeoutMs: number): Promise<mysql.Connection> {
  return openConnection(db, { connectTimeout: timeoutMs });
}

export async function rows<T = Record<string, unknown>>(
  c: mysql.Connection,
  sql: string,
  params: unknown[] = [],
): Promise<T[]> {
  const [r] = await c.query(sql, params);
  return r as T[];
}

/** `host:port` of a server, as the check report names it. */
export function addr(db: DbConfig): string {
  return `${db.host}:${db.port}`;
}

/** Subtasks grouped by server and user (of `db`), so each server is checked once. */
export function groupByServer(
  subtasks: SubTaskConfig[],
  db: (s: SubTaskConfig) => DbConfig,
): Map<string, SubTaskConfig[]> {
  const out = new Map<string, SubTaskConfig[]>();
  for (const s of subtasks) {
    const k = `${addr(db(s))}|${db(s).user}`;
    out.set(k, [...(out.get(k) ?? []), s]);
  }
  return out;
}

/**
 * Run `checks` on a precheck connection to `db`, closed after. A failed connect goes to
 * `connectFailed` (one message with the cause) and the checks are not run.
 */
export async function withConnection(
  db: DbConfig,
  timeoutMs: number,
  connectFailed: (errors: string[]) => void,
  checks: (conn: mysql.Connection) => Promise<void>,
): Promise<void> {
  let conn: mysql.Connection;
  try {
    conn = await connect(db, timeoutMs);
  } catch (err) {
    connectFailed([`cannot connect to ${addr(db)} as ${db.user}: ${(err as Error).message}`]);
    return;
  }
  try {
    await checks(conn);
  } finally {
    await conn.end().catch(() => undefined);
  }
}
