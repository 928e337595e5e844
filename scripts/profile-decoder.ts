/**
 * Binlog decoder benchmark and profiling harness (run the compiled JS: `npx tsc -p .` first).
 *
 *   node dist/scripts/profile-decoder.js gen [DIR]    make DIR/mariadb-bin.000001 (sysbench)
 *   node dist/scripts/profile-decoder.js bench FILE   time (a) mariadb-binlog -v, (b) decode,
 *                                                     (c) decode + JSON lines to /dev/null
 *   node dist/scripts/profile-decoder.js decode FILE  one run of (b), prints a JSON result
 *   node dist/scripts/profile-decoder.js print FILE   one run of (c), prints a JSON result
 *   node dist/scripts/profile-decoder.js bytes FILE   (c) with appendEventJson: lines as bytes, no strings
 *   node dist/scripts/profile-decoder.js hash FILE    sha256 of the JSON lines (output equality)
 *
 * `decode`/`print` are what to run under `node --cpu-prof`. Each measured mode runs in its own
 * process so its peak RSS is its own. Env: BENCH_TABLE_SIZE (rows per sysbench table, default
 * 100000), BENCH_RUN_SECS (oltp_write_only run time, default 30), BENCH_REPEAT (default 3).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  closeSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  openSync,
  readdirSync,
  statSync,
  writeSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readBinlogFile } from '../src/pkg/binlog/file-reader.js';
import { appendEventJson, formatEventJson } from '../src/pkg/binlog/json-format.js';
import { JsonWriter } from '../src/pkg/binlog/json-writer.js';

const TABLE_SIZE = Number(process.env.BENCH_TABLE_SIZE ?? 100_000);
const RUN_SECS = Number(process.env.BENCH_RUN_SECS ?? 30);
const REPEAT = Number(process.env.BENCH_REPEAT ?? 3);

function log(msg: string): void {
  process.stderr.write(`${msg}\n`);
}

/** Make a sysbench binlog with a real MariaDB and copy it out of the throwaway data dir. */
async function gen(dir: string): Promise<void> {
  // Imported lazily: the harness tracks and cleans its servers, which `decode`/`print` don't need.
  const { startMariadb } = await import('../test/harness/mariadb.js');
  mkdirSync(dir, { recursive: true });
  const db = await startMariadb({ binlogRowMetadata: 'FULL', bufferPool: '512M' });
  try {
    await db.query('CREATE DATABASE sbtest');
    const { sysbenchArgs } = await import('./bench-common.js');
    const common = sysbenchArgs(db, TABLE_SIZE);
    log(`sysbench prepare (${TABLE_SIZE} rows × 4 tables)`);
    execFileSync('sysbench', ['oltp_write_only', ...common, 'prepare'], { stdio: 'ignore' });
    log(`sysbench run (${RUN_SECS}s)`);
    execFileSync('sysbench', ['oltp_write_only', ...common, '--threads=2', `--time=${RUN_SECS}`, 'run'], {
      stdio: 'ignore',
    });
    await db.query('FLUSH BINARY LOGS');
    for (const f of readdirSync(db.dataDir)) {
      if (/^mariadb-bin\.\d+$/.test(f)) copyFileSync(join(db.dataDir, f), join(dir, f));
    }
  } finally {
    await db.destroy();
  }
  for (const f of readdirSync(dir)) log(`${join(dir, f)}: ${statSync(join(dir, f)).size} bytes`);
}

interface Result {
  mode: string;
  bytes: number;
  secs: number;
  mbps: number;
  /** CPU seconds (user + sys) of the run: steadier than wall time on a busy machine. */
  cpuSecs: number;
  events: number;
  maxRssMiB: number;
}

let cpu0 = process.cpuUsage();

function result(mode: string, file: string, t0: bigint, events: number): Result {
  const secs = Number(process.hrtime.bigint() - t0) / 1e9;
  const cpu = process.cpuUsage(cpu0);
  const bytes = statSync(file).size;
  return {
    mode,
    bytes,
    secs: Math.round(secs * 1000) / 1000,
    mbps: Math.round((bytes / 1e6 / secs) * 10) / 10,
    cpuSecs: Math.round((cpu.user + cpu.system) / 1000) / 1000,
    events,
    maxRssMiB: Math.round(process.resourceUsage().maxRSS / 1024),
  };
}

async function decodeOnly(file: string): Promise<Result> {
  cpu0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  let n = 0;
  for await (const _ of readBinlogFile(file)) n++;
  return result('decode', file, t0, n);
}

/** Decode + format; lines are joined ~1 MiB at a time and handed to `sink`. */
async function printAll(file: string, sink: (chunk: string) => void): Promise<number> {
  let parts: string[] = [];
  let bytes = 0;
  let n = 0;
  for await (const ev of readBinlogFile(file)) {
    const s = formatEventJson(ev);
    parts.push(s, '\n');
    bytes += s.length + 1;
    n++;
    if (bytes >= 1 << 20) {
      sink(parts.join(''));
      parts = [];
      bytes = 0;
    }
  }
  if (parts.length > 0) sink(parts.join(''));
  return n;
}

