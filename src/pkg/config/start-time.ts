import { invalidTimeZone, offsetAt } from '../binlog/time-zone.js';
import { dmError, E } from '../errors/index.js';

/**
 * DM's `start-task --start-time` text, shared by the master (checked at start-task) and the
 * sync unit (located in the binlog, see sync/start-time-locate.ts).
 */
const START_TIME_RE = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2}):(\d{2})$/;

/**
 * Parse DM's start-time text (`2021-10-21 00:01:00` or `2021-10-21T00:01:00`) into seconds
 * since the epoch. The wall-clock time is read in the task's `timezone` when it is set
 * (`+08:00`, `Asia/Shanghai`, `UTC`), else in UTC.
 * (DM reads it in the upstream server's zone; ours does not depend on a server setting the
 * user cannot see in the task file.)
 */
export function parseStartTime(text: string, timezone: string): number {
  const m = START_TIME_RE.exec(text.trim());
  if (!m) {
    throw dmError(
      E.configInvalidValue,
      `invalid start-time "${text}": use "2006-01-02 15:04:05" or "2006-01-02T15:04:05"`,
    );
  }
  const [y, mo, d, h, mi, s] = m.slice(1).map(Number) as [number, number, number, number, number, number];
  const wall = Date.UTC(y, mo - 1, d, h, mi, s);
  const back = new Date(wall);
  // Date.UTC rolls 2021-02-30 over to March: refuse instead of guessing.
  if (back.getUTCMonth() !== mo - 1 || back.getUTCDate() !== d || h > 23 || mi > 59 || s > 59) {
    throw dmError(E.configInvalidValue, `invalid start-time "${text}": no such date/time`);
  }
  return Math.floor((wall - zoneOffsetMs(wall, timezone)) / 1000);
}

/** Offset (ms, local − UTC) of `timezone` at the wall-clock instant `wallMs` (read as UTC). */
function zoneOffsetMs(wallMs: number, timezone: string): number {
  const tz = timezone.trim();
  const bad = tz === '' ? undefined : invalidTimeZone(tz);
  if (bad) throw dmError(E.configInvalidValue, `task timezone: ${bad}`);
  // The offset at the guessed instant, corrected once (DST transitions).
  const wall = Math.floor(wallMs / 1000);
  const first = offsetAt(tz, wall);
  return offsetAt(tz, wall - first) * 1000;
}
