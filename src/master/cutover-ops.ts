/**
 * `dmctl cutover TASK` on the leader (ours; DM has no guided cutover): check that every
 * subtask replicates, drain each source to zero lag at a position the upstream no longer moves
 * past, then run the chunked diff (src/diff) of the task's tables — each source's tables after
 * its block-allow-list and routes against the target, shards merged — and answer one JSON
 * report. It runs here, not in dmctl, because the leader alone holds what it needs: the
 * subtask configs (filters, routes, both connections with the passwords sealed by the cluster
 * key) and the workers' status. With `--set-upstream-read-only` each upstream is made
 * read-only first (cutover-readonly.ts). When every table is equal and no upstream moved past
 * the drained position during the diff, the task is stopped there (as `stop-task`); otherwise
 * it is left running, so the operator can apply the fix SQL and run cutover again, and the
 * upstreams stay as the operator chose.
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { DataSource, DiffConfig } from '../diff/config.js';
import { runDiff } from '../diff/diff.js';
import { DiffLog } from '../diff/diff-log.js';
import { TABLE_LACK, type TableResult } from '../diff/diff-report.js';
import type { SubTaskStatus } from '../pkg/api/worker-api.js';
import { compareBinlogPos } from '../pkg/binlog/protocol/dump-position.js';
import { maybeDecrypt } from '../pkg/config/encrypt.js';
import type { DbConfig, RouteRule, SubTaskConfig } from '../pkg/config/types.js';
import { type Connection, connectDb } from '../pkg/db/connect.js';
import { asDmError, dmError, E } from '../pkg/errors/index.js';
import { BlockAllowList } from '../pkg/filter/block-allow-list.js';
import { clearReadOnly, isReadOnly, type ReadOnlyState, setReadOnly } from './cutover-readonly.js';
import type { LeaderCtx } from './leader-context.js';
import { sourceStatuses } from './status-ops.js';
import { operateTask } from './task-ops.js';
import { subtaskCfgs } from './validation-ops.js';

export interface CutoverRequest {
  task: string;
  /** How long the drain may take before cutover gives up (the diff is not bounded). */
  timeoutMs: number;
  /** Where summary.txt, sync_diff.log and the fix SQL go, on the leader's host; '' = a temp dir. */
  outputDir: string;
  /** Make every upstream read-only (SET GLOBAL read_only = 1) before the drain. */
  setUpstreamReadOnly: boolean;
}

/** A binlog position of the upstream master: `(file, pos)` as query-status prints it, and GTIDs. */
export interface UpstreamPosition {
  binlog: string;
  gtid: string;
}

export interface CutoverSourceReport {
  source: string;
  /** Where the upstream stood, unchanged across two reads, when the task had applied up to it. */
  drainedTo: UpstreamPosition | null;
  /** The upstream position when the drain started. */
  startedAt: UpstreamPosition | null;
  /** The upstream position moved during the drain: writes were still arriving. */
  writesArriving: boolean;
  drainMs: number;
  /** When the upstream became read-only (ISO 8601), null when cutover did not make it so. */
  readOnlySince: string | null;
  /** It was already read-only before cutover. */
  wasReadOnly: boolean;
  /** How long it has been read-only when the report was written (it stays so). */
  readOnlyMs: number;
  /** read_only on the upstream when the report was written (null: could not be read). */
  upstreamReadOnly: boolean | null;
}

export interface CutoverTableReport {
  /** `schema.table` on the target. */
  target: string;
  /** Rows on the sources (all shards). */
  rows: number;
  targetRows: number;
  equal: boolean;
  /** Why a table is not equal beyond its rows: structure, a side missing, a read error. */
  reason?: string;
  /** One file with every statement that makes the target table equal. */
  fixSql?: string;
}

export interface CutoverReport {
  result: boolean;
  msg: string;
  task: string;
  outputDir: string;
  sources: CutoverSourceReport[];
  tables: CutoverTableReport[];
  /** The task was stopped at the drained position (only when every table is equal). */
  taskStopped: boolean;
  setUpstreamReadOnly: boolean;
  durationMs: number;
}

/** How often the drain re-reads the upstream position and the worker's status. */
const POLL_MS = 500;
/**
 * How long the upstream position must stay still before it counts as final. Without it, a
 * writer that pauses a few milliseconds between statements would pass for a stopped one.
 */
const QUIET_MS = 1500;

