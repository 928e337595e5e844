/**
 * `npm run bench:full` — a full migration as users run it, side by side on the same machine and
 * data: `bin/dm-master` + `bin/dm-worker` driven by `bin/dmctl` (`start-task`, task-mode full,
 * timed until `query-status` says Finished) against the yardsticks of DESIGN.md §8:
 *   - mydumper + myloader, 4 threads each (`mydumper -t 4 -r 100000`, `myloader -t 4`);
 *   - a raw `LOAD DATA INFILE` of the same rows (exported upstream with SELECT … INTO OUTFILE)
 *     into the same target, tables created first, one table at a time.
 * Each target is compared with the upstream by CHECKSUM TABLE + COUNT(*): ours must be equal;
 * the yardsticks' verdicts are printed (their text round trip rounds FLOAT values of the wide
 * table, so they come out not equal there). Prints times,
 * ratios, rows/s and the dm-worker's peak RSS (VmHWM) at each data size (1×, then the
 * multipliers in BENCH_SCALES) to show memory stays flat as data grows.
 *
 * Env: BENCH_TABLE_SIZE (sysbench rows per table at 1×, default 500000; 4 tables),
 *      BENCH_WIDE_ROWS (wide mixed-type rows at 1×, default 100000),
 *      BENCH_THREADS (task mydumper `threads`, default 4), BENCH_POOL (task loader `pool-size`, default 4),
 *      BENCH_SCALES (comma list of data multipliers, default "1"; e.g. "1,2,4"),
 *      BENCH_YARDSTICKS=0 (dm only: no mydumper/myloader or LOAD DATA run, for quick RSS/time checks),
 *      BENCH_CPU_PROF (a directory: the dm-worker runs under `node --cpu-prof` writing there).
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tableSums } from '../test/harness/checksum.js';
import {
  type DmProcess,
  dmctl,
  startMaster,
  subtaskStatus,
  waitMasterReady,
  waitWorkerRegistered,
} from '../test/harness/cluster.js';
import { type MariadbInstance, startMariadb } from '../test/harness/mariadb.js';
import { tempDir } from '../test/harness/tmp.js';
import {
  createBenchSource,
  envNum,
  say as log,
  settle,
  startBenchWorker,
  sysbenchArgs,
  taskHead,
} from './bench-common.js';

const SIZE = envNum('BENCH_TABLE_SIZE', 500_000);
const WIDE = envNum('BENCH_WIDE_ROWS', 100_000);
const THREADS = envNum('BENCH_THREADS', 4);
const POOL = envNum('BENCH_POOL', 4);
const SCALES = (process.env.BENCH_SCALES ?? '1').split(',').map(Number);
const DBS = ['sbtest', 'wide'];

async function prepare(up: MariadbInstance, tableSize: number, wideRows: number): Promise<number> {
  await up.query('DROP DATABASE IF EXISTS sbtest; DROP DATABASE IF EXISTS wide; CREATE DATABASE sbtest');
  execFileSync('sysbench', ['oltp_read_write', ...sysbenchArgs(up, tableSize), '--threads=2', 'prepare'], {
    stdio: 'ignore',
  });
  await up.query(`SET SESSION sql_mode = '';
    CREATE DATABASE wide;
    CREATE TABLE wide.w (
      id BIGINT PRIMARY KEY, i INT, u BIGINT UNSIGNED, dc DECIMAL(20,6), f FLOAT, d DOUBLE,
      dt DATE, dtm DATETIME(6), ts TIMESTAMP NULL, tm TIME, y YEAR, b BIT(8),
      c CHAR(10), vc VARCHAR(255), tx TEXT, bl BLOB, vb VARBINARY(64), e ENUM('a','b','c'), s SET('x','y'),
      j JSON, n VARCHAR(20) NULL
    );
    INSERT INTO wide.w SELECT seq, CAST(seq AS SIGNED) * 3 - 1000000, seq * 1000003, seq / 7, seq / 3, seq / 11,
      '2000-01-01' + INTERVAL (seq % 9000) DAY, '2000-01-01' + INTERVAL seq SECOND, FROM_UNIXTIME(seq), SEC_TO_TIME(seq % 86400),
      1901 + seq % 200, seq % 256, LEFT(MD5(seq), 10), CONCAT('ünïcödé 😀 ', MD5(seq), REPEAT('v', seq % 100)),
      REPEAT(MD5(seq), 4), UNHEX(REPEAT(MD5(seq), 3)), UNHEX(MD5(seq)), ELT(1 + seq % 3, 'a', 'b', 'c'),
      IF(seq % 2, 'x,y', 'y'), JSON_OBJECT('k', seq, 's', MD5(seq)), IF(seq % 5 = 0, NULL, 'nn')
    FROM wide.seq_1_to_${wideRows};`);
  await settle(up);
  return tableSize * 4 + wideRows;
}

async function resetDown(down: MariadbInstance): Promise<void> {
  await down.query(
    'DROP DATABASE IF EXISTS sbtest; DROP DATABASE IF EXISTS wide; DROP DATABASE IF EXISTS dm_meta',
  );
  await settle(down);
}

async function verify(up: MariadbInstance, down: MariadbInstance, who: string): Promise<void> {
  for (const db of DBS) {
    const [a, b] = [await tableSums(up, db), await tableSums(down, db)];
    if (JSON.stringify(a) !== JSON.stringify(b)) {
      throw new Error(`${who}: ${db} differs\nup:   ${JSON.stringify(a)}\ndown: ${JSON.stringify(b)}`);
    }
  }
}

/** A yardstick's copy is reported, not required, equal (mydumper alters some wide values). */
async function verdict(up: MariadbInstance, down: MariadbInstance, who: string): Promise<string> {
  try {
    await verify(up, down, who);
    return 'verified equal';
  } catch (err) {
    return `NOT equal: ${(err as Error).message.split('\n')[0]}`;
  }
}

