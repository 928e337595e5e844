import { basename } from 'node:path';
import type { Worker } from 'node:worker_threads';
import { BinlogChunkSplitter } from '../pkg/binlog/chunk-splitter.js';
import { openBinlogFile } from '../pkg/binlog/file-reader.js';
import { type DmError, dmError, E } from '../pkg/errors/index.js';
import { startModuleWorker } from '../pkg/thread/start-worker.js';
import type { BufferedOutput } from './buffered-output.js';
import type { PrintReply, PrintRequest, WireDmError } from './print-worker.js';

/**
 * dm-binlog's offline printer on several threads. Decoding and JSON-formatting row events is
 * all CPU (about 20 µs per sysbench transaction) and `mariadb-binlog` does it on one core;
 * here the main thread only reads the file and cuts it into ~4 MiB chunks at event boundaries
 * (chunk-splitter.ts gives each chunk the FDE and TABLE_MAPs it needs), worker threads decode
 * and format the chunks, and the lines are written in file order. The output is byte for byte
 * the sequential printer's, errors included (the lines before a bad event, then the error).
 * At most 2 chunks per thread are in flight, so memory stays bounded.
 */
export class ParallelPrinter {
  private readonly workers: Worker[] = [];
  private readonly waiting = new Map<
    number,
    { resolve: (r: PrintReply) => void; reject: (e: Error) => void }
  >();
  private seq = 0;

  constructor(
    threads: number,
    private readonly chunkSize = 4 << 20,
  ) {
    for (let i = 0; i < threads; i++) {
      const w = startModuleWorker(import.meta.url, 'print-worker');
      w.on('message', (r: PrintReply) => {
        const p = this.waiting.get(r.seq);
        this.waiting.delete(r.seq);
        p?.resolve(r);
      });
      w.on('error', (err) => this.failAll(err));
      w.on('exit', () => this.failAll(dmError(E.internal, 'a dm-binlog print thread ended')));
      this.workers.push(w);
    }
  }

  /** Print `path` from `startPos` (default 4) to `out`, in order; throws what the file holds. */
  async printFile(path: string, startPos: number | undefined, out: BufferedOutput): Promise<void> {
    const file = basename(path);
    const start = startPos ?? 4;
    const { fh, fde } = await openBinlogFile(path, start);
    const splitter = new BinlogChunkSplitter(path);
    const inflight: Promise<PrintReply>[] = [];
    const limit = 2 * this.workers.length;
    /** Print the oldest chunk's lines; false when printing must stop. */
    const drainOne = async (): Promise<boolean> => {
      const r = await (inflight.shift() as Promise<PrintReply>);
      const p = out.bytes(Buffer.from(r.out.buffer, r.out.byteOffset, r.out.byteLength));
      if (p) await p;
      if (r.error) throw fromWire(r.error);
      return !out.closed;
    };
    try {
      if (fde) splitter.prime(fde);
      let carry = Buffer.alloc(0);
      let pos = start; // file offset of carry[0]
      let need = 0; // size of the event that carry begins, when known
      for (;;) {
        const size = Math.max(this.chunkSize, need);
        // Its own ArrayBuffer (not the pool's): the chunk is moved to a thread without a copy.
        const buf = Buffer.allocUnsafeSlow(size);
        carry.copy(buf, 0);
        const { bytesRead } = await fh.read(buf, carry.length, size - carry.length, pos + carry.length);
        const view = buf.subarray(0, carry.length + bytesRead);
        const cut = splitter.cut(view, pos);
        // Copied before the chunk's memory moves to a thread.
        carry = Buffer.from(view.subarray(cut.end));
        need = cut.need;
        if (cut.end > 0) {
          inflight.push(this.send(file, pos, view.subarray(0, cut.end), cut.preamble));
          while (inflight.length >= limit) if (!(await drainOne())) return;
        }
        if (cut.error) {
          while (inflight.length > 0) if (!(await drainOne())) return;
          throw cut.error;
        }
        pos += cut.end;
        // End of file: a torn last event (a file still being written) ends quietly.
        if (bytesRead === 0) break;
      }
      while (inflight.length > 0) if (!(await drainOne())) return;
    } finally {
      // A stop part-way leaves chunks in flight: let them finish unread.
      await Promise.allSettled(inflight);
      await fh.close();
    }
  }

  private send(file: string, pos: number, data: Buffer, preamble: Buffer[]): Promise<PrintReply> {
    const seq = ++this.seq;
    const w = this.workers[seq % this.workers.length] as Worker;
    return new Promise<PrintReply>((resolve, reject) => {
      this.waiting.set(seq, { resolve, reject });
      const req: PrintRequest = { seq, file, pos, data, preamble };
      w.postMessage(req, [data.buffer as ArrayBuffer]);
    });
  }

  private failAll(err: Error): void {
    for (const p of this.waiting.values()) p.reject(err);
    this.waiting.clear();
  }

  /** Stop the threads. */
  async close(): Promise<void> {
    for (const w of this.workers) w.removeAllListeners('exit');
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}

function fromWire(w: WireDmError): DmError {
  const def = Object.values(E).find((d) => d.code === w.code) ?? E.internal;
  return dmError(def, w.message, {
    ...(w.cause === undefined ? {} : { cause: new Error(w.cause) }),
    ...(w.context ? { context: w.context } : {}),
  });
}