export async function cutover(ctx: LeaderCtx, req: CutoverRequest): Promise<CutoverReport> {
  const started = Date.now();
  const outputDir = req.outputDir || join(tmpdir(), `dm-cutover-${req.task}`);
  const report: CutoverReport = {
    result: false,
    msg: '',
    task: req.task,
    outputDir,
    sources: [],
    tables: [],
    taskStopped: false,
    setUpstreamReadOnly: req.setUpstreamReadOnly,
    durationMs: 0,
  };
  const readOnly = new Map<number, ReadOnlyState>();
  let subs: SubTaskConfig[] = [];
  try {
    const cfgs = (await subtaskCfgs(ctx, req.task, [])).get(req.task);
    if (!req.task || !cfgs || cfgs.size === 0) {
      throw dmError(E.cutoverNotReady, `task ${req.task} has no source or does not exist`);
    }
    const unseal = (db: DbConfig): DbConfig => ({
      ...db,
      password: maybeDecrypt(db.password ?? '', ctx.encryptKey),
    });
    subs = [...cfgs.values()].map((c) => ({ ...c, from: unseal(c.from), to: unseal(c.to) }));
    for (const c of subs) await syncingSubtask(ctx, req.task, c.sourceId);
    const deadline = Date.now() + req.timeoutMs;
    report.sources = subs.map((c) => ({
      source: c.sourceId,
      drainedTo: null,
      startedAt: null,
      writesArriving: false,
      drainMs: 0,
      readOnlySince: null,
      wasReadOnly: false,
      readOnlyMs: 0,
      upstreamReadOnly: null,
    }));
    if (req.setUpstreamReadOnly) await setAllReadOnly(subs, deadline, readOnly);
    await Promise.all(subs.map((c, i) => drain(ctx, req.task, c, deadline, report.sources[i]!)));
    report.tables = await finalDiff(subs, outputDir);
    const differ = report.tables.filter((t) => !t.equal).map((t) => t.target);
    report.result = differ.length === 0;
    if (!report.result) {
      report.msg = dmError(
        E.cutoverDiffers,
        `${differ.length} table(s) differ between the sources and the target: ${differ.join(', ')}`,
      ).toString();
    } else {
      await stopAtDrained(ctx, req.task, subs, report);
    }
  } catch (err) {
    report.result = false;
    report.msg = asDmError(err, E.internal).toString();
  }
  await Promise.all(
    report.sources.map(async (s, i) => {
      const ro = readOnly.get(i);
      s.upstreamReadOnly = subs[i] ? await isReadOnly(subs[i]!.from) : null;
      if (!ro) return;
      s.readOnlySince = ro.since;
      s.wasReadOnly = ro.wasReadOnly;
      s.readOnlyMs = s.upstreamReadOnly === false ? 0 : Date.now() - ro.sinceMs;
    }),
  );
  report.durationMs = Date.now() - started;
  return report;
}

/**
 * Make every upstream read-only, in turn. If one cannot be (privilege, a transaction holding
 * it), the ones made read-only here are put back and cutover stops before any drain.
 */
async function setAllReadOnly(
  subs: readonly SubTaskConfig[],
  deadline: number,
  out: Map<number, ReadOnlyState>,
): Promise<void> {
  for (const [i, c] of subs.entries()) {
    try {
      out.set(i, await setReadOnly(c.sourceId, c.from, Math.max(1000, deadline - Date.now())));
    } catch (err) {
      const undone: string[] = [];
      for (const [j, st] of out) {
        if (!st.wasReadOnly && (await clearReadOnly(subs[j]!.from))) undone.push(subs[j]!.sourceId);
      }
      out.clear();
      const e = asDmError(err, E.cutoverReadOnlyFailed);
      if (undone.length > 0) e.message += ` (read_only put back off on ${undone.join(', ')})`;
      throw e;
    }
  }
}

/**
 * Every table is equal: check that no upstream moved past its drained position while the diff
 * ran (else the proof is not for the position in the report), then stop the task as stop-task
 * does, so nothing more is replicated after the proven point.
 */
