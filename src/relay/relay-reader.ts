import { existsSync, type FSWatcher, watch } from 'node:fs';
import { type FileHandle, open } from 'node:fs/promises';
import { join } from 'node:path';
import { BinlogDecoder, type DecoderOptions } from '../pkg/binlog/decoder.js';
import { compareBinlogFile } from '../pkg/binlog/position.js';
import type { BinlogLocation, PositionedEvent } from '../pkg/binlog/types.js';
import { dmError, E } from '../pkg/errors/index.js';
import { registerReader } from './active-files.js';
import { BINLOG_MAGIC, EventType, HEADER_LEN } from './event-frame.js';
import { listBinlogFiles, readIndex, type SubDir } from './relay-layout.js';

/** Options of a RelayReader; every field documents its default. */
export interface RelayReaderOptions {
  relayDir: string;
  /**
   * Where to start: `file` + `pos` as upstream names them (the relay keeps upstream
   * positions). An empty `file` starts at the first file of the first sub-dir.
   */
  start: BinlogLocation;
  /** Only look for `start.file` in this sub-dir (default: the newest sub-dir holding it). */
  subDir?: string;
  /** How often to look for new bytes when fs.watch is silent (ms). Default 50. */
  pollMs?: number;
  /** Passed to the decoder (schemaLookup, checksum verification). */
  decoder?: DecoderOptions;
}

/** Where a reader is: the next event it would read. */
export interface RelayReaderPosition {
  subDir: string;
  file: string;
  pos: number;
}

const CHUNK = 1 << 20;

/**
 * Tails the relay log for a consumer (the sync unit): yields every event from `start` in
 * order, exactly once, never a partial event; at the end of the written bytes it waits
 * (fs.watch on the sub-dir, plus polling) for the writer. It follows a real ROTATE to the next
 * file, moves on to a newer file when the writer has started one without a ROTATE (upstream
 * crash), and to the next sub-dir listed in server-uuid.index when the upstream changed.
 * When starting at pos > 4 the file's FORMAT_DESCRIPTION is decoded but not yielded.
 */
export class RelayReader {
  private readonly pollMs: number;
  private readonly decoder: BinlogDecoder;
  private cur: RelayReaderPosition = { subDir: '', file: '', pos: 4 };

  constructor(private readonly opts: RelayReaderOptions) {
    this.pollMs = opts.pollMs ?? 50;
    this.decoder = new BinlogDecoder(opts.decoder);
  }

  /** The next event to read (after the last one yielded). */
  get position(): RelayReaderPosition {
    return { ...this.cur };
  }

  /** Events until `signal` aborts (then the generator returns). Throws DmError on corrupt files. */
  async *events(signal: AbortSignal): AsyncGenerator<PositionedEvent> {
    for await (const batch of this.batches(signal)) yield* batch;
  }

  /**
   * The same stream as {@link events}, in arrays: the complete events decoded from one read
   * (up to `max`), in order, never empty. A consumer pays one generator step per array instead
   * of per event (as BinlogClient.eventBatches). `position` is after the last array yielded.
   */
  async *batches(signal: AbortSignal, max = 512): AsyncGenerator<PositionedEvent[]> {
    this.cur = this.locate();
    const unregister = registerReader(this.opts.relayDir, () => this.cur);
    try {
      for (;;) {
        if (signal.aborted) return;
        const next = yield* this.readFile(signal, max);
        if (!next) return;
        this.cur = next;
      }
    } finally {
      unregister();
    }
  }