async function print(file: string): Promise<Result> {
  const fd = openSync('/dev/null', 'w');
  cpu0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  const n = await printAll(file, (chunk) => writeSync(fd, chunk));
  const r = result('print', file, t0, n);
  closeSync(fd);
  return r;
}

/** Like `print`, but lines are appended as bytes and written as Buffers (no per-line strings). */
async function printBytes(file: string): Promise<Result> {
  const fd = openSync('/dev/null', 'w');
  cpu0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  const w = new JsonWriter(2 << 20);
  let n = 0;
  for await (const ev of readBinlogFile(file)) {
    appendEventJson(ev, w);
    n++;
    if (w.pos >= 1 << 20) writeSync(fd, w.takeBytes());
  }
  writeSync(fd, w.takeBytes());
  const r = result('bytes', file, t0, n);
  closeSync(fd);
  return r;
}

async function hash(file: string): Promise<void> {
  const h = createHash('sha256');
  await printAll(file, (chunk) => {
    h.update(chunk);
  });
  process.stdout.write(`${h.digest('hex')}  ${file}\n`);
}

/** Time `mariadb-binlog --base64-output=DECODE-ROWS -v FILE > /dev/null`; RSS via GNU time if present. */
function mariadbBinlog(file: string): Result {
  const args = ['--base64-output=DECODE-ROWS', '-v', file];
  const timeBin = existsSync('/usr/bin/time');
  const t0 = process.hrtime.bigint();
  const r = timeBin
    ? spawnSync('/usr/bin/time', ['-f', '%U %S %M', 'mariadb-binlog', ...args], {
        stdio: ['ignore', 'ignore', 'pipe'],
      })
    : spawnSync('mariadb-binlog', args, { stdio: ['ignore', 'ignore', 'pipe'] });
  const out = result('mariadb-binlog', file, t0, 0);
  const [u, sy, kb] = (r.stderr.toString().trim().split('\n').pop() ?? '').split(' ').map(Number);
  out.maxRssMiB = kb !== undefined && Number.isFinite(kb) ? Math.round(kb / 1024) : -1;
  out.cpuSecs = u !== undefined && sy !== undefined ? Math.round((u + sy) * 1000) / 1000 : Number.NaN;
  return out;
}

function child(mode: string, file: string): Result {
  const r = spawnSync(process.execPath, [process.argv[1]!, mode, file], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${mode} failed: ${r.stderr}`);
  return JSON.parse(r.stdout) as Result;
}

function bench(file: string): void {
  const runs: Record<string, Result[]> = { 'mariadb-binlog': [], decode: [], print: [], bytes: [] };
  // Interleaved so a busy machine's load spreads over all three.
  for (let i = 0; i < REPEAT; i++) {
    runs['mariadb-binlog']!.push(mariadbBinlog(file));
    runs.decode!.push(child('decode', file));
    runs.print!.push(child('print', file));
    runs.bytes!.push(child('bytes', file));
  }
  const size = statSync(file).size;
  log(`file ${file}: ${size} bytes (${(size / 1e6).toFixed(1)} MB), best of ${REPEAT}`);
  for (const [mode, rs] of Object.entries(runs)) {
    const best = rs.reduce((a, b) => (b.secs < a.secs ? b : a));
    const all = rs.map((r) => r.mbps).join(' ');
    process.stdout.write(
      `${mode.padEnd(15)} ${best.mbps.toFixed(1).padStart(6)} MB/s  ${best.secs.toFixed(2)}s  cpu ${best.cpuSecs.toFixed(2)}s (${(size / 1e6 / best.cpuSecs).toFixed(1)} MB/cpu-s)  maxRSS ${best.maxRssMiB} MiB  (runs: ${all})\n`,
    );
  }
}

async function main(): Promise<void> {
  const [cmd, arg] = process.argv.slice(2);
  switch (cmd) {
    case 'gen':
      await gen(arg ?? join(tmpdir(), 'dm-binlog-bench'));
      break;
    case 'bench':
      bench(arg ?? join(tmpdir(), 'dm-binlog-bench', 'mariadb-bin.000001'));
      break;
    case 'decode':
      process.stdout.write(`${JSON.stringify(await decodeOnly(arg!))}\n`);
      break;
    case 'print':
      process.stdout.write(`${JSON.stringify(await print(arg!))}\n`);
      break;
    case 'bytes':
      process.stdout.write(`${JSON.stringify(await printBytes(arg!))}\n`);
      break;
    case 'hash':
      await hash(arg!);
      break;
    default:
      log(
        'usage: profile-decoder.js gen [DIR] | bench FILE | decode FILE | print FILE | bytes FILE | hash FILE',
      );
      process.exitCode = 2;
  }
}

await main();
