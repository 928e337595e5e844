import type { Worker } from 'node:worker_threads';
import { syncIoInMainThread } from '../pkg/config/bench-overrides.js';
import type { DbConfig } from '../pkg/config/types.js';
import { APPLIER_CONNECTION_OPTIONS, type Connection, connectDb } from '../pkg/db/connect.js';
import { dmError, E } from '../pkg/errors/index.js';
import { startModuleWorker } from '../pkg/thread/start-worker.js';
import { type DistributiveOmit, fromWireDbError } from '../pkg/thread/wire.js';
import type { IoReply, IoRequest, IoWireError } from './applier-io-worker.js';

/** What an applier needs of its downstream connection. */
export interface ApplyConn {
  /** Run SQL; resolves `[rows]` (rows only for a SELECT; undefined for DML). */
  query(sql: string, params?: unknown[]): Promise<[unknown]>;
  end(): Promise<void>;
  destroy(): void;
}

/** Opens applier connections: on the I/O thread, or in this thread (a benchmark override). */
export interface ApplierIo {
  connect(to: DbConfig): Promise<ApplyConn>;
  close(): Promise<void>;
}

/** The I/O thread, unless the benchmark override `DM_SYNC_IO_THREAD=0` (bench-overrides.ts) is set. */
export function applierIo(inMainThread = syncIoInMainThread()): ApplierIo {
  return inMainThread ? new LocalIo() : new ThreadIo();
}

/**
 * The appliers' connections live on one worker thread. Why: the sync unit's one thread reads,
 * decodes and dispatches every event and also drove `worker-count` connections; on a machine
 * shared with the downstream (whose 16 busy threads each get a CPU share) that single thread
 * was starved and the appliers' queues ran dry: catch-up ran at ~0.72× the native replica's
 * rate, and at ~0.98× with the process reniced. The driver work (packet encoding, socket
 * writes, result parsing) now runs beside the reader, and SQL text crosses as one string per
 * batch. Order per connection is kept: the thread issues queries in arrival order.
 */
export class ThreadIo implements ApplierIo {
  private worker: Worker | undefined;
  private nextId = 1;
  private nextConn = 1;
  private readonly pending = new Map<number, { resolve: (r: IoReply) => void }>();

  private thread(): Worker {
    if (this.worker) return this.worker;
    const w = startModuleWorker(import.meta.url, 'applier-io-worker');
    w.on('message', (r: IoReply) => {
      const p = this.pending.get(r.id);
      this.pending.delete(r.id);
      p?.resolve(r);
    });
    w.on('error', () => undefined);
    w.once('exit', () => {
      if (this.worker === w) this.worker = undefined;
      // Every connection of the thread is gone: pending calls fail as a lost connection.
      for (const p of this.pending.values()) p.resolve({ id: 0, ok: false, error: LOST });
      this.pending.clear();
    });
    // The thread must not keep a finished process alive; pending calls ref it meanwhile.
    w.unref();
    this.worker = w;
    return w;
  }

  call(req: DistributiveOmit<IoRequest, 'id'>): Promise<IoReply> {
    const w = this.thread();
    const id = this.nextId++;
    return new Promise<IoReply>((resolve) => {
      this.pending.set(id, { resolve });
      if (this.pending.size === 1) w.ref();
      w.postMessage({ ...req, id } as IoRequest);
    }).finally(() => {
      if (this.pending.size === 0) this.worker?.unref();
    });
  }

  async connect(to: DbConfig): Promise<ApplyConn> {
    const conn = this.nextConn++;
    const r = await this.call({ op: 'connect', conn, to });
    if (!r.ok) throw fromWire(r.error, to);
    return new ThreadConn(this, conn);
  }

  async close(): Promise<void> {
    const w = this.worker;
    this.worker = undefined;
    await w?.terminate();
  }
}

class ThreadConn implements ApplyConn {
  private gone = false;

  constructor(
    private readonly io: ThreadIo,
    private readonly conn: number,
  ) {}

  async query(sql: string, params?: unknown[]): Promise<[unknown]> {
    if (this.gone) throw fromWire(CLOSED);
    const r = await this.io.call(
      params ? { op: 'query', conn: this.conn, sql, params } : { op: 'query', conn: this.conn, sql },
    );
    if (!r.ok) throw fromWire(r.error);
    return [r.rows];
  }

  async end(): Promise<void> {
    if (this.gone) return;
    this.gone = true;
    await this.io.call({ op: 'end', conn: this.conn });
  }

  destroy(): void {
    if (this.gone) return;
    this.gone = true;
    void this.io.call({ op: 'destroy', conn: this.conn });
  }
}

/** Everything in this thread: mysql2 connections driven directly. */
class LocalIo implements ApplierIo {
  async connect(to: DbConfig): Promise<ApplyConn> {
    const c: Connection = await connectDb(to, E.dbDownstreamConnect, APPLIER_CONNECTION_OPTIONS);
    return {
      query: async (sql, params) => {
        const [rows] = await c.query(sql, params);
        return [rows];
      },
      end: () => c.end(),
      destroy: () => c.destroy(),
    };
  }

  async close(): Promise<void> {}
}

const LOST: IoWireError = {
  message: 'applier I/O thread ended: connection lost',
  code: 'PROTOCOL_CONNECTION_LOST',
  fatal: true,
};
const CLOSED: IoWireError = {
  message: "Can't add new command when connection is in closed state",
  fatal: true,
};

/** A driver-like error again (errno/code/fatal drive retry decisions); connect errors coded. */
function fromWire(w: IoWireError, to?: DbConfig): Error {
  const e = fromWireDbError(w);
  if (w.fenced) return dmError(E.workerFenced, w.message);
  if (!w.connect) return e;
  // The thread's connectDb wrote the message; the driver's errno/code ride on the cause.
  return dmError(E.dbDownstreamConnect, w.message, {
    cause: e,
    context: to ? { host: to.host, port: to.port } : {},
  });
}
