/**
 * What the catch-up benchmarks share: a shell runner, a sysbench `oltp_write_only` run on the
 * upstream's `sbtest`, the upstream binlog position, the marker-row timer and settling a
 * server's background work. (bench-incremental.ts predates this file and keeps its own copies.)
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import type { MariadbInstance } from '../test/harness/mariadb.js';

export function say(msg: string): void {
  process.stdout.write(`${msg}\n`);
}

/** Run `cmd` under bash (pipefail); resolve with stdout+stderr, reject with its tail. */
export function sh(cmd: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const c = spawn('bash', ['-o', 'pipefail', '-c', cmd], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    c.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
    });
    c.stderr?.on('data', (d: Buffer) => {
      out += d.toString();
    });
    c.once('exit', (code) =>
      code === 0 ? resolve(out) : reject(new Error(`${cmd} exited ${code}:\n${out.slice(-2000)}`)),
    );
  });
}

/** sysbench oltp_write_only, 4 tables × `rows`, 4 threads (`run` for `seconds`). */
export function sysbench(
  up: MariadbInstance,
  cmd: 'prepare' | 'run',
  rows: number,
  seconds: number,
): Promise<string> {
  const args = [
    'oltp_write_only',
    '--db-driver=mysql',
    '--mysql-host=127.0.0.1',
    `--mysql-port=${up.port}`,
    '--mysql-user=root',
    '--mysql-db=sbtest',
    '--tables=4',
    `--table-size=${rows}`,
    '--threads=4',
    ...(cmd === 'run' ? [`--time=${seconds}`, '--report-interval=0'] : []),
    cmd,
  ];
  return sh(`sysbench ${args.join(' ')}`);
}

/** Row changes of a sysbench oltp_write_only run: 4 per transaction (2 updates, delete, insert). */
export function sysbenchRowChanges(output: string): number {
  return Number(/transactions:\s+(\d+)/.exec(output)?.[1] ?? 0) * 4;
}

export interface Pos {
  file: string;
  pos: number;
}

export async function masterPos(db: MariadbInstance): Promise<Pos> {
  const [r] = await db.query<{ File: string; Position: number }>('SHOW MASTER STATUS');
  return { file: String(r?.File), pos: Number(r?.Position) };
}

/** Wait (polling every 50 ms) until `marker` is in `bench.marker` on `db`; wall seconds since `t0`. */
export async function markerSeen(db: MariadbInstance, marker: number, t0: bigint): Promise<number> {
  const c = await db.connect();
  try {
    for (;;) {
      const [rows] = await c.query('SELECT id FROM bench.marker WHERE id = ?', [marker]);
      if ((rows as unknown[]).length > 0) return Number(process.hrtime.bigint() - t0) / 1e9;
      await new Promise((r) => setTimeout(r, 50));
    }
  } finally {
    await c.end();
  }
}

/** Let a server finish its background work (purge, page flushing) so each side starts settled. */
export async function settle(db: MariadbInstance): Promise<void> {
  await db.query('SET GLOBAL innodb_max_dirty_pages_pct = 0');
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    const [r] = await db.query<{ Value: string }>("SHOW GLOBAL STATUS LIKE 'Innodb_buffer_pool_pages_dirty'");
    if (Number(r?.Value ?? 0) < 50) break;
    await new Promise((res) => setTimeout(res, 500));
  }
  await db.query('SET GLOBAL innodb_max_dirty_pages_pct = DEFAULT');
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
}

/**
 * Run `start` (which spawns the dm-worker) with the worker profiled when BENCH_CPU_PROF names a
 * directory: the worker inherits this environment. Node 20 refuses --cpu-prof in NODE_OPTIONS,
 * so a preload starts the profiler instead (cpu-prof-preload.ts); the environment is put back.
 */
export async function withWorkerProfile<T>(start: () => Promise<T>): Promise<T> {
  const prof = process.env.BENCH_CPU_PROF;
  if (!prof) return start();
  const saved = { opts: process.env.NODE_OPTIONS, dir: process.env.CPU_PROF_DIR };
  process.env.NODE_OPTIONS = `${saved.opts ?? ''} --import ${new URL('./cpu-prof-preload.js', import.meta.url).pathname}`;
  process.env.CPU_PROF_DIR = prof;
  try {
    return await start();
  } finally {
    // (Assigning undefined would store the string "undefined", which breaks every later node.)
    if (saved.opts === undefined) delete process.env.NODE_OPTIONS;
    else process.env.NODE_OPTIONS = saved.opts;
    if (saved.dir === undefined) delete process.env.CPU_PROF_DIR;
    else process.env.CPU_PROF_DIR = saved.dir;
  }
}

/** CPU seconds (user + system) a process has used so far (/proc/<pid>/stat). */
export function cpuOf(pid: number): number {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const rest = f.slice(f.lastIndexOf(')') + 2).split(' ');
  return (Number(rest[11]) + Number(rest[12])) / 100;
}

/** The pid of a MariaDB server, from its pid file. */
export async function serverPid(db: MariadbInstance): Promise<number> {
  const [r] = await db.query<{ f: string }>('SELECT @@pid_file AS f');
  return Number(readFileSync(String(r?.f), 'utf8').trim());
}
