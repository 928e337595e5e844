/**
 * The one duration parser: Go `time.ParseDuration` syntax, which DM's configs use ("60s",
 * "1m30s", "1.5h", "300ms", "100us", "1h30m"). Units: ns, us/µs (U+00B5) /μs (U+03BC), ms, s,
 * m, h. A bare number is not a duration (Go: "missing unit"), except "0".
 */
import { dmError, E } from '../errors/index.js';

const UNIT_MS: Readonly<Record<string, number>> = {
  ns: 1e-6,
  us: 1e-3,
  µs: 1e-3,
  μs: 1e-3,
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
};

const PART = /(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h)/y;

/** Milliseconds of a Go duration, or undefined when the text is not one (e.g. an unknown unit). */
export function parseGoDuration(text: string): number | undefined {
  let t = text.trim();
  if (t === '0' || t === '+0' || t === '-0') return 0;
  const neg = t.startsWith('-');
  if (neg || t.startsWith('+')) t = t.slice(1);
  if (t === '') return undefined;
  let total = 0;
  PART.lastIndex = 0;
  while (PART.lastIndex < t.length) {
    const m = PART.exec(t);
    if (!m) return undefined; // an unknown unit, a missing unit or stray text
    total += Number(m[1]) * (UNIT_MS[m[2] as string] as number);
  }
  return neg ? -total : total;
}

/**
 * Milliseconds of a configured duration: `defaultMs` when the text is empty (the key was not
 * set), else the Go duration. Throws E.configInvalidValue for anything else (an unknown unit is
 * an error, never a silent default).
 */
export function durationMs(text: string, defaultMs: number, what = 'duration'): number {
  if (text.trim() === '') return defaultMs;
  const ms = parseGoDuration(text);
  if (ms === undefined) {
    throw dmError(E.configInvalidValue, `invalid ${what} "${text}" (e.g. 100us, 500ms, 60s, 1h30m)`);
  }
  return ms;
}