function timed(fn: () => void): number {
  const t0 = process.hrtime.bigint();
  fn();
  return Number(process.hrtime.bigint() - t0) / 1e9;
}

/** Peak resident set of a live process (VmHWM), in MB. */
function peakRssMb(pid: number | undefined): number {
  if (pid === undefined) return 0;
  const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Number(m?.[1] ?? 0) / 1024;
}

/** Current resident set of a live process (VmRSS), in MB (0 when gone). */
function rssMb(pid: number | undefined): number {
  if (pid === undefined) return 0;
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return Number(m?.[1] ?? 0) / 1024;
  } catch {
    return 0;
  }
}

/** One full task through a fresh dm-master + dm-worker; seconds from start-task to Finished. */
async function dm(
  up: MariadbInstance,
  down: MariadbInstance,
  rows: number,
  label: string,
): Promise<{ secs: number; rss: number }> {
  await resetDown(down);
  const dir = tempDir('dm-bench-full-');
  const master = await startMaster({ name: 'bm' });
  let worker: DmProcess | undefined;
  try {
    await waitMasterReady(master.addr);
    const prof = process.env.BENCH_CPU_PROF;
    worker = await startBenchWorker('bw', master.addr);
    await waitWorkerRegistered(master.addr, 'bw');
    await createBenchSource(master.addr, dir, up);
    writeFileSync(
      join(dir, 'task.yaml'),
      `${taskHead('bench', 'full', down)}    mydumper-config-name: "dump"
    loader-config-name: "load"
block-allow-list:
  bal:
    do-dbs: ["sbtest", "wide"]
mydumpers:
  dump:
    threads: ${THREADS}
loaders:
  load:
    pool-size: ${POOL}
`,
    );
    const idleRss = rssMb(worker.child.pid);
    const t0 = process.hrtime.bigint();
    const st = await dmctl(master.addr, 'start-task', join(dir, 'task.yaml'));
    if (st.json.result !== true) throw new Error(`start-task: ${st.stdout}`);
    // The worker's resident set per unit, sampled with each status poll: which phase peaks.
    const byUnit = new Map<string, number>();
    for (;;) {
      const s = await subtaskStatus(master.addr, 'bench');
      const unit = String(s?.unit ?? '?');
      byUnit.set(unit, Math.max(byUnit.get(unit) ?? 0, rssMb(worker.child.pid)));
      if (s?.stage === 'Finished') break;
      if (s?.stage === 'Paused') throw new Error(`task paused: ${JSON.stringify(s.result)}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    const secs = Number(process.hrtime.bigint() - t0) / 1e9;
    const rss = peakRssMb(worker.child.pid);
    // With a profile, keep the worker's and master's logs beside it: their timestamps show the phases.
    if (prof) {
      writeFileSync(join(prof, `dm-worker-${label}.log`), worker.log());
      writeFileSync(join(prof, `dm-master-${label}.log`), master.log());
    }
    await verify(up, down, `dm ${label}`);
    log(
      `dm ${label}: start-task → Finished ${secs.toFixed(1)}s, ${(rows / secs).toFixed(0)} rows/s, dm-worker peak RSS ${rss.toFixed(0)} MB (threads ${THREADS}, pool-size ${POOL}); RSS before start-task ${idleRss.toFixed(0)} MB, sampled RSS peak per unit: ${[...byUnit].map(([u, m]) => `${u} ${m.toFixed(0)} MB`).join(', ')}`,
    );
    return { secs, rss };
  } finally {
    await worker?.stop();
    await master.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** mydumper + myloader, 4 threads each, as DESIGN.md §8 sets them. */
async function mydumper(up: MariadbInstance, down: MariadbInstance, rows: number): Promise<number> {
  await resetDown(down);
  const work = tempDir('dm-bench-my-');
  const common = ['-h', up.host, '-P', String(up.port), '-u', 'root'];
  const downArgs = ['-h', down.host, '-P', String(down.port), '-u', 'root', '-t', '4'];
  let tDump = 0;
  let tLoad = 0;
  // This mydumper takes one database per -B: one dump and one load per database.
  for (const db of DBS) {
    const out = join(work, db);
    tDump += timed(() =>
      execFileSync('mydumper', [...common, '-B', db, '-t', '4', '-r', '100000', '-o', out], {
        stdio: 'ignore',
      }),
    );
    tLoad += timed(() => execFileSync('myloader', [...downArgs, '-d', out], { stdio: 'ignore' }));
  }
  rmSync(work, { recursive: true, force: true });
  const secs = tDump + tLoad;
  const eq = await verdict(up, down, 'mydumper+myloader');
  log(
    `mydumper+myloader (-t 4 -r 100000 / -t 4): dump ${tDump.toFixed(1)}s + load ${tLoad.toFixed(1)}s = ${secs.toFixed(1)}s, ${(rows / secs).toFixed(0)} rows/s (${eq})`,
  );
  return secs;
}

/** Raw LOAD DATA INFILE of the same rows into the same target (tables created first). */
async function loadData(up: MariadbInstance, down: MariadbInstance, rows: number): Promise<number> {
  await resetDown(down);
  const work = tempDir('dm-bench-ld-');
  const tables: { db: string; table: string; ddl: string; file: string; load: string }[] = [];
  for (const db of DBS) {
    await down.query(`CREATE DATABASE ${db}`);
    for (const r of await up.query<{ t: string }>(
      `SELECT TABLE_NAME AS t FROM information_schema.TABLES WHERE TABLE_SCHEMA = '${db}' AND TABLE_TYPE = 'BASE TABLE'`,
    )) {
      if (r.t.startsWith('seq_')) continue;
      const [c] = await up.query<{ 'Create Table': string }>(`SHOW CREATE TABLE ${db}.${r.t}`);
      const file = join(work, `${db}.${r.t}.tsv`);
      // BIT values go out as numbers: raw BIT bytes are not escaped by INTO OUTFILE.
      const cols = await up.query<{ c: string; bit: number }>(
        `SELECT COLUMN_NAME AS c, DATA_TYPE = 'bit' AS bit FROM information_schema.COLUMNS
         WHERE TABLE_SCHEMA = '${db}' AND TABLE_NAME = '${r.t}' ORDER BY ORDINAL_POSITION`,
      );
      const select = cols.map((k) => (Number(k.bit) ? `\`${k.c}\` + 0` : `\`${k.c}\``)).join(', ');
      await up.query(`SELECT ${select} FROM ${db}.${r.t} INTO OUTFILE '${file}' CHARACTER SET binary`);
      const into = cols.map((k, i) => (Number(k.bit) ? `@v${i}` : `\`${k.c}\``)).join(', ');
      const sets = cols.flatMap((k, i) => (Number(k.bit) ? [`\`${k.c}\` = CAST(@v${i} AS UNSIGNED)`] : []));
      tables.push({
        db,
        table: r.t,
        ddl: c?.['Create Table'] ?? '',
        file,
        load: `(${into})${sets.length ? ` SET ${sets.join(', ')}` : ''}`,
      });
    }
  }
  for (const t of tables) await down.query(`USE ${t.db}; ${t.ddl}`);
  await settle(down);
  const t0 = process.hrtime.bigint();
  await Promise.all(
    tables.map((t) =>
      down.query(
        `SET SESSION sql_mode=''; LOAD DATA INFILE '${t.file}' INTO TABLE ${t.db}.${t.table} CHARACTER SET utf8mb4 ${t.load}`,
      ),
    ),
  );
  const secs = Number(process.hrtime.bigint() - t0) / 1e9;
  rmSync(work, { recursive: true, force: true });
  const eq = await verdict(up, down, 'LOAD DATA');
  log(
    `raw LOAD DATA INFILE (all tables in parallel): ${secs.toFixed(1)}s, ${(rows / secs).toFixed(0)} rows/s (${eq})`,
  );
  return secs;
}

