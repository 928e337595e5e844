import { malformed } from './buffer-reader.js';

/** Bytes used by 0..9 leftover decimal digits. */
const DIG2BYTES = [0, 1, 1, 2, 2, 3, 3, 4, 4, 4];
const DIGITS_PER_INT = 9;

/** Storage size of DECIMAL(precision, scale) in MySQL's binary format. */
export function decimalBinSize(precision: number, scale: number): number {
  const intg = precision - scale;
  return (
    Math.floor(intg / DIGITS_PER_INT) * 4 +
    DIG2BYTES[intg % DIGITS_PER_INT]! +
    Math.floor(scale / DIGITS_PER_INT) * 4 +
    DIG2BYTES[scale % DIGITS_PER_INT]!
  );
}

const ZEROS = '000000000';

/**
 * Decode MySQL's binary DECIMAL: big-endian groups of 9 digits in 4 bytes (a partial group uses
 * DIG2BYTES bytes), integer part first, the sign in the top bit of the first byte (set =
 * positive; negative numbers have every byte inverted). Returns the exact text MySQL prints:
 * no leading zeros, exactly `scale` fraction digits.
 */
export function decodeDecimal(buf: Buffer, pos: number, precision: number, scale: number): string {
  if (precision < 1 || precision > 65 || scale > 30 || scale > precision) {
    throw malformed(`bad DECIMAL(${precision},${scale})`);
  }
  const size = decimalBinSize(precision, scale);
  if (pos + size > buf.length) throw malformed('DECIMAL runs past the event');
  const intg = precision - scale;
  const intg0 = Math.floor(intg / DIGITS_PER_INT);
  const intg0x = intg % DIGITS_PER_INT;
  const frac0 = Math.floor(scale / DIGITS_PER_INT);
  const frac0x = scale % DIGITS_PER_INT;
  const mask = (buf[pos]! & 0x80) !== 0 ? 0 : 0xff;
  let p = pos;
  let ip = '';
  if (intg0x > 0) {
    const n = DIG2BYTES[intg0x]!;
    const v = group(buf, p, n, mask, pos);
    p += n;
    if (v !== 0) ip = String(v);
  }
  for (let i = 0; i < intg0; i++) {
    const v = group(buf, p, 4, mask, pos);
    p += 4;
    if (ip === '') {
      if (v !== 0) ip = String(v);
    } else {
      const s = String(v);
      ip += ZEROS.slice(s.length) + s;
    }
  }
  let fp = '';
  let nonZero = ip !== '';
  for (let i = 0; i < frac0; i++) {
    const v = group(buf, p, 4, mask, pos);
    p += 4;
    if (v !== 0) nonZero = true;
    const s = String(v);
    fp += ZEROS.slice(s.length) + s;
  }
  if (frac0x > 0) {
    const n = DIG2BYTES[frac0x]!;
    const v = group(buf, p, n, mask, pos);
    p += n;
    if (v !== 0) nonZero = true;
    const s = String(v);
    fp += s.length < frac0x ? ZEROS.slice(0, frac0x - s.length) + s : s;
  }
  const text = (ip === '' ? '0' : ip) + (scale > 0 ? `.${fp}` : '');
  return mask !== 0 && nonZero ? `-${text}` : text;
}

/** One big-endian digit group of `n` bytes, un-inverted; the event's first byte has its sign bit flipped. */
function group(buf: Buffer, p: number, n: number, mask: number, first: number): number {
  let v = 0;
  for (let i = 0; i < n; i++, p++) {
    let b = buf[p]! ^ mask;
    if (p === first) b ^= 0x80;
    v = v * 256 + b;
  }
  return v;
}
