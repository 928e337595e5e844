/**
 * What the benchmarks through the real programs share: a shell runner, sysbench on the
 * upstream's `sbtest`, the upstream binlog position, the marker-row timer, settling a server's
 * background work, the catch-up setup (one upstream copied to downstreams), a dm-worker started
 * as users run it (optionally profiled), the bench source, held downstreams and the final
 * CHECKSUM comparison.
 */
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tableSums } from '../test/harness/checksum.js';
import {
  type DmProcess,
  dmctl,
  type MasterProcess,
  startMaster,
  startWorker,
  waitMasterReady,
  waitWorkerRegistered,
} from '../test/harness/cluster.js';
import { type MariadbInstance, startMariadb } from '../test/harness/mariadb.js';
import { tempDir } from '../test/harness/tmp.js';

/** A numeric setting from the environment, `d` when unset. */
export function envNum(k: string, d: number): number {
  return process.env[k] ? Number(process.env[k]) : d;
}

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

/** sysbench's connection and table arguments for `sbtest` on `db`: 4 tables × `rows`. */
export function sysbenchArgs(db: { port: number }, rows: number): string[] {
  return [
    '--db-driver=mysql',
    '--mysql-host=127.0.0.1',
    `--mysql-port=${db.port}`,
    '--mysql-user=root',
    '--mysql-db=sbtest',
    '--tables=4',
    `--table-size=${rows}`,
  ];
}

/**
 * sysbench oltp_write_only, 4 tables × `rows`, 4 threads (`run` for `seconds`; `rate`: at most
 * that many transactions per second, 0 = as fast as it goes).
 */
