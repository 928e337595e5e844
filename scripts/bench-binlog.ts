/**
 * `npm run bench:binlog`: binlog decoding speed of `bin/dm-binlog` vs
 * `mariadb-binlog --base64-output=DECODE-ROWS -v` over the same files, in one run
 * (DESIGN.md §8). Starts a throwaway MariaDB, fills its binlog with sysbench oltp_write_only
 * row events up to BINLOG_MB (default 300), then times both programs writing to /dev/null
 * and reports seconds, MB/s, the ratio dm/mariadb and dm-binlog's peak RSS.
 *
 * Env: BINLOG_MB (default 300), BENCH_KEEP=1 keeps the server's data dir.
 */
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, openSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startMariadb } from '../test/harness/mariadb.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const targetMb = Number(process.env.BINLOG_MB ?? 300);

function log(msg: string): void {
  process.stderr.write(`[bench:binlog] ${msg}\n`);
}

async function main(): Promise<void> {
  // The harness deletes its temp dirs at exit unless told to keep them.
  if (process.env.BENCH_KEEP) process.env.DM_KEEP_TMP = '1';
  if (!existsSync(join(root, 'dist/src/cmd/dm-binlog.js'))) {
    log('building (npm run build)…');
    try {
      execFileSync('npx', ['tsc', '-p', 'tsconfig.json'], { cwd: root, stdio: 'inherit' });
    } catch {
      // tsc exits non-zero on type errors elsewhere but still emits; the check below decides.
    }
    if (!existsSync(join(root, 'dist/src/cmd/dm-binlog.js')))
      throw new Error('dist/src/cmd/dm-binlog.js missing');
  }
  const db = await startMariadb({ bufferPool: '512M', args: ['--max-binlog-size=1073741824'] });
  try {
    await db.query('CREATE DATABASE sbtest');
    const sb = (cmd: string, extra: string[]): void => {
      execFileSync(
        'sysbench',
        [
          'oltp_write_only',
          '--mysql-host=127.0.0.1',
          `--mysql-port=${db.port}`,
          '--mysql-user=root',
          '--mysql-db=sbtest',
          '--tables=4',
          '--table-size=100000',
          '--threads=4',
          ...extra,
          cmd,
        ],
        { stdio: 'ignore' },
      );
    };
    const binlogBytes = async (): Promise<{ files: string[]; bytes: number }> => {
      const rows = await db.query<{ Log_name: string; File_size: string }>('SHOW BINARY LOGS');
      return {
        files: rows.map((r) => join(db.dataDir, r.Log_name)),
        bytes: rows.reduce((n, r) => n + Number(r.File_size), 0),
      };
    };
    log(`generating ~${targetMb} MB of row events with sysbench…`);
    sb('prepare', []);
    while ((await binlogBytes()).bytes < targetMb * 1e6) sb('run', ['--time=15', '--report-interval=0']);
    await db.query('FLUSH BINARY LOGS');
    const { files } = await binlogBytes();
    const inputs = files.filter((f) => statSync(f).size > 1000);
    const mb = inputs.reduce((n, f) => n + statSync(f).size, 0) / 1e6;
    log(`binlog: ${inputs.length} file(s), ${mb.toFixed(1)} MB`);

    // Warm the page cache so both programs read from memory.
    for (const f of inputs) readFileSync(f);
    const mariadb = await timed('mariadb-binlog', ['--base64-output=DECODE-ROWS', '-v', ...inputs]);
    const dm = await timed(join(root, 'bin/dm-binlog'), inputs);
    const line = {
      binlogMB: Number(mb.toFixed(1)),
      dmSeconds: Number(dm.seconds.toFixed(2)),
      dmMBps: Number((mb / dm.seconds).toFixed(1)),
      mariadbSeconds: Number(mariadb.seconds.toFixed(2)),
      mariadbMBps: Number((mb / mariadb.seconds).toFixed(1)),
      ratioDmOverMariadb: Number((dm.seconds / mariadb.seconds).toFixed(2)),
      dmPeakRssMB: dm.maxRssKb === undefined ? null : Number((dm.maxRssKb / 1024).toFixed(1)),
      mariadbPeakRssMB: mariadb.maxRssKb === undefined ? null : Number((mariadb.maxRssKb / 1024).toFixed(1)),
    };
    process.stdout.write(`${JSON.stringify(line)}\n`);
    if (dm.code !== 0 || mariadb.code !== 0) {
      log(`exit codes: dm-binlog ${dm.code}, mariadb-binlog ${mariadb.code}`);
      process.exitCode = 1;
    }
  } finally {
    if (process.env.BENCH_KEEP) log(`kept ${db.dataDir}`);
    else await db.destroy();
  }
}

/** Run `cmd args > /dev/null` under /usr/bin/time -v when present; wall seconds and peak RSS. */
async function timed(
  cmd: string,
  args: string[],
): Promise<{ seconds: number; maxRssKb?: number; code: number }> {
  const useTime = existsSync('/usr/bin/time');
  const argv = useTime ? ['/usr/bin/time', '-v', cmd, ...args] : [cmd, ...args];
  const devnull = openSync('/dev/null', 'w');
  const t0 = performance.now();
  const child = spawn(argv[0]!, argv.slice(1), { stdio: ['ignore', devnull, 'pipe'] });
  let err = '';
  child.stderr!.on('data', (b: Buffer) => {
    err += b.toString();
  });
  const code = await new Promise<number>((resolve) => child.on('close', (c) => resolve(c ?? -1)));
  const seconds = (performance.now() - t0) / 1000;
  const m = /Maximum resident set size \(kbytes\): (\d+)/.exec(err);
  if (code !== 0) log(`${cmd} failed:\n${err.slice(-2000)}`);
  return { seconds, maxRssKb: m ? Number(m[1]) : undefined, code };
}

main().catch((err: unknown) => {
  process.stderr.write(`${String((err as Error)?.stack ?? err)}\n`);
  process.exitCode = 1;
});