  private locate(): RelayReaderPosition {
    const index = readIndex(this.opts.relayDir);
    const { file, pos } = this.opts.start;
    if (!file) {
      const first = index[0];
      if (!first) throw dmError(E.relayNotFound, `relay dir ${this.opts.relayDir} holds no relay log`);
      const f = listBinlogFiles(this.subPath(first.name))[0] ?? '';
      return { subDir: first.name, file: f, pos: 4 };
    }
    const candidates = this.opts.subDir
      ? index.filter((s) => s.name === this.opts.subDir)
      : [...index].reverse();
    for (const s of candidates) {
      if (existsSync(join(this.subPath(s.name), file)))
        return { subDir: s.name, file, pos: Math.max(4, pos) };
    }
    // The writer may not have created the file yet: wait for it in the newest sub-dir, but
    // only when it comes after the files already there (else it was purged).
    const last = index[index.length - 1];
    if (last) {
      const files = listBinlogFiles(this.subPath(last.name));
      const lastFile = files[files.length - 1];
      if (!lastFile || compareBinlogFile(lastFile, file) < 0)
        return { subDir: last.name, file, pos: Math.max(4, pos) };
    }
    throw dmError(E.relayNotFound, `relay file ${file} not found in ${this.opts.relayDir}`, {
      context: { file, pos },
    });
  }

  private subPath(sub: string): string {
    return join(this.opts.relayDir, sub);
  }

  /**
   * Read the current file from `this.cur.pos`, yielding arrays of events; returns where to
   * continue (next file or sub-dir), or undefined when aborted.
   */
  private async *readFile(
    signal: AbortSignal,
    max: number,
  ): AsyncGenerator<PositionedEvent[], RelayReaderPosition | undefined> {
    const { subDir, file } = this.cur;
    const dir = this.subPath(subDir);
    const path = join(dir, file);
    const waiter = new DirWaiter(dir, this.pollMs);
    let fh: FileHandle | undefined;
    try {
      while (!fh) {
        if (existsSync(path)) fh = await open(path, 'r');
        else {
          const moved = this.nextLocation(undefined);
          if (moved) return moved;
          if (!(await waiter.wait(signal))) return undefined;
        }
      }
      // Prime the decoder with the FDE (checksum algorithm, post-header lengths).
      let buf: Buffer = Buffer.alloc(0);
      let bufPos = 4; // file offset of buf[0]
      if (this.cur.pos > 4) {
        const fde = await this.readFde(fh, path, signal, waiter);
        if (!fde) return undefined;
        this.decoder.decode(fde);
        bufPos = this.cur.pos;
      } else {
        const magic = await this.readExactly(fh, 0, 4, signal, waiter);
        if (!magic) return undefined;
        if (!magic.equals(BINLOG_MAGIC)) throw dmError(E.binlogFileInvalid, `${path} is not a binlog file`);
      }
      let lastRotateNext = '';
      const chunk = Buffer.alloc(CHUNK);
      for (;;) {
        const { bytesRead } = await fh.read(chunk, 0, CHUNK, bufPos + buf.length);
        if (bytesRead > 0) {
          buf =
            buf.length === 0
              ? Buffer.from(chunk.subarray(0, bytesRead))
              : Buffer.concat([buf, chunk.subarray(0, bytesRead)]);
          let off = 0;
          while (buf.length - off >= HEADER_LEN) {
            const batch: PositionedEvent[] = [];
            try {
              while (batch.length < max && buf.length - off >= HEADER_LEN) {
                const size = buf.readUInt32LE(off + 9);
                if (size < HEADER_LEN)
                  throw dmError(E.relayCorrupt, `bad event size ${size} at ${file}:${bufPos + off}`);
                if (buf.length - off < size) break;
                const raw = buf.subarray(off, off + size);
                const pos = bufPos + off;
                const event = this.decoder.decode(raw);
                off += size;
                if (raw[4] === EventType.ROTATE && event.type === 'rotate') lastRotateNext = event.nextFile;
                batch.push({ raw, event, file, pos, nextPos: pos + size });
              }
            } catch (err) {
              // The events before a corrupt one are still handed on first, as one by one.
              if (batch.length > 0) {
                this.cur = { subDir, file, pos: bufPos + off };
                yield batch;
              }
              throw err;
            }
            if (batch.length === 0) break; // a partial event: read on
            this.cur = { subDir, file, pos: bufPos + off };
            yield batch;
            if (signal.aborted) return undefined;
          }
          buf = buf.subarray(off);
          bufPos += off;
          if (bytesRead === CHUNK) continue;
        }
        // At the end of the written bytes.
        if (lastRotateNext && buf.length === 0) return { subDir, file: lastRotateNext, pos: 4 };
        const { size } = await fh.stat();
        if (size === bufPos + buf.length) {
          const moved = this.nextLocation(file);
          // Re-check the size: the writer finishes a file before starting the next.
          if (moved && (await fh.stat()).size === size) return moved;
        }
        if (size > bufPos + buf.length) continue;
        if (!(await waiter.wait(signal))) return undefined;
      }
    } finally {
      waiter.close();
      await fh?.close();
    }
  }

