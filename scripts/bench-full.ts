/**
 * `npm run bench:full` — full migration, side by side on the same machine and data:
 * our dump + load units vs mydumper -t 4 + myloader -t 4, each into a fresh downstream,
 * both verified by CHECKSUM TABLE against the upstream. Prints times, the ratio, rows/s and
 * our peak RSS at two data sizes (to show memory stays flat as data grows).
 *
 * Env: BENCH_TABLE_SIZE (sysbench rows per table, default 500000; 4 tables),
 *      BENCH_WIDE_ROWS (rows of the wide mixed-type table, default 100000),
 *      BENCH_THREADS (dump threads, default 4), BENCH_POOL (load pool sizes, default "4,16").
 */
import { execFileSync, spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import type { SubTaskConfig } from '../src/pkg/config/types.js';
import { tableSums } from '../test/harness/checksum.js';
import { type MariadbInstance, startMariadb } from '../test/harness/mariadb.js';
import { tempDir } from '../test/harness/tmp.js';
import { fullConfig } from '../test/integration/dump/full-config.js';

const SIZE = Number(process.env.BENCH_TABLE_SIZE ?? 500_000);
const WIDE = Number(process.env.BENCH_WIDE_ROWS ?? 100_000);
const THREADS = Number(process.env.BENCH_THREADS ?? 4);
const POOLS = (process.env.BENCH_POOL ?? '4,16').split(',').map(Number);
const ROOT = join(import.meta.dirname, '..');
const DBS = ['sbtest', 'wide'];

function log(msg: string): void {
  process.stdout.write(`${msg}\n`);
}

async function prepare(up: MariadbInstance, tableSize: number, wideRows: number): Promise<number> {
  await up.query('DROP DATABASE IF EXISTS sbtest; DROP DATABASE IF EXISTS wide; CREATE DATABASE sbtest');
  execFileSync(
    'sysbench',
    [
      'oltp_read_write',
      '--db-driver=mysql',
      `--mysql-host=${up.host}`,
      `--mysql-port=${up.port}`,
      '--mysql-user=root',
      '--mysql-db=sbtest',
      '--tables=4',
      `--table-size=${tableSize}`,
      '--threads=2',
      'prepare',
    ],
    { stdio: 'ignore' },
  );
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

/**
 * Let the upstream finish its background work after the bulk prepare (dirty-page flushing)
 * so whichever dumper runs first is not slowed by it: both sides dump from a settled server.
 */
async function settle(up: MariadbInstance): Promise<void> {
  await up.query('SET GLOBAL innodb_max_dirty_pages_pct = 0');
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    const [r] = await up.query<{ Value: string }>("SHOW GLOBAL STATUS LIKE 'Innodb_buffer_pool_pages_dirty'");
    if (Number(r?.Value ?? 0) < 50) break;
    await new Promise((res) => setTimeout(res, 500));
  }
  await up.query('SET GLOBAL innodb_max_dirty_pages_pct = DEFAULT');
}

async function resetDown(down: MariadbInstance): Promise<void> {
  await down.query(
    `DROP DATABASE IF EXISTS sbtest; DROP DATABASE IF EXISTS wide; DROP DATABASE IF EXISTS dm_meta`,
  );
}

async function verify(up: MariadbInstance, down: MariadbInstance, who: string): Promise<void> {
  for (const db of DBS) {
    const [a, b] = [await tableSums(up, db), await tableSums(down, db)];
    if (JSON.stringify(a) !== JSON.stringify(b)) {
      throw new Error(`${who}: ${db} differs\nup:   ${JSON.stringify(a)}\ndown: ${JSON.stringify(b)}`);
    }
  }
}

/** Run a unit in a child process; returns wall seconds and the child's peak RSS (MB). */
function runUnit(
  unit: 'dump' | 'load',
  cfg: SubTaskConfig,
  workDir: string,
  env: NodeJS.ProcessEnv = {},
): Promise<{ secs: number; rssMb: number }> {
  const t0 = process.hrtime.bigint();
  return new Promise((resolve, reject) => {
    // The compiled runner (built by `npm run bench:full`): what users run, no tsx transpiling.
    const child = spawn(
      process.execPath,
      [join(ROOT, 'dist/test/fixtures/full-runner.js'), JSON.stringify({ unit, cfg, workDir })],
      { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, ...env } },
    );
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
    });
    child.once('exit', (code) => {
      const secs = Number(process.hrtime.bigint() - t0) / 1e9;
      if (code !== 0) return reject(new Error(`${unit} failed: ${out}`));
      const r = JSON.parse(out.trim().split('\n').pop() ?? '{}') as { maxRssKb: number };
      resolve({ secs, rssMb: r.maxRssKb / 1024 });
    });
  });
}

