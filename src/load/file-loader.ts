import { createReadStream } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import type { OnDuplicate, SubTaskConfig } from '../pkg/config/types.js';
import type { Connection } from '../pkg/db/connect.js';
import { DATA_FILE_HEADER_PREFIX } from '../pkg/dumpfile/dump-dir.js';
import { offsetUpdateSql } from '../pkg/dumpfile/load-checkpoint.js';
import { asDmError, dmError, E } from '../pkg/errors/index.js';
import type { Logger } from '../pkg/log/logger.js';
import type { DataFile } from './dump-files.js';
import { insertToTsv, type TsvScratch } from './insert-to-tsv.js';
import { DumpLineSplitter } from './line-splitter.js';
import { SqlSplitter, type Statement } from './sql-splitter.js';
import { bytesView, classify, extendInsert, q, rewriteInsert, splitInsert } from './statement-rewrite.js';

/** Commit (with the checkpoint) after this many statement bytes: bounded transactions. */
const TX_BYTES = 8 * 1024 * 1024;
/** File read size: memory per connection is about this plus one statement. */
const READ_CHUNK = 1024 * 1024;
/** LOAD DATA LOCAL data goes out in packets of this size (well under any max_allowed_packet). */
const INFILE_PACKET = 256 * 1024;

/** Route extraction of one source table (see LoadUnit.prepareExtends). */
export interface Extension {
  names: string[];
  values: string[];
  columns?: string[];
}

/** What loading one file needs from the load unit. */
export interface FileLoadContext {
  cfg: SubTaskConfig;
  dir: string;
  log: Logger;
  target(db: string, table: string): { schema: string; table: string };
  /** How duplicates are handled in this file (REPLACE for ranges an older snapshot touched). */
  onDup(file: string): OnDuplicate;
  extension(db: string, table: string): Extension | undefined;
  /** Largest statement the downstream accepts (max_allowed_packet less a margin). */
  maxStatement: number;
  /**
   * Our own dump's INSERTs go in as `LOAD DATA LOCAL INFILE` (streamed from memory, never a
   * file on the server): the cheapest ingest the target offers. False when the downstream has
   * `local_infile` off (or refused it once); INSERTs are run as they are then.
   */
  localInfile: boolean;
  /** Bytes of the file just committed together with their checkpoint. */
  onCommitted(bytes: number): void;
  onRows(rows: number): void;
}

/** Server refusals of LOAD DATA LOCAL: ER_NOT_ALLOWED_COMMAND, MySQL 8's ER_CLIENT_LOCAL_FILES_DISABLED. */
const LOCAL_REFUSED = new Set([1148, 3948]);

/**
 * Load one data file from byte `offset`. Statements wholly before `offset` are skipped
 * (session SETs among them are re-run); every ~TX_BYTES the transaction commits together
 * with the new offset, so data and checkpoint always agree (a LOAD DATA is as transactional
 * as the INSERT it replaces).
 */
