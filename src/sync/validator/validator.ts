import type { CellValue } from '../../pkg/binlog/types.js';
import { durationMs } from '../../pkg/config/duration.js';
import type { SubTaskConfig, ValidatorConfig } from '../../pkg/config/types.js';
import { parseByteSize } from '../../pkg/config/validator-config.js';
import { type Connection, connectDb, quoteTable } from '../../pkg/db/connect.js';
import { dmError, E } from '../../pkg/errors/index.js';
import type { Logger } from '../../pkg/log/logger.js';
import { sleep } from '../../pkg/retry/backoff.js';
import type { TableStructure } from '../../pkg/schema/table-structure.js';
import { compareLocation, type DmlJob, type Location } from '../job.js';
import { quotedTarget, tablePlan } from '../sql/table-plan.js';
import { fetchSql, matchSql, resultKey, rowJson, rowKey } from './validator-sql.js';
import {
  ERROR_STATES,
  ensureValidatorTables,
  errorCounts,
  type ValidatorTables,
  validatorTables,
} from './validator-store.js';

/**
 * The one call the sync unit makes into the validator: after an applier committed `jobs`.
 * Must not block or throw (replication never waits for validation).
 */
export interface AppliedRowsSink {
  rowsApplied(jobs: readonly DmlJob[]): void;
}

export const VALIDATOR_STAGES = ['Running', 'Stopped'] as const;
export type ValidatorStage = (typeof VALIDATOR_STAGES)[number];

interface Pending {
  kind: 'upsert' | 'delete';
  schema: string;
  table: string;
  target: { schema: string; table: string };
  structure: TableStructure;
  row: CellValue[];
  firstSeen: number;
  bytes: number;
}

/** DM's ValidationTableStatus (dmworker.proto). */
export interface ValidationTableStatus {
  source: string;
  srcTable: string;
  dstTable: string;
  stage: ValidatorStage;
  message: string;
}

/** DM's ValidationStatus (dmworker.proto) as query-status / validation status print it. */
export interface ValidationStatus {
  task: string;
  source: string;
  mode: string;
  stage: ValidatorStage;
  validatorBinlog: string;
  validatorBinlogGtid: string;
  result: { isCanceled: boolean; errors: { message: string }[] } | null;
  processedRowsStatus: string;
  pendingRowsStatus: string;
  errorRowsStatus: string;
  cutoverBinlogPos: string;
  cutoverBinlogGtid: string;
}

/**
 * DM's continuous validator for one subtask. Every row change an applier committed becomes a
 * pending row keyed by (table, identity key) — a later change of the same key replaces it, so
 * memory is one entry per changed key, capped by `max-pending-row-count`/`-size` (beyond them
 * the validator stops with an error instead of growing). A loop re-checks pending rows against
 * the downstream in batches of `batch-query-size`; a row that still differs after
 * `row-error-delay` is recorded in `<task>_validator_error_change` (upsert on its key, so a
 * replay after a crash never records it twice). Every `meta-flush-interval` the pending rows
 * and the applied location are checkpointed; on restart, changes at or before that location are
 * not counted again. Tables without a primary/unique key are not validated (as DM).
 */
export class DataValidator implements AppliedRowsSink {
  private readonly pending = new Map<string, Pending>();
  private pendingBytes = 0;
  private readonly processed = { insert: 0, update: 0, delete: 0 };
  private readonly pendingKinds = { insert: 0, update: 0, delete: 0 };
  private stage: ValidatorStage = 'Stopped';
  private error: string | undefined;
  private conn: Connection | undefined;
  /** `worker-count` connections that run the check queries in parallel (DM's validate workers). */
  private checkers: Connection[] = [];
  private readonly tables: ValidatorTables;
  private cpLocation: Location | undefined;
  private errors = [0, 0, 0];
  private readonly maxBytes: number;
  private readonly delayMs: number;
  private readonly flushMs: number;
  private readonly validateMs: number;
  private readonly checkMs: number;
  private dirty = false;

