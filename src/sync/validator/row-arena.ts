import '../../pkg/binlog/buffer-reader.js'; // Buffer.prototype.utf8Write/utf8Slice typings
import type { CellValue } from '../../pkg/binlog/types.js';

/**
 * Row images kept as bytes in large off-heap chunks, addressed by (chunk, offset, length).
 *
 * Why not keep the decoded rows: during a catch-up the validator holds hundreds of thousands of
 * pending rows for seconds to minutes, and every retained array and string is copied by the
 * young-generation collector and walked by the old one on the dm-worker's main thread — the
 * thread that dispatches replication (measured: a third of the validator's cost). Bytes in a few
 * multi-megabyte buffers are invisible to the collector; a row is decoded again only when it is
 * checked or flushed, which happens once per pending row, after the catch-up.
 *
 * Cell encoding (one tag byte, then the value): 0 null; 1 int32; 2 float64; 3 UTF-8 string
 * (u32 length); 4 bytes (u32 length); 5 string list (u16 count, then each as tag 3's body); 6 a
 * column the image does not have (a hole: a minimal row image).
 * Strings come from the binlog decoder, always well-formed, so UTF-8 round-trips them exactly.
 */
export class RowArena {
  private readonly chunks: (Buffer | undefined)[] = [];
  /** Live rows per chunk: a chunk with none left is released (unless it is the one written to). */
  private readonly live: number[] = [];
  private cur = -1;
  private pos = 0;
  /** Bytes of the rows still held, and of the chunks allocated. */
  liveBytes = 0;
  chunkBytes = 0;
  private spare: Buffer | undefined;

  constructor(private readonly chunkSize = 4 * 1024 * 1024) {}

  /** Where `put` placed the last row: chunk, offset, length (read right after `put`). */
  chunk = 0;
  offset = 0;
  length = 0;

  /** Store `row`; its address is left in `chunk`/`offset`/`length`. */
  put(row: readonly CellValue[]): void {
    const need = maxBytes(row);
    let buf = this.cur >= 0 ? this.chunks[this.cur] : undefined;
    if (!buf || this.pos + need > buf.length) buf = this.newChunk(need);
    const start = this.pos;
    let p = start;
    for (let i = 0; i < row.length; i++) p = writeCell(buf, p, row[i]);
    this.pos = p;
    this.chunk = this.cur;
    this.offset = start;
    this.length = p - start;
    this.live[this.cur]!++;
    this.liveBytes += this.length;
  }

  /** The row at an address `put` gave. */
  get(chunk: number, offset: number, length: number): CellValue[] {
    const buf = this.chunks[chunk];
    if (!buf) throw new Error(`row arena: chunk ${chunk} released`);
    const row: CellValue[] = [];
    const end = offset + length;
    let p = offset;
    while (p < end) {
      const tag = buf[p++];
      switch (tag) {
        case 0:
          row.push(null);
          break;
        case 1:
          row.push(buf.readInt32LE(p));
          p += 4;
          break;
        case 2:
          row.push(buf.readDoubleLE(p));
          p += 8;
          break;
        case 3:
        case 4: {
          const n = buf.readUInt32LE(p);
          p += 4;
          row.push(tag === 3 ? buf.utf8Slice(p, p + n) : Buffer.from(buf.subarray(p, p + n)));
          p += n;
          break;
        }
        case 6:
          row.length++;
          break;
        default: {
          const count = buf.readUInt16LE(p);
          p += 2;
          const list: string[] = [];
          for (let i = 0; i < count; i++) {
            const n = buf.readUInt32LE(p);
            p += 4;
            list.push(buf.utf8Slice(p, p + n));
            p += n;
          }
          row.push(list);
        }
      }
    }
    return row;
  }

  /** The row at this address is no longer needed. */
  free(chunk: number, length: number): void {
    this.liveBytes -= length;
    if (--this.live[chunk]! > 0) return;
    // The chunk being written to is written again from its start; another one goes.
    if (chunk === this.cur) this.pos = 0;
    else this.release(chunk);
  }

  /**
   * The chunks hold more dead rows than live ones, beyond two chunks' worth: worth rewriting the
   * live rows (a cost in proportion to them, paid at most once per as many bytes freed).
   */
  get fragmented(): boolean {
    return this.chunkBytes > 2 * this.liveBytes + 2 * this.chunkSize;
  }

  private release(chunk: number): void {
    const buf = this.chunks[chunk];
    if (!buf) return;
    this.chunks[chunk] = undefined;
    this.chunkBytes -= buf.length;
    if (buf.length === this.chunkSize) this.spare = buf;
  }

  private newChunk(need: number): Buffer {
    if (this.cur >= 0 && this.live[this.cur] === 0) this.release(this.cur);
    const size = Math.max(need, this.chunkSize);
    let buf: Buffer;
    if (size === this.chunkSize && this.spare) {
      buf = this.spare;
      this.spare = undefined;
    } else buf = Buffer.allocUnsafeSlow(size);
    let i = this.chunks.indexOf(undefined);
    if (i < 0) i = this.chunks.length;
    this.chunks[i] = buf;
    this.live[i] = 0;
    this.chunkBytes += buf.length;
    this.cur = i;
    this.pos = 0;
    return buf;
  }
}

/** An upper bound of a row's encoded size (UTF-8 takes at most 3 bytes per UTF-16 unit). */
function maxBytes(row: readonly CellValue[]): number {
  let n = 0;
  for (const v of row as readonly (CellValue | undefined)[]) {
    if (v === null || v === undefined) n += 1;
    else if (typeof v === 'number') n += 9;
    else if (typeof v === 'string') n += 5 + (v.length > 1024 ? Buffer.byteLength(v) : 3 * v.length);
    else if (Buffer.isBuffer(v)) n += 5 + v.length;
    else {
      n += 3;
      for (const s of v) n += 4 + 3 * s.length;
    }
  }
  return n;
}

/** Little-endian stores without Buffer's per-call argument checks (the bounds are known). */
function u32(buf: Buffer, p: number, v: number): void {
  buf[p] = v;
  buf[p + 1] = v >>> 8;
  buf[p + 2] = v >>> 16;
  buf[p + 3] = v >>> 24;
}

const f64 = new Float64Array(1);
const f64Bytes = new Uint8Array(f64.buffer);

function writeCell(buf: Buffer, p: number, v: CellValue | undefined): number {
  if (typeof v === 'number') {
    if ((v | 0) === v && (v !== 0 || 1 / v > 0)) {
      buf[p] = 1;
      u32(buf, p + 1, v);
      return p + 5;
    }
    buf[p] = 2;
    f64[0] = v;
    buf.set(f64Bytes, p + 1);
    return p + 9;
  }
  if (typeof v === 'string') {
    buf[p] = 3;
    const n = v.length === 0 ? 0 : buf.utf8Write(v, p + 5);
    u32(buf, p + 1, n);
    return p + 5 + n;
  }
  if (v === null) {
    buf[p] = 0;
    return p + 1;
  }
  if (v === undefined) {
    buf[p] = 6;
    return p + 1;
  }
  if (Buffer.isBuffer(v)) {
    buf[p] = 4;
    u32(buf, p + 1, v.length);
    v.copy(buf, p + 5);
    return p + 5 + v.length;
  }
  buf[p] = 5;
  buf[p + 1] = v.length;
  buf[p + 2] = v.length >>> 8;
  let q = p + 3;
  for (const s of v) {
    const n = s.length === 0 ? 0 : buf.utf8Write(s, q + 4);
    u32(buf, q, n);
    q += 4 + n;
  }
  return q;
}
