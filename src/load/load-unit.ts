import { readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Counter } from 'prom-client';
import { percent } from '../pkg/api/progress.js';
import type { BinlogMeta, SubTaskConfig } from '../pkg/config/types.js';
import { type Connection, connectDb, formatOnlyWithValues, isRetryableDbError } from '../pkg/db/connect.js';
import { type ChunkEntry, readChunkManifest } from '../pkg/dumpfile/chunk-manifest.js';
import { dumpDir } from '../pkg/dumpfile/dump-dir.js';
import type { DumpFeed, FedChunk } from '../pkg/dumpfile/dump-feed.js';
import {
  createCheckpointTable,
  FINISHED_MARK,
  type FileCheckpoint,
  isDone,
  readCheckpoints,
  upsertCheckpoints,
} from '../pkg/dumpfile/load-checkpoint.js';
import { METADATA_FILE, readDumpMetadataFull } from '../pkg/dumpfile/metadata.js';
import { type DmError, dmError, E } from '../pkg/errors/index.js';
import type { Logger } from '../pkg/log/logger.js';
import { type DmWorkerMetrics, dmWorkerMetrics } from '../pkg/metrics/dm-metrics.js';
import { sharedCounter } from '../pkg/metrics/shared-counter.js';
import { TableRouter } from '../pkg/router/table-router.js';
import { abortableProcess } from '../unit/abortable-process.js';
import type { ProcessResult, Unit, UnitDeps } from '../unit/unit.js';
import type { DataFile, DumpFiles } from './dump-files.js';
import { scanDumpDir } from './dump-files.js';
import { type Extension, type FileLoadContext, loadFile } from './file-loader.js';
import { reconcile } from './reconcile.js';
import { type ExtendsHost, prepareExtends } from './route-extends.js';
import { SchemaLoader } from './schema-loader.js';

/** query-status `load` section: the shared contract's shape (src/pkg/api). */
export type { LoadStatus } from '../pkg/api/worker-api.js';

/**
 * `end_pos` of a planned chunk whose file the dump has not finished yet (pipelined full
 * phase): never "done", whatever its offset, so a crash leaves it to dump and load again.
 */
const PENDING = Number.MAX_SAFE_INTEGER;

import type { LoadStatus } from '../pkg/api/worker-api.js';

/**
 * Session of every loader connection. The connection charset is `binary` on the client
 * side (mysql2 then sends our latin1-view strings byte for byte) and `SET NAMES utf8mb4`
 * (or the file's own `SET NAMES`) tells the server how to read them. Foreign and unique
 * checks are off as in every bulk loader (the data comes from a consistent source);
 * `NO_AUTO_VALUE_ON_ZERO` keeps id 0 rows; no strict mode, so zero dates load as dumped.
 * `sql_log_bin` is left alone: the downstream may itself replicate. The time zone is the
 * task's, set by connectDb (and by each of our dump files' header).
 */
const SESSION_SQL = [
  'SET NAMES utf8mb4',
  "SET SESSION foreign_key_checks = 0, unique_checks = 0, sql_mode = 'NO_AUTO_VALUE_ON_ZERO,NO_ENGINE_SUBSTITUTION'",
];

/**
 * The load unit: replays a dump directory (ours, mydumper's or dumpling's) into the
 * downstream with `loader.pool-size` connections, resumable per file at statement
 * granularity (see checkpoint.ts), streaming with bounded memory. Our own dump's INSERTs
 * go in as `LOAD DATA LOCAL INFILE` where the downstream allows it (file-loader.ts).
 *
 * Routing: CREATE TABLE and INSERT names are rewritten to the routed target (fully
 * qualified); several shard tables merged into one target create it once
 * (`CREATE TABLE IF NOT EXISTS`). After a successful load with `clean-dump-file`, every
 * file but `metadata` is removed, so `readDumpMetadata(dumpDir)` still tells the sync unit
 * where replication starts.
 */
