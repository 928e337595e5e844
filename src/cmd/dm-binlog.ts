#!/usr/bin/env node
import { statSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { Command, InvalidArgumentError } from 'commander';
import { BinlogClient } from '../pkg/binlog/binlog-client.js';
import { BinlogDecoder } from '../pkg/binlog/decoder.js';
import { readBinlogFile } from '../pkg/binlog/file-reader.js';
import type { PositionedEvent } from '../pkg/binlog/types.js';
import { connectDb } from '../pkg/db/connect.js';
import { asDmError, dmError, E } from '../pkg/errors/index.js';
import { upstreamInfoOn } from '../relay/upstream-info.js';
import { BufferedOutput } from './buffered-output.js';
import { InformationSchemaLookup } from './dm-binlog-schema.js';
import { ParallelPrinter } from './parallel-printer.js';

/**
 * `dm-binlog`: print binlog events as JSON lines (DESIGN.md §5, a contract), from a server
 * (replication protocol, like `mariadb-binlog --read-from-remote-server`) or from local
 * binlog/relay files. Errors go to stderr as DM-coded errors; the exit code is non-zero.
 */
export interface DmBinlogOptions {
  host: string;
  port: number;
  user: string;
  password: string;
  startFile?: string;
  startPos?: number;
  startGtid?: string;
  stopNever?: boolean;
  serverId?: number;
  threads?: number;
}

function intArg(v: string): number {
  const n = Number(v);
  if (!Number.isSafeInteger(n) || n < 0) throw new InvalidArgumentError(`not a non-negative integer: ${v}`);
  return n;
}

export function buildProgram(): Command {
  return new Command('dm-binlog')
    .description(
      'Print MySQL/MariaDB binlog events as JSON lines, from a server or from local binlog/relay files.',
    )
    .argument('[files...]', 'local binlog or relay files (offline mode)')
    .option('--host <host>', 'server host (online mode)')
    .option('--port <port>', 'server port', intArg, 3306)
    .option('-u, --user <user>', 'user with REPLICATION SLAVE', 'root')
    .option('-p, --password <password>', 'password', '')
    .option('--start-file <file>', 'binlog file to start at (default: the oldest on the server)')
    .option('--start-pos <pos>', 'position to start at (default 4)', intArg)
    .option('--start-gtid <gtid>', 'start after this GTID set (MySQL uuid:1-5 or MariaDB d-s-n,…)')
    .option('--stop-never', 'keep waiting for new events instead of stopping at the current end')
    .option('--server-id <id>', 'server id to register as a replica (default: random)', intArg)
    .option(
      '--threads <n>',
      'offline: threads decoding in parallel (0 = in the main thread; default: one per core for files over 16 MiB)',
      intArg,
    );
}

/** Run the program; resolves with the exit code. */
export async function main(argv: string[], out: BufferedOutput): Promise<number> {
  const program = buildProgram();
  program.exitOverride();
  program.configureOutput({ writeErr: (s) => process.stderr.write(s) });
  try {
    program.parse(argv);
  } catch (err) {
    const code = (err as { exitCode?: number }).exitCode ?? 2;
    return code;
  }
  const files = program.args;
  const o = program.opts<DmBinlogOptions & { host?: string }>();
  try {
    if (files.length > 0 && o.host === undefined) {
      await printFiles(files, o, out);
    } else {
      if (o.startGtid && (o.startFile || o.startPos !== undefined))
        throw dmError(E.ctlInvalidArgs, '--start-gtid cannot be combined with --start-file/--start-pos');
      await printServer({ ...o, host: o.host ?? '127.0.0.1' }, out);
    }
    await out.end();
    return 0;
  } catch (err) {
    await out.end().catch(() => undefined);
    if (out.closed) return 0;
    const e = asDmError(err, E.internal);
    process.stderr.write(`${e.toString()}\n`);
    return 1;
  }
}

async function emit(ev: PositionedEvent, out: BufferedOutput): Promise<void> {
  const p = out.event(ev);
  if (p) await p;
}

/** Parallel threads for offline printing: worth their start-up only for large files. */
export function printThreads(o: DmBinlogOptions, totalBytes: number): number {
  const asked = o.threads;
  if (asked !== undefined && Number.isSafeInteger(asked) && asked >= 0) return asked;
  const cores = availableParallelism();
  return cores > 1 && totalBytes >= 16 << 20 ? cores : 0;
}

/** Offline: local files in the order given; `--start-pos` applies to the first file. */
async function printFiles(files: string[], o: DmBinlogOptions, out: BufferedOutput): Promise<void> {
  const total = files.reduce((n, f) => n + sizeOf(f), 0);
  const threads = printThreads(o, total);
  if (threads > 0) {
    const printer = new ParallelPrinter(threads);
    try {
      for (const [i, path] of files.entries()) {
        await printer.printFile(path, i === 0 ? o.startPos : undefined, out);
        if (out.closed) return;
      }
    } finally {
      await printer.close();
    }
    return;
  }
  for (const [i, path] of files.entries()) {
    const decoder = new BinlogDecoder();
    const startPos = i === 0 ? o.startPos : undefined;
    for await (const ev of readBinlogFile(path, { startPos, decoder })) {
      // Inline (not `await emit()`): no promise per event unless the stream pushes back.
      const p = out.event(ev);
      if (p) await p;
      if (out.closed) return;
    }
  }
}

function sizeOf(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return 0; // the reader reports a missing file with its own error
  }
}