  constructor(
    private readonly cfg: SubTaskConfig,
    private readonly vc: ValidatorConfig,
    private readonly appliedLocation: () => Location | undefined,
    private readonly log: Logger,
  ) {
    this.tables = validatorTables(cfg.metaSchema, cfg.name);
    this.maxBytes = parseByteSize(vc.maxPendingRowSize, 500 * 1024 ** 2);
    this.delayMs = durationMs(vc.rowErrorDelay, 30 * 60_000, 'row-error-delay');
    this.flushMs = durationMs(vc.metaFlushInterval, 5 * 60_000, 'meta-flush-interval');
    this.validateMs = durationMs(vc.validateInterval ?? '10s', 10_000, 'validate-interval');
    this.checkMs = durationMs(vc.checkInterval ?? '5s', 5_000, 'check-interval');
  }

  /** Create the meta tables, load the checkpoint and pending rows; stage Running. */
  async init(): Promise<void> {
    this.conn = await connectDb(this.cfg.to, E.dbDownstreamConnect);
    for (let i = 0; i < Math.max(1, this.vc.workerCount); i++) {
      this.checkers.push(await connectDb(this.cfg.to, E.dbDownstreamConnect));
    }
    await ensureValidatorTables(this.conn, this.cfg.metaSchema, this.tables);
    const [cps] = await this.conn.query(
      `SELECT binlog_name, binlog_pos, procd_ins, procd_upd, procd_del FROM ${this.tables.checkpoint} WHERE source = ?`,
      [this.cfg.sourceId],
    );
    const cp = (cps as Record<string, unknown>[])[0];
    if (cp?.binlog_name) {
      this.cpLocation = { file: String(cp.binlog_name), pos: Number(cp.binlog_pos) };
      this.processed.insert = Number(cp.procd_ins);
      this.processed.update = Number(cp.procd_upd);
      this.processed.delete = Number(cp.procd_del);
    }
    const [rows] = await this.conn.query(`SELECT row_pk, data FROM ${this.tables.pending} WHERE source = ?`, [
      this.cfg.sourceId,
    ]);
    for (const r of rows as { row_pk: string; data: unknown }[]) {
      const p = (typeof r.data === 'string' ? JSON.parse(r.data) : r.data) as Pending & { row: unknown[] };
      p.row = p.row.map((v) =>
        isHexCell(v) ? Buffer.from((v as unknown as { hex: string }).hex, 'hex') : v,
      ) as CellValue[];
      p.firstSeen = Date.now();
      this.addPending(r.row_pk, p);
    }
    this.errors = await errorCounts(this.conn, this.tables, this.cfg.sourceId);
    this.stage = this.wanted;
  }

  /** The stage `validation start|stop` asked for (persisted in etcd, applied at init too). */
  private wanted: ValidatorStage = 'Running';

  rowsApplied(jobs: readonly DmlJob[]): void {
    if (this.stage !== 'Running') return;
    for (const j of jobs) {
      this.noteTable(j);
      if (j.noKey) continue;
      // Replayed after a restart: already counted before the checkpoint.
      if (this.cpLocation && compareLocation(j.eventEnd, this.cpLocation) <= 0) continue;
      const c = j.change;
      this.processed[c.type]++;
      const base = {
        schema: c.source.schema,
        table: c.source.table,
        target: { schema: c.target.schema, table: c.target.table },
        structure: c.table,
        firstSeen: Date.now(),
      };
      if (
        c.type === 'update' &&
        c.before &&
        c.after &&
        rowKey(c.table, c.before) !== rowKey(c.table, c.after)
      ) {
        this.addPending(this.keyOf(c.table, c.target, c.before), {
          ...base,
          kind: 'delete',
          row: c.before,
          bytes: 0,
        });
      }
      const row = c.type === 'delete' ? c.before : c.after;
      if (!row) continue;
      this.addPending(this.keyOf(c.table, c.target, row), {
        ...base,
        kind: c.type === 'delete' ? 'delete' : 'upsert',
        row,
        bytes: 0,
      });
    }
    this.dirty = true;
    if (this.pending.size > this.vc.maxPendingRowCount || this.pendingBytes > this.maxBytes) {
      this.halt(
        dmError(
          E.validatorOverflow,
          `too many pending rows (${this.pending.size} rows, ${this.pendingBytes} bytes): over max-pending-row-count/max-pending-row-size`,
        ).toString(),
      );
    }
  }

