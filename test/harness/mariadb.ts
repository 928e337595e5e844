import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, openSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mysql from 'mysql2/promise';
import { freePort } from './ports.js';
import { killChild, stopChild, trackChild, trackDir, untrackDir } from './processes.js';
import { tempDir } from './tmp.js';

/**
 * Throwaway `mariadbd` instances for tests: a template data dir is made once per machine
 * (mariadb-install-db is slow), then copied for each instance, which starts on a free
 * loopback port with the binlog on (ROW, FULL image, GTID).
 */
/** How the harness's mysql2 connections read values (exact numbers and dates as text, UTC). */
export const SESSION_OPTIONS = {
  multipleStatements: true,
  supportBigNumbers: true,
  bigNumberStrings: true,
  dateStrings: true,
  timezone: 'Z',
} as const;

export interface MariadbOptions {
  serverId?: number;
  /** gtid_domain_id; default 0. */
  gtidDomainId?: number;
  /** binlog_row_metadata: MINIMAL (default) or FULL. */
  binlogRowMetadata?: 'NO_LOG' | 'MINIMAL' | 'FULL';
  /** Turn the binlog off (e.g. for a plain downstream). Default on. */
  noBinlog?: boolean;
  /** innodb_buffer_pool_size; default 128M. */
  bufferPool?: string;
  /** Extra mariadbd arguments. */
  args?: string[];
}

export interface MariadbInstance {
  readonly host: string;
  readonly port: number;
  readonly user: string;
  readonly password: string;
  readonly dataDir: string;
  readonly socket: string;
  readonly serverId: number;
  readonly errorLog: string;
  /** A new mysql2 connection as root (multipleStatements on). Close it yourself. */
  connect(database?: string): Promise<mysql.Connection>;
  /** Run one or more statements on a fresh connection and return the last result rows. */
  query<T = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<T[]>;
  /** Graceful stop (keeps the data dir; `start()` brings it back on the same port). */
  stop(): Promise<void>;
  /** SIGKILL (keeps the data dir). */
  kill9(): Promise<void>;
  start(): Promise<void>;
  /** Stop and delete the data dir. */
  destroy(): Promise<void>;
}

const MARIADBD = process.env.MARIADBD ?? '/usr/sbin/mariadbd';

/** Short (unix socket paths are limited to 107 bytes) and unique per server build. */
function mariadbVersion(): string {
  const v = execFileSync(MARIADBD, ['--version'], { encoding: 'utf8' });
  return createHash('sha1').update(v).digest('hex').slice(0, 10);
}

let templatePromise: Promise<string> | undefined;

/** Make (once) the template data dir with root@'%' (no password) and a `dm` user (password `dmpass`). */
export function mariadbTemplate(): Promise<string> {
  templatePromise ??= makeTemplate();
  return templatePromise;
}

async function makeTemplate(): Promise<string> {
  const dir = join(tmpdir(), `dm-mdb-tpl-${mariadbVersion()}`);
  if (existsSync(join(dir, 'READY'))) return dir;
  const work = `${dir}.${process.pid}`;
  mkdirSync(work, { recursive: true });
  execFileSync(
    'mariadb-install-db',
    [
      '--no-defaults',
      `--datadir=${work}`,
      '--user=root',
      '--auth-root-authentication-method=normal',
      '--skip-test-db',
      '--innodb-log-file-size=8M',
    ],
    { stdio: 'ignore' },
  );
  // Start once to create the users, then shut down cleanly.
  const port = await freePort();
  const socket = join(work, 'init.sock');
  const child = spawn(MARIADBD, baseArgs(work, port, socket, 1, {}, join(work, 'init.err')), {
    stdio: 'ignore',
  });
  trackChild(child);
  await waitReady(port, child, join(work, 'init.err'));
  const conn = await mysql.createConnection({
    host: '127.0.0.1',
    port,
    user: 'root',
    multipleStatements: true,
  });
  await conn.query(
    "CREATE USER IF NOT EXISTS 'root'@'%' IDENTIFIED BY ''; GRANT ALL ON *.* TO 'root'@'%' WITH GRANT OPTION;" +
      "CREATE USER IF NOT EXISTS 'root'@'127.0.0.1' IDENTIFIED BY ''; GRANT ALL ON *.* TO 'root'@'127.0.0.1' WITH GRANT OPTION;" +
      "CREATE USER IF NOT EXISTS 'dm'@'%' IDENTIFIED BY 'dmpass'; GRANT ALL ON *.* TO 'dm'@'%';" +
      'RESET MASTER;',
  );
  await conn.end();
  await stopChild(child, 30_000);
  for (const f of ['init.err', 'init.sock']) rmSync(join(work, f), { force: true });
  execFileSync('sh', ['-c', `rm -f ${work}/*-bin.* ${work}/*.pid`]);
  writeReady(work);
  try {
    renameSync(work, dir);
  } catch {
    // Another test process won the race: use theirs.
    rmSync(work, { recursive: true, force: true });
  }
  return dir;
}