export class LoadUnit implements Unit<LoadStatus> {
  readonly type = 'Load' as const;
  private readonly log: Logger;
  private readonly dir: string;
  private conns = new Set<Connection>();
  private startedAt = 0;
  private finishedBytes = 0;
  private bytesAtStart = 0;
  private totalBytes = 0;
  private finishedRows = 0;
  private meta: BinlogMeta = { binlogName: '', binlogPos: 0, binlogGtid: '' };
  private done = false;
  private maxStatement = 16 * 1024 * 1024;
  private router: TableRouter;
  private readonly schema: SchemaLoader;
  private rowsCounter?: Counter<'task' | 'source_id'>;
  private bytesCounter?: Counter<'task' | 'source_id'>;
  /** DM's loader families (progress, data size, tables, files). */
  private dm?: DmWorkerMetrics['loader'];
  /** Files whose chunk an earlier run loaded from another snapshot: not loaded again. */
  private readonly skip = new Set<string>();
  /** Files whose range may hold rows of an older snapshot: loaded with REPLACE whatever `on-duplicate-logical` says. */
  private readonly replace = new Set<string>();
  /** Route extraction per source table (`db\0table`): see route-extends.ts. */
  private readonly extends = new Map<string, Extension>();
  private readonly extendsHost: ExtendsHost = {
    extendColumns: (db, table) => this.router.extendColumns(db, table, this.cfg.sourceId),
    target: (db, table) => this.target(db, table),
    tableColumns: (file) => this.schema.tableColumns(file),
  };
  /** The dump this load follows while it runs (pipelined full phase), for the next `process`. */
  private feed: DumpFeed | undefined;
  /** The load's total bytes while it follows a running dump (they grow with the dump). */
  private followTotal: (() => number) | undefined;

  constructor(
    private readonly cfg: SubTaskConfig,
    deps: UnitDeps,
  ) {
    this.log = deps.logger.child({ unit: 'load', task: cfg.name, source: cfg.sourceId });
    this.dir = dumpDir(cfg, deps.workDir);
    this.router = new TableRouter(cfg.routes, { caseSensitive: cfg.caseSensitive });
    this.schema = new SchemaLoader(
      this.dir,
      (db, table) => this.target(db, table),
      this.log,
      (db, table) => this.router.extendColumns(db, table, cfg.sourceId) !== undefined,
    );
    if (deps.registry) {
      this.dm = dmWorkerMetrics(deps.registry).loader;
      this.rowsCounter = sharedCounter(deps.registry, 'dm_load_rows_total', 'Rows applied by the load unit');
      this.bytesCounter = sharedCounter(
        deps.registry,
        'dm_load_bytes_total',
        'Dump bytes applied by the load unit',
      );
    }
  }

  async init(): Promise<void> {}

  /**
   * The next `process` loads the chunks of a dump running beside it as `feed` reports them
   * (see runFollowing); undefined = load a finished dump directory (the default).
   */
  follow(feed: DumpFeed | undefined): void {
    this.feed = feed;
  }

  process(signal: AbortSignal): Promise<ProcessResult> {
    // Killing the connections rolls back the open transactions: data and checkpoint stay equal.
    return abortableProcess({
      signal,
      connections: () => this.conns,
      run: () => (this.feed ? this.runFollowing(signal, this.feed) : this.run(signal)),
      cleanup: () => this.closeConns(),
      errDef: E.loadFailed,
      what: 'load',
      log: this.log,
    });
  }

  private async connect(): Promise<Connection> {
    const c = await connectDb(this.cfg.to, E.dbDownstreamConnect, {
      charset: 'BINARY',
      queryFormat: formatOnlyWithValues,
    });
    this.conns.add(c);
    // mysql2 follows `character_set_client` changes the server reports (session tracking) and
    // would switch to UTF-8 encoding after a file's SET NAMES; keep it on binary passthrough.
    await c.query("SET SESSION session_track_system_variables = ''").catch(() => undefined);
    for (const s of SESSION_SQL) await c.query(s);
    return c;
  }

  private target(db: string, table: string): { schema: string; table: string } {
    return this.router.route(db, table);
  }

