import type { TLSSocket } from 'node:tls';
import mysqlCore from 'mysql2';
import mysql from 'mysql2/promise';
import type { BinlogClientOptions } from '../binlog/binlog-client.js';
import { checkAllowedCn, resolveDbTls } from '../config/security.js';
import type { DbConfig } from '../config/types.js';
import type { ErrorDef } from '../errors/index.js';
import { dmError, isDmError } from '../errors/index.js';
import { Backoff, type BackoffOptions, sleep } from '../retry/backoff.js';
import { registerFence } from './fence.js';

export type Pool = mysql.Pool;
export type Connection = mysql.Connection;
export type PoolConnection = mysql.PoolConnection;

/**
 * mysql2 options shared by every connection the product opens, so values come back the same
 * way everywhere: big integers and decimals as exact strings, dates as strings (never JS
 * Date), session time zone UTC (TIMESTAMP values are exchanged in UTC, as DM does).
 */
function options(db: DbConfig, extra: mysql.ConnectionOptions = {}): mysql.ConnectionOptions {
  return {
    host: db.host,
    port: db.port,
    user: db.user,
    password: db.password,
    supportBigNumbers: true,
    bigNumberStrings: true,
    decimalNumbers: false,
    dateStrings: true,
    timezone: 'Z',
    charset: 'utf8mb4_general_ci',
    connectTimeout: 10_000,
    multipleStatements: false,
    ...mysql2Tls(db),
    ...extra,
  };
}

/**
 * mysql2's `ssl` from the DB's `security` (see pkg/config/security.ts): the server certificate
 * is verified against the CA and the host name, as DM's Go driver does.
 */
function mysql2Tls(db: DbConfig): { ssl?: mysql.SslOptions } {
  const t = resolveDbTls(db.security);
  if (!t) return {};
  return { ssl: { ca: t.ca, cert: t.cert, key: t.key, rejectUnauthorized: true, verifyIdentity: true } };
}

/** `cert-allowed-cn`: checked on the TLS socket once the connection is up (mysql2 has no hook). */
function checkConnCn(db: DbConfig, stream: unknown): void {
  const allowed = db.security?.certAllowedCn;
  if (!allowed?.length) return;
  const s = stream as Partial<TLSSocket> | undefined;
  checkAllowedCn(s?.getPeerCertificate?.(), allowed, `${db.host}:${db.port}`);
}

/**
 * The callback connection under a promise one. mysql2 keeps it as `connection` but types it
 * only on PoolConnection; callers use it to stream rows without a promise per row.
 */
export function callbackConnection(conn: Connection): import('mysql2').Connection {
  return (conn as unknown as { connection: import('mysql2').Connection }).connection;
}

/** The socket of a callback connection (mysql2 sets `stream`; untyped): for the TLS peer check. */
function socketOf(c: import('mysql2').Connection): unknown {
  return (c as unknown as { stream: unknown }).stream;
}

/**
 * A bare connection (no session init, driver errors as they are) with the TLS of `security`
 * applied and `cert-allowed-cn` checked: for callers that report raw driver errors (prechecks).
 */
export async function openConnection(db: DbConfig, extra: mysql.ConnectionOptions = {}): Promise<Connection> {
  const conn = await mysql.createConnection(options(db, extra));
  try {
    checkConnCn(db, socketOf(callbackConnection(conn)));
  } catch (err) {
    conn.destroy();
    throw err;
  }
  return conn;
}

/**
 * Where and how our replication client (BinlogClient) reaches an upstream: address,
 * credentials and the TLS of its `security` — spread into every BinlogClient's options, so
 * no binlog stream can leave TLS out.
 */
export function binlogEndpoint(
  db: DbConfig,
): Pick<BinlogClientOptions, 'host' | 'port' | 'user' | 'password' | 'tls'> {
  const t = resolveDbTls(db.security);
  return {
    host: db.host,
    port: db.port,
    user: db.user,
    password: db.password,
    ...(t
      ? {
          tls: {
            ca: t.ca,
            cert: t.cert,
            key: t.key,
            rejectUnauthorized: true,
            ...(t.certAllowedCn ? { certAllowedCn: t.certAllowedCn } : {}),
          },
        }
      : {}),
  };
}

/**
 * SQL run on every new connection: UTC session time zone plus the configured session vars, and
 * `foreign_key_checks = 0` unless the session sets it (as DM's BaseDB DSN: rows of tables tied
 * by foreign keys are applied in parallel and in batches, so checks stay off by default).
 */
export function sessionInitSql(db: DbConfig): string[] {
  const stmts = ["SET time_zone = '+00:00'"];
  if (!Object.keys(db.session ?? {}).some((k) => k.toLowerCase() === 'foreign_key_checks'))
    stmts.push('SET SESSION foreign_key_checks = 0');
  for (const [k, v] of Object.entries(db.session ?? {})) {
    stmts.push(
      `SET SESSION ${k.replace(/[^A-Za-z0-9_]/g, '')} = ${typeof v === 'number' ? v : mysql.escape(v)}`,
    );
  }
  return stmts;
}

