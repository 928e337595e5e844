import { existsSync } from 'node:fs';
import { type FileHandle, open } from 'node:fs/promises';
import { join } from 'node:path';
import { LOG_EVENT_BINLOG_IN_USE_F } from '../pkg/binlog/event-type.js';
import { queryTxnRole } from '../pkg/binlog/txn-boundaries.js';
import type { BinlogLocation, PositionedEvent } from '../pkg/binlog/types.js';
import { dmError, E } from '../pkg/errors/index.js';
import { type Logger, silentLogger } from '../pkg/log/logger.js';
import { registerReader } from './active-files.js';
import { BINLOG_MAGIC, EventType, fdeHasCrc, fillHole, LOG_EVENT_ARTIFICIAL_F } from './event-frame.js';
import {
  addSubDir,
  chooseSubDir,
  listBinlogFiles,
  readIndex,
  readMeta,
  type SubDir,
  writeMeta,
} from './relay-layout.js';
import { recoverRelayFile } from './relay-recovery.js';

/** Options of a RelayWriter; every field documents its default. */
export interface RelayWriterOptions {
  relayDir: string;
  /** Upstream server identity (server_uuid; a derived one on MariaDB). Picks the sub-dir. */
  serverUuid: string;
  /** fsync relay data + rewrite relay.meta at most this often (ms). Default 100. */
  syncIntervalMs?: number;
  /** Write buffered bytes to the file once this many are pending, even mid-transaction. Default 1 MiB. */
  maxPendingBytes?: number;
  logger?: Logger;
}

/** Where the writer is, for status and relay.meta. */
export interface RelayWriterState {
  subDir: string;
  file: string;
  /** Bytes written to the file (page cache; readers see them). */
  pos: number;
  /** Bytes known to be on disk (fsynced). */
  syncedPos: number;
  gtid: string;
}

/**
 * Persists upstream binlog events verbatim into the relay directory (DESIGN.md §4).
 *
 * Event handling:
 * - fake ROTATE (artificial): not written; switches to (and creates if needed) the named file.
 * - FORMAT_DESCRIPTION: written after the magic when the file is new, else dropped (the
 *   artificial FDE a dump sends when it starts at pos > 4 must not be duplicated).
 * - real ROTATE: written (it is the last event of upstream's file), then the file is closed.
 * - heartbeats and other artificial events (MariaDB's fake GTID_LIST): never written.
 * - a gap between the file end and an event's position (a GTID start skips transactions)
 *   is filled with dummy USER_VAR events, as DM does, so relay positions = upstream positions.
 * Started at pos 4 of upstream file F, the relay copy of F is byte-identical to F.
 *
 * Durability policy: bytes are buffered and written to the file on the turn of the event loop
 * after a transaction boundary (XID, DDL/COMMIT query; all transactions received by then in
 * one write), at once on ROTATE, or when `maxPendingBytes` pile up; the
 * file is fdatasync'ed and relay.meta rewritten (temp + fsync + rename + dir fsync) at most
 * every `syncIntervalMs`, and always on rotate and close. A crash loses at most the last
 * interval, which `open()` re-pulls: recovery cuts any torn tail and resumes from the last
 * complete event in the file (the file is the truth; relay.meta is advisory).
 *
 * Not re-entrant: call `write` sequentially (await each); a timer's sync is serialised with it.
 */
export class RelayWriter {
  private fh: FileHandle | undefined;
  private file = '';
  private size = 0;
  private synced = 0;
  private hasFde = false;
  private crc = true;
  private gtid = '';
  private syncedGtid = '';
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private lastSync = 0;
  /** A flush is queued for the next turn of the event loop (flushSoon). */
  private flushQueued = false;
  /** A queued flush's failure, raised by the next write. */
  private flushError: unknown;
  private chain: Promise<void> = Promise.resolve();
  private timer: NodeJS.Timeout | undefined;
  private closed = false;
  private unregister: () => void = () => undefined;
  /** Files finished by a real ROTATE whose successor has not started yet. */
  private nextFile = '';
  private readonly syncIntervalMs: number;
  private readonly maxPendingBytes: number;
  private readonly log: Logger;

