/**
 * A reusable byte buffer that JSON text is written into as UTF-8, then turned into ONE flat
 * string. Printing binlog rows by string concatenation builds deep rope (cons) strings that V8
 * must allocate, flatten and collect: writing bytes and slicing once is several times cheaper.
 * Output is byte-for-byte what `JSON.stringify`/`String` print for the same values.
 */

const HEX = '0123456789abcdef';
/** The top bit of each byte of a word, as an int32. */
const HIGH_BITS = 0x80808080 | 0;
/** Characters JSON.stringify escapes: controls, quote, backslash, (lone) surrogates. */
const NEEDS_ESCAPE = /[\u0000-\u001f"\\\ud800-\udfff]/;

const HEX_UPPER = new Uint8Array(512);
for (let i = 0; i < 256; i++) {
  HEX_UPPER[2 * i] = '0123456789ABCDEF'.charCodeAt(i >> 4);
  HEX_UPPER[2 * i + 1] = '0123456789ABCDEF'.charCodeAt(i & 15);
}

/** Short escapes JSON.stringify uses (others below 0x20 print as \u00xx). */
const SHORT_ESCAPE = new Uint8Array(128);
SHORT_ESCAPE[8] = 98; // \b
SHORT_ESCAPE[9] = 116; // \t
SHORT_ESCAPE[10] = 110; // \n
SHORT_ESCAPE[12] = 102; // \f
SHORT_ESCAPE[13] = 114; // \r
SHORT_ESCAPE[34] = 34; // \"
SHORT_ESCAPE[92] = 92; // \\

/** A buffer of its own (offset 0 in its ArrayBuffer, so a word view lines up with it). */
function newBuffer(size: number): Buffer {
  return Buffer.allocUnsafeSlow((size + 3) & ~3);
}

/** Bytes of a known-ASCII string (JSON keys and punctuation), for {@link JsonWriter.bytes}. */
export function asciiBytes(s: string): Uint8Array {
  return Buffer.from(s, 'latin1');
}

/** Pre-encoded UTF-8 text and whether it is plain ASCII (names, file names: anything goes). */
export interface Utf8Text {
  bytes: Uint8Array;
  ascii: boolean;
}

export function utf8Text(s: string): Utf8Text {
  const bytes = Buffer.from(s, 'utf8');
  return { bytes, ascii: bytes.length === s.length };
}

/** A growable UTF-8 JSON text builder; `take()` returns the text and empties it for reuse. */
export class JsonWriter {
  buf: Buffer;
  pos = 0;
  /** False once a byte ≥ 0x80 was written (then the text is decoded as UTF-8, else latin1). */
  private ascii = true;

  /** The same memory as 32-bit words, for scanning 4 bytes at a time. */
  private words: Int32Array;

  constructor(size = 64 * 1024) {
    this.buf = newBuffer(size);
    this.words = new Int32Array(this.buf.buffer, 0, this.buf.length >> 2);
  }

  /** Make room for `n` more bytes. */
  ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.pos + n) size *= 2;
    const next = newBuffer(size);
    this.buf.copy(next, 0, 0, this.pos);
    this.setBuffer(next);
  }

  private setBuffer(b: Buffer): void {
    this.buf = b;
    this.words = new Int32Array(b.buffer, 0, b.length >> 2);
  }

  /** Drop anything written (e.g. left over by a value that threw half-way). */
  reset(): void {
    this.pos = 0;
    this.ascii = true;
  }

  /** The text written so far as a string; the writer is empty afterwards. */
  take(): string {
    const s = this.ascii ? this.buf.latin1Slice(0, this.pos) : this.buf.utf8Slice(0, this.pos);
    this.pos = 0;
    this.ascii = true;
    // Don't keep a buffer grown by one huge event (e.g. a 100 MB ANNOTATE_ROWS query) forever.
    if (this.buf.length > 16 << 20) this.setBuffer(newBuffer(64 * 1024));
    return s;
  }

  /**
   * The bytes written so far, handed over (no copy): the writer starts a fresh buffer of the
   * same size, so the returned one may be kept (e.g. queued on a stream) as long as needed.
   */
  takeBytes(): Buffer {
    const out = this.buf.subarray(0, this.pos);
    this.setBuffer(newBuffer(this.buf.length > 16 << 20 ? 64 * 1024 : this.buf.length));
    this.pos = 0;
    this.ascii = true;
    return out;
  }

  byte(c: number): void {
    if (this.pos >= this.buf.length) this.ensure(1);
    this.buf[this.pos++] = c;
  }

  /** Pre-encoded UTF-8 text. */
  text(t: Utf8Text): void {
    if (!t.ascii) this.ascii = false;
    this.bytes(t.bytes);
  }

  /** Pre-encoded bytes (ASCII only: see {@link text} otherwise). */
  bytes(b: Uint8Array): void {
    const n = b.length;
    this.ensure(n);
    const buf = this.buf;
    let p = this.pos;
    if (n > 64) {
      buf.set(b, p);
      p += n;
    } else {
      for (let i = 0; i < n; i++) buf[p++] = b[i]!;
    }
    this.pos = p;
  }

  /** A number exactly as `String(n)` prints it. */
  num(n: number): void {
    if (n === (n | 0)) {
      this.int32(n);
      return;
    }
    const s = String(n);
    const len = s.length;
    this.ensure(len);
    const buf = this.buf;
    let p = this.pos;
    for (let i = 0; i < len; i++) buf[p++] = s.charCodeAt(i);
    this.pos = p;
  }

  private int32(n: number): void {
    this.ensure(11);
    const buf = this.buf;
    let p = this.pos;
    if (n < 0) {
      buf[p++] = 45; // '-'
      n = -n; // -2^31 negates to 2^31: still exact as a double
    }
    if (n < 10) {
      buf[p++] = 48 + n;
      this.pos = p;
      return;
    }
    const digits =
      n < 100
        ? 2
        : n < 1e3
          ? 3
          : n < 1e4
            ? 4
            : n < 1e5
              ? 5
              : n < 1e6
                ? 6
                : n < 1e7
                  ? 7
                  : n < 1e8
                    ? 8
                    : n < 1e9
                      ? 9
                      : 10;
    let q = p + digits;
    this.pos = q;
    while (n >= 10) {
      const d = n % 10;
      n = (n - d) / 10;
      buf[--q] = 48 + d;
    }
    buf[--q] = 48 + n;
  }

  /** A JSON string literal exactly as `JSON.stringify(s)` prints it (well-formed: lone surrogates escaped). */
  str(s: string): void {
    const n = s.length;
    if (n > 16) {
      // Let native code copy it (a JS char loop is several times slower), then check the
      // bytes. As many bytes as characters means ASCII (latin1Write would be a plainer copy,
      // but it silently truncates characters above U+00FF, e.g. U+0141 to 'A').
      this.ensure(n * 3 + 2);
      const buf = this.buf;
      const start = this.pos + 1;
      const len = buf.utf8Write(s, start);
      if (len === n ? this.scan(start, start + len) === 0 : !NEEDS_ESCAPE.test(s)) {
        if (len !== n) this.ascii = false;
        buf[start - 1] = 34;
        buf[start + len] = 34;
        this.pos = start + len + 1;
        return;
      }
    }
    // Worst case per UTF-16 unit: 6 bytes (\u001f, or a lone surrogate escaped); pairs: 4 for 2.
    this.ensure(n * 6 + 2);
    const buf = this.buf;
    let p = this.pos;
    buf[p++] = 34;
    for (let i = 0; i < n; i++) {
      const c = s.charCodeAt(i);
      if (c < 0x80) {
        if (c >= 0x20 && c !== 34 && c !== 92) {
          buf[p++] = c;
          continue;
        }
        buf[p++] = 92;
        const e = SHORT_ESCAPE[c]!;
        if (e !== 0) {
          buf[p++] = e;
        } else {
          buf[p++] = 117; // u
          buf[p++] = 48;
          buf[p++] = 48;
          buf[p++] = HEX.charCodeAt(c >> 4);
          buf[p++] = HEX.charCodeAt(c & 15);
        }
        continue;
      }
      this.ascii = false;
      if (c < 0x800) {
        buf[p++] = 0xc0 | (c >> 6);
        buf[p++] = 0x80 | (c & 63);
      } else if (c < 0xd800 || c > 0xdfff) {
        buf[p++] = 0xe0 | (c >> 12);
        buf[p++] = 0x80 | ((c >> 6) & 63);
        buf[p++] = 0x80 | (c & 63);
      } else {
        const d = i + 1 < n ? s.charCodeAt(i + 1) : 0;
        if (c <= 0xdbff && d >= 0xdc00 && d <= 0xdfff) {
          const cp = 0x10000 + ((c - 0xd800) << 10) + (d - 0xdc00);
          buf[p++] = 0xf0 | (cp >> 18);
          buf[p++] = 0x80 | ((cp >> 12) & 63);
          buf[p++] = 0x80 | ((cp >> 6) & 63);
          buf[p++] = 0x80 | (cp & 63);
          i++;
        } else {
          // A lone surrogate: JSON.stringify escapes it as \udxxx (lowercase hex).
          buf[p++] = 92;
          buf[p++] = 117;
          buf[p++] = HEX.charCodeAt(c >> 12);
          buf[p++] = HEX.charCodeAt((c >> 8) & 15);
          buf[p++] = HEX.charCodeAt((c >> 4) & 15);
          buf[p++] = HEX.charCodeAt(c & 15);
        }
      }
    }
    buf[p++] = 34;
    this.pos = p;
  }

  /** Text written as is (already JSON), UTF-8 encoded. */
  raw(s: string): void {
    this.ensure(s.length * 3);
    const n = this.buf.utf8Write(s, this.pos);
    if (n !== s.length) this.ascii = false;
    this.pos += n;
  }

  /**
   * Look at bytes [a, b): 2 if one is ≥ 0x80 (not ASCII), else 1 if one is a control character,
   * '"' or '\\' (needs an escape), else 0. Four bytes per step with the "has a zero / smaller
   * byte" word tricks (Hacker's Delight §6.1): exact, no false positives.
   */
  private scan(a: number, b: number): number {
    const buf = this.buf;
    let esc = 0;
    while (a < b && (a & 3) !== 0) {
      const c = buf[a++]!;
      if (c >= 0x80) return 2;
      if (c < 0x20 || c === 34 || c === 92) esc = 1;
    }
    // Int32 words and `| 0` keep every step in int32 arithmetic (Uint32 words above 2^31 and
    // overflowing subtractions would make V8 fall back to doubles: several times slower).
    const words = this.words;
    const wEnd = b >> 2;
    for (let i = a >> 2; i < wEnd; i++) {
      const w = words[i]!;
      if ((w & HIGH_BITS) !== 0) return 2;
      const q = w ^ 0x22222222;
      const s = w ^ 0x5c5c5c5c;
      if (
        ((((w - 0x20202020) | 0) & ~w) | (((q - 0x01010101) | 0) & ~q) | (((s - 0x01010101) | 0) & ~s)) &
        HIGH_BITS
      ) {
        esc = 1;
      }
    }
    for (let i = Math.max(a, wEnd << 2); i < b; i++) {
      const c = buf[i]!;
      if (c >= 0x80) return 2;
      if (c < 0x20 || c === 34 || c === 92) esc = 1;
    }
    return esc;
  }

  /** Bytes as `"0x…"` (uppercase hex). */
  hex(b: Buffer): void {
    const n = b.length;
    this.ensure(2 * n + 4);
    const buf = this.buf;
    let p = this.pos;
    buf[p++] = 34;
    buf[p++] = 48;
    buf[p++] = 120;
    for (let i = 0; i < n; i++) {
      const v = b[i]! << 1;
      buf[p++] = HEX_UPPER[v]!;
      buf[p++] = HEX_UPPER[v + 1]!;
    }
    buf[p++] = 34;
    this.pos = p;
  }
}
