import { statfs } from 'node:fs/promises';
import { isAbsolute, join } from 'node:path';
import type { RelayStatus as ApiRelayStatus } from '../pkg/api/worker-api.js';
import { BinlogClient } from '../pkg/binlog/binlog-client.js';
import type { BinlogLocation } from '../pkg/binlog/types.js';
import type { SourceConfig } from '../pkg/config/types.js';
import { binlogEndpoint, type Connection, connectDb, isRetryableDbError } from '../pkg/db/connect.js';
import { asDmError, type DmError, dmError, E } from '../pkg/errors/index.js';
import { binlogFileIndex, type DmWorkerMetrics, dmWorkerMetrics } from '../pkg/metrics/dm-metrics.js';
import type { Stage, Unit, UnitDeps } from '../unit/unit.js';
import { readIndex, readMeta } from './relay-layout.js';
import { startRelayPurger } from './relay-purger.js';
import { RelayWriter } from './relay-writer.js';
import { masterStatusOn, readUpstreamInfo, type UpstreamInfo } from './upstream-info.js';

/** query-status shape of the relay unit: DM's `relayStatus` of the contract, less the worker's `result`. */
export type RelayStatus = Omit<ApiRelayStatus, 'result'>;

/** Options of the Relay unit beyond the source config. */
export interface RelayOptions {
  source: SourceConfig;
  deps: UnitDeps;
  /**
   * Where to start when the relay dir holds nothing for this upstream yet, e.g. the oldest
   * checkpoint of the subtasks. Default: `relay-binlog-gtid` (with enable-gtid), else
   * `relay-binlog-name` pos 4, else the oldest binlog on the server.
   */
  start?: BinlogLocation;
  /** Refresh the upstream's SHOW MASTER STATUS this often for status (ms). Default 2000. */
  masterPollMs?: number;
  /** Heartbeat period asked of the upstream (ms). Default 1000. */
  heartbeatMs?: number;
}

/**
 * The relay unit: pulls the upstream binlog with BinlogClient into RelayWriter (DESIGN.md §4).
 * Restart-safe: on every `process` the writer recovers the relay's last file and pulling
 * resumes at its last complete event; a new sub-dir is started when the upstream identity
 * changed, continuing by GTID.
 */
export class Relay implements Unit<RelayStatus> {
  readonly type = 'Relay' as const;
  private info: UpstreamInfo | undefined;
  private writer: RelayWriter | undefined;
  private stage: Stage = 'New';
  private master = { file: '', pos: 0, gtid: '' };
  private readonly relayDir: string;
  /** DM's relay families (positions, space, error counters). */
  private readonly dm: DmWorkerMetrics['relay'] | undefined;

  constructor(private readonly opts: RelayOptions) {
    const d = opts.source.relayDir || 'relay-dir';
    this.relayDir = isAbsolute(d) ? d : join(opts.deps.workDir, d);
    this.dm = opts.deps.registry ? dmWorkerMetrics(opts.deps.registry).relay : undefined;
  }

  /** Absolute relay directory. */
  get dir(): string {
    return this.relayDir;
  }

  async init(): Promise<void> {
    this.info = await readUpstreamInfo(this.opts.source.from, this.opts.source.flavor);
    this.master = this.info.master;
  }

  async process(signal: AbortSignal): Promise<{ finished: boolean; errors: DmError[] }> {
    this.stage = 'Running';
    const log = this.opts.deps.logger;
    const stopPoll = this.pollMaster(signal);
    // The source's `purge` settings, while the relay runs (DM starts its purger with the relay).
    const stopPurge = startRelayPurger({
      relayDir: this.relayDir,
      purge: this.opts.source.purge,
      logger: log,
    });
    let writeFailed = false;
    try {
      const info = this.info ?? (await readUpstreamInfo(this.opts.source.from, this.opts.source.flavor));
      this.info = info;
      this.writer ??= await RelayWriter.open({
        relayDir: this.relayDir,
        serverUuid: info.serverUuid,
        logger: log,
      });
      const writer = this.writer;
      const start =
        writer.resumeFrom() ?? (await this.previousServerGtid(writer)) ?? this.configuredStart(info);
      log.info({ start, subDir: writer.sub.name }, 'relay: pulling');
      const src = this.opts.source;
      const client = new BinlogClient({
        ...binlogEndpoint(src.from),
        // As DM: the relay registers under the source's server-id; 0 (unset) = the client
        // picks a free random one.
        serverId: src.serverId,
        flavor: info.flavor,
        start: start.file ? { file: start.file, pos: start.pos } : { gtid: start.gtid ?? '' },
        heartbeatMs: this.opts.heartbeatMs ?? 1000,
        // The relay stores the bytes: rows are decoded once, by the sync unit reading them.
        skipRows: true,
        logger: log,
      });
      for await (const ev of client.events(signal)) {
        try {
          await writer.write(ev, client.location.gtid);
        } catch (err) {
          writeFailed = true;
          this.dm?.writeError.inc();
          throw err;
        }
        if (signal.aborted) break;
      }
      return { finished: false, errors: [] };
    } catch (err) {
      if (signal.aborted) return { finished: false, errors: [] };
      this.stage = 'Paused';
      const e = asDmError(err, E.relayIo);
      if (e.code === E.binlogChecksumMismatch.code) this.dm?.dataCorruption.inc();
      else if (!writeFailed) this.dm?.readError.inc(); // reading from the upstream failed
      this.dm?.exitWithError.inc({ resumable_err: String(this.isRetryable(e)) });
      return { finished: false, errors: [e] };
    } finally {
      stopPoll();
      stopPurge();
      await this.writer?.flush().catch(() => undefined);
      if (this.stage === 'Running') this.stage = signal.aborted ? 'Paused' : 'Stopped';
    }
  }