  private constructor(
    private readonly relayDir: string,
    readonly sub: SubDir,
    opts: RelayWriterOptions,
  ) {
    this.syncIntervalMs = opts.syncIntervalMs ?? 100;
    this.maxPendingBytes = opts.maxPendingBytes ?? 1 << 20;
    this.log = opts.logger ?? silentLogger;
  }

  /**
   * Open the relay for `serverUuid`: pick (or create) the sub-dir, recover the last file
   * (cut a torn tail) and position at its end. `resumeFrom()` then says where to pull from.
   */
  static async open(opts: RelayWriterOptions): Promise<RelayWriter> {
    const { sub, isNew } = chooseSubDir(readIndex(opts.relayDir), opts.serverUuid);
    if (isNew || !existsSync(join(opts.relayDir, sub.name))) await addSubDir(opts.relayDir, sub);
    const w = new RelayWriter(opts.relayDir, sub, opts);
    await w.recover();
    w.unregister = registerReader(opts.relayDir, () => ({ subDir: sub.name, file: w.file }));
    return w;
  }

  /** Absolute path of the sub-dir being written. */
  get dir(): string {
    return join(this.relayDir, this.sub.name);
  }

  private async recover(): Promise<void> {
    const files = listBinlogFiles(this.dir);
    const meta = await readMeta(this.dir);
    this.gtid = meta?.binlogGtid ?? '';
    this.syncedGtid = this.gtid;
    const last = files[files.length - 1];
    if (!last) return;
    const hint = meta?.binlogName === last ? meta.binlogPos : 4;
    const r = await recoverRelayFile(join(this.dir, last), hint);
    if (r.cutBytes > 0) {
      this.log.warn({ file: last, cutBytes: r.cutBytes, torn: r.torn, size: r.size }, 'relay: cut torn tail');
    }
    this.file = last;
    this.size = r.hasFde ? r.size : 0;
    this.synced = this.size;
    this.hasFde = r.hasFde;
    this.crc = r.crc;
    if (!r.hasFde && r.size > 0) {
      // Magic without an FDE: start the file over.
      const fh = await open(join(this.dir, last), 'r+');
      await fh.truncate(0);
      await fh.close();
    }
    if (r.hasFde && r.lastTypeCode === EventType.ROTATE) {
      // Finished by its ROTATE, but a crash came before the in-use flag was cleared.
      const fh = await open(join(this.dir, last), 'r+');
      try {
        await clearInUse(fh);
      } finally {
        await fh.close();
      }
    }
    if (meta && meta.binlogName === last && meta.binlogPos > this.size) {
      // The meta ran ahead of the file (cannot happen with our ordering, but the file wins).
      this.gtid = '';
      this.syncedGtid = '';
    }
  }

  /**
   * Where to resume pulling from upstream: the end of the last complete event of the last
   * relay file; undefined when this sub-dir has no data yet (use the configured start).
   */
  resumeFrom(): BinlogLocation | undefined {
    if (!this.file) return undefined;
    return { file: this.file, pos: Math.max(4, this.size), gtid: this.gtid || undefined };
  }

  /** Current state (for status). */
  state(): RelayWriterState {
    return {
      subDir: this.sub.name,
      file: this.file,
      pos: this.size,
      syncedPos: this.synced,
      gtid: this.gtid,
    };
  }

  /**
   * Persist one event. `gtid` is the upstream executed GTID set after the event, when the
   * caller knows it (recorded in relay.meta at transaction boundaries).
   */
  write(ev: PositionedEvent, gtid?: string): Promise<void> {
    return this.serial(() => this.doWrite(ev, gtid));
  }

  /** Write buffered bytes and fsync now (e.g. on a heartbeat: the upstream is idle). */
  flush(): Promise<void> {
    return this.serial(() => this.flushPending(true));
  }

