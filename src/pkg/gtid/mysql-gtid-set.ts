import { dmError, E } from '../errors/index.js';
import type { GtidSet } from './types.js';

/** One inclusive interval of transaction numbers. bigint: gno is a signed 64-bit number. */
interface Interval {
  start: bigint;
  end: bigint;
}

const UUID_HEX = /^[0-9a-f]{32}$/;
/** MySQL's largest gno (2^63 - 1). */
const GNO_MAX = (1n << 63n) - 1n;

/**
 * MySQL's GTID set: server UUID → sorted, non-overlapping, non-adjacent intervals.
 * Text form `3e11fa47-71ca-11e1-9e33-c80aa9429562:1-5:7-9,…`. We print UUIDs in lowercase,
 * sorted, and intervals merged, so equal sets print equally (MySQL itself prints lowercase
 * too and accepts any case).
 */
export class MysqlGtidSet implements GtidSet {
  readonly flavor = 'mysql' as const;
  private readonly sets = new Map<string, Interval[]>();

  /**
   * Parse `uuid:a-b:c,uuid2:d`. Whitespace and newlines around items are ignored (SHOW MASTER
   * STATUS prints `…:1-5,\n3e11…:1-2`); an empty text is the empty set. Throws E.gtidParse.
   */
  static parse(text: string): MysqlGtidSet {
    const set = new MysqlGtidSet();
    for (const rawItem of text.split(',')) {
      const item = rawItem.trim();
      if (item === '') continue;
      const parts = item.split(':').map((p) => p.trim());
      const uuid = normaliseUuid(parts[0] ?? '', text);
      if (parts.length < 2) throw parseError(text, `"${item}" has no interval`);
      for (const iv of parts.slice(1)) {
        const m = /^(\d+)(?:-(\d+))?$/.exec(iv);
        if (!m) throw parseError(text, `bad interval "${iv}"`);
        const start = BigInt(m[1]!);
        const end = m[2] === undefined ? start : BigInt(m[2]);
        if (start < 1n || end < start || end > GNO_MAX) throw parseError(text, `bad interval "${iv}"`);
        set.addInterval(uuid, start, end);
      }
    }
    return set;
  }

  /** Add `uuid:gno` (or `uuid:a-b`). */
  add(gtid: string): void {
    this.merge(MysqlGtidSet.parse(gtid));
  }

  /** Add one transaction without text parsing (hot path: called per commit). */
  addGno(uuid: string, gno: bigint): void {
    this.addInterval(normaliseUuid(uuid, uuid), gno, gno);
  }

  merge(other: GtidSet): void {
    const o = asMysql(other);
    for (const [uuid, ivs] of o.sets) for (const iv of ivs) this.addInterval(uuid, iv.start, iv.end);
  }

  contains(other: GtidSet): boolean {
    const o = asMysql(other);
    for (const [uuid, ivs] of o.sets) {
      const mine = this.sets.get(uuid);
      if (!mine) return false;
      for (const iv of ivs) {
        // Our intervals are merged, so a contained interval lies inside exactly one of them.
        if (!mine.some((m) => m.start <= iv.start && iv.end <= m.end)) return false;
      }
    }
    return true;
  }

  equals(other: GtidSet): boolean {
    return other.flavor === 'mysql' && this.toString() === other.toString();
  }

  isEmpty(): boolean {
    return this.sets.size === 0;
  }

  clone(): MysqlGtidSet {
    const c = new MysqlGtidSet();
    for (const [uuid, ivs] of this.sets)
      c.sets.set(
        uuid,
        ivs.map((iv) => ({ ...iv })),
      );
    return c;
  }

  toString(): string {
    return this.sortedUuids()
      .map((uuid) => {
        const ivs = this.sets.get(uuid)!;
        return `${uuid}:${ivs.map((iv) => (iv.start === iv.end ? `${iv.start}` : `${iv.start}-${iv.end}`)).join(':')}`;
      })
      .join(',');
  }

  /**
   * The binary form COM_BINLOG_DUMP_GTID carries (MySQL's Gtid_set::encode): n_sids u64, then
   * per sid (sorted): 16 uuid bytes, n_intervals u64, and each interval as start u64 and
   * end+1 u64 (the wire form is half-open).
   */
  encode(): Buffer {
    const uuids = this.sortedUuids();
    let size = 8;
    for (const u of uuids) size += 16 + 8 + 16 * this.sets.get(u)!.length;
    const buf = Buffer.alloc(size);
    let off = buf.writeBigUInt64LE(BigInt(uuids.length), 0);
    for (const u of uuids) {
      off += buf.write(u.replace(/-/g, ''), off, 'hex');
      const ivs = this.sets.get(u)!;
      off = buf.writeBigUInt64LE(BigInt(ivs.length), off);
      for (const iv of ivs) {
        off = buf.writeBigUInt64LE(iv.start, off);
        off = buf.writeBigUInt64LE(iv.end + 1n, off);
      }
    }
    return buf;
  }

  private sortedUuids(): string[] {
    return [...this.sets.keys()].sort();
  }

  /** Insert [start, end] keeping the list sorted and merging overlapping or adjacent intervals. */
  private addInterval(uuid: string, start: bigint, end: bigint): void {
    let ivs = this.sets.get(uuid);
    if (!ivs) {
      this.sets.set(uuid, [{ start, end }]);
      return;
    }
    // Fast path: the common case is appending the next gno to the last interval.
    const last = ivs[ivs.length - 1]!;
    if (start >= last.start && start <= last.end + 1n) {
      if (end > last.end) last.end = end;
      return;
    }
    if (start > last.end + 1n) {
      ivs.push({ start, end });
      return;
    }
    const out: Interval[] = [];
    let cur = { start, end };
    let placed = false;
    for (const iv of ivs) {
      if (iv.end + 1n < cur.start) out.push(iv);
      else if (cur.end + 1n < iv.start) {
        if (!placed) {
          out.push(cur);
          placed = true;
        }
        out.push(iv);
      } else {
        cur = {
          start: bigMin(iv.start, cur.start),
          end: bigMax(iv.end, cur.end),
        };
      }
    }
    if (!placed) out.push(cur);
    ivs = out;
    this.sets.set(uuid, ivs);
  }
}

// Math.min/max do not take bigint.
function bigMin(a: bigint, b: bigint): bigint {
  return a < b ? a : b;
}

function bigMax(a: bigint, b: bigint): bigint {
  return a > b ? a : b;
}

function asMysql(s: GtidSet): MysqlGtidSet {
  if (!(s instanceof MysqlGtidSet)) {
    throw dmError(E.gtidParse, `cannot combine a ${s.flavor} GTID set with a MySQL GTID set`);
  }
  return s;
}

/** Lowercase 8-4-4-4-12 form; accepts any case and missing dashes. */
function normaliseUuid(u: string, text: string): string {
  const hex = u.replace(/-/g, '').toLowerCase();
  if (!UUID_HEX.test(hex) || !(u.length === 32 || u.length === 36)) {
    throw parseError(text, `bad server uuid "${u}"`);
  }
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

function parseError(text: string, why: string): Error {
  return dmError(E.gtidParse, `invalid MySQL GTID set "${text}": ${why}`, { context: { gtid: text } });
}