  /**
   * A new sub-dir because the upstream server changed (failover): positions of the old server
   * mean nothing here, so continue from the GTID set the previous sub-dir reached (DM's rule;
   * needs enable-gtid).
   */
  private async previousServerGtid(writer: RelayWriter): Promise<BinlogLocation | undefined> {
    const index = readIndex(this.relayDir);
    const i = index.findIndex((s) => s.name === writer.sub.name);
    const prev = i > 0 ? index[i - 1] : undefined;
    if (!prev) return undefined;
    const meta = await readMeta(join(this.relayDir, prev.name));
    if (!meta?.binlogGtid || !this.opts.source.enableGtid) {
      throw dmError(
        E.relayNotFound,
        `the upstream server changed (${prev.uuid} → ${writer.sub.uuid}); continuing needs enable-gtid and a GTID in ${prev.name}/relay.meta`,
      );
    }
    return { file: '', pos: 4, gtid: meta.binlogGtid };
  }

  private configuredStart(info: UpstreamInfo): BinlogLocation {
    if (this.opts.start) return this.opts.start;
    const src = this.opts.source;
    if (src.enableGtid && src.relayBinlogGtid) return { file: '', pos: 4, gtid: src.relayBinlogGtid };
    if (src.relayBinlogName) return { file: src.relayBinlogName, pos: 4 };
    return { file: info.binlogs[0] ?? info.master.file, pos: 4 };
  }

  /** Keep `this.master` fresh for status without blocking it; returns the stopper. */
  private pollMaster(signal: AbortSignal): () => void {
    let conn: Connection | undefined;
    let stopped = false;
    const tick = async (): Promise<void> => {
      if (stopped || signal.aborted || !this.info) return;
      try {
        conn ??= await connectDb(this.opts.source.from, E.dbUpstreamConnect);
        this.master = await masterStatusOn(conn, this.info.flavor);
        await this.publish();
      } catch (err) {
        if (!isRetryableDbError(err)) this.opts.deps.logger.debug({ err }, 'relay: master status failed');
        await conn?.end().catch(() => undefined);
        conn = undefined;
      }
    };
    const t = setInterval(() => {
      tick().catch(() => undefined);
    }, this.opts.masterPollMs ?? 2000);
    t.unref();
    return () => {
      stopped = true;
      clearInterval(t);
      conn?.end().catch(() => undefined);
    };
  }

  /** DM's `dm_relay_binlog_file|pos{node="master"|"relay"}` and `dm_relay_space{type}`. */
  private async publish(): Promise<void> {
    if (!this.dm) return;
    // statfs first, so one scrape never sees the positions of this round without its space.
    const fs = await statfs(this.relayDir);
    const w = this.writer?.state();
    this.dm.binlogFile.set({ node: 'master' }, binlogFileIndex(this.master.file));
    this.dm.binlogPos.set({ node: 'master' }, this.master.pos);
    if (w) {
      this.dm.binlogFile.set({ node: 'relay' }, binlogFileIndex(w.file));
      this.dm.binlogPos.set({ node: 'relay' }, w.pos);
    }
    this.dm.space.set({ type: 'capacity' }, fs.blocks * fs.bsize);
    this.dm.space.set({ type: 'available' }, fs.bavail * fs.bsize);
  }

  status(): RelayStatus {
    const w = this.writer?.state();
    const relayFile = w?.file ?? '';
    const relayPos = w?.pos ?? 0;
    return {
      masterBinlog: `(${this.master.file}, ${this.master.pos})`,
      masterBinlogGtid: this.master.gtid,
      relaySubDir: w?.subDir ?? '',
      relayBinlog: `(${relayFile}, ${relayPos})`,
      relayBinlogGtid: w?.gtid ?? '',
      relayCatchUpMaster: !!w && relayFile === this.master.file && relayPos >= this.master.pos,
      stage: this.stage,
    };
  }

  isRetryable(err: DmError): boolean {
    return (
      err.code === E.connectionLost.code ||
      err.code === E.dbBadConn.code ||
      err.code === E.dbUpstreamConnect.code
    );
  }

  async close(): Promise<void> {
    await this.writer?.close();
    this.writer = undefined;
    this.stage = 'Stopped';
  }
}