async function stopAtDrained(
  ctx: LeaderCtx,
  task: string,
  subs: readonly SubTaskConfig[],
  report: CutoverReport,
): Promise<void> {
  for (const [i, c] of subs.entries()) {
    const drained = parseBinlog(report.sources[i]?.drainedTo?.binlog ?? '');
    const conn = await connectDb(c.from, E.dbUpstreamConnect);
    const now = await upstreamPosition(conn).finally(() => conn.end().catch(() => conn.destroy()));
    if (!drained || compareBinlogPos(drained.file, drained.pos, now.file, now.pos) !== 0) {
      report.sources[i]!.writesArriving = true;
      throw dmError(
        E.cutoverUpstreamMoved,
        `source ${c.sourceId} moved from ${report.sources[i]?.drainedTo?.binlog} to ${now.binlog} while the diff ran; the task is left running`,
      );
    }
  }
  const res = await operateTask(ctx, { op: 'Stop', task });
  if (!res.result)
    throw dmError(E.cutoverStopFailed, `every table is equal, but stop-task failed: ${res.msg}`);
  // As stop-task: a stopped task's shard-DDL locks go with it.
  await ctx.pessimist.dropTask(task);
  await ctx.optimist.dropTask(task);
  report.taskStopped = true;
}

/** The task's subtask on `source`, which must be Running in the Sync unit. */
async function syncingSubtask(ctx: LeaderCtx, task: string, source: string): Promise<SubTaskStatus> {
  const [st] = await sourceStatuses(ctx, [source], task);
  if (!st?.result) {
    throw dmError(E.cutoverNotReady, `source ${source}: ${st?.msg || 'no status from its worker'}`);
  }
  const sub = st.subTaskStatus.find((s) => s.name === task);
  if (sub?.stage !== 'Running' || sub.unit !== 'Sync' || !sub.sync) {
    const err = sub?.result?.errors?.[0]?.Message;
    throw dmError(
      E.cutoverNotReady,
      `subtask ${task} on source ${source} is ${sub ? `${sub.stage} in unit ${sub.unit || '-'}` : 'missing'}, not Running in Sync${err ? `: ${err}` : ''}`,
    );
  }
  return sub;
}

async function upstreamPosition(conn: Connection): Promise<UpstreamPosition & { file: string; pos: number }> {
  const [rows] = (await conn.query('SHOW MASTER STATUS')) as unknown as [Record<string, unknown>[]];
  const r = rows[0];
  if (!r) throw dmError(E.dbQueryUpstream, 'SHOW MASTER STATUS returned nothing: is the binlog enabled?');
  const file = String(r.File);
  const pos = Number(r.Position);
  let gtid = String(r.Executed_Gtid_Set ?? '');
  if (!gtid) {
    // MariaDB keeps the GTID position in a variable (MySQL in SHOW MASTER STATUS).
    const [g] = (await conn.query('SELECT @@GLOBAL.gtid_binlog_pos AS g').catch(() => [[]])) as unknown as [
      { g?: string }[],
    ];
    gtid = g[0]?.g ?? '';
  }
  return { file, pos, binlog: `(${file}, ${pos})`, gtid };
}

/** `(file, pos)` of query-status. */
function parseBinlog(s: string): { file: string; pos: number } | undefined {
  const m = /^\((.+), (\d+)\)$/.exec(s.trim());
  return m ? { file: m[1]!, pos: Number(m[2]) } : undefined;
}

/**
 * Wait until the subtask has applied everything up to the upstream's position P and P no longer
 * moves. The worker's `synced` compares what it applied with the master position it polled
 * (once a second); requiring that polled position to be at least our own fresh read P makes
 * "synced" mean "applied up to P". P must have stood still for QUIET_MS and a last read must
 * still equal it; a moved position is recorded (writes still arriving) and the wait goes on.
 */
async function drain(
  ctx: LeaderCtx,
  task: string,
  cfg: SubTaskConfig,
  deadline: number,
  out: CutoverSourceReport,
): Promise<void> {
  const t0 = Date.now();
  const conn = await connectDb(cfg.from, E.dbUpstreamConnect);
  try {
    let last: (UpstreamPosition & { file: string; pos: number }) | undefined;
    let stableSince = Date.now();
    let lagInfo = '';
    for (;;) {
      const p = await upstreamPosition(conn);
      out.startedAt ??= { binlog: p.binlog, gtid: p.gtid };
      if (last && compareBinlogPos(last.file, last.pos, p.file, p.pos) !== 0) {
        out.writesArriving = true;
        stableSince = Date.now();
      }
      last = p;
      const sync = (await syncingSubtask(ctx, task, cfg.sourceId)).sync!;
      const seen = parseBinlog(sync.masterBinlog);
      const caughtUp = sync.synced && seen && compareBinlogPos(seen.file, seen.pos, p.file, p.pos) >= 0;
      if (caughtUp && Date.now() - stableSince >= QUIET_MS) {
        const again = await upstreamPosition(conn);
        if (compareBinlogPos(again.file, again.pos, p.file, p.pos) === 0) {
          out.drainedTo = { binlog: p.binlog, gtid: p.gtid };
          out.drainMs = Date.now() - t0;
          return;
        }
        out.writesArriving = true;
        stableSince = Date.now();
      }
      lagInfo = `applied ${sync.syncerBinlog || '-'}, upstream at ${p.binlog}, ${sync.secondsBehindMaster}s behind`;
      if (Date.now() >= deadline) {
        out.drainMs = Date.now() - t0;
        throw dmError(
          E.cutoverTimeout,
          `source ${cfg.sourceId} did not reach zero lag in time (${lagInfo}${out.writesArriving ? '; writes were still arriving on the upstream' : ''})`,
        );
      }
      await sleep(POLL_MS);
    }
  } finally {
    await conn.end().catch(() => conn.destroy());
  }
}

