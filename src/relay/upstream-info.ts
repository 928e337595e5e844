import type { Flavor } from '../pkg/binlog/types.js';
import type { DbConfig } from '../pkg/config/types.js';
import { type Connection, connectDb } from '../pkg/db/connect.js';
import { dmError, E } from '../pkg/errors/index.js';

/** Facts about the upstream the relay needs before it pulls. */
export interface UpstreamInfo {
  flavor: Flavor;
  /**
   * The server identity naming the relay sub-dir: `@@server_uuid` on MySQL; on MariaDB (no
   * server_uuid) `<gtid_domain_id>-<server_id>`, as DM's GetMariaDBUUID.
   */
  serverUuid: string;
  /** Binlog files on the server, oldest first. */
  binlogs: string[];
  /** SHOW MASTER STATUS: where the server writes now. */
  master: { file: string; pos: number; gtid: string };
}

/** Read UpstreamInfo over a short-lived connection. */
export async function readUpstreamInfo(db: DbConfig, flavorHint: Flavor | '' = ''): Promise<UpstreamInfo> {
  const conn = await connectDb(db, E.dbUpstreamConnect);
  try {
    return await upstreamInfoOn(conn, flavorHint);
  } finally {
    await conn.end().catch(() => undefined);
  }
}

/** UpstreamInfo on an open connection. */
export async function upstreamInfoOn(conn: Connection, flavorHint: Flavor | '' = ''): Promise<UpstreamInfo> {
  try {
    const [vrows] = await conn.query('SELECT @@version AS v, @@server_id AS sid');
    const v = (vrows as { v: string; sid: string | number }[])[0];
    const flavor: Flavor = flavorHint || (/mariadb/i.test(v?.v ?? '') ? 'mariadb' : 'mysql');
    let serverUuid: string;
    if (flavor === 'mariadb') {
      const [d] = await conn.query('SELECT @@gtid_domain_id AS d');
      serverUuid = `${(d as { d: number | string }[])[0]?.d ?? 0}-${v?.sid ?? 0}`;
    } else {
      const [u] = await conn.query('SELECT @@server_uuid AS u');
      serverUuid = String((u as { u: string }[])[0]?.u ?? '');
    }
    const [logs] = await conn.query('SHOW BINARY LOGS');
    const binlogs = (logs as { Log_name: string }[]).map((r) => r.Log_name);
    return { flavor, serverUuid, binlogs, master: await masterStatusOn(conn, flavor) };
  } catch (err) {
    throw dmError(E.dbQueryUpstream, `cannot read upstream binlog facts: ${(err as Error).message}`, {
      cause: err,
    });
  }
}

/** SHOW MASTER STATUS plus the executed GTID set in the flavor's syntax. */
export async function masterStatusOn(
  conn: Connection,
  flavor: Flavor,
): Promise<{ file: string; pos: number; gtid: string }> {
  const [ms] = await conn.query('SHOW MASTER STATUS');
  const row = (ms as { File: string; Position: string | number; Executed_Gtid_Set?: string }[])[0];
  let gtid = row?.Executed_Gtid_Set ?? '';
  if (flavor === 'mariadb') {
    const [g] = await conn.query('SELECT @@gtid_binlog_pos AS g');
    gtid = String((g as { g: string }[])[0]?.g ?? '');
  }
  return { file: row?.File ?? '', pos: Number(row?.Position ?? 4), gtid };
}
