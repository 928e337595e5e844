/**
 * `npm run bench:diff` — issue 13: bin/sync-diff-inspector must compare 10 M rows at least as
 * fast as a plain `CHECKSUM TABLE` of both sides.
 *
 * Setup: two MariaDB servers (binlog off), each with `bench.sbtest1` in sysbench's shape
 * (`id INT PK, k INT, c CHAR(120), pad CHAR(60)`, secondary index on k) holding the same
 * BENCH_DIFF_ROWS rows, generated on each server from MariaDB's sequence engine (so both sides
 * are filled in parallel, by the servers, with identical data).
 *
 * Each round, alternately: `CHECKSUM TABLE bench.sbtest1` sent to both servers at once (the
 * wall time until both answered: the strict baseline) — and also one server after the other,
 * as a DBA runs it from a client (the second figure reported), and `bin/sync-diff-inspector` comparing the
 * table between the two (a real process with its TOML: `check-thread-count` =
 * BENCH_DIFF_THREADS, default chunk size), timed from spawn to exit; it must exit 0 ("check
 * pass!!!"). Prints each time, the medians and the ratio diff/CHECKSUM (≤ 1 means the diff is
 * at least as fast), and — because wall times on a shared machine are noisy — the CPU seconds
 * both mariadbd processes spent on each (from /proc/<pid>/stat), plus the diff process's own,
 * and which way the tool decided the table (its sync_diff.log): `table checksum` (CHECKSUM
 * TABLE + COUNT(*) agreed, no chunk read) or `chunks`.
 *
 * Env: BENCH_DIFF_ROWS (10000000), BENCH_DIFF_ROUNDS (3), BENCH_DIFF_THREADS (4),
 * BENCH_DIFF_CHUNKS=1 (`use-table-checksum = false`: the chunked compare's speed, which is
 * also what a table whose CHECKSUM TABLE differs costs on top of that checksum). Loaded rows
 * are the same on both servers; their CHECKSUM TABLE may still differ if one table was
 * altered (e.g. `ALTER TABLE bench.sbtest1 ROW_FORMAT=DYNAMIC` on one server: the tool's worst
 * case, CHECKSUM TABLE and then chunks) — the run says so and the tool must still pass,
 * BENCH_DIFF_POOL (innodb_buffer_pool_size per server, 1G), BENCH_DIFF_PORTS=p1,p2 (use two
 * running servers, root without password on 127.0.0.1, instead of starting and loading new ones;
 * the table is loaded only if it does not have BENCH_DIFF_ROWS rows).
 */
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import mysql from 'mysql2/promise';
import { ROOT } from '../test/harness/cluster.js';
import { startMariadb } from '../test/harness/mariadb.js';
import { tempDir } from '../test/harness/tmp.js';
import { cpuOf, median, say, sh } from './bench-common.js';

const env = (k: string, d: number): number => (process.env[k] ? Number(process.env[k]) : d);
const ROWS = env('BENCH_DIFF_ROWS', 10_000_000);
const ROUNDS = env('BENCH_DIFF_ROUNDS', 3);
const THREADS = env('BENCH_DIFF_THREADS', 4);
const POOL = process.env.BENCH_DIFF_POOL ?? '1G';
const CHUNKS_ONLY = process.env.BENCH_DIFF_CHUNKS === '1';
/** Rows per INSERT … SELECT (one transaction each). */
const LOAD_BATCH = 500_000;

interface Server {
  port: number;
  pid: number;
  query<T>(sql: string): Promise<T[]>;
  close(): Promise<void>;
}

async function server(port: number, destroy: () => Promise<void> = async () => {}): Promise<Server> {
  const c = await mysql.createConnection({ host: '127.0.0.1', port, user: 'root', multipleStatements: true });
  const [[pf]] = (await c.query('SELECT @@pid_file AS f')) as unknown as [{ f: string }[]];
  return {
    port,
    pid: Number(readFileSync(String(pf?.f), 'utf8').trim()),
    query: async <T>(sql: string) => (await c.query(sql))[0] as T[],
    close: async () => {
      await c.end();
      await destroy();
    },
  };
}