  /** Tables seen, for `validation status` (DM's ValidationTableStatus). */
  private readonly tableSeen = new Map<string, ValidationTableStatus>();

  private noteTable(j: DmlJob): void {
    const c = j.change;
    const src = quoteTable(c.source.schema, c.source.table);
    if (this.tableSeen.has(src)) return;
    this.tableSeen.set(src, {
      source: this.cfg.sourceId,
      srcTable: src,
      dstTable: quoteTable(c.target.schema, c.target.table),
      stage: j.noKey ? 'Stopped' : 'Running',
      message: j.noKey ? 'no primary key or unique key can be used' : '',
    });
  }

  /** DM's tableStatuses, optionally of one stage (`--table-stage running|stopped`). */
  tableStatus(stage?: ValidatorStage): ValidationTableStatus[] {
    return [...this.tableSeen.values()]
      .map((t) =>
        t.stage === 'Running' && this.stage === 'Stopped' ? { ...t, stage: 'Stopped' as const } : t,
      )
      .filter((t) => !stage || t.stage === stage);
  }

  private keyOf(t: TableStructure, target: { schema: string; table: string }, row: CellValue[]): string {
    return `${target.schema}.${target.table}\u0000${rowKey(t, row)}`;
  }

  private addPending(key: string, p: Pending): void {
    const old = this.pending.get(key);
    if (old) {
      this.pendingBytes -= old.bytes;
      p.firstSeen = old.firstSeen;
    }
    p.bytes = 64 + p.row.reduce<number>((n, v) => n + (v === null ? 1 : String(v).length), 0);
    this.pendingBytes += p.bytes;
    this.pending.set(key, p);
  }

  /** Drop `key` if it still holds `which` (a newer change of the key replaced it during a check). */
  private dropPending(key: string, which: Pending): void {
    const p = this.pending.get(key);
    if (!p || p !== which) return;
    this.pendingBytes -= p.bytes;
    this.pending.delete(key);
  }

  /**
   * `validation stop` (Running → Stopped): pending rows are kept (and checkpointed) for a later
   * start; changes applied while stopped are not validated (as DM, whose stopped validator
   * does not read the binlog either).
   */
  stop(): void {
    this.wanted = 'Stopped';
    if (this.conn) this.stage = 'Stopped';
  }

  /** `validation start` (Stopped → Running); clears the error of an overflow stop. */
  start(): void {
    this.wanted = 'Running';
    this.error = undefined;
    if (this.conn) this.stage = 'Running';
  }

  /** A fatal condition: Stopped with the reason in its status until `validation start`. */
  private halt(reason: string): void {
    this.stage = 'Stopped';
    this.error = reason;
    this.log.warn({ reason }, 'validator stopped');
  }

  /** The check loop: validate pending rows every validate-interval; flush every meta-flush-interval. */
  async run(signal: AbortSignal): Promise<void> {
    let lastFlush = Date.now();
    while (!signal.aborted) {
      try {
        if (this.stage === 'Running') await this.validateOnce();
        if (Date.now() - lastFlush >= this.flushMs) {
          await this.flush();
          lastFlush = Date.now();
        }
      } catch (err) {
        this.log.warn({ err: (err as Error).message }, 'validation round failed; retried');
      }
      // validate-interval between rounds; check-interval while not running (DM's waitSyncerRunning).
      await sleep(this.stage === 'Running' ? this.validateMs : this.checkMs, signal).catch(() => undefined);
    }
  }

