import mysql from 'mysql2/promise';
import type { DbConfig } from '../pkg/config/types.js';

/** A precheck connection: short connect timeout (a failure is reported, never a hang). */
export async function connect(db: DbConfig, timeoutMs: number): Promise<mysql.Connection> {
  return mysql.createConnection({
    host: db.host,
    port: db.port,
    user: db.user,
    password: db.password,
    connectTimeout: timeoutMs,
    dateStrings: true,
    supportBigNumbers: true,
    bigNumberStrings: true,
    ...(db.security?.sslCa
      ? { ssl: { ca: db.security.sslCa, cert: db.security.sslCert, key: db.security.sslKey } }
      : {}),
  });
}

export async function rows<T = Record<string, unknown>>(
  c: mysql.Connection,
  sql: string,
  params: unknown[] = [],
): Promise<T[]> {
  const [r] = await c.query(sql, params);
  return r as T[];
}
