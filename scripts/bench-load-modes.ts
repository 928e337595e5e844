/**
 * `npm run bench:load-modes` — the full-migration issue asks "LOAD DATA LOCAL INFILE or
 * multi-row INSERT — measure and choose". Same data, same machine, one run:
 *   (a) multi-row INSERT statements of ~1 MiB (what our loader streams from mydumper files),
 *   (b) LOAD DATA LOCAL INFILE from TSV files (written by the source's SELECT … INTO OUTFILE,
 *       so the escaping is exactly MySQL's own).
 * Each mode loads 4 files per table over 4 parallel connections with our loader's session
 * settings, in a child process (so its peak RSS is its own), then CHECKSUM TABLE is compared
 * with the source.
 *
 * Env: BENCH_ROWS (sysbench-like rows, default 1000000), BENCH_MIXED_ROWS (default 100000),
 *      BENCH_DIFF=1 (print a few differing rows of the mixed table between the two modes).
 */
import { spawn } from 'node:child_process';
import { createReadStream, createWriteStream, type WriteStream } from 'node:fs';
import { join } from 'node:path';
import mysqlCb from 'mysql2';
import mysql from 'mysql2/promise';
import { tableSums } from '../test/harness/checksum.js';
import { type MariadbInstance, startMariadb } from '../test/harness/mariadb.js';
import { tempDir } from '../test/harness/tmp.js';

const ROWS = Number(process.env.BENCH_ROWS ?? 1_000_000);
const MIXED = Number(process.env.BENCH_MIXED_ROWS ?? 100_000);
const CONNS = 4;
const STMT_BYTES = 1 << 20;
const TABLES = ['sb', 'mixed'] as const;
type Mode = 'insert' | 'loaddata';

/** Job handed to the child process that does one mode's loads. */
interface LoadJob {
  mode: Mode;
  port: number;
  schema: string;
  files: Record<string, string[]>;
}

interface LoadResult {
  secs: Record<string, number>;
  /** Deadlock retries per table (LOAD DATA only). */
  retries: Record<string, number>;
  maxRssKb: number;
}

function log(msg: string): void {
  process.stdout.write(`${msg}\n`);
}

const DDL: Record<(typeof TABLES)[number], string> = {
  sb: 'CREATE TABLE sb (id INT PRIMARY KEY, k INT NOT NULL, c CHAR(120) NOT NULL, pad CHAR(60) NOT NULL) DEFAULT CHARSET=utf8mb4',
  mixed: `CREATE TABLE mixed (id INT PRIMARY KEY, dc DECIMAL(20,6), dtm DATETIME(6),
    vc VARCHAR(255) CHARACTER SET utf8mb4, bl BLOB, n VARCHAR(20) NULL) DEFAULT CHARSET=utf8mb4`,
};

async function prepare(up: MariadbInstance): Promise<void> {
  await up.query(`CREATE DATABASE src; USE src; ${DDL.sb}; ${DDL.mixed};
    INSERT INTO sb SELECT seq, FLOOR(RAND(seq) * ${ROWS}),
      CONCAT_WS('-', MD5(seq), MD5(seq + 1), MD5(seq + 2)), CONCAT(MD5(seq * 7), '-', LEFT(MD5(seq), 20))
      FROM seq_1_to_${ROWS};
    INSERT INTO mixed SELECT seq, IF(seq % 11 = 0, NULL, seq / 7 - 5000),
      IF(seq % 13 = 0, NULL, '2000-01-01' + INTERVAL seq SECOND + INTERVAL seq % 999999 MICROSECOND),
      CONCAT('ünï 😀 tab\\there nl\\nthere bs\\\\ q''"', MD5(seq), REPEAT('v', seq % 50)),
      IF(seq % 17 = 0, NULL, CONCAT(UNHEX(MD5(seq)), 0x000A09005C4E, UNHEX(REPEAT(MD5(seq), seq % 5)))),
      IF(seq % 5 = 0, NULL, IF(seq % 7 = 0, 'NULL', '\\\\N'))
      FROM seq_1_to_${MIXED};`);
}