async function main(): Promise<void> {
  const [up, down] = await Promise.all([
    startMariadb({ bufferPool: '512M' }),
    startMariadb({ noBinlog: true, bufferPool: '512M', args: ['--max-allowed-packet=64M'] }),
  ]);
  try {
    for (const scale of SCALES) {
      const rows = await prepare(up, Math.round(SIZE * scale), Math.round(WIDE * scale));
      log(
        `\n== ${scale}× data: ${rows} rows (sysbench 4 × ${Math.round(SIZE * scale)} + wide ${Math.round(WIDE * scale)})`,
      );
      const ours = await dm(up, down, rows, `${scale}×`);
      if (process.env.BENCH_YARDSTICKS === '0') {
        log(`dm-worker peak RSS at ${scale}×: ${ours.rss.toFixed(0)} MB (yardsticks skipped)`);
        continue;
      }
      const my = await mydumper(up, down, rows);
      const ld = await loadData(up, down, rows);
      log(`ratio dm / mydumper+myloader: ${(ours.secs / my).toFixed(2)} (target ≤ 0.8)`);
      log(`ratio dm / raw LOAD DATA: ${(ours.secs / ld).toFixed(2)} (target ≤ 1.3)`);
      log(`dm-worker peak RSS at ${scale}×: ${ours.rss.toFixed(0)} MB (target ≤ 256 MB, flat)`);
    }
  } finally {
    await Promise.all([up.destroy(), down.destroy()]);
  }
}

await main();