function writeReady(dir: string): void {
  openSync(join(dir, 'READY'), 'w');
}

function baseArgs(
  dataDir: string,
  port: number,
  socket: string,
  serverId: number,
  o: MariadbOptions,
  errorLog: string,
): string[] {
  const args = [
    '--no-defaults',
    `--datadir=${dataDir}`,
    '--user=root',
    `--port=${port}`,
    '--bind-address=127.0.0.1',
    `--socket=${socket}`,
    // Private temp dir: a shared /tmp may be cleaned by other processes mid-query.
    `--tmpdir=${dataDir}`,
    `--pid-file=${join(dataDir, 'mariadbd.pid')}`,
    `--log-error=${errorLog}`,
    `--server-id=${serverId}`,
    '--skip-name-resolve',
    '--innodb-log-file-size=8M',
    `--innodb-buffer-pool-size=${o.bufferPool ?? '128M'}`,
    '--innodb-flush-log-at-trx-commit=2',
    '--sync-binlog=0',
    '--max-connections=500',
    '--character-set-server=utf8mb4',
    '--collation-server=utf8mb4_general_ci',
    '--default-time-zone=+00:00',
    '--skip-log-bin',
  ];
  if (!o.noBinlog) {
    args.pop();
    args.push(
      `--log-bin=${join(dataDir, 'mariadb-bin')}`,
      '--binlog-format=ROW',
      '--binlog-row-image=FULL',
      `--binlog-row-metadata=${o.binlogRowMetadata ?? 'MINIMAL'}`,
      `--gtid-domain-id=${o.gtidDomainId ?? 0}`,
      '--log-slave-updates=ON',
      '--binlog-checksum=CRC32',
    );
  }
  args.push(...(o.args ?? []));
  return args;
}

async function waitReady(port: number, child: ChildProcess, errorLog: string): Promise<void> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) {
      const log = existsSync(errorLog) ? readFileSync(errorLog, 'utf8').slice(-2000) : '';
      throw new Error(`mariadbd exited during startup (code ${child.exitCode}):\n${log}`);
    }
    try {
      const c = await mysql.createConnection({ host: '127.0.0.1', port, user: 'root', connectTimeout: 1000 });
      await c.end();
      return;
    } catch {
      if (Date.now() > deadline) throw new Error(`mariadbd on port ${port} not ready after 60s`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

let nextServerId = 100 + (process.pid % 1000) * 10;

export async function startMariadb(opts: MariadbOptions = {}): Promise<MariadbInstance> {
  const template = await mariadbTemplate();
  const base = tempDir('dm-mariadb-');
  const dataDir = join(base, 'data');
  cpSync(template, dataDir, { recursive: true });
  const socket = join(base, 'mysqld.sock');
  const errorLog = join(base, 'error.log');
  const serverId = opts.serverId ?? nextServerId++;
  const port = await freePort();
  let child: ChildProcess | undefined;

  const inst: MariadbInstance = {
    host: '127.0.0.1',
    port,
    user: 'root',
    password: '',
    dataDir,
    socket,
    serverId,
    errorLog,
    connect: (database?: string) =>
      mysql.createConnection({
        host: '127.0.0.1',
        port,
        user: 'root',
        database,
        ...SESSION_OPTIONS,
      }),
    async query<T>(sql: string, params?: unknown[]): Promise<T[]> {
      const c = await inst.connect();
      try {
        const [rows] = await c.query(sql, params);
        return rows as T[];
      } finally {
        await c.end();
      }
    },
    async start() {
      if (child && child.exitCode === null && child.signalCode === null) return;
      child = trackChild(
        spawn(MARIADBD, baseArgs(dataDir, port, socket, serverId, opts, errorLog), { stdio: 'ignore' }),
      );
      await waitReady(port, child, errorLog);
    },
    async stop() {
      if (child) await stopChild(child, 30_000);
    },
    async kill9() {
      if (child) await killChild(child);
    },
    async destroy() {
      if (child) await stopChild(child, 10_000);
      rmSync(base, { recursive: true, force: true });
      untrackDir(base);
    },
  };
  trackDir(base);
  await inst.start();
  return inst;
}