export async function loadFile(
  ctx: FileLoadContext,
  conn: Connection,
  f: DataFile,
  offset: number,
  signal: AbortSignal,
): Promise<void> {
  if (offset >= f.size) return;
  const { metaSchema, name: task, sourceId } = ctx.cfg;
  const tg = ctx.target(f.db, f.table);
  const tdb = bytesView(tg.schema);
  const ttb = bytesView(tg.table);
  const fname = bytesView(f.name);
  const onDup = ctx.onDup(f.name);
  const ext = ctx.extension(f.db, f.table);
  let ours = false;
  const scratch: TsvScratch = { buf: Buffer.alloc(0) };
  let committed = offset;
  let txBytes = 0;
  await conn.query('SET NAMES utf8mb4');
  await conn.query('BEGIN');
  const commit = async (at: number) => {
    await conn.query(offsetUpdateSql(conn, metaSchema, task, sourceId, fname, at));
    await conn.query('COMMIT');
    ctx.onCommitted(at - committed);
    committed = at;
    txBytes = 0;
  };
  const insert = async (sql: string) => {
    for (const part of splitInsert(sql, ctx.maxStatement)) {
      if (part.length > ctx.maxStatement) {
        throw dmError(
          E.loadFailed,
          `a row in ${f.name} is ${part.length} bytes, over the downstream max_allowed_packet`,
          {
            context: { file: f.name },
          },
        );
      }
      const [res] = await conn.query(part);
      ctx.onRows((res as { affectedRows?: number }).affectedRows ?? 0);
      txBytes += part.length;
    }
  };
  const handle = async (st: Statement) => {
    const kind = classify(st.sql);
    if (kind !== 'insert') {
      if (kind === 'other') await conn.query(st.sql);
      return;
    }
    if (st.end <= committed) return;
    const tsv = ours && ctx.localInfile && !ext ? insertToTsv(st.sql, scratch) : null;
    if (!tsv || !(await loadData(ctx, conn, tdb, ttb, onDup, tsv.columns, tsv.data, tsv.rows))) {
      const routed = rewriteInsert(st.sql, tdb, ttb, onDup);
      const sql = ext && routed !== null ? extendInsert(routed, ext.names, ext.values, ext.columns) : routed;
      if (sql === null) {
        throw dmError(E.loadDumpFileInvalid, `unexpected statement in ${f.name} at byte ${st.end}`, {
          context: { sql: st.sql.slice(0, 200) },
        });
      }
      await insert(sql);
    } else txBytes += st.sql.length;
    if (txBytes >= TX_BYTES) {
      await commit(st.end);
      await conn.query('BEGIN');
    }
  };
  let sp: SqlSplitter | DumpLineSplitter | undefined;
  try {
    for await (const chunk of createReadStream(join(ctx.dir, f.name), {
      encoding: 'latin1',
      highWaterMark: READ_CHUNK,
    })) {
      if (signal.aborted) return;
      // The file is always read from byte 0: the first chunk tells whose dump it is.
      if (!sp) {
        ours = (chunk as string).startsWith(DATA_FILE_HEADER_PREFIX);
        sp = ours ? new DumpLineSplitter() : new SqlSplitter();
      }
      for (const st of sp.push(chunk as string)) await handle(st);
    }
    sp ??= new SqlSplitter();
    for (const st of sp.end()) await handle(st);
    await commit(f.size);
  } catch (err) {
    if (signal.aborted) return;
    await conn.query('ROLLBACK').catch(() => undefined);
    throw asDmError(err, E.dbExecDownstream, `loading ${f.name}: ${(err as Error).message}`);
  }
}

const LOAD_VERB: Record<OnDuplicate, string> = { replace: ' REPLACE', ignore: ' IGNORE', error: '' };

/**
 * The rows of one INSERT as `LOAD DATA LOCAL INFILE`, inside the caller's transaction. The
 * file charset is our dump's `SET NAMES utf8mb4` (without CHARACTER SET the server would read
 * it as `character_set_database`). Returns false when the server refuses LOCAL (the caller
 * runs the INSERT; later files skip LOAD DATA).
 *
 * `on-duplicate-logical: error`: LOAD DATA LOCAL cannot abort mid-stream, so the server turns
 * duplicate-key errors into warnings (as IGNORE). Fewer rows affected than sent means a
 * duplicate: it fails with the server's own message (ER_DUP_ENTRY), as the INSERT would.
 */
async function loadData(
  ctx: FileLoadContext,
  conn: Connection,
  db: string,
  table: string,
  onDup: OnDuplicate,
  columns: string,
  data: Buffer,
  rows: number,
): Promise<boolean> {
  const sql =
    `LOAD DATA LOCAL INFILE 'dm-chunk'${LOAD_VERB[onDup]} INTO TABLE ${q(db)}.${q(table)} CHARACTER SET utf8mb4 ` +
    `FIELDS TERMINATED BY '\\t' ESCAPED BY '\\\\' LINES TERMINATED BY '\\n' ${columns}`;
  let res: unknown;
  try {
    [res] = await conn.query({
      sql,
      infileStreamFactory: () => Readable.from(packets(data), { objectMode: false }),
    });
  } catch (err) {
    if (!LOCAL_REFUSED.has((err as { errno?: number }).errno ?? 0)) throw err;
    ctx.log.info({ err: (err as Error).message }, 'downstream refuses LOAD DATA LOCAL: loading with INSERT');
    ctx.localInfile = false;
    return false;
  }
  const affected = (res as { affectedRows?: number }).affectedRows ?? 0;
  if (onDup === 'error' && affected < rows) {
    const [w] = await conn.query('SHOW WARNINGS LIMIT 64');
    const list = w as { Code?: number; Message?: string }[];
    const msg = (list.find((x) => Number(x.Code) === 1062) ?? list[0])?.Message ?? 'Duplicate entry';
    throw Object.assign(new Error(msg), { errno: 1062, code: 'ER_DUP_ENTRY' });
  }
  ctx.onRows(rows);
  return true;
}

function* packets(data: Buffer): Generator<Buffer> {
  for (let i = 0; i < data.length; i += INFILE_PACKET) yield data.subarray(i, i + INFILE_PACKET);
}