function timed(fn: () => void): number {
  const t0 = process.hrtime.bigint();
  fn();
  return Number(process.hrtime.bigint() - t0) / 1e9;
}

async function ours(up: MariadbInstance, down: MariadbInstance, rows: number, pool: number, label: string) {
  await resetDown(down);
  const work = tempDir('dm-bench-');
  const cfg = fullConfig(up, down, { name: `bench${pool}`, doDbs: DBS, threads: THREADS, poolSize: pool });
  const d = await runUnit('dump', cfg, work);
  const l = await runUnit('load', cfg, work);
  await verify(up, down, `dm ${label}`);
  // The same dump with every session in the main thread (DM_DUMP_THREADS=0), timed alone.
  const dt = await runUnit('dump', cfg, tempDir('dm-bench-t-'), { DM_DUMP_THREADS: '0' });
  log(
    `dm ${label}: dump with all sessions in one thread ${dt.secs.toFixed(1)}s (RSS ${dt.rssMb.toFixed(0)} MB)`,
  );
  rmSync(work, { recursive: true, force: true });
  const secs = d.secs + l.secs;
  log(
    `dm ${label} pool=${pool}: dump ${d.secs.toFixed(1)}s (RSS ${d.rssMb.toFixed(0)} MB) + load ${l.secs.toFixed(1)}s (RSS ${l.rssMb.toFixed(0)} MB) = ${secs.toFixed(1)}s, ${(rows / secs).toFixed(0)} rows/s`,
  );
  return { pool, secs, rss: Math.max(d.rssMb, l.rssMb, dt.rssMb), oneThreadSecs: dt.secs + l.secs };
}

async function main(): Promise<void> {
  const [up, down] = await Promise.all([
    startMariadb({ bufferPool: '512M' }),
    startMariadb({ noBinlog: true, bufferPool: '512M', args: ['--max-allowed-packet=64M'] }),
  ]);
  try {
    // Small size first (RSS baseline), then the full size.
    const small = await prepare(
      up,
      Math.max(1000, Math.floor(SIZE / 5)),
      Math.max(1000, Math.floor(WIDE / 5)),
    );
    log(`small dataset: ${small} rows`);
    const s = await ours(up, down, small, POOLS[0] ?? 4, 'small');

    const rows = await prepare(up, SIZE, WIDE);
    log(`full dataset: ${rows} rows (sysbench 4 x ${SIZE} + wide ${WIDE})`);
    const results: { pool: number; secs: number; rss: number; oneThreadSecs: number }[] = [];
    for (const pool of POOLS) results.push(await ours(up, down, rows, pool, 'full'));

    await resetDown(down);
    const work = tempDir('dm-bench-my-');
    const dir = join(work, 'out');
    const common = ['-h', up.host, '-P', String(up.port), '-u', 'root'];
    const tDump = timed(() =>
      execFileSync('mydumper', [...common, '-B', 'sbtest', '-t', '4', '-r', '100000', '-o', dir], {
        stdio: 'ignore',
      }),
    );
    const tDump2 = timed(() =>
      execFileSync('mydumper', [...common, '-B', 'wide', '-t', '4', '-r', '100000', '-o', `${dir}2`], {
        stdio: 'ignore',
      }),
    );
    const downArgs = ['-h', down.host, '-P', String(down.port), '-u', 'root', '-t', '4'];
    const tLoad = timed(() => execFileSync('myloader', [...downArgs, '-d', dir], { stdio: 'ignore' }));
    const tLoad2 = timed(() => execFileSync('myloader', [...downArgs, '-d', `${dir}2`], { stdio: 'ignore' }));
    const mySecs = tDump + tDump2 + tLoad + tLoad2;
    let myOk = 'verified equal';
    try {
      await verify(up, down, 'mydumper');
    } catch (err) {
      myOk = `NOT equal (${(err as Error).message.split('\n')[0]})`;
    }
    log(
      `mydumper+myloader: dump ${(tDump + tDump2).toFixed(1)}s + load ${(tLoad + tLoad2).toFixed(1)}s = ${mySecs.toFixed(1)}s, ${(rows / mySecs).toFixed(0)} rows/s (${myOk})`,
    );
    for (const r of results) {
      log(`ratio dm(pool=${r.pool}) / mydumper+myloader time: ${(r.secs / mySecs).toFixed(2)}`);
      log(
        `ratio dm(pool=${r.pool}, dump in one thread) / mydumper+myloader time: ${(r.oneThreadSecs / mySecs).toFixed(2)}`,
      );
    }
    for (const r of results) {
      const note = r.pool === s.pool ? ` (${s.rss.toFixed(0)} MB at ${small} rows)` : '';
      log(`dm peak RSS pool=${r.pool}: ${r.rss.toFixed(0)} MB at ${rows} rows${note}`);
    }
  } finally {
    await Promise.all([up.destroy(), down.destroy()]);
  }
}

await main();
