import { mkdir, rm, stat, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import type { Counter } from 'prom-client';
import { percent } from '../pkg/api/progress.js';
import type { DumpStatus } from '../pkg/api/worker-api.js';
import type { SubTaskConfig } from '../pkg/config/types.js';
import { connectDb, isRetryableDbError, quoteId, quoteTable } from '../pkg/db/connect.js';
import {
  type ChunkEntry,
  resumePlan,
  type TableResume,
  tableKey,
  writeChunkManifest,
} from '../pkg/dumpfile/chunk-manifest.js';
import {
  dataFile,
  dumpDir,
  schemaCreateFile,
  tableSchemaFile,
  viewSchemaFile,
} from '../pkg/dumpfile/dump-dir.js';
import type { DumpFeed } from '../pkg/dumpfile/dump-feed.js';
import { readCheckpointsIfAny } from '../pkg/dumpfile/load-checkpoint.js';
import { metadataTime, writeDumpMetadata } from '../pkg/dumpfile/metadata.js';
import { type DmError, E } from '../pkg/errors/index.js';
import { BlockAllowList } from '../pkg/filter/block-allow-list.js';
import type { Logger } from '../pkg/log/logger.js';
import { sharedCounter } from '../pkg/metrics/shared-counter.js';
import { abortableProcess } from '../unit/abortable-process.js';
import type { ProcessResult, Unit, UnitDeps } from '../unit/unit.js';
import { chunkCount, planRanges, rangeWhere } from './chunk-plan.js';
import { openSessions, openSnapshot } from './consistency.js';
import { closeSessions, type DumpSession } from './dump-session.js';
import { type Boundary, boundaryLiteral, boundaryWheres, sampleOffsets } from './sample-split.js';
import { listTables, type TableInfo } from './table-info.js';

/** Upper bound of one INSERT statement in a data file (mydumper's default statement size). */
const STATEMENT_SIZE = 1_000_000;

interface ChunkJob {
  t: TableInfo;
  index: number;
  /** The chunk's key range ('' = whole table): its identity, in the chunk manifest. */
  range: string;
  /** `range` combined with the task's `where`. */
  where: string;
}

/**
 * The dump unit: a consistent, parallel, chunked, streaming copy of the upstream into
 * mydumper/dumpling-layout files (see dump-dir.ts, metadata.ts, consistency.ts).
 *
 * A dump is not resumable (neither is DM's): `process` always starts from an empty dir, and
 * the `metadata` file gets its "Finished dump at" line only when every file is complete, so
 * the load unit never takes a half-written dump for a whole one.
 *
 * A full phase is (beyond DM): when the downstream load checkpoint shows chunks an earlier
 * run loaded (on this worker or another one, whose files are not here), this dump takes a
 * NEW snapshot and writes only the chunk ranges not yet loaded, under their old indexes;
 * fully loaded tables get their schema file only, tables never loaded are dumped whole
 * (chunk-manifest.ts `resumePlan`). The sync unit then replays from the oldest snapshot in
 * safe mode up to the newest (watermarks as DBLog / Debezium incremental snapshots).
 */
export class DumpUnit implements Unit<DumpStatus> {
  readonly type = 'Dump' as const;
  private readonly log: Logger;
  private readonly dir: string;
  private conns: DumpSession[] = [];
  private st: DumpStatus = {
    totalTables: 0,
    completedTables: 0,
    finishedBytes: 0,
    finishedRows: 0,
    estimateTotalRows: 0,
    progress: '0.00 %',
    bps: 0,
  };
  private startedAt = 0;
  private rowsCounter?: Counter<'task' | 'source_id'>;
  private bytesCounter?: Counter<'task' | 'source_id'>;
  /** The load running beside this dump (pipelined full phase), told of each finished chunk. */
  private feed: DumpFeed | undefined;

  constructor(
    private readonly cfg: SubTaskConfig,
    deps: UnitDeps,
  ) {
    this.log = deps.logger.child({ unit: 'dump', task: cfg.name, source: cfg.sourceId });
    this.dir = dumpDir(cfg, deps.workDir);
    if (deps.registry) {
      this.rowsCounter = sharedCounter(deps.registry, 'dm_dump_rows_total', 'Rows written by the dump unit');
      this.bytesCounter = sharedCounter(
        deps.registry,
        'dm_dump_bytes_total',
        'Bytes written by the dump unit',
      );
    }
  }

  /**
   * The next `process` reports its plan and each finished chunk to `feed` (a load unit
   * follows it); undefined = no one follows.
   */
  streamTo(feed: DumpFeed | undefined): void {
    this.feed = feed;
  }

  /** The dump directory (`<loader.dir>.<task>`). */
  get directory(): string {
    return this.dir;
  }

  async init(): Promise<void> {
    await mkdir(this.dir, { recursive: true });
  }

  process(signal: AbortSignal): Promise<ProcessResult> {
    return abortableProcess({
      signal,
      connections: () => this.conns,
      run: () => this.run(signal),
      cleanup: async () => {
        await closeSessions(this.conns);
        this.conns = [];
      },
      errDef: E.dumpFailed,
      what: 'dump',
      log: this.log,
    });
  }

  private async run(signal: AbortSignal): Promise<void> {
    const feed = this.feed;
    this.startedAt = Date.now();
    const startedAt = metadataTime();
    await rm(this.dir, { recursive: true, force: true });
    await mkdir(this.dir, { recursive: true });
    const bal = new BlockAllowList(
      this.cfg.blockAllowList ?? { doDbs: [], ignoreDbs: [], doTables: [], ignoreTables: [] },
      { caseSensitive: this.cfg.caseSensitive },
    );
    // mydumper extra-args `-B`/`-T`: the dump is narrowed further (the sync still uses the list).
    const only = this.cfg.mydumper.dumpOnly;
    const narrow = only ? new BlockAllowList(only, { caseSensitive: this.cfg.caseSensitive }) : undefined;
    // Three independent start-up steps overlap (each is round trips and, for the sessions,
    // worker threads loading their modules): the sessions, the table list, the resume point.
    const opening = openSessions({ from: this.cfg.from, threads: Math.max(1, this.cfg.mydumper.threads) });
    let tables: TableInfo[];
    let resume: Map<string, TableResume> | undefined;
    let sessions: DumpSession[];
    try {
      [tables, resume] = await Promise.all([this.listTables(bal, narrow), this.resumePlan()]);
    } catch (err) {
      await closeSessions(await opening.catch(() => []));
      throw err;
    }
    sessions = await opening;
    if (signal.aborted) {
      await closeSessions(sessions);
      return;
    }
    const base = tables.filter((t) => !t.isView);
    this.st.totalTables = base.length;
    this.st.estimateTotalRows = base.reduce((a, t) => a + t.estRows, 0);

    const snap = await openSnapshot({
      from: this.cfg.from,
      threads: sessions.length,
      sessions,
      mode: this.cfg.mydumper.consistency,
      tables: base.map((t) => ({ schema: t.schema, table: t.table })),
      logger: this.log,
    });
    this.conns = snap.conns;
    this.log.info({ mode: snap.mode, pos: snap.pos, threads: snap.conns.length }, 'snapshot open');
    await writeDumpMetadata(this.dir, { ...snap.pos, startedAt });
    const c0 = snap.conns[0]!;

    // Schemas first (on the snapshot connection: same view of the data dictionary).
    for (const db of [...new Set(tables.map((t) => t.schema))]) {
      const [r] = await c0.query(`SHOW CREATE DATABASE ${quoteId(db)}`);
      const sql = String(r?.['Create Database'] ?? '');
      await writeFile(join(this.dir, schemaCreateFile(db)), `${sql};\n`);
    }
    for (const t of tables) {
      if (signal.aborted) return;
      if (t.isView) {
        const [row = {}] = await c0.query(`SHOW CREATE VIEW ${quoteTable(t.schema, t.table)}`);
        const text =
          '/*!40101 SET NAMES utf8mb4*/;\n' +
          `DROP TABLE IF EXISTS ${quoteId(t.table)};\nDROP VIEW IF EXISTS ${quoteId(t.table)};\n` +
          `${String(row['Create View'] ?? '')};\n`;
        await writeFile(join(this.dir, viewSchemaFile(t.schema, t.table)), text);
      } else {
        const [row = {}] = await c0.query(`SHOW CREATE TABLE ${quoteTable(t.schema, t.table)}`);
        await writeFile(
          join(this.dir, tableSchemaFile(t.schema, t.table)),
          `/*!40101 SET NAMES utf8mb4*/;\n/*!40014 SET FOREIGN_KEY_CHECKS=0*/;\n${String(row['Create Table'] ?? '')};\n`,
        );
      }
    }

    const jobs = await this.plan(c0, base, resume);
    const manifest = jobs.map(
      (j): ChunkEntry => ({
        file: dataFile(j.t.schema, j.t.table, j.index),
        db: j.t.schema,
        table: j.t.table,
        index: j.index,
        range: j.range,
      }),
    );
    if (feed) {
      // The plan goes on disk before any data, so a load following the dump knows every
      // chunk from the start (and a crash leaves none of them unaccounted for).
      await writeChunkManifest(this.dir, manifest);
      feed.planned();
    }
    const left = new Map<TableInfo, number>();
    for (const j of jobs) left.set(j.t, (left.get(j.t) ?? 0) + 1);
    this.st.completedTables = base.length - left.size;
    let next = 0;
    const worker = async (conn: DumpSession) => {
      while (!signal.aborted) {
        const job = jobs[next++];
        if (!job) return;
        const path = join(this.dir, dataFile(job.t.schema, job.t.table, job.index));
        const statementSize = this.cfg.mydumper.statementSize || STATEMENT_SIZE;
        const res = await conn.writeChunk(
          { t: job.t, where: job.where, path, statementSize },
          (rows, bytes) => this.progressed(rows, bytes),
        );
        // An empty chunk writes no file (writeChunk); its checkpoint row is done at once.
        if (feed) feed.chunk({ file: basename(path), size: res.bytes > 0 ? (await stat(path)).size : 0 });
        const n = (left.get(job.t) ?? 1) - 1;
        left.set(job.t, n);
        if (n === 0) this.st.completedTables++;
      }
    };
    await Promise.all(snap.conns.map(worker));
    if (signal.aborted) return;
    await Promise.all(snap.conns.map((c) => c.query('COMMIT')));
    await writeChunkManifest(this.dir, manifest);
    await writeDumpMetadata(this.dir, { ...snap.pos, startedAt, finishedAt: metadataTime() });
    feed?.finished();
    this.st.progress = '100.00 %';
    this.log.info({ rows: this.st.finishedRows, bytes: this.st.finishedBytes }, 'dump finished');
  }

  /** The tables and views the block-allow list lets through. */
  private async listTables(bal: BlockAllowList, narrow?: BlockAllowList): Promise<TableInfo[]> {
    const ctl = await connectDb(this.cfg.from, E.dbUpstreamConnect);
    try {
      return await listTables(ctl, {
        schema: (s) => bal.allowSchema(s) && (narrow?.allowSchema(s) ?? true),
        table: (s, t) => bal.allowTable(s, t) && (narrow?.allowTable(s, t) ?? true),
      });
    } finally {
      await ctl.end().catch(() => ctl.destroy());
    }
  }

  /**
   * The chunks an earlier run of this full phase left to load (undefined = dump everything),
   * from the downstream load checkpoint; its absence (first run, task-mode dump) is no error.
   */
  private async resumePlan(): Promise<Map<string, TableResume> | undefined> {
    // Only a dump followed by a load in the same task has a load checkpoint to consult.
    if (this.cfg.taskMode !== 'all' && this.cfg.taskMode !== 'full') return undefined;
    const down = await connectDb(this.cfg.to, E.dbDownstreamConnect);
    try {
      const rows = await readCheckpointsIfAny(down, this.cfg.metaSchema, this.cfg.name, this.cfg.sourceId);
      const plan = resumePlan(rows.values());
      if (plan) {
        let done = 0;
        let todo = 0;
        for (const t of plan.values()) {
          done += t.done;
          todo += t.todo.length;
        }
        this.log.info(
          { tables: plan.size, chunksLoaded: done, chunksLeft: todo },
          'resuming a full phase: dumping only the chunks not loaded yet, at a new snapshot',
        );
      }
      return plan;
    } finally {
      await down.end().catch(() => down.destroy());
    }
  }

  /** Chunk jobs, biggest tables first so the long ones start early. */
  private async plan(
    conn: DumpSession,
    tables: TableInfo[],
    resume: Map<string, TableResume> | undefined,
  ): Promise<ChunkJob[]> {
    const jobs: ChunkJob[] = [];
    const userWhere = this.cfg.mydumper.where.trim();
    const withUserWhere = (range: string) =>
      [userWhere && `(${userWhere})`, range].filter(Boolean).join(' AND ');
    const sorted = [...tables].sort((a, b) => b.estRows * b.avgRowLen - a.estRows * a.avgRowLen);
    for (const t of sorted) {
      const left = resume?.get(tableKey(t.schema, t.table));
      if (left) {
        // Loaded chunks stay; the others keep their index and range (their identity).
        for (const c of left.todo)
          jobs.push({ t, index: c.index, range: c.range, where: withUserWhere(c.range) });
        continue;
      }
      let ranges: string[] = [''];
      if (t.chunkKey) {
        const k = quoteId(t.chunkKey);
        const [r] = await conn.query(
          `SELECT CAST(MIN(${k}) AS CHAR) AS mn, CAST(MAX(${k}) AS CHAR) AS mx FROM ${quoteTable(t.schema, t.table)}`,
        );
        const row = r as { mn: string | null; mx: string | null } | undefined;
        if (row?.mn != null && row.mx != null) {
          ranges = planRanges({
            min: BigInt(row.mn),
            max: BigInt(row.mx),
            estRows: t.estRows,
            avgRowLen: t.avgRowLen,
            rows: this.cfg.mydumper.rows,
            chunkFilesizeMb: this.cfg.mydumper.chunkFilesize,
            threads: this.conns.length,
          }).map((rg) => rangeWhere(k, rg));
        }
      } else if (t.sampleKey) {
        ranges = await this.sampledRanges(conn, t, t.sampleKey);
      }
      ranges.forEach((range, index) => {
        jobs.push({ t, index, range, where: withUserWhere(range) });
      });
    }
    return jobs;
  }

  /**
   * Chunks of a table keyed by a non-integer (or multi-column) unique key: boundaries are
   * sampled on the snapshot connection, so they belong to the very data being dumped.
   */
  private async sampledRanges(
    conn: DumpSession,
    t: TableInfo,
    key: NonNullable<TableInfo['sampleKey']>,
  ): Promise<string[]> {
    const n = chunkCount({
      estRows: t.estRows,
      avgRowLen: t.avgRowLen,
      rows: this.cfg.mydumper.rows,
      chunkFilesizeMb: this.cfg.mydumper.chunkFilesize,
      threads: this.conns.length,
    });
    const cols = key.columns.map(quoteId);
    const boundaries: Boundary[] = [];
    let last = '';
    for (const off of sampleOffsets(t.estRows, n)) {
      const sql = `SELECT ${cols.join(',')} FROM ${quoteTable(t.schema, t.table)} ORDER BY ${cols.join(',')} LIMIT 1 OFFSET ${off}`;
      // Raw text-protocol bytes: exact values, no JS number/date conversion.
      const row = await conn.firstRawRow(sql);
      if (!row) break; // fewer rows than estimated: the last chunk is open-ended anyway
      if (row.some((v) => v === null)) return [''];
      const b = row.map((v, i) => boundaryLiteral(v as Buffer, key.kinds[i]!));
      const id = b.join(',');
      if (id !== last) boundaries.push(b);
      last = id;
    }
    return boundaryWheres(cols, boundaries);
  }

  private progressed(rows: number, bytes: number): void {
    this.st.finishedRows += rows;
    this.st.finishedBytes += bytes;
    this.rowsCounter?.inc({ task: this.cfg.name, source_id: this.cfg.sourceId }, rows);
    this.bytesCounter?.inc({ task: this.cfg.name, source_id: this.cfg.sourceId }, bytes);
  }

  status(): DumpStatus {
    const secs = this.startedAt ? (Date.now() - this.startedAt) / 1000 : 0;
    const progress =
      this.st.progress === '100.00 %'
        ? this.st.progress
        : percent(this.st.finishedRows, Math.max(this.st.estimateTotalRows, this.st.finishedRows + 1));
    return { ...this.st, progress, bps: secs > 0 ? Math.round(this.st.finishedBytes / secs) : 0 };
  }

  isRetryable(err: DmError): boolean {
    return isRetryableDbError(err.cause ?? err);
  }

  async close(): Promise<void> {
    await closeSessions(this.conns);
    this.conns = [];
  }
}