/** Export as multi-row INSERTs of ~1 MiB, rows split by id % 4 into one file per connection. */
async function exportInserts(up: MariadbInstance, table: string, dir: string): Promise<string[]> {
  const files = Array.from({ length: CONNS }, (_, i) => join(dir, `${table}.${i}.sql`));
  const outs = files.map((f) => createWriteStream(f));
  const bufs: string[][] = outs.map(() => []);
  const sizes = outs.map(() => 0);
  const flush = async (i: number): Promise<void> => {
    const rows = bufs[i] ?? [];
    if (rows.length === 0) return;
    await write(outs[i] as WriteStream, `INSERT INTO \`${table}\` VALUES ${rows.join(',')};\n`);
    bufs[i] = [];
    sizes[i] = 0;
  };
  const conn = await up.connect('src');
  try {
    const stream = (conn as unknown as { connection: mysqlCb.Connection }).connection
      .query(`SELECT * FROM \`${table}\``)
      .stream();
    for await (const row of stream as AsyncIterable<Record<string, unknown>>) {
      const vals = Object.values(row).map((v) =>
        Buffer.isBuffer(v) ? (v.length === 0 ? "''" : `0x${v.toString('hex')}`) : mysqlCb.escape(v as string),
      );
      const i = Number(row.id) % CONNS;
      const tuple = `(${vals.join(',')})`;
      (bufs[i] as string[]).push(tuple);
      sizes[i] = (sizes[i] ?? 0) + tuple.length + 1;
      if ((sizes[i] ?? 0) >= STMT_BYTES) await flush(i);
    }
    for (let i = 0; i < CONNS; i++) await flush(i);
  } finally {
    await conn.end();
  }
  await Promise.all(outs.map((o) => new Promise((r) => o.end(r))));
  return files;
}

function write(out: WriteStream, s: string): Promise<void> {
  return new Promise((resolve) => {
    if (out.write(s)) resolve();
    else out.once('drain', () => resolve());
  });
}

/**
 * Export as TSV with the server's own INTO OUTFILE escaping (same machine, so the file is ours).
 * CHARACTER SET binary on both ends: with utf8mb4, BLOB bytes that are not valid UTF-8 are
 * silently written as '?' (measured: the mixed table came back with a different checksum).
 */
async function exportTsv(up: MariadbInstance, table: string, dir: string): Promise<string[]> {
  const files = Array.from({ length: CONNS }, (_, i) => join(dir, `${table}.${i}.tsv`));
  for (const [i, f] of files.entries()) {
    await up.query(
      `SELECT * FROM src.\`${table}\` WHERE id % ${CONNS} = ${i} INTO OUTFILE ${mysqlCb.escape(f)} CHARACTER SET binary`,
    );
  }
  return files;
}

/** Child side: load every table of the job over CONNS parallel connections, timing each table. */
async function runJob(job: LoadJob): Promise<LoadResult> {
  const secs: Record<string, number> = {};
  const retries: Record<string, number> = {};
  for (const [table, files] of Object.entries(job.files)) {
    const t0 = process.hrtime.bigint();
    await Promise.all(
      files.map(async (file) => {
        const conn = await mysql.createConnection({
          host: '127.0.0.1',
          port: job.port,
          user: 'root',
          database: job.schema,
          charset: 'utf8mb4_general_ci',
          infileStreamFactory: () => createReadStream(file),
        });
        try {
          await conn.query(
            "SET SESSION foreign_key_checks=0, unique_checks=0, sql_mode='NO_AUTO_VALUE_ON_ZERO,NO_ENGINE_SUBSTITUTION'",
          );
          if (job.mode === 'loaddata') {
            // Parallel LOAD DATA into one empty InnoDB table can deadlock (MariaDB's bulk-insert
            // path locks the table); the statement is atomic, so retry it like a loader would.
            for (;;) {
              try {
                await conn.query(`LOAD DATA LOCAL INFILE ? INTO TABLE \`${table}\` CHARACTER SET binary`, [
                  file,
                ]);
                break;
              } catch (err) {
                if ((err as { errno?: number }).errno !== 1213) throw err;
                retries[table] = (retries[table] ?? 0) + 1;
              }
            }
          } else {
            await streamStatements(conn, file);
          }
        } finally {
          await conn.end();
        }
      }),
    );
    secs[table] = Number(process.hrtime.bigint() - t0) / 1e9;
  }
  return { secs, retries, maxRssKb: process.resourceUsage().maxRSS };
}

/** Read a statements file chunk by chunk (one `;\n`-terminated statement at a time) and run each. */
async function streamStatements(conn: mysql.Connection, file: string): Promise<void> {
  let pending = '';
  for await (const chunk of createReadStream(file, { encoding: 'utf8', highWaterMark: 256 * 1024 })) {
    pending += chunk as string;
    // Statements end with ");\n" and escaped values never contain a raw newline.
    let nl = pending.indexOf(';\n');
    while (nl >= 0) {
      await conn.query(pending.slice(0, nl));
      pending = pending.slice(nl + 2);
      nl = pending.indexOf(';\n');
    }
  }
  if (pending.trim() !== '') await conn.query(pending);
}

