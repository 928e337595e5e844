import { createWriteStream } from 'node:fs';
import type { Connection } from '../pkg/db/connect.js';
import { quoteTable } from '../pkg/db/connect.js';
import { insertHeader, rowTuple } from './sql-values.js';
import type { TableInfo } from './table-info.js';

/** Header of every data file: our bytes are utf8mb4 text with hex literals for binary. */
export const DATA_FILE_HEADER =
  "/*!40101 SET NAMES utf8mb4*/;\n/*!40014 SET FOREIGN_KEY_CHECKS=0*/;\n/*!40103 SET TIME_ZONE='+00:00' */;\n";

export interface ChunkResult {
  rows: number;
  bytes: number;
}

/**
 * Stream one chunk (`SELECT … WHERE <cond>`) into `path` as multi-row INSERT statements of
 * at most ~`statementSize` bytes (one row alone may exceed it). Memory stays bounded: mysql2
 * pauses the socket when the stream's buffer is full, and we await 'drain' on the file.
 * No file is created for an empty chunk. `onRows` reports progress as it goes.
 */
export async function writeChunk(
  conn: Connection,
  t: TableInfo,
  where: string,
  path: string,
  statementSize: number,
  onRows: (rows: number, bytes: number) => void,
  signal?: AbortSignal,
): Promise<ChunkResult> {
  const sql = `SELECT ${t.selects.join(',')} FROM ${quoteTable(t.schema, t.table)}${where ? ` WHERE ${where}` : ''}`;
  const header = insertHeader(t.table, t.columns);
  // The promise wrapper's underlying callback connection: row events without a promise per
  // row (an async iterator over the stream costs several times more CPU than the escaping).
  const raw = (conn as unknown as { connection: import('mysql2').Connection }).connection;
  let out: ReturnType<typeof createWriteStream> | undefined;
  let stmt = '';
  let rows = 0;
  let bytes = 0;
  let pendingRows = 0;
  let paused = false;
  let ended = false;
  const write = (s: string) => {
    if (!out) {
      out = createWriteStream(path, { encoding: 'latin1', highWaterMark: 1 << 20 });
      out.write(DATA_FILE_HEADER);
    }
    bytes += s.length;
    onRows(pendingRows, s.length);
    pendingRows = 0;
    // Backpressure: stop reading the socket until the file catches up (bounded memory).
    if (!out.write(s, 'latin1') && !paused && !ended) {
      paused = true;
      raw.pause();
      out.once('drain', () => {
        paused = false;
        raw.resume();
      });
    }
  };
  try {
    await new Promise<void>((resolve, reject) => {
      const qry = raw.query({ sql, rowsAsArray: true, typeCast: false });
      qry.on('error', reject);
      qry.on('end', () => {
        ended = true;
        resolve();
      });
      qry.on('result', (row: unknown) => {
        const tuple = rowTuple(row as (Buffer | null)[], t.kinds);
        if (stmt.length === 0) stmt = header + tuple;
        else if (stmt.length + tuple.length + 2 > statementSize) {
          write(`${stmt};\n`);
          stmt = header + tuple;
        } else stmt += `,\n${tuple}`;
        rows++;
        pendingRows++;
      });
    });
    if (signal?.aborted) return { rows, bytes };
    if (stmt) write(`${stmt};\n`);
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
