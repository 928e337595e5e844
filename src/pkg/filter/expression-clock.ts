/**
 * The clock functions of expression filters (NOW() and friends), evaluated per row as TiDB
 * does, in the task's zone: DM's expression session has time_zone = the task's `timezone`
 * (UTC_TIMESTAMP()/UTC_DATE() stay in UTC). NOW(fsp) gives fsp (0..6) fraction digits.
 */
import type { ZoneOffset } from '../binlog/time-zone.js';

/** A clock function: its argument count bounds and its evaluation (args already evaluated). */
export interface ClockFunc {
  readonly min: number;
  readonly max: number;
  readonly fn: (args: readonly unknown[], zone?: ZoneOffset) => string;
}

export const CLOCK_FUNCS: Readonly<Record<string, ClockFunc>> = {
  NOW: { min: 0, max: 1, fn: ([fsp], zone) => nowText(fsp, zone) },
  CURRENT_TIMESTAMP: { min: 0, max: 1, fn: ([fsp], zone) => nowText(fsp, zone) },
  LOCALTIME: { min: 0, max: 1, fn: ([fsp], zone) => nowText(fsp, zone) },
  LOCALTIMESTAMP: { min: 0, max: 1, fn: ([fsp], zone) => nowText(fsp, zone) },
  SYSDATE: { min: 0, max: 1, fn: ([fsp], zone) => nowText(fsp, zone) },
  UTC_TIMESTAMP: { min: 0, max: 1, fn: ([fsp]) => nowText(fsp) },
  CURDATE: { min: 0, max: 0, fn: (_, zone) => nowText(0, zone).slice(0, 10) },
  CURRENT_DATE: { min: 0, max: 0, fn: (_, zone) => nowText(0, zone).slice(0, 10) },
  UTC_DATE: { min: 0, max: 0, fn: () => nowText(0).slice(0, 10) },
};

/** `YYYY-MM-DD HH:MM:SS[.ffffff]` of the current time in `zone` (default UTC). */
function nowText(fsp: unknown, zone?: ZoneOffset): string {
  const digits = Math.max(0, Math.min(6, Math.trunc(Number.parseFloat(String(fsp ?? 0))) || 0));
  let ms = Date.now();
  if (zone) ms += zone(Math.floor(ms / 1000)) * 1000;
  const iso = new Date(ms).toISOString(); // 2024-01-02T03:04:05.678Z
  const base = `${iso.slice(0, 10)} ${iso.slice(11, 19)}`;
  return digits === 0 ? base : `${base}.${(iso.slice(20, 23) + '000').slice(0, digits)}`;
}
