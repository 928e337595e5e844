/**
 * Temporal column values as the exact strings MySQL prints. Fractions are computed from the
 * stored integers (never through a JS Date); epoch seconds become a civil UTC date with Howard
 * Hinnant's days→civil algorithm.
 */
import type { ZoneOffset } from './time-zone.js';

/** '00'..'99' (and '0000'..'9999'): zero-padding by lookup, not by building strings per value. */
const PAD2: string[] = Array.from({ length: 100 }, (_, i) => (i < 10 ? `0${i}` : String(i)));
const PAD4: string[] = Array.from({ length: 10000 }, (_, i) => PAD2[Math.floor(i / 100)]! + PAD2[i % 100]!);

function pad2(n: number): string {
  return n < 100 ? PAD2[n]! : String(n);
}

function pad4(n: number): string {
  return n < 10000 ? PAD4[n]! : String(n);
}

/** `.ffffff` cut to `fsp` digits ('' for fsp 0). */
export function fraction(micros: number, fsp: number): string {
  if (fsp <= 0) return '';
  return `.${String(1_000_000 + micros).slice(1, 1 + Math.min(fsp, 6))}`;
}

/** Bytes the fractional part takes in the MySQL 5.6 temporal formats. */
export function fracBytes(fsp: number): number {
  return (fsp + 1) >> 1;
}

/** Read the fractional part of TIMESTAMP2/DATETIME2 (big-endian) as microseconds. */
function readFrac(buf: Buffer, p: number, fsp: number): number {
  switch ((fsp + 1) >> 1) {
    case 1:
      return buf[p]! * 10000;
    case 2:
      return buf.readUInt16BE(p) * 100;
    case 3:
      return buf.readUIntBE(p, 3);
    default:
      return 0;
  }
}

/** DATE (3 bytes LE): day 5 bits | month 4 bits | year. */
export function formatDate(buf: Buffer, p: number): string {
  const v = buf.readUIntLE(p, 3);
  return `${pad4(v >>> 9)}-${pad2((v >>> 5) & 15)}-${pad2(v & 31)}`;
}