  /** Flush, fsync, write the meta and close the file. Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    await this.serial(async () => {
      await this.flushPending(true);
      await this.closeFile();
    });
    this.closed = true;
    this.unregister();
    if (this.timer) clearTimeout(this.timer);
  }

  private serial(fn: () => Promise<void>): Promise<void> {
    const p = this.chain.then(fn);
    // Keep the chain alive after a failure; the caller still sees the rejection.
    this.chain = p.catch(() => undefined);
    return p;
  }

  private async doWrite(ev: PositionedEvent, gtid?: string): Promise<void> {
    if (this.closed) throw dmError(E.relayIo, 'relay writer is closed');
    if (this.flushError) {
      const err = this.flushError;
      this.flushError = undefined;
      throw err;
    }
    const h = ev.event.header;
    const type = h.typeCode;
    if (type === EventType.HEARTBEAT || type === EventType.HEARTBEAT_V2) {
      await this.flushPending(false);
      return;
    }
    if (type === EventType.ROTATE && ev.event.type === 'rotate') {
      const artificial = ev.event.fake || (h.flags & LOG_EVENT_ARTIFICIAL_F) !== 0 || h.logPos === 0;
      if (artificial) {
        await this.switchTo(ev.event.nextFile);
        return;
      }
      // Real ROTATE: the last event of upstream's file.
      await this.ensureFile(ev.file);
      await this.append(ev);
      await this.flushPending(true);
      await this.markClosed();
      await this.closeFile();
      this.nextFile = ev.event.nextFile;
      return;
    }
    if (type === EventType.FORMAT_DESCRIPTION) {
      await this.ensureFile(ev.file || this.nextFile || this.file);
      if (this.hasFde) return;
      this.crc = fdeHasCrc(ev.raw);
      this.queue(BINLOG_MAGIC);
      // Mirror the server: the FDE of a file being written carries LOG_EVENT_BINLOG_IN_USE_F
      // (the dump clears it on the wire); it is cleared again when the file is finished. The
      // CRC covers the FDE with the flag cleared, so it stays valid either way.
      const fde = Buffer.from(ev.raw);
      fde[17] = (fde[17] ?? 0) | LOG_EVENT_BINLOG_IN_USE_F;
      this.queue(fde);
      this.hasFde = true;
      await this.flushPending(false);
      return;
    }
    if ((h.flags & LOG_EVENT_ARTIFICIAL_F) !== 0) return;
    await this.ensureFile(ev.file);
    if (!this.hasFde) {
      throw dmError(E.relayCorrupt, `relay: event at ${ev.file}:${ev.pos} before any FORMAT_DESCRIPTION`);
    }
    if (ev.nextPos <= this.size) {
      // Already persisted (a re-sent event after reconnect): drop it.
      return;
    }
    if (ev.pos < this.size) {
      throw dmError(E.relayCorrupt, `relay: event ${ev.file}:${ev.pos} overlaps relay end ${this.size}`);
    }
    if (ev.pos > this.size) {
      for (const d of fillHole(this.size, ev.pos, h.serverId, this.crc)) this.queue(d);
    }
    await this.append(ev);
    if (gtid !== undefined) this.gtid = gtid;
    // At a transaction boundary the bytes go to the file on the next turn of the event loop,
    // not now: the transactions already received (a backlog) are written together, one
    // writev instead of one per transaction, which capped the relay at a few hundred
    // transactions per second on a busy machine (its live lag grew without bound).
    if (isTxnBoundary(ev)) this.flushSoon();
  }

  private flushSoon(): void {
    if (this.flushQueued) return;
    this.flushQueued = true;
    setImmediate(() => {
      this.flushQueued = false;
      this.serial(() => this.flushPending(false)).catch((err: unknown) => {
        this.flushError = err;
      });
    });
  }

  private async append(ev: PositionedEvent): Promise<void> {
    this.queue(ev.raw);
    if (this.pendingBytes >= this.maxPendingBytes) await this.flushPending(false);
  }

  private queue(b: Buffer): void {
    this.pending.push(b);
    this.pendingBytes += b.length;
    this.size += b.length;
  }

  /** Make `name` the current file (creating it empty when missing). */
  private async ensureFile(name: string): Promise<void> {
    if (!name) throw dmError(E.relayCorrupt, 'relay: event without a binlog file name');
    if (name === this.file && this.fh) return;
    if (name !== this.file) {
      await this.flushPending(true);
      await this.closeFile();
      this.file = name;
      this.size = 0;
      this.synced = 0;
      this.hasFde = false;
    }
    const path = join(this.dir, name);
    try {
      this.fh = await open(path, existsSync(path) ? 'r+' : 'w+');
      const { size } = await this.fh.stat();
      if (size !== this.size) {
        if (size === 0 || this.size === 0) {
          // A file we have not recovered (switched to an existing one): recover it now.
          await this.fh.close();
          this.fh = undefined;
          const r = await recoverRelayFile(path, 4);
          this.size = r.hasFde ? r.size : 0;
          this.synced = this.size;
          this.hasFde = r.hasFde;
          this.crc = r.crc;
          this.fh = await open(path, 'r+');
          if (!r.hasFde) await this.fh.truncate(0);
        } else {
          throw dmError(E.relayCorrupt, `relay file ${path} is ${size} bytes, expected ${this.size}`);
        }
      }
    } catch (err) {
      throw dmError(E.relayIo, `cannot open relay file ${path}: ${(err as Error).message}`, { cause: err });
    }
    this.nextFile = '';
  }

