import assert from 'node:assert/strict';
import { crc32 } from 'node:zlib';
import { EventType, HEADER_LEN } from './event-type.js';
import { lenencIntBytes } from './protocol/handshake.js';
import type { BinlogEvent } from './types.js';

/**
 * Builders of binlog events from their documented layouts, for tests (this package's and
 * other modules': relay, replication client). Not used by production code.
 */
export interface BuildOpts {
  timestamp?: number;
  serverId?: number;
  logPos?: number;
  flags?: number;
  /** Append a CRC32 (default true). */
  crc?: boolean;
}

/** Header + body (+ CRC32). */
export function buildEvent(type: number, body: Buffer, o: BuildOpts = {}): Buffer {
  const crc = o.crc ?? true;
  const size = HEADER_LEN + body.length + (crc ? 4 : 0);
  const b = Buffer.alloc(size);
  b.writeUInt32LE(o.timestamp ?? 1_700_000_000, 0);
  b[4] = type;
  b.writeUInt32LE(o.serverId ?? 1, 5);
  b.writeUInt32LE(size, 9);
  b.writeUInt32LE(o.logPos ?? 0, 13);
  b.writeUInt16LE(o.flags ?? 0, 17);
  body.copy(b, HEADER_LEN);
  if (crc) b.writeUInt32LE(crc32(b.subarray(0, size - 4)), size - 4);
  return b;
}

/** MariaDB 10.11's post-header lengths (index = type code − 1). */
export const MARIADB_POST_HEADERS = (() => {
  const a = new Array<number>(171).fill(0);
  const set = (t: number, v: number) => {
    a[t - 1] = v;
  };
  set(EventType.START_V3, 56);
  set(EventType.QUERY, 13);
  set(EventType.ROTATE, 8);
  set(EventType.FORMAT_DESCRIPTION, 84);
  set(EventType.TABLE_MAP, 8);
  for (const t of [23, 24, 25]) set(t, 8);
  for (const t of [30, 31, 32]) set(t, 10);
  set(EventType.MARIADB_BINLOG_CHECKPOINT, 4);
  set(EventType.MARIADB_GTID, 19);
  set(EventType.MARIADB_GTID_LIST, 4);
  return a;
})();

/** A FORMAT_DESCRIPTION event. `alg` undefined = pre-checksum server (no alg byte). */
export function buildFde(opts: { version?: string; alg?: number; postHeaders?: number[] } = {}): Buffer {
  const version = opts.version ?? '10.11.19-MariaDB-log';
  const ph = Buffer.from(opts.postHeaders ?? MARIADB_POST_HEADERS);
  const v = Buffer.alloc(50);
  v.write(version, 'latin1');
  const fixed = Buffer.alloc(2 + 50 + 4 + 1);
  fixed.writeUInt16LE(4, 0);
  v.copy(fixed, 2);
  fixed.writeUInt32LE(0, 52);
  fixed[56] = HEADER_LEN;
  if (opts.alg === undefined)
    return buildEvent(EventType.FORMAT_DESCRIPTION, Buffer.concat([fixed, ph]), { crc: false });
  // The FDE of a checksum-aware server always carries alg + 4 CRC bytes.
  return buildEvent(EventType.FORMAT_DESCRIPTION, Buffer.concat([fixed, ph, Buffer.from([opts.alg])]), {
    crc: true,
  });
}

/** Length-encoded integer (the protocol's encoder: one implementation for tests and code). */
export const packed = lenencIntBytes;

export interface ColumnDef {
  type: number;
  /** Raw metadata bytes as the table map carries them. */
  meta?: number[];
  nullable?: boolean;
}

/** TABLE_MAP body (post-header + body) with optional metadata TLVs. */
export function tableMapBody(
  tableId: number,
  schema: string,
  table: string,
  cols: ColumnDef[],
  optional: { type: number; value: Buffer }[] = [],
): Buffer {
  const ph = Buffer.alloc(8);
  ph.writeUIntLE(tableId, 0, 6);
  ph.writeUInt16LE(1, 6);
  const meta = Buffer.from(cols.flatMap((c) => c.meta ?? []));
  const nulls = Buffer.alloc((cols.length + 7) >> 3);
  cols.forEach((c, i) => {
    if (c.nullable ?? true) nulls[i >> 3] = nulls[i >> 3]! | (1 << (i & 7));
  });
  const parts = [
    ph,
    Buffer.from([Buffer.byteLength(schema)]),
    Buffer.from(`${schema}\0`),
    Buffer.from([Buffer.byteLength(table)]),
    Buffer.from(`${table}\0`),
    packed(cols.length),
    Buffer.from(cols.map((c) => c.type)),
    packed(meta.length),
    meta,
    nulls,
  ];
  for (const o of optional) parts.push(Buffer.from([o.type]), packed(o.value.length), o.value);
  return Buffer.concat(parts);
}

/** A bitmap with bit i (LSB first) set for each index. */
export function bitmap(width: number, set: number[]): Buffer {
  const b = Buffer.alloc((width + 7) >> 3);
  for (const i of set) b[i >> 3] = b[i >> 3]! | (1 << (i & 7));
  return b;
}

/**
 * Rows event body. `rows` are images: each an array of present-column cell bytes (null =
 * NULL). For v2 pass `v2: true`; updates pass pairs flattened [before, after, …].
 */
export function rowsBody(
  tableId: number,
  width: number,
  images: (Buffer | null)[][],
  o: { v2?: boolean; present?: number[]; presentAfter?: number[]; update?: boolean; extra?: Buffer } = {},
): Buffer {
  const ph = Buffer.alloc(8);
  ph.writeUIntLE(tableId, 0, 6);
  ph.writeUInt16LE(1, 6); // STMT_END_F
  const parts: Buffer[] = [ph];
  if (o.v2) {
    const extra = o.extra ?? Buffer.alloc(0);
    const l = Buffer.alloc(2);
    l.writeUInt16LE(extra.length + 2);
    parts.push(l, extra);
  }
  const all = Array.from({ length: width }, (_, i) => i);
  const present = o.present ?? all;
  parts.push(packed(width), bitmap(width, present));
  if (o.update) parts.push(bitmap(width, o.presentAfter ?? present));
  for (const img of images) {
    const nb = Buffer.alloc((img.length + 7) >> 3);
    img.forEach((v, k) => {
      if (v === null) nb[k >> 3] = nb[k >> 3]! | (1 << (k & 7));
    });
    parts.push(nb, ...img.filter((v): v is Buffer => v !== null));
  }
  return Buffer.concat(parts);
}

/** The event interface whose `type` union includes T. */
export type EventOf<T> = BinlogEvent extends infer U
  ? U extends { type: infer K }
    ? T extends K
      ? U
      : never
    : never
  : never;

/** Assert an event's type and narrow it. */
export function expectType<T extends BinlogEvent['type']>(ev: BinlogEvent, t: T): EventOf<T> {
  assert.equal(ev.type, t);
  return ev as EventOf<T>;
}
