/**
 * The hand-over between a dump and a load that run at the same time on one worker (the
 * pipelined full phase, see worker/subtask.ts): the dump says when its plan (schemas and the
 * chunk manifest) is on disk, then each chunk as its file is complete, then that it finished;
 * the load takes the chunks as they come. A plain in-process queue: both units live in the
 * same process, and the files themselves stay the contract (a crash leaves what a sequential
 * run would leave: dump files, a manifest and the load checkpoint).
 */
export interface FedChunk {
  /** Data file name (the manifest's `file`). */
  file: string;
  /** Bytes of its file; 0 for a chunk that selected no row (it has no file). */
  size: number;
}

export class DumpFeed {
  private plannedV = false;
  private finishedV = false;
  private readonly queue: FedChunk[] = [];
  private waiters: (() => void)[] = [];
  /** Bytes of every chunk file reported so far. */
  reportedBytes = 0;

  /** Schemas, metadata and the chunk manifest are written: the load can set up. */
  planned(): void {
    this.plannedV = true;
    this.wake();
  }

  /** A chunk's file is complete (or the chunk is empty). */
  chunk(c: FedChunk): void {
    this.queue.push(c);
    this.reportedBytes += c.size;
    this.wake();
  }

  /** Every chunk was reported and the dump's metadata says it finished. */
  finished(): void {
    this.finishedV = true;
    this.wake();
  }

  get isPlanned(): boolean {
    return this.plannedV;
  }

  /** True once finished and every reported chunk was taken. */
  get drained(): boolean {
    return this.finishedV && this.queue.length === 0;
  }

  /** The next reported chunk not taken yet. */
  next(): FedChunk | undefined {
    return this.queue.shift();
  }

  /** Resolves at the next report, or when `signal` aborts. */
  changed(signal: AbortSignal): Promise<void> {
    if (signal.aborted) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        signal.removeEventListener('abort', done);
        resolve();
      };
      this.waiters.push(done);
      signal.addEventListener('abort', done, { once: true });
    });
  }

  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const r of w) r();
  }
}