/** sysbench's table, rows 1..ROWS as deterministic functions of the id. */
async function load(s: Server): Promise<void> {
  const [have] = await s
    .query<{ n: number }>('SELECT COUNT(*) AS n FROM bench.sbtest1')
    .catch(() => [{ n: -1 }]);
  if (Number(have?.n) === ROWS) return;
  await s.query(
    'DROP DATABASE IF EXISTS bench; CREATE DATABASE bench; CREATE TABLE bench.sbtest1 (' +
      "id INT NOT NULL, k INT NOT NULL DEFAULT 0, c CHAR(120) NOT NULL DEFAULT '', " +
      "pad CHAR(60) NOT NULL DEFAULT '', PRIMARY KEY (id), KEY k_1 (k)) ENGINE=InnoDB",
  );
  for (let lo = 1; lo <= ROWS; lo += LOAD_BATCH) {
    const hi = Math.min(ROWS, lo + LOAD_BATCH - 1);
    await s.query(
      `INSERT INTO bench.sbtest1 SELECT seq, (seq * 7919) % ${ROWS} + 1, ` +
        'CONCAT(MD5(seq), MD5(seq * 3), MD5(seq * 7), LEFT(MD5(seq * 11), 23)), ' +
        `CONCAT(MD5(seq * 13), LEFT(MD5(seq * 17), 27)) FROM bench.seq_${lo}_to_${hi}`,
    );
  }
}

/** Run `fn`, returning its wall seconds and the CPU seconds both servers spent meanwhile. */
async function measured<T>(servers: Server[], fn: () => Promise<T>): Promise<{ r: T; cpu: number }> {
  const before = servers.map((s) => cpuOf(s.pid));
  const r = await fn();
  const cpu = servers.reduce((acc, s, i) => acc + cpuOf(s.pid) - before[i]!, 0);
  return { r, cpu };
}

async function checksumBoth(a: Server, b: Server): Promise<{ s: number; sums: string[] }> {
  const t0 = process.hrtime.bigint();
  const r = await Promise.all(
    [a, b].map((s) => s.query<{ Checksum: string | number }>('CHECKSUM TABLE bench.sbtest1')),
  );
  return { s: Number(process.hrtime.bigint() - t0) / 1e9, sums: r.map((x) => String(x[0]?.Checksum)) };
}

/** The same, one server after the other: what a DBA does by hand with a client per server. */
async function checksumInTurn(a: Server, b: Server): Promise<number> {
  const t0 = process.hrtime.bigint();
  for (const s of [a, b]) await s.query('CHECKSUM TABLE bench.sbtest1');
  return Number(process.hrtime.bigint() - t0) / 1e9;
}

function diffConfig(dir: string, a: Server, b: Server): string {
  const ds = (s: Server) => `host = "127.0.0.1"\nport = ${s.port}\nuser = "root"\npassword = ""\n`;
  const f = join(dir, 'diff.toml');
  writeFileSync(
    f,
    `check-thread-count = ${THREADS}\nexport-fix-sql = true\nuse-table-checksum = ${!CHUNKS_ONLY}\n\n` +
      `[data-sources.up]\n${ds(a)}\n[data-sources.down]\n${ds(b)}\n` +
      `[task]\noutput-dir = "${join(dir, 'output')}"\nsource-instances = ["up"]\ntarget-instance = "down"\n` +
      'target-check-tables = ["bench.sbtest1"]\n',
  );
  return f;
}

/** How the last run in `dir`'s sync_diff.log decided the table. */
function decidedBy(dir: string): string {
  const log = readFileSync(join(dir, 'output', 'sync_diff.log'), 'utf8');
  const last = log.slice(log.lastIndexOf('["Welcome to sync_diff_inspector"]'));
  if (last.includes('["table checksum matches, no chunk compared"]')) return 'table checksum';
  if (last.includes('["table checksum doesn\'t match, comparing chunks"]'))
    return 'chunks after a differing table checksum';
  return 'chunks';
}