  private async run(signal: AbortSignal): Promise<void> {
    this.followTotal = undefined;
    this.startedAt = Date.now();
    this.skip.clear();
    this.replace.clear();
    const meta = await readDumpMetadataFull(this.dir);
    this.meta = meta;
    if (!meta.finishedAt) {
      throw dmError(E.loadDumpFileInvalid, `the dump in ${this.dir} is incomplete (no "Finished dump at")`);
    }
    const files = await scanDumpDir(this.dir);
    const manifest = await readChunkManifest(this.dir);
    this.totalBytes = files.totalBytes;
    this.sizeMetrics(files.totalBytes, files.tables.length, files.data.length);
    const { ctl, cps } = await this.openCheckpoints();
    if (cps.get(FINISHED_MARK)) {
      this.log.info('load already finished');
      this.finishedBytes = this.totalBytes;
      await this.finish();
      return;
    }
    const rec = await reconcile(
      ctl,
      this.cfg,
      meta,
      files,
      manifest,
      cps,
      (db, t) => this.target(db, t),
      this.log,
    );
    for (const n of rec.skip) this.skip.add(n);
    for (const n of rec.replace) this.replace.add(n);
    this.totalBytes = rec.totalBytes;
    this.finishedBytes = rec.finishedBytes;
    this.bytesAtStart = rec.finishedBytes;
    await this.schema.createSchemas(ctl, files);
    await prepareExtends(ctl, files, this.extends, this.extendsHost);

    const jobs = files.data.filter((f) => !this.skip.has(f.name)).sort((a, b) => b.size - a.size);
    // Files still to load per target table: the last one to finish builds its indexes.
    const left = new Map<string, number>();
    for (const f of jobs) {
      const key = this.schema.targetKey(f.db, f.table);
      left.set(key, (left.get(key) ?? 0) + ((cps.get(f.name)?.offset ?? 0) < f.size ? 1 : 0));
    }
    const fileCtx = await this.fileContext(ctl);
    let next = 0;
    const worker = async (conn: Connection) => {
      while (!signal.aborted) {
        const f = jobs[next++];
        if (!f) return;
        await loadFile(fileCtx, conn, f, cps.get(f.name)?.offset ?? 0, signal);
        if (signal.aborted) return;
        const key = this.schema.targetKey(f.db, f.table);
        const n = (left.get(key) ?? 1) - 1;
        left.set(key, n);
        if (n === 0) await this.schema.buildIndexes(conn, key);
      }
    };
    const n = Math.max(1, Math.min(this.cfg.loader.poolSize, jobs.length));
    const pool: Connection[] = [ctl];
    for (let i = 1; i < n; i++) pool.push(await this.connect());
    await Promise.all(pool.map(worker));
    if (signal.aborted) return;
    await this.complete(ctl, files);
  }

  /** The control connection (statement size read from the target) and the load checkpoint rows. */
  private async openCheckpoints(): Promise<{ ctl: Connection; cps: Map<string, FileCheckpoint> }> {
    const { metaSchema, name: task, sourceId } = this.cfg;
    const ctl = await this.connect();
    const [pk] = await ctl.query('SELECT @@max_allowed_packet AS p');
    this.maxStatement = Math.max(64 * 1024, Number((pk as { p: string }[])[0]?.p ?? 0) - 4096);
    await createCheckpointTable(ctl, metaSchema, task);
    return { ctl, cps: await readCheckpoints(ctl, metaSchema, task, sourceId) };
  }

  /** After every file: the indexes and views still to make, the finished mark, clean-up. */
  private async complete(ctl: Connection, files: DumpFiles): Promise<void> {
    const { metaSchema, name: task, sourceId } = this.cfg;
    // Tables whose files were all loaded by an earlier run (or have no data file at all).
    await this.schema.buildPendingIndexes(ctl);
    await this.schema.createViews(ctl, files);
    await upsertCheckpoints(ctl, metaSchema, task, sourceId, [
      {
        filename: FINISHED_MARK,
        cpSchema: '',
        cpTable: '',
        offset: this.totalBytes,
        endPos: this.totalBytes,
      },
    ]);
    await this.finish();
  }

