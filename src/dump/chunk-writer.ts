import { createWriteStream } from 'node:fs';
import type { Connection } from '../pkg/db/connect.js';
import { callbackConnection, quoteTable } from '../pkg/db/connect.js';
import { dataFileHeader } from '../pkg/dumpfile/dump-dir.js';
import { insertHeader } from './sql-values.js';
import type { TableInfo } from './table-info.js';
import { TupleBytes } from './tuple-bytes.js';

/**
 * The session time zone of each dump connection (set once at connect: the task's zone), asked
 * once per connection for the files' header.
 */
const sessionZones = new WeakMap<Connection, string>();

async function sessionZone(conn: Connection): Promise<string> {
  let tz = sessionZones.get(conn);
  if (tz === undefined) {
    const [rows] = await conn.query('SELECT @@session.time_zone AS tz');
    tz = String((rows as { tz: unknown }[])[0]?.tz ?? '+00:00');
    sessionZones.set(conn, tz);
  }
  return tz;
}

/** What our row parser hands mysql2 for a row it already rendered. */
const RENDERED = Symbol('rendered');

/** One chunk to dump: `SELECT … FROM t WHERE where` into the file `path`. */
export interface ChunkJob {
  t: TableInfo;
  /** The chunk's condition; '' = the whole table. */
  where: string;
  path: string;
  /** Target size of one INSERT statement in bytes (`mydumpers.statement-size`). */
  statementSize: number;
}

export interface ChunkResult {
  rows: number;
  bytes: number;
}

/**
 * Statement buffers whose bytes the file has taken, for the next statements of this thread's
 * sessions. Without reuse every ~1 MB statement was a fresh off-heap buffer, freed only when a
 * major GC ran: hundreds of MB of dead statements raised the dm-worker's RSS during a dump.
 */
const spare: TupleBytes[] = [];
const SPARE_MAX = 8;

function statementBuffer(size: number): TupleBytes {
  for (let tb = spare.pop(); tb; tb = spare.pop()) {
    if (tb.buf.length >= size) {
      tb.len = 0;
      return tb;
    }
  }
  return new TupleBytes(size);
}

/** `tb`'s bytes are written: keep it for reuse (not one grown far beyond a statement). */
function spareBuffer(tb: TupleBytes, size: number): void {
  if (spare.length < SPARE_MAX && tb.buf.length <= 2 * size) spare.push(tb);
}

/**
 * Stream one chunk (`SELECT … WHERE <cond>`) into `path` as multi-row INSERT statements of
 * at most ~`statementSize` bytes (one row alone may exceed it). Memory stays bounded: mysql2
 * pauses the socket when the stream's buffer is full, and we await 'drain' on the file.
 * No file is created for an empty chunk. `onRows` reports progress as it goes.
 */
export async function writeChunk(
  conn: Connection,
  { t, where, path, statementSize }: ChunkJob,
  onRows: (rows: number, bytes: number) => void,
): Promise<ChunkResult> {
  const sql = `SELECT ${t.selects.join(',')} FROM ${quoteTable(t.schema, t.table)}${where ? ` WHERE ${where}` : ''}`;
  const header = Buffer.from(insertHeader(t.table, t.columns), 'latin1');
  const fileHeader = dataFileHeader(await sessionZone(conn));
  // The promise wrapper's underlying callback connection: row events without a promise per
  // row (an async iterator over the stream costs several times more CPU than the escaping).
  const raw = callbackConnection(conn);
  let out: ReturnType<typeof createWriteStream> | undefined;
  // The statement being built, as bytes. Rows are rendered straight into it (no per-row
  // copy); a row that overflows the statement is moved into the next one.
  const size = Math.min(statementSize, 4 << 20) + 4096;
  const newStmt = () => statementBuffer(size);
  let stmt = newStmt();
  let rows = 0;
  let bytes = 0;
  let pendingRows = 0;
  let paused = false;
  let ended = false;
  /** Write out the statement's first `cut` bytes; the bytes after `cut` (the start of
   * the next statement) are already in `next`. */
  const flush = (cut = stmt.len, next = newStmt()) => {
    stmt.len = cut;
    stmt.text(';\n');
    if (!out) {
      out = createWriteStream(path, { highWaterMark: 1 << 20 });
      out.write(fileHeader, 'latin1');
    }
    const n = stmt.len;
    const chunk = stmt.buf.subarray(0, n);
    const written = stmt;
    stmt = next;
    bytes += n;
    onRows(pendingRows, n);
    pendingRows = 0;
    // Backpressure: stop reading the socket until the file catches up (bounded memory). The
    // statement's buffer is reused once the file has it.
    if (!out.write(chunk, () => spareBuffer(written, size)) && !paused && !ended) {
      paused = true;
      raw.pause();
      out.once('drain', () => {
        paused = false;
        raw.resume();
      });
    }
  };
  /** Append one row (rendered by `render`), cutting the statement when it gets too big. */
  const addRow = (render: (tb: TupleBytes) => void) => {
    const start = stmt.len;
    if (start === 0) stmt.bytes(header);
    else stmt.text(',\n');
    const at = stmt.len;
    render(stmt);
    if (start > 0 && stmt.len > statementSize) {
      // This row starts the next statement: same cut as checking before rendering.
      const next = newStmt();
      next.bytes(header);
      next.bytes(stmt.buf, at, stmt.len);
      flush(start, next);
    }
    rows++;
    pendingRows++;
  };
  try {
    await new Promise<void>((resolve, reject) => {
      const qry = raw.query({ sql, rowsAsArray: true, typeCast: false });
      // Render each row straight from its packet: mysql2 asks `_rowParser.next(packet)` for
      // every row, and a Buffer per field there costs more CPU than all our escaping. If a
      // mysql2 version does not use the hook, rows arrive as arrays below (same bytes).
      Object.defineProperty(qry, '_rowParser', {
        configurable: true,
        get: () => packetParser,
        set: () => {},
      });
      const packetParser = {
        next: (p: { buffer: Buffer; offset: number; end: number }) => {
          addRow((tb) => tb.rowPacket(p.buffer, p.offset, p.end, t.kinds));
          return RENDERED;
        },
      };
      qry.on('error', reject);
      qry.on('end', () => {
        ended = true;
        resolve();
      });
      qry.on('result', (row: unknown) => {
        if (row !== RENDERED) addRow((tb) => tb.row(row as (Buffer | null)[], t.kinds));
      });
    });
    if (stmt.len > 0) flush();
    // The statement that would have come next is empty: the next chunk's first.
    spareBuffer(stmt, size);
  } finally {
    // Never leave the connection paused: 'drain' is not emitted once the file is ending.
    if (paused) {
      paused = false;
      raw.resume();
    }
    if (out) {
      const o = out;
      await new Promise<void>((resolve, reject) =>
        o.end((err?: Error | null) => (err ? reject(err) : resolve())),
      );
    }
  }
  return { rows, bytes };
}