  private async switchTo(name: string): Promise<void> {
    if (!name || name === this.file) return;
    await this.ensureFile(name);
  }

  /** Write pending bytes; fsync + meta when `force` or the sync interval has passed. */
  private async flushPending(force: boolean): Promise<void> {
    if (this.pendingBytes > 0 && this.fh) {
      const bufs = this.pending;
      const start = this.size - this.pendingBytes;
      this.pending = [];
      this.pendingBytes = 0;
      try {
        await this.fh.writev(bufs, start);
      } catch (err) {
        throw dmError(E.relayIo, `relay write failed: ${(err as Error).message}`, { cause: err });
      }
    }
    if (!this.fh) return;
    if (this.synced === this.size && this.syncedGtid === this.gtid) return;
    const now = Date.now();
    if (force || now - this.lastSync >= this.syncIntervalMs) {
      await this.syncNow();
    } else if (!this.timer) {
      this.timer = setTimeout(() => {
        this.timer = undefined;
        this.serial(() => this.syncNow()).catch((err: unknown) =>
          this.log.error({ err }, 'relay: background fsync failed'),
        );
      }, this.syncIntervalMs);
      this.timer.unref();
    }
  }

  private async syncNow(): Promise<void> {
    if (!this.fh) return;
    this.lastSync = Date.now();
    const size = this.size - this.pendingBytes;
    const gtid = this.gtid;
    try {
      await this.fh.datasync();
    } catch (err) {
      throw dmError(E.relayIo, `relay fsync failed: ${(err as Error).message}`, { cause: err });
    }
    this.synced = size;
    this.syncedGtid = gtid;
    await writeMeta(this.dir, { binlogName: this.file, binlogPos: size, binlogGtid: gtid });
  }

  /** Clear LOG_EVENT_BINLOG_IN_USE_F in the file's FDE, as the server does when it closes a binlog. */
  private async markClosed(): Promise<void> {
    if (!this.fh || !this.hasFde) return;
    await clearInUse(this.fh);
  }

  private async closeFile(): Promise<void> {
    if (!this.fh) return;
    const fh = this.fh;
    this.fh = undefined;
    await fh.close();
  }
}

/** Events after which the relay hands its buffer to the file. */
/** Clear LOG_EVENT_BINLOG_IN_USE_F in the flags of the FDE at offset 4 (durably). Idempotent. */
async function clearInUse(fh: FileHandle): Promise<void> {
  const b = Buffer.alloc(1);
  await fh.read(b, 0, 1, 4 + 17);
  if (((b[0] ?? 0) & LOG_EVENT_BINLOG_IN_USE_F) === 0) return;
  b[0] = (b[0] ?? 0) & ~LOG_EVENT_BINLOG_IN_USE_F;
  await fh.write(b, 0, 1, 4 + 17);
  await fh.datasync();
}

function isTxnBoundary(ev: PositionedEvent): boolean {
  const e = ev.event;
  if (e.type === 'xid') return true;
  if (e.type === 'query') return queryTxnRole(e.query) !== 'begin'; // DDL, COMMIT, statement-based DML
  return e.type === 'mariadb_gtid_list' || e.type === 'stop' || e.type === 'mariadb_binlog_checkpoint';
}
