/**
 * DML held for pending shard DDLs, in binlog order, with bounded memory: the first
 * `memoryLimit` entries stay in memory, later ones are appended to a spill file in the
 * worker's directory (length-prefixed `v8.serialize` records: Buffers, bigints and plain data
 * round-trip). DM re-reads held DML from the binlog instead; a spill file keeps the event
 * decoding (and the structure each row was read with) exactly as it was.
 */
import { closeSync, openSync, readSync, rmSync, writeSync } from 'node:fs';
import { deserialize, serialize } from 'node:v8';

export class HeldRows<T> {
  private mem: T[] = [];
  private fd: number | undefined;
  private spilled = 0;
  private generation = 0;

  /**
   * @param spillPath base path of the spill files (a generation suffix is added)
   * @param memoryLimit entries kept in memory before spilling (default 20 000)
   */
  constructor(
    private readonly spillPath: string,
    private readonly memoryLimit = 20_000,
  ) {}

  get length(): number {
    return this.mem.length + this.spilled;
  }

  /** Entries currently in the spill file. */
  get spilledCount(): number {
    return this.spilled;
  }

  push(x: T): void {
    if (this.fd === undefined && this.mem.length < this.memoryLimit) {
      this.mem.push(x);
      return;
    }
    this.fd ??= openSync(this.path(), 'w');
    const body = serialize(x);
    const head = Buffer.allocUnsafe(4);
    head.writeUInt32LE(body.length, 0);
    writeSync(this.fd, head);
    writeSync(this.fd, body);
    this.spilled++;
  }

  /**
   * Every entry in order; those `keep` returns true for stay held (in the same order), the
   * others are yielded. Entries pushed while iterating are not visited.
   */
  *take(keep: (x: T) => boolean): Generator<T> {
    const mem = this.mem;
    const fd = this.fd;
    const count = this.spilled;
    const path = this.path();
    this.mem = [];
    this.fd = undefined;
    this.spilled = 0;
    this.generation++;
    for (const x of mem) {
      if (keep(x)) this.push(x);
      else yield x;
    }
    if (fd === undefined) return;
    closeSync(fd);
    const rfd = openSync(path, 'r');
    try {
      const head = Buffer.alloc(4);
      for (let i = 0; i < count; i++) {
        readFully(rfd, head);
        const body = Buffer.alloc(head.readUInt32LE(0));
        readFully(rfd, body);
        const x = deserialize(body) as T;
        if (keep(x)) this.push(x);
        else yield x;
      }
    } finally {
      closeSync(rfd);
      rmSync(path, { force: true });
    }
  }

  /** Forget everything (unit closed). */
  clear(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    if (this.fd !== undefined || this.spilled > 0) rmSync(this.path(), { force: true });
    this.fd = undefined;
    this.mem = [];
    this.spilled = 0;
  }

  private path(): string {
    return `${this.spillPath}.${this.generation}`;
  }
}

function readFully(fd: number, buf: Buffer): void {
  let off = 0;
  while (off < buf.length) {
    const n = readSync(fd, buf, off, buf.length - off, null);
    if (n === 0) throw new RangeError('held rows spill file ended early');
    off += n;
  }
}
