/**
 * The human view of `query-status --watch`: a plain-text rendering of DM's query-status JSON
 * (per source: stage, unit, a progress bar for dump/load, lag and tps for sync, the first
 * error). Pure: the command redraws it every second.
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

function unitLine(sub: Obj): string {
  const unit = str(sub.unit);
  if (unit === 'Dump') {
    const d = obj(sub.dump);
    const pct = parsePercent(d.progress);
    const total = Number(d.totalTables) || 0;
    const frac = pct ?? (total > 0 ? (Number(d.completedTables) || 0) / total : 0);
    return `dump  ${progressBar(frac)}  tables ${str(d.completedTables)}/${str(d.totalTables)}  rows ${str(d.finishedRows)}`;
  }
  if (unit === 'Load') {
    const l = obj(sub.load);
    const total = Number(l.totalBytes) || 0;
    const frac = parsePercent(l.progress) ?? (total > 0 ? (Number(l.finishedBytes) || 0) / total : 0);
    const eta = Number(l.etaSeconds);
    const etaText = Number.isFinite(eta) && eta >= 0 ? `  ETA ${duration(eta)}` : '';
    const rate = l.rowsPerSecond === undefined ? '' : `  ${str(l.rowsPerSecond)} rows/s`;
    return `load  ${progressBar(frac)}  ${mb(l.finishedBytes)}/${mb(l.totalBytes)} MB${rate}${etaText}`;
  }
  if (unit === 'Sync') {
    const s = obj(sub.sync);
    const state = s.synced === true ? 'synced' : `lag ${str(s.secondsBehindMaster) || '?'} s`;
    return `sync  ${state}  tps ${str(s.recentTps) || '0'} (total ${str(s.totalTps) || '0'})  at ${str(s.syncerBinlog)} / master ${str(s.masterBinlog)}`;
  }
  return '';
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

/** Render one query-status reply (with or without a task) as lines of text. */
export function renderStatus(reply: Obj, now = new Date()): string {
  const out: string[] = [
    `query-status  ${now.toISOString().replace('T', ' ').slice(0, 19)} UTC   (Ctrl-C to exit)`,
    '',
  ];
  if (reply.result !== true) {
    out.push(`error: ${str(reply.msg) || 'query failed'}`);
    return out.join('\n');
  }
  const tasks = arr(reply.tasks);
  if (Array.isArray(reply.tasks)) {
    if (tasks.length === 0) out.push('no task');
    for (const t of tasks) {
      out.push(`${str(t.taskName).padEnd(24)} ${str(t.taskStatus)}   sources: ${arr(t.sources).join(', ')}`);
    }
    return out.join('\n');
  }
  for (const src of arr(reply.sources)) {
    const ss = obj(src.sourceStatus);
    const relay = obj(ss.relayStatus);
    const relayText = ss.relayStatus ? `  relay ${str(relay.stage)}` : '';
    out.push(`source ${str(ss.source)}  worker ${str(ss.worker) || '-'}${relayText}`);
    if (src.result === false && str(src.msg)) out.push(`  error: ${str(src.msg)}`);
    for (const sub of arr(src.subTaskStatus)) {
      out.push(`  ${str(sub.name)}  ${str(sub.stage).padEnd(8)} ${str(sub.unit) || '-'}`);
      const line = unitLine(sub);
      if (line) out.push(`    ${line}`);
      const err = arr(obj(sub.result).errors)[0];
      if (err) out.push(`    error ${str(err.ErrCode)}: ${str(err.Message)}`);
    }
    out.push('');
  }
  return out.join('\n');
}