/** Wall seconds of one run and the CPU seconds of the diff process itself (bash's `times`). */
async function diffRun(config: string): Promise<{ s: number; selfCpu: number }> {
  const t0 = process.hrtime.bigint();
  const tool = join(ROOT, 'bin', 'sync-diff-inspector');
  let out = '';
  const code = await new Promise<number | null>((resolve) => {
    const c = spawn('bash', ['-c', `"${tool}" --config "${config}" >/dev/null; rc=$?; times; exit $rc`], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    c.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
    });
    c.once('exit', (x) => resolve(x));
  });
  const s = Number(process.hrtime.bigint() - t0) / 1e9;
  if (code !== 0) throw new Error(`sync-diff-inspector exited ${code} (see ${config} output-dir)`);
  // `times`: the shell's own user/sys line, then its children's (`0m1.234s 0m0.056s`).
  const secs = (t: string) => {
    const m = /(\d+)m([\d.]+)s/.exec(t);
    return m ? Number(m[1]) * 60 + Number(m[2]) : 0;
  };
  const child = out.trim().split('\n').at(-1)?.split(' ') ?? [];
  return { s, selfCpu: secs(child[0] ?? '') + secs(child[1] ?? '') };
}

async function main(): Promise<void> {
  const dir = tempDir('dm-bench-diff-');
  let a: Server;
  let b: Server;
  const ports = process.env.BENCH_DIFF_PORTS?.split(',').map(Number);
  if (ports?.length === 2) {
    [a, b] = await Promise.all([server(ports[0]!), server(ports[1]!)]);
  } else {
    const args = ['--innodb-log-file-size=512M'];
    const dbs = await Promise.all([
      startMariadb({ noBinlog: true, bufferPool: POOL, args }),
      startMariadb({ noBinlog: true, bufferPool: POOL, args }),
    ]);
    [a, b] = await Promise.all(
      dbs.map((d) => server(d.port, () => d.destroy())) as [Promise<Server>, Promise<Server>],
    );
  }
  try {
    say(`loading ${ROWS} rows into each server (buffer pool ${POOL}) …`);
    const t0 = Date.now();
    await Promise.all([load(a), load(b)]);
    say(`loaded in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    const config = diffConfig(dir, a, b);
    const sums: number[] = [];
    const diffs: number[] = [];
    const sumCpu: number[] = [];
    const inTurn: number[] = [];
    const diffCpu: number[] = [];
    for (let r = 1; r <= ROUNDS; r++) {
      const { r: cs, cpu: cc } = await measured([a, b], () => checksumBoth(a, b));
      // Equal rows can still checksum differently (e.g. ROW_FORMAT=DYNAMIC given on one side
      // only): then the tool must fall back to chunks and still exit 0, which diffRun checks.
      if (cs.sums[0] !== cs.sums[1])
        say(`CHECKSUM TABLE differs (${cs.sums.join(' vs ')}): the tool must fall back`);
      sums.push(cs.s);
      sumCpu.push(cc);
      inTurn.push(await checksumInTurn(a, b));
      const { r: d, cpu: dc } = await measured([a, b], () => diffRun(config));
      diffs.push(d.s);
      diffCpu.push(dc);
      say(
        `round ${r}: CHECKSUM TABLE both ${cs.s.toFixed(2)} s (servers ${cc.toFixed(2)} CPU-s; one after the other ${inTurn[r - 1]?.toFixed(2)} s), ` +
          `sync-diff-inspector ${d.s.toFixed(2)} s (servers ${dc.toFixed(2)} CPU-s, itself ${d.selfCpu.toFixed(2)} CPU-s, ` +
          `decided by ${decidedBy(dir)})`,
      );
    }
    const mc = median(sums);
    const md = median(diffs);
    say(
      `rows ${ROWS}, check-thread-count ${THREADS}: CHECKSUM TABLE (both sides at once) median ${mc.toFixed(2)} s, ` +
        `sync-diff-inspector median ${md.toFixed(2)} s (${Math.round(ROWS / md)} rows/s), ratio diff/checksum ${(md / mc).toFixed(2)}; ` +
        `server CPU-s median ${median(sumCpu).toFixed(2)} vs ${median(diffCpu).toFixed(2)}`,
    );
    const mt = median(inTurn);
    say(
      `CHECKSUM TABLE one server after the other median ${mt.toFixed(2)} s: ratio diff/checksum ${(md / mt).toFixed(2)}`,
    );
    say(`load: ${(await sh('uptime')).trim()}`);
  } finally {
    await Promise.all([a.close(), b.close()]);
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`${(err as Error).stack ?? String(err)}\n`);
  process.exitCode = 1;
});