  /**
   * The pipelined full phase (worker/full-pipeline.ts): each chunk file is loaded as soon as
   * the dump closed it. Crash safety as in `run`: the dump writes its chunk manifest before any
   * data, every planned chunk gets a checkpoint row at once (end_pos PENDING until its file is
   * complete: "not loaded" for the resume plan), and a file is loaded exactly as in `run`. A
   * restart resumes through the dump, which dumps again only the chunks not shown as loaded.
   */
  private async runFollowing(signal: AbortSignal, feed: DumpFeed): Promise<void> {
    this.startedAt = Date.now();
    this.skip.clear();
    this.replace.clear();
    while (!feed.isPlanned && !signal.aborted) await feed.changed(signal);
    if (signal.aborted) return;
    const meta = await readDumpMetadataFull(this.dir);
    this.meta = meta;
    const files = await scanDumpDir(this.dir);
    const manifest = (await readChunkManifest(this.dir)) ?? [];
    const { metaSchema, name: task, sourceId } = this.cfg;
    const { ctl, cps } = await this.openCheckpoints();
    const rec = await reconcile(
      ctl,
      this.cfg,
      meta,
      { ...files, data: [] },
      manifest,
      cps,
      (db, t) => this.target(db, t),
      this.log,
      PENDING,
    );
    for (const n of rec.replace) this.replace.add(n);
    this.finishedBytes = rec.finishedBytes;
    this.bytesAtStart = rec.finishedBytes;
    // While following, the total is what earlier runs loaded plus what the dump wrote so far.
    this.followTotal = () => rec.totalBytes + feed.reportedBytes;
    await this.schema.createSchemas(ctl, files);
    await prepareExtends(
      ctl,
      {
        ...files,
        data: manifest.map((c) => ({ ...c, name: c.file, size: 0 })),
      },
      this.extends,
      this.extendsHost,
    );
    const chunks = new Map<string, ChunkEntry>(manifest.map((c) => [c.file, c]));
    // Chunks still to load per target table: the last one to finish builds its indexes.
    const left = new Map<string, number>();
    for (const c of manifest) {
      const cp = cps.get(c.file);
      if (cp && isDone(cp) && cp.endPos !== PENDING) continue;
      const key = this.schema.targetKey(c.db, c.table);
      left.set(key, (left.get(key) ?? 0) + 1);
    }
    const fileCtx = await this.fileContext(ctl);
    let fileCount = 0;
    const one = async (conn: Connection, fc: FedChunk): Promise<void> => {
      const c = chunks.get(fc.file);
      const cp = cps.get(fc.file);
      if (!c || !cp) return; // not in this dump's plan: nothing to load
      const size = fc.size;
      if (size > 0) fileCount++;
      this.sizeMetrics(rec.totalBytes + feed.reportedBytes, files.tables.length, fileCount);
      const row: FileCheckpoint = { ...cp, offset: 0, endPos: size };
      cps.set(fc.file, row);
      await upsertCheckpoints(conn, metaSchema, task, sourceId, [row]);
      const f: DataFile = { name: fc.file, db: c.db, table: c.table, size };
      await loadFile(fileCtx, conn, f, 0, signal);
      if (signal.aborted) return;
      const key = this.schema.targetKey(c.db, c.table);
      const n = (left.get(key) ?? 1) - 1;
      left.set(key, n);
      if (n === 0) await this.schema.buildIndexes(conn, key);
    };
    const worker = async (conn: Connection) => {
      while (!signal.aborted) {
        const fc = feed.next();
        if (fc) await one(conn, fc);
        else if (feed.drained) return;
        else await feed.changed(signal);
      }
    };
    const n = Math.max(1, this.cfg.loader.poolSize);
    const pool: Connection[] = [ctl];
    for (let i = 1; i < n; i++) pool.push(await this.connect());
    await Promise.all(pool.map(worker));
    if (signal.aborted) return;
    this.totalBytes = rec.totalBytes + feed.reportedBytes;
    this.followTotal = undefined;
    this.sizeMetrics(this.totalBytes, files.tables.length, fileCount);
    await this.complete(ctl, files);
  }

