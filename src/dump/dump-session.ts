import type { DbConfig } from '../pkg/config/types.js';
import { type Connection, callbackConnection, connectDb } from '../pkg/db/connect.js';
import { E } from '../pkg/errors/index.js';
import { type ChunkJob, type ChunkResult, writeChunk } from './chunk-writer.js';

/**
 * One upstream session of the dump (a snapshot connection): what the consistency protocol
 * and the chunk writers need of it. `LocalSession` is a mysql2 connection of this thread;
 * `ThreadSession` (session-thread.ts) runs the same in a worker thread, so N sessions render
 * rows on N cores instead of one.
 */
export interface DumpSession {
  /** Run a statement; its rows (column name → value) when it returns any. */
  query(sql: string): Promise<Record<string, unknown>[]>;
  /** The first row as raw text-protocol bytes (typeCast off), undefined when there is none. */
  firstRawRow(sql: string): Promise<(Buffer | null)[] | undefined>;
  /** Stream the chunk's rows into its file (see chunk-writer.ts). */
  writeChunk(job: ChunkJob, onRows: (rows: number, bytes: number) => void): Promise<ChunkResult>;
  /** Close gracefully. */
  end(): Promise<void>;
  /** Abort now: the connection dies, an open transaction with it. */
  destroy(): void;
}

/** A session on a mysql2 connection of the calling thread. */
export class LocalSession implements DumpSession {
  private constructor(private readonly conn: Connection) {}

  static async open(from: DbConfig): Promise<LocalSession> {
    return new LocalSession(await connectDb(from, E.dbUpstreamConnect));
  }

  async query(sql: string): Promise<Record<string, unknown>[]> {
    const [rows] = await this.conn.query(sql);
    return Array.isArray(rows) ? (rows as Record<string, unknown>[]) : [];
  }

  firstRawRow(sql: string): Promise<(Buffer | null)[] | undefined> {
    const raw = callbackConnection(this.conn);
    return new Promise((resolve, reject) =>
      raw.query({ sql, rowsAsArray: true, typeCast: false }, (err, res) =>
        err ? reject(err) : resolve((res as (Buffer | null)[][])[0]),
      ),
    );
  }

  writeChunk(job: ChunkJob, onRows: (rows: number, bytes: number) => void): Promise<ChunkResult> {
    return writeChunk(this.conn, job, onRows);
  }

  async end(): Promise<void> {
    await this.conn.end().catch(() => this.conn.destroy());
  }

  destroy(): void {
    this.conn.destroy();
  }
}

export async function closeSessions(sessions: DumpSession[]): Promise<void> {
  await Promise.all(sessions.map((s) => s.end().catch(() => s.destroy())));
}
