import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { SourceConfig } from '../../../src/pkg/config/types.js';
import type { MariadbInstance } from '../../harness/index.js';
import { until } from '../../harness/index.js';

const pexec = promisify(execFile);

/** A SourceConfig for a harness server (relay on, no GTID start unless given). */
export function sourceFor(
  db: MariadbInstance,
  relayDir: string,
  over: Partial<SourceConfig> = {},
): SourceConfig {
  return {
    sourceId: 'src-relay',
    flavor: '',
    enableGtid: false,
    enableRelay: true,
    relayBinlogName: '',
    relayBinlogGtid: '',
    relayDir,
    from: { host: db.host, port: db.port, user: db.user, password: db.password },
    serverId: 1_004_242,
    purge: { interval: 3600, expires: 0, remainSpace: 15 },
    checker: { checkEnable: false, backoffRollback: '5m0s', backoffMax: '5m0s' },
    ...over,
  };
}

/** SHOW BINARY LOGS names. */
export async function binlogs(db: MariadbInstance): Promise<string[]> {
  const rows = await db.query<{ Log_name: string }>('SHOW BINARY LOGS');
  return rows.map((r) => r.Log_name);
}

/** SHOW MASTER STATUS. */
export async function masterPos(db: MariadbInstance): Promise<{ file: string; pos: number }> {
  const [r] = await db.query<{ File: string; Position: string }>('SHOW MASTER STATUS');
  return { file: r!.File, pos: Number(r!.Position) };
}

/**
 * Wait until the upstream's current binlog file is settled: MariaDB opens a rotated-to file
 * with a Binlog_checkpoint naming the previous file and, once that file's transactions are
 * durable, appends (from a background thread) one naming the current file. Until then the
 * current file can still grow by that event after SHOW MASTER STATUS was read.
 */
export async function binlogSettled(db: MariadbInstance, ms = 30_000): Promise<void> {
  await waitFor(
    'the current binlog file to name itself in a Binlog_checkpoint',
    async () => {
      const { file } = await masterPos(db);
      const evs = await db.query<{ Event_type: string; Info: string }>(`SHOW BINLOG EVENTS IN '${file}'`);
      const cps = evs.filter((e) => e.Event_type === 'Binlog_checkpoint');
      return cps.at(-1)?.Info.includes(file) === true;
    },
    ms,
  );
}

/** Wait until `cond` holds (polling), or fail after `ms`. */
export async function waitFor(
  what: string,
  cond: () => boolean | Promise<boolean>,
  ms = 30_000,
): Promise<void> {
  await until(cond, ms, what, { intervalMs: 50, message: () => `timed out waiting for ${what}` });
}

/** Size of a relay file (0 when missing). */
export function fileSize(path: string): number {
  return existsSync(path) ? readFileSync(path).length : 0;
}

/** Run the real `mariadb-binlog` on a file; resolves with its exit code and stdout. */
export async function mariadbBinlog(path: string): Promise<{ code: number; out: string; err: string }> {
  try {
    const { stdout, stderr } = await pexec('mariadb-binlog', ['--base64-output=DECODE-ROWS', '-v', path], {
      maxBuffer: 1 << 28,
    });
    return { code: 0, out: stdout, err: stderr };
  } catch (e) {
    const x = e as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof x.code === 'number' ? x.code : 1, out: x.stdout ?? '', err: x.stderr ?? '' };
  }
}

/** A steady write load: `n` transactions of a few rows each into `db.t`. Returns the rows inserted. */
export async function writeLoad(db: MariadbInstance, schema: string, n: number, from = 0): Promise<number> {
  const c = await db.connect(schema);
  try {
    for (let i = 0; i < n; i++) {
      const id = from + i;
      await c.query('BEGIN');
      await c.query('INSERT INTO t (id, v, b) VALUES (?, ?, ?)', [
        id,
        `row-${id}`,
        Buffer.alloc(64, id % 256),
      ]);
      await c.query('UPDATE t SET v = CONCAT(v, "!") WHERE id = ?', [id]);
      await c.query('COMMIT');
    }
  } finally {
    await c.end();
  }
  return n;
}

export function relayFile(relayDir: string, sub: string, file: string): string {
  return join(relayDir, sub, file);
}

/** Abort a relay's run, wait for its end and close it. */
export async function endRelay(
  relay: { close(): Promise<void> } | undefined,
  ac: AbortController,
  run: Promise<unknown> | undefined,
): Promise<void> {
  ac.abort();
  await run;
  await relay?.close();
}