  /** What loadFile needs; LOAD DATA LOCAL only where the downstream's `local_infile` is on. */
  private async fileContext(ctl: Connection): Promise<FileLoadContext> {
    const [li] = await ctl.query('SELECT @@local_infile AS l');
    const localInfile = Number((li as { l: string | number }[])[0]?.l ?? 0) === 1;
    const { name: task, sourceId } = this.cfg;
    const labels = { task, source_id: sourceId };
    return {
      cfg: this.cfg,
      dir: this.dir,
      log: this.log,
      target: (db, table) => this.target(db, table),
      onDup: (file) => (this.replace.has(file) ? 'replace' : this.cfg.loader.onDuplicateLogical),
      extension: (db, table) => this.extends.get(`${db}\0${table}`),
      maxStatement: this.maxStatement,
      localInfile,
      onCommitted: (bytes) => {
        this.finishedBytes += bytes;
        this.bytesCounter?.inc(labels, bytes);
        this.dm?.progress.set(labels, this.ratio());
      },
      onRows: (rows) => {
        this.finishedRows += rows;
        this.rowsCounter?.inc(labels, rows);
      },
    };
  }

  /** Finished share of the dump's bytes, 0..1 (DM's `dm_loader_progress`). */
  private ratio(): number {
    if (this.done) return 1;
    const total = this.total();
    return total > 0 ? Math.min(1, this.finishedBytes / total) : 0;
  }

  private async finish(): Promise<void> {
    this.done = true;
    this.dm?.progress.set({ task: this.cfg.name, source_id: this.cfg.sourceId }, 1);
    if (this.cfg.cleanDumpFile) {
      for (const name of await readdir(this.dir)) {
        if (name !== METADATA_FILE) await rm(join(this.dir, name), { recursive: true, force: true });
      }
    }
    this.log.info({ bytes: this.totalBytes, rows: this.finishedRows }, 'load finished');
  }

  /** DM's loader size gauges (data bytes, tables, data files). */
  private sizeMetrics(bytes: number, tables: number, dataFiles: number): void {
    const l = { task: this.cfg.name, source_id: this.cfg.sourceId };
    this.dm?.dataSize.set(l, bytes);
    this.dm?.tables.set(l, tables);
    this.dm?.dataFiles.set(l, dataFiles);
  }

  /** Bytes of the whole load (known so far, while following a dump). */
  private total(): number {
    return this.followTotal?.() ?? this.totalBytes;
  }

  status(): LoadStatus {
    const secs = this.startedAt ? (Date.now() - this.startedAt) / 1000 : 0;
    const bps = secs > 0 ? (this.finishedBytes - this.bytesAtStart) / secs : 0;
    const totalBytes = this.total();
    const left = Math.max(0, totalBytes - this.finishedBytes);
    return {
      finishedBytes: this.finishedBytes,
      totalBytes,
      progress: this.done ? '100.00 %' : percent(this.finishedBytes, totalBytes),
      metaBinlog: this.meta.binlogName ? `(${this.meta.binlogName}, ${this.meta.binlogPos})` : '',
      metaBinlogGTID: this.meta.binlogGtid,
      bps: Math.round(bps),
      finishedRows: this.finishedRows,
      rowsPerSecond: secs > 0 ? Math.round(this.finishedRows / secs) : 0,
      etaSeconds: this.done || (totalBytes > 0 && left === 0) ? 0 : bps > 0 ? Math.ceil(left / bps) : -1,
    };
  }

  isRetryable(err: DmError): boolean {
    return isRetryableDbError(err.cause ?? err);
  }

  private async closeConns(): Promise<void> {
    const all = [...this.conns];
    this.conns.clear();
    await Promise.all(all.map((c) => c.end().catch(() => c.destroy())));
  }

  async close(): Promise<void> {
    await this.closeConns();
  }
}