/** Online: pull from the server, stopping at its current end unless --stop-never. */
async function printServer(o: DmBinlogOptions, out: BufferedOutput): Promise<void> {
  const db = { host: o.host, port: o.port, user: o.user, password: o.password };
  const conn = await connectDb(db, E.dbUpstreamConnect);
  const schema = new InformationSchemaLookup(conn);
  let start: { file: string; pos: number } | { gtid: string };
  let flavor: 'mysql' | 'mariadb';
  try {
    const info = await upstreamInfoOn(conn);
    flavor = info.flavor;
    await schema.refresh();
    if (o.startGtid) start = { gtid: o.startGtid };
    else {
      const file = o.startFile ?? info.binlogs[0] ?? info.master.file;
      start = { file, pos: o.startPos ?? 4 };
    }
  } catch (err) {
    await conn.end().catch(() => undefined);
    throw err;
  }
  const ac = new AbortController();
  const onSig = (): void => ac.abort();
  process.once('SIGINT', onSig);
  process.once('SIGTERM', onSig);
  try {
    const client = new BinlogClient({
      host: o.host,
      port: o.port,
      user: o.user,
      password: o.password,
      serverId: o.serverId ?? 1_000_000 + Math.floor(Math.random() * 1_000_000_000),
      flavor,
      start,
      nonBlocking: !o.stopNever,
      schemaLookup: schema.lookup,
    });
    for await (const ev of client.events(ac.signal)) {
      await emit(ev, out);
      if (out.closed) break;
      // A DDL may create/alter tables whose later row events need fresh column facts.
      if (o.stopNever && ev.event.type === 'query' && isDdl(ev.event.query)) await schema.refresh();
    }
  } finally {
    process.off('SIGINT', onSig);
    process.off('SIGTERM', onSig);
    ac.abort();
    await conn.end().catch(() => undefined);
  }
}

function isDdl(q: string): boolean {
  return /^\s*(create|alter|drop|rename|truncate)\b/i.test(q);
}

const isMain = process.argv[1] !== undefined && /dm-binlog(\.[jt]s)?$/.test(process.argv[1]);
if (isMain) {
  const out = new BufferedOutput(process.stdout);
  main(process.argv, out).then(
    (code) => {
      process.exitCode = code;
    },
    (err: unknown) => {
      process.stderr.write(`${asDmError(err, E.internal).toString()}\n`);
      process.exitCode = 1;
    },
  );
}
