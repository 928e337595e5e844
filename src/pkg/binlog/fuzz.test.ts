import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DmError } from '../errors/index.js';
import { ColumnType as T } from './column-type.js';
import { BinlogDecoder } from './decoder.js';
import { EventType } from './event-type.js';
import { OptionalMeta } from './table-map.js';
import { buildEvent, buildFde, packed, rowsBody, tableMapBody } from './test-events.js';

/** mulberry32: small seeded PRNG so failures reproduce. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A corpus of valid events (no CRC: the fuzzer runs with checksums off). */
function corpus(): Buffer[] {
  const o = { crc: false };
  const u64 = (n: number) => {
    const b = Buffer.alloc(8);
    b.writeBigUInt64LE(BigInt(n));
    return b;
  };
  const cols = [
    { type: T.LONG },
    { type: T.VARCHAR, meta: [80, 0] },
    { type: T.NEWDECIMAL, meta: [10, 4] },
    { type: T.DATETIME2, meta: [6] },
    { type: T.TIME2, meta: [3] },
    { type: T.TIMESTAMP2, meta: [2] },
    { type: T.BLOB, meta: [2] },
    { type: T.JSON, meta: [4] },
    { type: T.STRING, meta: [0xf7, 1] },
    { type: T.STRING, meta: [0xf8, 1] },
    { type: T.BIT, meta: [3, 2] },
    { type: T.DOUBLE, meta: [8] },
    { type: T.FLOAT, meta: [4] },
    { type: T.LONGLONG },
    { type: T.DATE },
    { type: T.YEAR },
  ];
  const tm = buildEvent(
    EventType.TABLE_MAP,
    tableMapBody(1, 'db', 't', cols, [
      { type: OptionalMeta.SIGNEDNESS, value: Buffer.from([0x40]) },
      { type: OptionalMeta.DEFAULT_CHARSET, value: packed(45) },
      { type: OptionalMeta.COLUMN_NAME, value: Buffer.concat(cols.map((_, i) => Buffer.from([1, 97 + i]))) },
      { type: OptionalMeta.ENUM_STR_VALUE, value: Buffer.from([2, 1, 0x61, 1, 0x62]) },
      { type: OptionalMeta.SET_STR_VALUE, value: Buffer.from([2, 1, 0x78, 1, 0x79]) },
    ]),
    o,
  );
  const json = Buffer.from([0x00, 1, 0, 12, 0, 8, 0, 1, 0, 0x04, 1, 0, 0x61]);
  const row = [
    Buffer.from([1, 0, 0, 0]),
    Buffer.from([2, 0x68, 0x69]),
    Buffer.from('800000000000', 'hex').subarray(0, 5),
    Buffer.from('8000000000000000', 'hex'),
    Buffer.from('800000000000', 'hex').subarray(0, 5),
    Buffer.from([0, 0, 0, 1, 0]),
    Buffer.from([2, 0, 0x00, 0xff]),
    Buffer.concat([Buffer.from([json.length, 0, 0, 0]), json]),
    Buffer.from([1]),
    Buffer.from([3]),
    Buffer.from([1, 2, 3]),
    Buffer.alloc(8),
    Buffer.alloc(4),
    Buffer.alloc(8, 0xff),
    Buffer.from([1, 2, 3]),
    Buffer.from([100]),
  ];
  const q = Buffer.concat([
    Buffer.from([1, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 7, 0]),
    Buffer.from([0, 1, 0, 0, 0, 5, 0]),
    Buffer.from('db\0BEGIN'),
  ]);
  return [
    tm,
    buildEvent(EventType.WRITE_ROWS_V1, rowsBody(1, cols.length, [row, row]), o),
    buildEvent(EventType.UPDATE_ROWS_V2, rowsBody(1, cols.length, [row, row], { v2: true, update: true }), o),
    buildEvent(EventType.DELETE_ROWS_V1, rowsBody(1, cols.length, [row]), o),
    buildEvent(EventType.QUERY, q, o),
    buildEvent(EventType.ROTATE, Buffer.concat([u64(4), Buffer.from('bin.000002')]), o),
    buildEvent(EventType.XID, u64(5), o),
    buildEvent(EventType.MARIADB_GTID, Buffer.concat([u64(3), Buffer.alloc(4), Buffer.from([2]), u64(9)]), o),
    buildEvent(
      EventType.MARIADB_GTID_LIST,
      Buffer.concat([Buffer.from([1, 0, 0, 0]), Buffer.alloc(8), u64(5)]),
      o,
    ),
    buildEvent(
      EventType.PREVIOUS_GTIDS,
      Buffer.concat([u64(1), Buffer.alloc(16), u64(1), u64(1), u64(5)]),
      o,
    ),
    buildEvent(
      EventType.GTID,
      Buffer.concat([Buffer.from([1]), Buffer.alloc(16), u64(1), Buffer.from([2]), u64(1), u64(2)]),
      o,
    ),
    buildEvent(EventType.USER_VAR, Buffer.from([1, 0, 0, 0, 0x61, 0, 0, 33, 0, 0, 0, 1, 0, 0, 0, 0x41]), o),
    buildEvent(EventType.HEARTBEAT_V2, Buffer.from([1, 3, 0x61, 0x62, 0x63, 2, 1, 4, 0]), o),
  ];
}