  /**
   * When the writer has gone past `file` without a ROTATE: the next file in this sub-dir,
   * else the first file of the next sub-dir in the index.
   */
  private nextLocation(file: string | undefined): RelayReaderPosition | undefined {
    const { subDir } = this.cur;
    const files = listBinlogFiles(this.subPath(subDir));
    const later = files.filter((f) =>
      file === undefined ? compareBinlogFile(f, this.cur.file) > 0 : compareBinlogFile(f, file) > 0,
    );
    if (later[0]) return { subDir, file: later[0], pos: 4 };
    const index: SubDir[] = readIndex(this.opts.relayDir);
    const i = index.findIndex((s) => s.name === subDir);
    const nextSub = i >= 0 ? index[i + 1] : undefined;
    if (!nextSub) return undefined;
    const first = listBinlogFiles(this.subPath(nextSub.name))[0];
    if (!first) return undefined;
    return { subDir: nextSub.name, file: first, pos: 4 };
  }

  private async readFde(
    fh: FileHandle,
    path: string,
    signal: AbortSignal,
    waiter: DirWaiter,
  ): Promise<Buffer | undefined> {
    const head = await this.readExactly(fh, 0, 4 + HEADER_LEN, signal, waiter);
    if (!head) return undefined;
    if (!head.subarray(0, 4).equals(BINLOG_MAGIC))
      throw dmError(E.binlogFileInvalid, `${path} is not a binlog file`);
    if (head[4 + 4] !== EventType.FORMAT_DESCRIPTION)
      throw dmError(E.relayCorrupt, `${path}: no FORMAT_DESCRIPTION at offset 4`);
    const size = head.readUInt32LE(4 + 9);
    return this.readExactly(fh, 4, size, signal, waiter);
  }

  /** Read exactly `len` bytes at `pos`, waiting for the writer when they are not there yet. */
  private async readExactly(
    fh: FileHandle,
    pos: number,
    len: number,
    signal: AbortSignal,
    waiter: DirWaiter,
  ): Promise<Buffer | undefined> {
    const b = Buffer.alloc(len);
    for (;;) {
      const { bytesRead } = await fh.read(b, 0, len, pos);
      if (bytesRead === len) return b;
      if (!(await waiter.wait(signal))) return undefined;
    }
  }
}

/** Wakes on fs.watch events in a directory, or after `pollMs`; resolves false when aborted. */
class DirWaiter {
  private watcher: FSWatcher | undefined;
  private wake: (() => void) | undefined;

  constructor(
    dir: string,
    private readonly pollMs: number,
  ) {
    try {
      this.watcher = watch(dir, { persistent: false }, () => this.wake?.());
      this.watcher.on('error', () => this.close());
    } catch {
      // Polling alone still works (e.g. the dir is not there yet).
    }
  }

  wait(signal: AbortSignal): Promise<boolean> {
    if (signal.aborted) return Promise.resolve(false);
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(t);
        signal.removeEventListener('abort', done);
        this.wake = undefined;
        resolve(!signal.aborted);
      };
      const t = setTimeout(done, this.pollMs);
      this.wake = done;
      signal.addEventListener('abort', done, { once: true });
    });
  }

  close(): void {
    this.watcher?.close();
    this.watcher = undefined;
  }
}
