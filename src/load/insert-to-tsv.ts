/**
 * One of our dump's INSERT statements as `LOAD DATA` input (pure; no I/O).
 *
 * Our dump writes a closed vocabulary of literals (src/dump/sql-values.ts): `NULL`, numbers as
 * the server printed them, `0x…` hex for binary values (`''` when empty) and `'…'` strings whose
 * only escapes are `\0 \n \r \\ \' \Z`. Each maps exactly onto a field of
 * `FIELDS TERMINATED BY '\t' ESCAPED BY '\\' LINES TERMINATED BY '\n'` (no enclosure):
 *
 * - `NULL` → `\N`; a number → its text;
 * - a string → its body as written: the dump's escapes mean the same to LOAD DATA (`\'` is
 *   "escape + any other byte = that byte"); only a raw tab, which the dump leaves as is, must
 *   become `\t` (it would end the field);
 * - hex → the raw bytes, with tab, newline and backslash escaped.
 *
 * The server then parses the same text it would have parsed as a literal, by the column's
 * type, in the same session (sql_mode, time zone, charset). Anything outside this vocabulary
 * (another tool's dump, a hand-edited file, a name we cannot read) returns null and the
 * caller runs the INSERT itself.
 */
export interface TsvRows {
  /** The INSERT's column list as written, latin1 view: "(`a`,`b`)". */
  columns: string;
  /** The rows, tab-separated, one per line. */
  data: Buffer;
  rows: number;
}

const HEAD = 'INSERT INTO `';
const VALUES = ' VALUES\n';

/** Hex digit value per char code (-1: not a hex digit). */
const HEX = new Int8Array(128).fill(-1);
for (let i = 0; i < 10; i++) HEX[48 + i] = i;
for (let i = 0; i < 6; i++) {
  HEX[65 + i] = 10 + i;
  HEX[97 + i] = 10 + i;
}

/** Bytes a field's raw byte must be escaped as (0: copied as is). */
const RAW_ESC = new Uint8Array(256);
RAW_ESC[9] = 116; /* \t */
RAW_ESC[10] = 110; /* \n */
RAW_ESC[92] = 92; /* \\ */

/** End (exclusive) of the backtick-quoted name starting at `i` (`` ` `` at i), or -1. */
function quotedEnd(s: string, i: number): number {
  for (let j = i + 1; ; ) {
    const k = s.indexOf('`', j);
    if (k < 0) return -1;
    if (s.charCodeAt(k + 1) !== 96) return k + 1;
    j = k + 2;
  }
}

/** An output buffer reused from one statement to the next (bounded memory per connection). */
export interface TsvScratch {
  buf: Buffer;
}

/**
 * Convert one INSERT (latin1 view of the file's bytes, leading whitespace allowed). With
 * `scratch`, `data` lives in its buffer and is valid until the next call with it.
 */
export function insertToTsv(sql: string, scratch?: TsvScratch): TsvRows | null {
  let i = 0;
  while (i < sql.length && sql.charCodeAt(i) <= 32) i++;
  if (!sql.startsWith(HEAD, i)) return null;
  // Table name, then " (" and the column names, then ") VALUES\n".
  let p = quotedEnd(sql, i + HEAD.length - 1);
  if (p < 0 || !sql.startsWith(' (', p)) return null;
  const colStart = p + 1;
  p += 2;
  for (;;) {
    if (sql.charCodeAt(p) !== 96) return null;
    p = quotedEnd(sql, p);
    if (p < 0) return null;
    const c = sql.charCodeAt(p);
    if (c === 44) p++;
    else if (c === 41) break;
    else return null;
  }
  const columns = sql.slice(colStart, p + 1);
  p++;
  if (!sql.startsWith(VALUES, p)) return null;
  p += VALUES.length;
  const n = sql.length;
  // Worst case a string of raw tabs doubles; the brackets, quotes and commas we drop pay for
  // the rest.
  const need = 2 * (n - p) + 16;
  let out: Buffer;
  if (!scratch) out = Buffer.allocUnsafe(need);
  else {
    if (scratch.buf.length < need) scratch.buf = Buffer.allocUnsafe(need);
    out = scratch.buf;
  }
  let o = 0;
  let rows = 0;
  // Next backslash and tab at or after the scan point (-1: none left), found once per run:
  // a string body is copied in bulk up to the first of its quote, backslash or tab.
  let nextBs = sql.indexOf('\\', p);
  let nextTab = sql.indexOf('\t', p);
  for (;;) {
    if (sql.charCodeAt(p) !== 40 /* ( */) return null;
    p++;
    for (;;) {
      const c = sql.charCodeAt(p);
      if (c === 39 /* ' */) {
        // String body: copy up to the closing quote; `\x` pairs go through unchanged.
        p++;
        for (;;) {
          const q = sql.indexOf("'", p);
          if (q < 0) return null;
          if (nextBs >= 0 && nextBs < p) nextBs = sql.indexOf('\\', p);
          if (nextTab >= 0 && nextTab < p) nextTab = sql.indexOf('\t', p);
          let stop = q;
          if (nextBs >= 0 && nextBs < stop) stop = nextBs;
          if (nextTab >= 0 && nextTab < stop) stop = nextTab;
          if (stop > p) o += out.write(sql.substring(p, stop), o, 'latin1');
          p = stop;
          if (p === q) break;
          if (p === nextBs) {
            if (p + 1 >= n) return null;
            out[o++] = 92;
            out[o++] = sql.charCodeAt(p + 1);
            p += 2;
          } else {
            out[o++] = 92;
            out[o++] = 116;
            p++;
          }
        }
        p++;
      } else if (c === 48 /* 0 */ && sql.charCodeAt(p + 1) === 120 /* x */) {
        p += 2;
        const start = p;
        for (;;) {
          const h = sql.charCodeAt(p);
          const hi = h < 128 ? (HEX[h] as number) : -1;
          if (hi < 0) break;
          const l = sql.charCodeAt(p + 1);
          const lo = l < 128 ? (HEX[l] as number) : -1;
          if (lo < 0) return null;
          const b = (hi << 4) | lo;
          const e = RAW_ESC[b] as number;
          if (e !== 0) {
            out[o++] = 92;
            out[o++] = e;
          } else out[o++] = b;
          p += 2;
        }
        if (p === start) return null;
      } else if (c === 78 /* N */) {
        if (!sql.startsWith('NULL', p)) return null;
        out[o++] = 92;
        out[o++] = 78;
        p += 4;
      } else {
        // A number: digits, sign, point, exponent.
        const start = p;
        for (;;) {
          const d = sql.charCodeAt(p);
          if ((d >= 48 && d <= 57) || d === 45 || d === 43 || d === 46 || d === 101 || d === 69) {
            out[o++] = d;
            p++;
          } else break;
        }
        if (p === start) return null;
      }
      const sep = sql.charCodeAt(p);
      if (sep === 44 /* , */) {
        out[o++] = 9;
        p++;
      } else if (sep === 41 /* ) */) {
        out[o++] = 10;
        p++;
        break;
      } else return null;
    }
    rows++;
    if (p >= n) break;
    if (sql.charCodeAt(p) !== 44 || sql.charCodeAt(p + 1) !== 10) return null;
    p += 2;
  }
  return { columns, data: out.subarray(0, o), rows };
}