  /** One pass over the pending rows, `batch-query-size` keys per downstream query. */
  async validateOnce(): Promise<void> {
    const c = this.conn;
    if (!c) return;
    const groups = new Map<string, [string, Pending][]>();
    for (const e of this.pending) {
      const p = e[1];
      const g = `${p.kind}\u0000${p.target.schema}.${p.target.table}`;
      const l = groups.get(g);
      if (l) l.push(e);
      else groups.set(g, [e]);
    }
    const full = this.vc.mode === 'full';
    const size = Math.max(1, this.vc.batchQuerySize);
    const batches: [string, Pending][][] = [];
    for (const entries of groups.values()) {
      for (let i = 0; i < entries.length; i += size) batches.push(entries.slice(i, i + size));
    }
    // worker-count check connections take batches from one queue (DM hashes rows to its
    // validate workers; one key lives in one batch here, so any split is safe).
    let next = 0;
    await Promise.all(
      this.checkers.map(async (cc) => {
        while (next < batches.length) {
          const batch = batches[next++]!;
          await this.checkBatch(cc, batch, full);
        }
      }),
    );
    this.recount();
  }

  private async checkBatch(cc: Connection, batch: [string, Pending][], full: boolean): Promise<void> {
    const first = batch[0]![1];
    const t = first.structure;
    const q = quotedTarget(tablePlan(t), first.target);
    const del = first.kind === 'delete';
    const [found] = await cc.query(
      matchSql(
        t,
        q,
        batch.map(([, p]) => p.row),
        full && !del,
      ),
    );
    const present = new Set((found as Record<string, unknown>[]).map((r) => resultKey(t, r)));
    const failed: [string, Pending][] = [];
    for (const e of batch) {
      const ok = del ? !present.has(rowKey(t, e[1].row)) : present.has(rowKey(t, e[1].row));
      if (ok) this.dropPending(e[0], e[1]);
      else if (Date.now() - e[1].firstSeen >= this.delayMs) failed.push(e);
    }
    if (failed.length) await this.recordErrors(cc, failed, del);
  }

  private async recordErrors(c: Connection, failed: [string, Pending][], del: boolean): Promise<void> {
    const t = failed[0]![1].structure;
    const q = quotedTarget(tablePlan(t), failed[0]![1].target);
    const [dst] = await c.query(
      fetchSql(
        t,
        q,
        failed.map(([, p]) => p.row),
      ),
    );
    const byKey = new Map((dst as Record<string, unknown>[]).map((r) => [resultKey(t, r), r]));
    for (const [key, p] of failed) {
      if (this.pending.get(key) !== p) continue; // replaced by a newer change meanwhile
      const k = rowKey(t, p.row);
      const d = byKey.get(k);
      const type = del ? 0 : d ? 2 : 1;
      await c.query(
        `INSERT INTO ${this.tables.error} (source, src_schema_name, src_table_name, row_pk, dst_schema_name, dst_table_name, data, dst_data, error_type, status)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
         ON DUPLICATE KEY UPDATE data = VALUES(data), dst_data = VALUES(dst_data), error_type = VALUES(error_type)`,
        [
          this.cfg.sourceId,
          p.schema,
          p.table,
          k,
          p.target.schema,
          p.target.table,
          rowJson(t, p.row),
          d ? rowJson(t, d) : '{}',
          type,
          ERROR_STATES.NewErr,
        ],
      );
      this.dropPending(key, p);
    }
    this.errors = await errorCounts(c, this.tables, this.cfg.sourceId);
    this.dirty = true;
  }

  private recount(): void {
    this.pendingKinds.insert = 0;
    this.pendingKinds.update = 0;
    this.pendingKinds.delete = 0;
    for (const p of this.pending.values()) this.pendingKinds[p.kind === 'delete' ? 'delete' : 'update']++;
  }

  /**
   * Checkpoint: the applied location (every change at or before it was delivered here) with
   * the pending rows and counters, in one transaction.
   */
  flush(): Promise<void> {
    const p = this.flushing.then(() => this.flushNow());
    this.flushing = p.catch(() => undefined);
    return p;
  }

