/**
 * The human view of `query-status --watch`: DM's query-status JSON drawn as a table, one row
 * per subtask (task, source, worker, stage, unit, a progress bar for dump/load, replication
 * lag, rows/s), then the errors with DM's workaround text. Pure: the command fetches the
 * replies and redraws this every interval.
 */

type Obj = Record<string, unknown>;

const obj = (v: unknown): Obj => (v && typeof v === 'object' ? (v as Obj) : {});
const arr = (v: unknown): Obj[] => (Array.isArray(v) ? (v as Obj[]) : []);
const str = (v: unknown): string => (v === undefined || v === null ? '' : String(v));

/** `[#########-----------]  42.0 %` for a fraction in 0..1. */
export function progressBar(fraction: number, width = 30): string {
  const f = Number.isFinite(fraction) ? Math.min(1, Math.max(0, fraction)) : 0;
  const full = Math.round(f * width);
  return `[${'#'.repeat(full)}${'-'.repeat(width - full)}] ${(f * 100).toFixed(1).padStart(5)} %`;
}

/** Parse DM's `"42.00 %"` (or a number) into a fraction. */
export function parsePercent(v: unknown): number | undefined {
  if (typeof v === 'number') return v > 1 ? v / 100 : v;
  const m = /^\s*([\d.]+)\s*%?\s*$/.exec(str(v));
  return m ? Number(m[1]) / 100 : undefined;
}

/** 75 → "1m15s". */
export function duration(secs: number): string {
  const s = Math.round(secs);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  return m < 60 ? `${m}m${s % 60}s` : `${Math.floor(m / 60)}h${m % 60}m`;
}

function mb(v: unknown): string {
  return ((Number(v) || 0) / 1_048_576).toFixed(1);
}

/** One subtask as the table shows it. */
export interface StatusRow {
  task: string;
  source: string;
  worker: string;
  stage: string;
  unit: string;
  /** A bar and the amounts for dump/load; "synced"/"catching up" and positions for sync. */
  progress: string;
  /** Sync: seconds behind the upstream; '' otherwise. */
  lag: string;
  /** Load rows/s or sync recent TPS. */
  rate: string;
  /** The subtask's errors: `ErrCode: Message` and the workaround. */
  errors: { code: string; message: string; workaround: string }[];
}

/** Progress bar width in the table. */
const BAR = 20;

function unitCells(sub: Obj): Pick<StatusRow, 'progress' | 'lag' | 'rate'> {
  const unit = str(sub.unit);
  if (unit === 'Dump') {
    const d = obj(sub.dump);
    const total = Number(d.totalTables) || 0;
    const frac = parsePercent(d.progress) ?? (total > 0 ? (Number(d.completedTables) || 0) / total : 0);
    const tables = `tables ${str(d.completedTables) || 0}/${str(d.totalTables) || '?'}`;
    return { progress: `${progressBar(frac, BAR)} ${tables}`, lag: '', rate: '' };
  }
  if (unit === 'Load') {
    const l = obj(sub.load);
    const total = Number(l.totalBytes) || 0;
    const frac = parsePercent(l.progress) ?? (total > 0 ? (Number(l.finishedBytes) || 0) / total : 0);
    const eta = Number(l.etaSeconds);
    const etaText =
      l.etaSeconds !== undefined && Number.isFinite(eta) && eta >= 0 ? ` ETA ${duration(eta)}` : '';
    return {
      progress: `${progressBar(frac, BAR)} ${mb(l.finishedBytes)}/${mb(l.totalBytes)} MB${etaText}`,
      lag: '',
      rate: str(l.rowsPerSecond),
    };
  }
  if (unit === 'Sync') {
    const s = obj(sub.sync);
    const lag = s.secondsBehindMaster;
    return {
      progress: `${s.synced === true ? 'synced' : 'catching up'} ${str(s.syncerBinlog)} / ${str(s.masterBinlog)}`,
      lag: lag === undefined || lag === null || lag === '' ? '?' : `${str(lag)}s`,
      rate: str(s.recentTps) || '0',
    };
  }
  return { progress: '', lag: '', rate: '' };
}

/** The rows of one task's query-status reply (`{sources:[…]}`). */
export function statusRows(reply: Obj): StatusRow[] {
  const rows: StatusRow[] = [];
  for (const src of arr(reply.sources)) {
    const ss = obj(src.sourceStatus);
    const base = { source: str(ss.source), worker: str(ss.worker) || '-' };
    const subs = arr(src.subTaskStatus);
    if (subs.length === 0) {
      // A source that did not answer: its message is the error.
      const msg = str(src.msg);
      rows.push({
        task: '',
        ...base,
        stage: '-',
        unit: '-',
        progress: '',
        lag: '',
        rate: '',
        errors: msg ? [{ code: '', message: msg, workaround: '' }] : [],
      });
    }
    for (const sub of subs) {
      rows.push({
        task: str(sub.name),
        ...base,
        stage: str(sub.stage) || '-',
        unit: str(sub.unit) || '-',
        ...unitCells(sub),
        errors: arr(obj(sub.result).errors).map((e) => ({
          code: str(e.ErrCode),
          message: str(e.Message) || str(e.RawCause),
          workaround: str(e.Workaround),
        })),
      });
    }
  }
  return rows;
}

const HEAD = ['TASK', 'SOURCE', 'WORKER', 'STAGE', 'UNIT', 'PROGRESS', 'LAG', 'ROWS/S'] as const;

/** Left-aligned columns, two spaces apart; the last column is not padded. */
export function renderTable(rows: StatusRow[]): string {
  const cells = rows.map((r) => [r.task, r.source, r.worker, r.stage, r.unit, r.progress, r.lag, r.rate]);
  const all = [[...HEAD], ...cells];
  const widths = HEAD.map((_, i) => Math.max(...all.map((c) => (c[i] ?? '').length)));
  return all
    .map((c) =>
      c
        .map((v, i) => (i === c.length - 1 ? v : v.padEnd(widths[i] ?? 0)))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

/**
 * One frame: a header line, the table of every subtask of `replies` (one query-status reply per
 * task, or a single reply for a named task), then the errors.
 */
export function renderStatus(replies: Obj | Obj[], now = new Date()): string {
  const list = Array.isArray(replies) ? replies : [replies];
  const out: string[] = [
    `query-status  ${now.toISOString().replace('T', ' ').slice(0, 19)} UTC   (Ctrl-C to exit)`,
    '',
  ];
  const rows: StatusRow[] = [];
  for (const reply of list) {
    if (reply.result !== true) {
      out.push(`error: ${str(reply.msg) || 'query failed'}`);
      continue;
    }
    rows.push(...statusRows(reply));
  }
  if (rows.length === 0) {
    if (out.length === 2) out.push('no task');
    return out.join('\n');
  }
  out.push(renderTable(rows));
  const failed = rows.filter((r) => r.errors.length > 0);
  if (failed.length > 0) out.push('', 'ERRORS');
  for (const r of failed) {
    for (const e of r.errors) {
      out.push(
        `  ${[r.task, r.source].filter(Boolean).join(' @ ')}: ${e.code ? `${e.code} ` : ''}${e.message}`,
      );
      if (e.workaround) out.push(`    workaround: ${e.workaround}`);
    }
  }
  return out.join('\n');
}
