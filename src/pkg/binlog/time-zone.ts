/**
 * Time zones as DM's task `timezone` names them (dm/pkg/utils/time.go `ParseTimeZone`): an
 * IANA name (`Asia/Shanghai`, `UTC`) or a fixed offset `+08:00` / `-6:00` within
 * [-12:59, +14:00]. `SYSTEM` and `Local` are refused, as DM. Shared by the task check, the
 * start-time parser and the binlog decoder (which renders TIMESTAMP values in the task zone, as
 * DM's `TimestampStringLocation`).
 */

const FIXED_RE = /^([+-])(\d{1,2}):(\d{2})$/;

/** Why `tz` is not a zone DM accepts, or undefined when it is one. */
export function invalidTimeZone(tz: string): string | undefined {
  if (tz === 'SYSTEM' || tz === 'Local') return `'SYSTEM' or 'Local' time_zone is not supported (as DM)`;
  const m = FIXED_RE.exec(tz);
  if (m) {
    const mins = Number(m[2]) * 60 + Number(m[3]);
    if (Number(m[3]) > 59) return `bad offset "${tz}"`;
    if (m[1] === '-' ? mins > 12 * 60 + 59 : mins > 14 * 60)
      return `offset "${tz}" is outside [-12:59, +14:00]`;
    return undefined;
  }
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return undefined;
  } catch {
    return `unknown time zone "${tz}" (use e.g. "+08:00" or "Asia/Shanghai")`;
  }
}

/** Seconds east of UTC of a fixed-offset zone text, or undefined for an IANA name. */
export function fixedOffsetSecs(tz: string): number | undefined {
  if (tz === '' || tz === 'UTC' || tz === 'Etc/UTC') return 0;
  const m = FIXED_RE.exec(tz);
  if (!m) return undefined;
  return (m[1] === '-' ? -1 : 1) * (Number(m[2]) * 60 + Number(m[3])) * 60;
}

/**
 * The value to SET as the session `time_zone` for the task zone `tz`: fixed offsets (and UTC)
 * as `±hh:mm`, which every server knows without its time-zone tables; IANA names as written
 * (the server must have its time-zone tables loaded, as with DM).
 */
export function sessionTimeZone(tz: string): string {
  const fixed = fixedOffsetSecs(tz);
  if (fixed === undefined) return tz;
  const a = Math.abs(fixed) / 60;
  return `${fixed < 0 ? '-' : '+'}${String(Math.floor(a / 60)).padStart(2, '0')}:${String(a % 60).padStart(2, '0')}`;
}

/** Seconds east of UTC of `tz` at the instant `epochSecs`. Throws on an unknown zone. */
export function offsetAt(tz: string, epochSecs: number): number {
  const fixed = fixedOffsetSecs(tz);
  if (fixed !== undefined) return fixed;
  const f = formatter(tz);
  const p: Record<string, number> = {};
  for (const part of f.formatToParts(new Date(epochSecs * 1000))) p[part.type] = Number(part.value);
  const asUtc = Date.UTC(
    p.year ?? 1970,
    (p.month ?? 1) - 1,
    p.day ?? 1,
    p.hour ?? 0,
    p.minute ?? 0,
    p.second ?? 0,
  );
  return Math.round(asUtc / 1000) - epochSecs;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(tz: string): Intl.DateTimeFormat {
  let f = formatters.get(tz);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: tz,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    formatters.set(tz, f);
  }
  return f;
}

/** Maps epoch seconds to the zone's offset (seconds east of UTC) at that instant. */
export type ZoneOffset = (epochSecs: number) => number;

/**
 * The offset function of `tz` for rendering many values, or undefined for UTC (no shift).
 * IANA offsets are cached per quarter hour: every transition in the tz database falls on one.
 */
export function zoneOffset(tz: string): ZoneOffset | undefined {
  const fixed = fixedOffsetSecs(tz);
  if (fixed === 0) return undefined;
  if (fixed !== undefined) return () => fixed;
  formatter(tz); // fail now on an unknown zone, not at the first row
  const cache = new Map<number, number>();
  return (secs) => {
    const q = Math.floor(secs / 900);
    let o = cache.get(q);
    if (o === undefined) {
      if (cache.size > 4096) cache.clear();
      o = offsetAt(tz, q * 900);
      cache.set(q, o);
    }
    return o;
  };
}