  /** Flushes run one at a time on the meta connection (each is one transaction). */
  private flushing: Promise<void> = Promise.resolve();

  private async flushNow(): Promise<void> {
    const c = this.conn;
    if (!c || !this.dirty) return;
    const loc = this.appliedLocation();
    if (!loc?.file) return;
    const rev = Date.now();
    // Taken in the same tick as `loc`: exactly the changes at or before it (a later change
    // arriving during the writes is replayed after a crash, so must not be saved as pending).
    const counts = { ...this.processed };
    this.dirty = false;
    const rows = [...this.pending].map(([key, p]) => [
      this.cfg.sourceId,
      p.schema,
      p.table,
      key,
      JSON.stringify({
        ...p,
        row: p.row.map((v) => (Buffer.isBuffer(v) ? { hex: v.toString('hex') } : v)),
      }),
      rev,
    ]);
    await c.query('BEGIN');
    try {
      await c.query(`DELETE FROM ${this.tables.pending} WHERE source = ?`, [this.cfg.sourceId]);
      for (let i = 0; i < rows.length; i += 500) {
        await c.query(
          `INSERT INTO ${this.tables.pending} (source, schema_name, table_name, row_pk, data, revision) VALUES ?`,
          [rows.slice(i, i + 500)],
        );
      }
      await c.query(
        `INSERT INTO ${this.tables.checkpoint} (source, binlog_name, binlog_pos, binlog_gtid, procd_ins, procd_upd, procd_del, revision)
         VALUES (?, ?, ?, '', ?, ?, ?, ?)
         ON DUPLICATE KEY UPDATE binlog_name = VALUES(binlog_name), binlog_pos = VALUES(binlog_pos),
           procd_ins = VALUES(procd_ins), procd_upd = VALUES(procd_upd), procd_del = VALUES(procd_del), revision = VALUES(revision)`,
        [this.cfg.sourceId, loc.file, loc.pos, counts.insert, counts.update, counts.delete, rev],
      );
      await c.query('COMMIT');
      this.cpLocation = loc;
    } catch (err) {
      this.dirty = true;
      await c.query('ROLLBACK').catch(() => undefined);
      throw err;
    }
  }

  /** Re-read the new/ignored/resolved counts (after ignore/resolve/clear-error). */
  async refreshErrorCounts(): Promise<void> {
    if (this.conn) this.errors = await errorCounts(this.conn, this.tables, this.cfg.sourceId);
  }

  status(): ValidationStatus {
    const loc = this.cpLocation;
    const p = this.processed;
    const e = this.errors;
    return {
      task: this.cfg.name,
      source: this.cfg.sourceId,
      mode: this.vc.mode,
      stage: this.stage,
      validatorBinlog: loc ? `(${loc.file}, ${loc.pos})` : '',
      validatorBinlogGtid: '',
      result: this.error ? { isCanceled: false, errors: [{ message: this.error }] } : null,
      processedRowsStatus: `insert/update/delete: ${p.insert}/${p.update}/${p.delete}`,
      pendingRowsStatus: `insert/update/delete: ${this.pendingKinds.insert}/${this.pendingKinds.update}/${this.pendingKinds.delete}`,
      errorRowsStatus: `new/ignored/resolved: ${e[0]}/${e[1]}/${e[2]}`,
      cutoverBinlogPos: '',
      cutoverBinlogGtid: '',
    };
  }

  async close(): Promise<void> {
    await this.flush().catch((err: Error) =>
      this.log.warn({ err: err.message }, 'validator final flush failed'),
    );
    await this.conn?.end().catch(() => undefined);
    this.conn = undefined;
    for (const cc of this.checkers.splice(0)) await cc.end().catch(() => undefined);
  }
}

function isHexCell(v: unknown): boolean {
  return typeof v === 'object' && v !== null && 'hex' in v;
}
