import { availableParallelism } from 'node:os';
import type { Worker } from 'node:worker_threads';
import type { DbConfig } from '../pkg/config/types.js';
import { startModuleWorker } from '../pkg/thread/start-worker.js';
import { asBuffer, type DistributiveOmit, fromWireDbError } from '../pkg/thread/wire.js';
import type { ChunkJob, ChunkResult } from './chunk-writer.js';
import type { DumpSession } from './dump-session.js';
import type { SessionReply, SessionRequest } from './session-worker.js';

/**
 * Dump sessions whose connections live in worker threads (session-worker.ts). Rendering rows
 * into INSERT text is CPU work (about 3 µs a row); one thread would cap the dump at one core
 * while mydumper uses all of them. Sessions are spread round-robin over at most
 * `availableParallelism()` threads (more threads than cores only add JIT and GC work). The
 * snapshot protocol is unchanged: a session starts its transaction when told to, exactly like
 * a local connection. A thread exits when its last session has ended.
 */
export class SessionThreads {
  private readonly threads: SessionThread[] = [];
  private next = 0;

  constructor(private readonly max = availableParallelism()) {}

  /** Open one session on the next thread (threads start on first use). */
  readonly open = async (from: DbConfig): Promise<DumpSession> => {
    let th = this.threads.find((t) => t.exited);
    if (th) this.threads.splice(this.threads.indexOf(th), 1);
    if (this.threads.length < this.max) {
      th = new SessionThread();
      this.threads.push(th);
    } else {
      th = this.threads[this.next++ % this.threads.length] as SessionThread;
    }
    return th.open(from);
  };
}

/** Young generation of a session thread, in MiB (see the constructor). */
const YOUNG_GEN_MB = 8;

/** One worker thread hosting several sessions. */
class SessionThread {
  private readonly worker: Worker;
  private nextId = 1;
  private nextSid = 1;
  private live = 0;
  private readonly pending = new Map<
    number,
    { resolve: (v: unknown) => void; reject: (e: Error) => void; onRows?: (r: number, b: number) => void }
  >();
  exited = false;

  constructor() {
    // A small young generation: the thread's garbage is mysql2's per-row packets and our
    // statement buffers, short-lived and tiny in survivors, so a few MiB of nursery cost no
    // speed, while the process-wide `--max-semi-space-size=32` of bin/dm-worker (meant for
    // the sync unit's main thread) would let each dump thread hold up to ~96 MiB of garbage.
    this.worker = startModuleWorker(import.meta.url, 'session-worker', {
      resourceLimits: { maxYoungGenerationSizeMb: YOUNG_GEN_MB },
    });
    this.worker.once('exit', () => {
      this.exited = true;
      for (const p of this.pending.values()) p.reject(gone());
      this.pending.clear();
    });
    this.worker.on('message', (m: SessionReply) => this.onMessage(m));
    // An uncaught error inside the thread ends it; 'exit' then fails what is pending.
    this.worker.on('error', () => undefined);
  }

  async open(from: DbConfig): Promise<DumpSession> {
    const sid = this.nextSid++;
    this.live++;
    try {
      await this.call({ sid, op: 'open', from });
    } catch (err) {
      this.released();
      throw err;
    }
    return new ThreadSession(this, sid);
  }

  /** A session of this thread is gone: the thread ends with its last one. */
  released(): void {
    if (--this.live > 0 || this.exited) return;
    this.exited = true;
    this.worker.postMessage({ id: 0, sid: 0, op: 'exit' } satisfies SessionRequest);
    // A thread stuck in a long synchronous step is stopped anyway.
    setTimeout(() => void this.worker.terminate(), 5000).unref();
  }

  private onMessage(m: SessionReply): void {
    const p = this.pending.get(m.id);
    if (!p) return;
    if (m.op === 'progress') p.onRows?.(m.rows, m.bytes);
    else {
      this.pending.delete(m.id);
      if (m.op === 'done') p.resolve(m.value);
      else p.reject(fromWireDbError(m.error));
    }
  }

  call<T>(req: DistributiveOmit<SessionRequest, 'id'>, onRows?: (r: number, b: number) => void): Promise<T> {
    if (this.exited) return Promise.reject(gone());
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: (v) => resolve(v as T), reject, onRows });
      this.worker.postMessage({ ...req, id } as SessionRequest);
    });
  }
}

/** A session handle: every call runs on its thread's connection `sid`. */
class ThreadSession implements DumpSession {
  private done = false;

  constructor(
    private readonly th: SessionThread,
    private readonly sid: number,
  ) {}

  async query(sql: string): Promise<Record<string, unknown>[]> {
    const rows = await this.th.call<Record<string, unknown>[]>({ sid: this.sid, op: 'query', sql });
    // Structured clone turns Buffers into Uint8Arrays.
    for (const r of rows) {
      for (const [k, v] of Object.entries(r)) if (v instanceof Uint8Array) r[k] = asBuffer(v);
    }
    return rows;
  }

  async firstRawRow(sql: string): Promise<(Buffer | null)[] | undefined> {
    const row = await this.th.call<(Uint8Array | null)[] | undefined>({ sid: this.sid, op: 'raw', sql });
    return row?.map((v) => (v === null ? null : asBuffer(v)));
  }

  writeChunk(job: ChunkJob, onRows: (rows: number, bytes: number) => void): Promise<ChunkResult> {
    return this.th.call<ChunkResult>({ sid: this.sid, op: 'chunk', job }, onRows);
  }

  async end(): Promise<void> {
    if (this.done) return;
    this.done = true;
    try {
      await this.th.call({ sid: this.sid, op: 'end' });
    } finally {
      this.th.released();
    }
  }

  destroy(): void {
    if (this.done) return;
    this.done = true;
    this.th.call({ sid: this.sid, op: 'destroy' }).catch(() => undefined);
    this.th.released();
  }
}

function gone(): Error {
  const e = new Error('dump session thread has ended') as Error & { code: string };
  e.code = 'PROTOCOL_CONNECTION_LOST';
  return e;
}
