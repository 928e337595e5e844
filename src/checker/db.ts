import type mysql from 'mysql2/promise';
import type { DbConfig } from '../pkg/config/types.js';
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