/** Name of the target in the diff config, distinct from every source id. */
function targetName(subs: readonly SubTaskConfig[]): string {
  let name = 'target';
  for (let i = 0; subs.some((s) => s.sourceId === name); i++) name = `target-${i}`;
  return name;
}

/** The diff of every table of the task, one entry per target table. */
async function finalDiff(subs: readonly SubTaskConfig[], outputDir: string): Promise<CutoverTableReport[]> {
  const target = targetName(subs);
  const dataSources = new Map<string, DataSource>();
  const routes = new Map<string, RouteRule>();
  const bal = new Map<string, BlockAllowList>();
  for (const c of subs) {
    const names = c.routes.map((r, i) => {
      routes.set(`${c.sourceId}#${i}`, r);
      return `${c.sourceId}#${i}`;
    });
    dataSources.set(c.sourceId, { name: c.sourceId, db: c.from, routeRules: names });
    bal.set(
      c.sourceId,
      new BlockAllowList(c.blockAllowList, { caseSensitive: c.caseSensitive, alwaysIgnore: [c.metaSchema] }),
    );
  }
  dataSources.set(target, { name: target, db: subs[0]!.to, routeRules: [] });
  const cfg: DiffConfig = Object.freeze({
    checkThreadCount: 4,
    exportFixSql: true,
    checkStructOnly: false,
    checkDataOnly: false,
    useTableChecksum: true,
    dataSources,
    routes,
    outputDir,
    sourceInstances: subs.map((c) => c.sourceId),
    targetInstance: target,
    targetCheckTables: ['*.*'],
    tableConfigs: [],
  });
  const log = new DiffLog(join(outputDir, 'sync_diff.log'));
  const outcome = await runDiff(cfg, log, {
    sourceTables: (source, schema, table) => bal.get(source)?.allowTable(schema, table) ?? false,
  });
  log.info(outcome.verdict === 'pass' ? 'check pass!!!' : 'check failed!!!');
  const fixFiles = readdirSync(outcome.fixDir).filter((f) => f.endsWith('.sql'));
  return outcome.results.map((r) => tableReport(r, outputDir, outcome.fixDir, fixFiles));
}

function tableReport(
  r: TableResult,
  outputDir: string,
  fixDir: string,
  fixFiles: readonly string[],
): CutoverTableReport {
  const lack = r.tableLack === TABLE_LACK.upstream ? 'missing on the sources' : 'missing on the target';
  const reason = r.error
    ? `error: ${r.error}`
    : r.tableLack !== TABLE_LACK.none
      ? lack
      : !r.structEqual
        ? 'structure differs'
        : undefined;
  const out: CutoverTableReport = {
    target: `${r.schema}.${r.table}`,
    rows: r.upCount,
    targetRows: r.downCount,
    equal: reason === undefined && r.dataEqual,
    ...(reason ? { reason } : {}),
  };
  // runDiff writes one file per differing chunk (`<schema>:<table>:<index>:0-0:<chunk>.sql`);
  // the operator gets them as one file per table.
  const mine = fixFiles.filter((f) => f.startsWith(`${r.schema}:${r.table}:`)).sort(byChunk);
  if (mine.length > 0) {
    const file = join(outputDir, `fix-${r.schema}.${r.table}.sql`);
    writeFileSync(file, mine.map((f) => readFileSync(join(fixDir, f), 'utf8')).join(''));
    out.fixSql = file;
  }
  return out;
}

function byChunk(a: string, b: string): number {
  const n = (f: string) => Number(/:(\d+)\.sql$/.exec(f)?.[1] ?? 0);
  return n(a) - n(b);
}