function runChild(job: LoadJob): Promise<LoadResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', import.meta.filename, 'child', JSON.stringify(job)],
      {
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
    });
    child.once('exit', (code) => {
      if (code !== 0) return reject(new Error(`${job.mode} load failed (exit ${code}): ${out}`));
      resolve(JSON.parse(out.trim().split('\n').pop() ?? '{}') as LoadResult);
    });
  });
}

async function verify(up: MariadbInstance, down: MariadbInstance, schema: string): Promise<string> {
  const [a, b] = [await tableSums(up, 'src'), await tableSums(down, schema)];
  const bad = a.filter((s, i) => JSON.stringify(s) !== JSON.stringify(b[i]));
  return bad.length === 0
    ? 'byte-exact (COUNT + CHECKSUM TABLE equal)'
    : `NOT equal: ${bad.map((s) => `${s.table} up=${JSON.stringify(s)} down=${JSON.stringify(b.find((x) => x.table === s.table))}`).join('; ')}`;
}

async function main(): Promise<void> {
  const [up, down] = await Promise.all([
    startMariadb({ bufferPool: '512M' }),
    startMariadb({ noBinlog: true, bufferPool: '512M', args: ['--local-infile=1'] }),
  ]);
  try {
    let t0 = Date.now();
    await prepare(up);
    log(
      `prepared src.sb (${ROWS} rows) + src.mixed (${MIXED} rows) in ${((Date.now() - t0) / 1000).toFixed(1)}s`,
    );
    const dir = tempDir('dm-bench-loadmodes-');
    t0 = Date.now();
    const files: Record<Mode, Record<string, string[]>> = { insert: {}, loaddata: {} };
    for (const t of TABLES) {
      files.insert[t] = await exportInserts(up, t, dir);
      files.loaddata[t] = await exportTsv(up, t, dir);
    }
    log(`exported both formats in ${((Date.now() - t0) / 1000).toFixed(1)}s to ${dir}`);

    const results: Partial<Record<Mode, LoadResult & { check: string }>> = {};
    for (const mode of ['insert', 'loaddata'] as const) {
      const schema = `dst_${mode}`;
      await down.query(`CREATE DATABASE ${schema}; USE ${schema}; ${DDL.sb}; ${DDL.mixed}`);
      const r = await runChild({ mode, port: down.port, schema, files: files[mode] });
      results[mode] = { ...r, check: await verify(up, down, schema) };
    }
    const ins = results.insert as LoadResult & { check: string };
    const ld = results.loaddata as LoadResult & { check: string };
    log('');
    log('table   rows      INSERT s  INSERT rows/s  LOAD DATA s  LOAD DATA rows/s  LOAD/INSERT time');
    for (const t of TABLES) {
      const n = t === 'sb' ? ROWS : MIXED;
      const a = ins.secs[t] ?? Number.NaN;
      const b = ld.secs[t] ?? Number.NaN;
      log(
        `${t.padEnd(7)} ${String(n).padEnd(9)} ${a.toFixed(2).padStart(8)}  ${(n / a).toFixed(0).padStart(13)}  ${b.toFixed(2).padStart(11)}  ${(n / b).toFixed(0).padStart(16)}  ${(b / a).toFixed(2).padStart(16)}`,
      );
    }
    log(
      `peak RSS (loader process): INSERT ${(ins.maxRssKb / 1024).toFixed(0)} MB, LOAD DATA ${(ld.maxRssKb / 1024).toFixed(0)} MB`,
    );
    log(`deadlock retries: INSERT ${JSON.stringify(ins.retries)}, LOAD DATA ${JSON.stringify(ld.retries)}`);
    log(`INSERT check: ${ins.check}`);
    log(`LOAD DATA check: ${ld.check}`);
    if (process.env.BENCH_DIFF) {
      log(
        JSON.stringify(
          await down.query(
            `SELECT a.id, HEX(a.bl) ab, HEX(b.bl) bb, a.vc av, b.vc bv, a.n an, b.n bn, a.dtm ad, b.dtm bd, a.dc adc, b.dc bdc FROM dst_insert.mixed a JOIN dst_loaddata.mixed b USING (id) WHERE NOT (a.bl <=> b.bl AND a.vc <=> b.vc AND a.n <=> b.n AND a.dtm <=> b.dtm AND a.dc <=> b.dc) LIMIT 3`,
          ),
        ),
      );
    }
  } finally {
    await Promise.all([up.destroy(), down.destroy()]);
  }
}

if (process.argv[2] === 'child') {
  const r = await runJob(JSON.parse(process.argv[3] ?? '{}') as LoadJob);
  process.stdout.write(`${JSON.stringify(r)}\n`);
} else {
  await main();
}