function checkOne(d: BinlogDecoder, raw: Buffer): void {
  try {
    d.decode(raw);
  } catch (e) {
    if (!(e instanceof DmError) || e.context.internal === true) {
      assert.fail(`non-DmError for ${raw.toString('hex')}: ${(e as Error)?.stack ?? e}`);
    }
  }
}

describe('decoder fuzz', () => {
  it('valid corpus decodes', () => {
    const d = new BinlogDecoder({ verifyChecksum: false });
    d.decode(buildFde({ alg: 0 }));
    for (const ev of corpus()) d.decode(ev);
  });

  it('mutated and random events throw DmError or decode (never another error, never hang)', () => {
    const rand = prng(0xdecade);
    const base = corpus();
    const fde = buildFde({ alg: 0 });
    const d = new BinlogDecoder({ verifyChecksum: false });
    d.decode(fde);
    const tm = base[0]!;
    const started = Date.now();
    for (let i = 0; i < 20_000; i++) {
      const src = base[Math.floor(rand() * base.length)]!;
      let ev: Buffer = Buffer.from(src);
      const mode = Math.floor(rand() * 5);
      if (mode === 0) {
        // bit flips past the header's size field
        const flips = 1 + Math.floor(rand() * 4);
        for (let k = 0; k < flips; k++) {
          const p = 13 + Math.floor(rand() * (ev.length - 13));
          ev[p] = ev[p]! ^ (1 << Math.floor(rand() * 8));
        }
      } else if (mode === 1) {
        // truncation (size field kept consistent, so the body is what is short)
        ev = Buffer.from(ev.subarray(0, 19 + Math.floor(rand() * (ev.length - 19))));
        ev.writeUInt32LE(ev.length, 9);
      } else if (mode === 2) {
        // a length-ish byte set to an extreme value
        const p = 19 + Math.floor(rand() * (ev.length - 19));
        ev[p] = rand() < 0.5 ? 0xff : 0xfe;
      } else if (mode === 3) {
        // random body of random length for the same type
        const body = Buffer.alloc(Math.floor(rand() * 64));
        for (let k = 0; k < body.length; k++) body[k] = Math.floor(rand() * 256);
        ev = buildEvent(src[4]!, body, { crc: false });
      } else {
        // random bytes behind a valid-looking header of a random type
        const body = Buffer.alloc(Math.floor(rand() * 96));
        for (let k = 0; k < body.length; k++) body[k] = Math.floor(rand() * 256);
        ev = buildEvent(Math.floor(rand() * 256), body, { crc: false });
      }
      if (ev[4] === EventType.FORMAT_DESCRIPTION) continue; // would switch the stream's checksum mode
      checkOne(d, ev);
      if (i % 50 === 0) checkOne(d, tm); // keep a valid table map around for the rows events
    }
    assert.ok(Date.now() - started < 20_000);
  });

  it('the header itself with random bytes', () => {
    const rand = prng(7);
    const d = new BinlogDecoder({ verifyChecksum: false });
    for (let i = 0; i < 2000; i++) {
      const b = Buffer.alloc(Math.floor(rand() * 40));
      for (let k = 0; k < b.length; k++) b[k] = Math.floor(rand() * 256);
      checkOne(d, b);
    }
  });
});