/** One connection, with the session initialised. Fails with `errDef` (up/downstream connect). */
export async function connectDb(
  db: DbConfig,
  errDef: ErrorDef,
  extra: mysql.ConnectionOptions = {},
): Promise<Connection> {
  let conn: Connection;
  try {
    conn = await mysql.createConnection(options(db, extra));
  } catch (err) {
    if (isDmError(err)) throw err;
    throw dmError(
      errDef,
      `cannot connect to ${db.host}:${db.port} as ${db.user}: ${(err as Error).message}`,
      {
        cause: err,
      },
    );
  }
  try {
    checkConnCn(db, socketOf(callbackConnection(conn)));
    for (const s of sessionInitSql(db)) await conn.query(s);
    if (db.fence) await registerFence(conn, db.fence);
  } catch (err) {
    conn.destroy();
    throw err;
  }
  return conn;
}

/** A pool whose connections all get the session init SQL. */
export function createPool(db: DbConfig, size: number, extra: mysql.PoolOptions = {}): Pool {
  const pool = mysql.createPool({ ...options(db), connectionLimit: size, maxIdle: size, ...extra });
  // Raw (callback) connection: runs before the pool hands it out.
  pool.pool.on('connection', (c) => {
    try {
      checkConnCn(db, socketOf(c));
    } catch {
      // Not allowed: the pool's caller sees the closed connection fail its query.
      c.destroy();
      return;
    }
    for (const s of sessionInitSql(db)) c.query(s);
  });
  return pool;
}

/** MySQL error numbers that mean "try again" rather than "this statement is wrong". */
const RETRYABLE_ERRNOS = new Set([
  1205, // ER_LOCK_WAIT_TIMEOUT
  1213, // ER_LOCK_DEADLOCK
  1040, // ER_CON_COUNT_ERROR
  1053, // ER_SERVER_SHUTDOWN
  2006, // CR_SERVER_GONE_ERROR
  2013, // CR_SERVER_LOST
  1927, // ER_CONNECTION_KILLED (MariaDB)
  4031, // ER_CLIENT_INTERACTION_TIMEOUT
]);
const RETRYABLE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'PROTOCOL_CONNECTION_LOST',
  'EHOSTUNREACH',
]);

/** True for connection loss, deadlock, lock wait timeout, server shutdown. */
export function isRetryableDbError(err: unknown): boolean {
  const e = err as { errno?: number; code?: string; fatal?: boolean; cause?: unknown } | null;
  if (!e || typeof e !== 'object') return false;
  if (typeof e.errno === 'number' && RETRYABLE_ERRNOS.has(e.errno)) return true;
  if (typeof e.code === 'string' && RETRYABLE_CODES.has(e.code)) return true;
  if (e.cause && e.cause !== err) return isRetryableDbError(e.cause);
  return false;
}

/** Run `fn`, retrying retryable DB errors with backoff; other errors pass through at once. */
export async function withDbRetry<T>(
  fn: () => Promise<T>,
  opts: BackoffOptions & { signal?: AbortSignal } = {},
): Promise<T> {
  const backoff = new Backoff({ maxAttempts: 10, ...opts });
  for (;;) {
    try {
      return await fn();
    } catch (err) {
      if (!isRetryableDbError(err) || !backoff.canRetry() || opts.signal?.aborted) throw err;
      await sleep(backoff.next(), opts.signal);
    }
  }
}

/** Quote an identifier with backticks. */
export function quoteId(name: string): string {
  return '`' + name.replace(/`/g, '``') + '`';
}

/** `schema`.`table`. */
export function quoteTable(schema: string, table: string): string {
  return `${quoteId(schema)}.${quoteId(table)}`;
}

/**
 * mysql2 runs every query through its formatter, which scans the whole text for `?` outside
 * quotes even without values (~6% of the sync unit's CPU on batches of row changes, whose
 * values are already literals). Only statements that carry values are formatted.
 */
export function formatOnlyWithValues(sql: string, values: unknown): string {
  if (values === undefined || values === null || (Array.isArray(values) && values.length === 0)) return sql;
  return mysqlCore.format(sql, values as Parameters<typeof mysqlCore.format>[1]);
}

/**
 * Options of the sync appliers' downstream connections: a batch is one multi-statement
 * text; `trace: false` because mysql2 would capture a stack trace for every query (measured
 * ~5% of the sync unit's CPU in catch-up; errors are wrapped with their binlog position).
 */
export const APPLIER_CONNECTION_OPTIONS: mysql.ConnectionOptions = {
  multipleStatements: true,
  trace: false,
  queryFormat: formatOnlyWithValues,
};