export function sysbench(
  up: MariadbInstance,
  cmd: 'prepare' | 'run',
  rows: number,
  seconds: number,
  rate = 0,
): Promise<string> {
  const args = [
    'oltp_write_only',
    ...sysbenchArgs(up, rows),
    '--threads=4',
    ...(cmd === 'run' ? [`--time=${seconds}`, '--report-interval=0'] : []),
    ...(rate > 0 ? [`--rate=${rate}`] : []),
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

/** Binlog bytes written between two positions of `db`, across rotations (SHOW BINARY LOGS sizes). */
export async function binlogBytes(db: MariadbInstance, from: Pos, to: Pos): Promise<number> {
  if (from.file === to.file) return to.pos - from.pos;
  const logs = await db.query<{ Log_name: string; File_size: number }>('SHOW BINARY LOGS');
  let n = 0;
  for (const l of logs) {
    if (l.Log_name < from.file || l.Log_name > to.file) continue;
    if (l.Log_name === from.file) n += Number(l.File_size) - from.pos;
    else if (l.Log_name === to.file) n += to.pos;
    else n += Number(l.File_size);
  }
  return n;
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
 * The catch-up setup: `sbtest` (sysbench, 4 × `rows`) and `bench.marker` upstream, copied to
 * each downstream with mariadb-dump; returns the upstream position after the copy.
 */
export async function copyUpstream(
  up: MariadbInstance,
  downs: MariadbInstance[],
  rows: number,
): Promise<Pos> {
  await up.query(
    'CREATE DATABASE sbtest; CREATE DATABASE bench; CREATE TABLE bench.marker (id INT PRIMARY KEY, ts BIGINT NOT NULL)',
  );
  await sysbench(up, 'prepare', rows, 0);
  const dump = `mariadb-dump -h127.0.0.1 -P${up.port} -uroot --single-transaction --databases sbtest bench`;
  await Promise.all(downs.map((d) => sh(`${dump} | mariadb -h127.0.0.1 -P${d.port} -uroot`)));
  const start = await masterPos(up);
  say(
    `sysbench 4 × ${rows} rows copied to the downstreams; replication starts at ${start.file}:${start.pos}`,
  );
  return start;
}

/**
 * A dm-worker as users run it (log level info). With BENCH_CPU_PROF=dir it runs under the CPU
 * profiler: Node 20 refuses --cpu-prof in NODE_OPTIONS (the only way in through
 * bin/dm-worker), so a preload starts the profiler instead.
 */
export async function startBenchWorker(name: string, masterAddr: string): Promise<DmProcess> {
  const prof = process.env.BENCH_CPU_PROF;
  const saved = { opts: process.env.NODE_OPTIONS, dir: process.env.CPU_PROF_DIR };
  if (prof) {
    process.env.NODE_OPTIONS = `${saved.opts ?? ''} --import ${new URL('./cpu-prof-preload.js', import.meta.url).pathname}`;
    process.env.CPU_PROF_DIR = prof;
  }
  try {
    return await startWorker(name, masterAddr, ['-L', 'info']);
  } finally {
    // (Assigning undefined would store the string "undefined", which breaks every later node.)
    if (prof) {
      if (saved.opts === undefined) delete process.env.NODE_OPTIONS;
      else process.env.NODE_OPTIONS = saved.opts;
      if (saved.dir === undefined) delete process.env.CPU_PROF_DIR;
      else process.env.CPU_PROF_DIR = saved.dir;
    }
  }
}

/** `operate-source create` of source "bench" reading `up` (the yaml written in `dir`). */
export async function createBenchSource(ctl: string, dir: string, up: MariadbInstance): Promise<void> {
  writeFileSync(
    join(dir, 'source.yaml'),
    `source-id: "bench"\nfrom:\n  host: "127.0.0.1"\n  port: ${up.port}\n  user: "root"\n  password: ""\n`,
  );
  const src = await dmctl(ctl, 'operate-source', 'create', join(dir, 'source.yaml'));
  if (src.json.result !== true) throw new Error(`operate-source: ${src.stdout}`);
}

/** A downstream held back by a `FLUSH TABLES WITH READ LOCK` session. */
export interface Held {
  release(): Promise<number>;
}

/**
 * Hold `db` back; `release()` unlocks it and resolves with the seconds until `marker` is
 * visible there.
 */
export async function hold(db: MariadbInstance, marker: () => number): Promise<Held> {
  const c = await db.connect();
  await c.query('FLUSH TABLES WITH READ LOCK');
  return {
    async release() {
      const t0 = process.hrtime.bigint();
      await c.query('UNLOCK TABLES');
      await c.end();
      return markerSeen(db, marker(), t0);
    },
  };
}

/** Throws unless every downstream equals `up` in each schema (CHECKSUM TABLE + COUNT(*)). */
export async function checkEqual(
  up: MariadbInstance,
  downs: [string, MariadbInstance][],
  schemas: string[],
): Promise<void> {
  for (const s of schemas) {
    const u = JSON.stringify(await tableSums(up, s));
    for (const [who, d] of downs) {
      if (JSON.stringify(await tableSums(d, s)) !== u) throw new Error(`${who}: ${s} differs from upstream`);
    }
  }
}

export interface BenchCluster {
  master: MasterProcess;
  worker: DmProcess;
  /** The master's address, for dmctl. */
  ctl: string;
  /** A scratch directory for task files. */
  dir: string;
}

/** dm-master + one dm-worker (startBenchWorker) + source "bench" reading `up`. */
export async function startBenchCluster(up: MariadbInstance, name: string): Promise<BenchCluster> {
  const master = await startMaster({ name: `${name}m` });
  try {
    await waitMasterReady(master.addr);
    const worker = await startBenchWorker(`${name}w`, master.addr);
    try {
      await waitWorkerRegistered(master.addr, `${name}w`);
      const dir = tempDir(`dm-bench-${name}-`);
      await createBenchSource(master.addr, dir, up);
      return { master, worker, ctl: master.addr, dir };
    } catch (err) {
      await worker.stop();
      throw err;
    }
  } catch (err) {
    await master.stop();
    throw err;
  }
}

/** A task file's head: name, mode, target `down`, the "bench" source with block-allow-list "bal". */
export function taskHead(name: string, mode: 'full' | 'incremental', down: MariadbInstance): string {
  return `name: ${name}
task-mode: ${mode}
target-database:
  host: "127.0.0.1"
  port: ${down.port}
  user: "root"
  password: ""
mysql-instances:
  - source-id: "bench"
    block-allow-list: "bal"
`;
}

/** An upstream with binlog and two downstreams without, server ids `id`, `id + 1`, `id + 2`. */
export function startThree(id: number): Promise<[MariadbInstance, MariadbInstance, MariadbInstance]> {
  return Promise.all([
    startMariadb({ serverId: id, bufferPool: '512M' }),
    startMariadb({ serverId: id + 1, noBinlog: true, bufferPool: '512M' }),
    startMariadb({ serverId: id + 2, noBinlog: true, bufferPool: '512M' }),
  ]);
}

/** Write marker `id` upstream and wait until every downstream shows it. */
export async function allSeen(up: MariadbInstance, downs: MariadbInstance[], id: number): Promise<void> {
  await up.query('INSERT INTO bench.marker VALUES (?, ?)', [id, Date.now()]);
  await Promise.all(downs.map((d) => markerSeen(d, id, process.hrtime.bigint())));
}

/**
 * Release two held downstreams one after the other (`a` first on even rounds, `b` first on
 * odd ones), letting the first settle before the second goes; seconds of each, [a, b].
 */
export async function releaseInTurn(
  round: number,
  a: Side,
  b: Side,
): Promise<[number, number, number, number]> {
  if (round % 2 === 0) {
    const [ta, ca] = await releaseSide(a);
    await settle(a.db);
    const [tb, cb] = await releaseSide(b);
    return [ta, tb, ca, cb];
  }
  const [tb, cb] = await releaseSide(b);
  await settle(b.db);
  const [ta, ca] = await releaseSide(a);
  return [ta, tb, ca, cb];
}

/** One side of a catch-up race: its held downstream and the processes whose CPU it costs. */
export interface Side {
  held: Held;
  db: MariadbInstance;
  pids?: number[];
  /** Filled by the release: the CPU seconds of each of `pids`, in order. */
  cpu?: number[];
}

/** Release one side: wall seconds to the marker and the CPU seconds its processes spent. */
async function releaseSide(x: Side): Promise<[number, number]> {
  const pids = x.pids ?? [];
  const c0 = pids.map(cpuOf);
  const t = await x.held.release();
  x.cpu = pids.map((p, i) => cpuOf(p) - (c0[i] ?? 0));
  return [t, x.cpu.reduce((n, c) => n + c, 0)];
}

/** The catch-up benches' size: BENCH_ROWS (per sysbench table, 100000), BENCH_SECONDS (burst, 30), BENCH_ROUNDS (3). */
export function catchUpSize(): { rows: number; seconds: number; rounds: number } {
  return {
    rows: envNum('BENCH_ROWS', 100_000),
    seconds: envNum('BENCH_SECONDS', 30),
    rounds: envNum('BENCH_ROUNDS', 3),
  };
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