/** Days since 1970-01-01 → [year, month, day] (proleptic Gregorian). */
function civilFromDays(z: number): [number, number, number] {
  z += 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor(
    (doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365,
  );
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const d = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const m = mp < 10 ? mp + 3 : mp - 9;
  return [yoe + era * 400 + (m <= 2 ? 1 : 0), m, d];
}

/**
 * Epoch seconds (+ micros) as `YYYY-MM-DD hh:mm:ss[.f]` in UTC, or in `zone` when given;
 * 0 is MySQL's zero timestamp.
 */
export function formatEpoch(secs: number, micros: number, fsp: number, zone?: ZoneOffset): string {
  if (secs === 0 && micros === 0) return `0000-00-00 00:00:00${fraction(0, fsp)}`;
  if (zone) secs += zone(secs);
  const days = Math.floor(secs / 86400);
  const sod = secs - days * 86400;
  const [y, m, d] = civilFromDays(days);
  const hh = Math.floor(sod / 3600);
  const mm = Math.floor((sod % 3600) / 60);
  return `${pad4(y)}-${pad2(m)}-${pad2(d)} ${pad2(hh)}:${pad2(mm)}:${pad2(sod % 60)}${fraction(micros, fsp)}`;
}

/** TIMESTAMP2: seconds u32 BE | fraction. */
export function formatTimestamp2(buf: Buffer, p: number, fsp: number, zone?: ZoneOffset): string {
  return formatEpoch(buf.readUInt32BE(p), readFrac(buf, p + 4, fsp), fsp, zone);
}

/**
 * DATETIME2: 40 bits BE = sign 1 | year*13+month 17 | day 5 | hour 5 | minute 6 | second 6
 * (offset by 0x8000000000), then the fraction.
 */
export function formatDatetime2(buf: Buffer, p: number, fsp: number): string {
  const v = buf.readUIntBE(p, 5) - 0x80_0000_0000;
  const a = v < 0 ? -v : v;
  const hms = a % 0x20000;
  const ymd = Math.floor(a / 0x20000);
  const ym = ymd >>> 5;
  return (
    `${v < 0 ? '-' : ''}${pad4(Math.floor(ym / 13))}-${pad2(ym % 13)}-${pad2(ymd & 31)} ` +
    `${pad2(hms >>> 12)}:${pad2((hms >>> 6) & 63)}:${pad2(hms & 63)}${fraction(readFrac(buf, p + 5, fsp), fsp)}`
  );
}

/**
 * TIME2: 24 bits BE int part (hour 10 | minute 6 | second 6, offset 0x800000) and a fraction;
 * negative times store the fraction as a complement, so rebuild the packed value first
 * (MySQL's my_time_packed_from_binary) and split it afterwards.
 */
export function formatTime2(buf: Buffer, p: number, fsp: number): string {
  let packed: number;
  switch ((fsp + 1) >> 1) {
    case 1: {
      let intpart = buf.readUIntBE(p, 3) - 0x800000;
      let frac = buf[p + 3]!;
      if (intpart < 0 && frac !== 0) {
        intpart++;
        frac -= 0x100;
      }
      packed = intpart * 0x1000000 + frac * 10000;
      break;
    }
    case 2: {
      let intpart = buf.readUIntBE(p, 3) - 0x800000;
      let frac = buf.readUInt16BE(p + 3);
      if (intpart < 0 && frac !== 0) {
        intpart++;
        frac -= 0x10000;
      }
      packed = intpart * 0x1000000 + frac * 100;
      break;
    }
    case 3:
      packed = buf.readUIntBE(p, 6) - 0x8000_0000_0000;
      break;
    default:
      packed = (buf.readUIntBE(p, 3) - 0x800000) * 0x1000000;
  }
  const neg = packed < 0;
  const a = neg ? -packed : packed;
  const hms = Math.floor(a / 0x1000000);
  const micros = a % 0x1000000;
  return formatHms(neg, (hms >>> 12) % 1024, (hms >>> 6) & 63, hms & 63, micros, fsp);
}

function formatHms(neg: boolean, h: number, m: number, s: number, micros: number, fsp: number): string {
  return `${neg ? '-' : ''}${pad2(h)}:${pad2(m)}:${pad2(s)}${fraction(micros, fsp)}`;
}

/** Old TIME (3 bytes LE signed, HHMMSS as a decimal number). */
export function formatTimeOld(buf: Buffer, p: number): string {
  const v = buf.readIntLE(p, 3);
  const a = v < 0 ? -v : v;
  return formatHms(v < 0, Math.floor(a / 10000), Math.floor(a / 100) % 100, a % 100, 0, 0);
}

/** Old DATETIME (8 bytes LE, YYYYMMDDhhmmss as a decimal number). */
export function formatDatetimeOld(buf: Buffer, p: number): string {
  const v = buf.readUInt32LE(p + 4) * 0x1_0000_0000 + buf.readUInt32LE(p);
  const d = Math.floor(v / 1_000_000);
  const t = v % 1_000_000;
  return (
    `${pad4(Math.floor(d / 10000))}-${pad2(Math.floor(d / 100) % 100)}-${pad2(d % 100)} ` +
    `${pad2(Math.floor(t / 10000))}:${pad2(Math.floor(t / 100) % 100)}:${pad2(t % 100)}`
  );
}

/**
 * MySQL's in-memory packed DATETIME (JSON opaque values): int part (ymd << 17 | hms) << 24 |
 * microseconds, as a signed 64-bit value. `kind` 'date' prints the date only.
 */
export function formatPackedDatetime(v: bigint, kind: 'date' | 'datetime'): string {
  const neg = v < 0n;
  const a = neg ? -v : v;
  const micros = Number(a & 0xffffffn);
  const ymdhms = Number(a >> 24n);
  const ymd = Math.floor(ymdhms / 0x20000);
  const hms = ymdhms % 0x20000;
  const ym = Math.floor(ymd / 32);
  const date = `${neg ? '-' : ''}${pad4(Math.floor(ym / 13))}-${pad2(ym % 13)}-${pad2(ymd % 32)}`;
  if (kind === 'date') return date;
  return `${date} ${pad2(Math.floor(hms / 4096))}:${pad2((hms >>> 6) & 63)}:${pad2(hms & 63)}${fraction(micros, 6)}`;
}

/** MySQL's in-memory packed TIME (JSON opaque values). */
export function formatPackedTime(v: bigint): string {
  const neg = v < 0n;
  const a = neg ? -v : v;
  const micros = Number(a & 0xffffffn);
  const hms = Number(a >> 24n);
  return formatHms(neg, Math.floor(hms / 4096) % 1024, (hms >>> 6) & 63, hms & 63, micros, 6);
}
