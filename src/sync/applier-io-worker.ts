import { parentPort } from 'node:worker_threads';
import type { DbConfig } from '../pkg/config/types.js';
import { APPLIER_CONNECTION_OPTIONS, type Connection, connectDb } from '../pkg/db/connect.js';
import { isFencedError } from '../pkg/db/fence.js';
import { E } from '../pkg/errors/index.js';
import { toWireDbError, type WireDbError } from '../pkg/thread/wire.js';

/**
 * Thread side of applier-io.ts: owns the appliers' downstream connections and runs the SQL
 * the main thread sends, in arrival order per connection (mysql2 queues them). Results go
 * back as plain data: rows for a SELECT, nothing for DML.
 */
export type IoRequest =
  | { id: number; op: 'connect'; conn: number; to: DbConfig }
  | { id: number; op: 'query'; conn: number; sql: string; params?: unknown[] }
  | { id: number; op: 'end' | 'destroy'; conn: number };

/** A driver or connect error as it crosses the thread boundary. */
export interface IoWireError extends WireDbError {
  /** Set when the connect itself failed (the main side wraps it as E.dbDownstreamConnect). */
  connect?: boolean;
  /** Set when the connection was refused by the worker fence (E.workerFenced, pkg/db/fence.ts). */
  fenced?: boolean;
}

export type IoReply =
  | { id: number; ok: true; rows?: unknown }
  | { id: number; ok: false; error: IoWireError };

const conns = new Map<number, Connection>();

async function handle(req: IoRequest): Promise<IoReply> {
  try {
    switch (req.op) {
      case 'connect': {
        let c: Connection;
        try {
          c = await connectDb(req.to, E.dbDownstreamConnect, APPLIER_CONNECTION_OPTIONS);
        } catch (err) {
          const error: IoWireError = { ...toWireDbError(err), connect: true };
          if (isFencedError(err)) error.fenced = true;
          return { id: req.id, ok: false, error };
        }
        // A dropped connection must not crash the thread: its next query reports it.
        c.on('error', () => undefined);
        conns.set(req.conn, c);
        return { id: req.id, ok: true };
      }
      case 'query': {
        const c = conns.get(req.conn);
        if (!c)
          return { id: req.id, ok: false, error: { message: 'connection is in closed state', fatal: true } };
        const [rows] = await c.query(req.sql, req.params);
        return Array.isArray(rows) && (rows.length === 0 || !('affectedRows' in (rows[0] as object)))
          ? { id: req.id, ok: true, rows }
          : { id: req.id, ok: true };
      }
      case 'end': {
        const c = conns.get(req.conn);
        conns.delete(req.conn);
        await c?.end().catch(() => undefined);
        return { id: req.id, ok: true };
      }
      case 'destroy': {
        conns.get(req.conn)?.destroy();
        conns.delete(req.conn);
        return { id: req.id, ok: true };
      }
    }
  } catch (err) {
    return { id: req.id, ok: false, error: toWireDbError(err) };
  }
}

parentPort?.on('message', (req: IoRequest) => {
  void handle(req).then((r) => parentPort?.postMessage(r));
});
