import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { rowTuple, type ValueKind } from './sql-values.js';
import { TupleBytes } from './tuple-bytes.js';

describe('TupleBytes', () => {
  it('renders the same bytes as rowTuple, specials, NULLs and binary included', () => {
    const kinds: ValueKind[] = ['num', 'float', 'bin', 'str', 'str', 'bin', 'str'];
    const tb = new TupleBytes(8); // tiny: growth is exercised too
    let seed = 7;
    const rnd = () => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed;
    };
    for (let n = 0; n < 300; n++) {
      const bytes = (len: number) =>
        Buffer.from(
          Array.from({ length: len }, () => [0, 10, 13, 26, 39, 92, 65, 0xc3, 0xa9][rnd() % 9] as number),
        );
      const row = [
        Buffer.from(String(rnd() - 1e9)),
        Buffer.from('-1.5e-10'),
        rnd() % 5 === 0 ? Buffer.alloc(0) : bytes(rnd() % 20),
        bytes(rnd() % 40),
        rnd() % 4 === 0 ? null : Buffer.from("plain 'x' \\ y"),
        null,
        Buffer.alloc(0),
      ];
      tb.len = 0;
      tb.row(row, kinds);
      assert.equal(tb.buf.subarray(0, tb.len).toString('latin1'), rowTuple(row, kinds));
    }
  });

  it('renders long clean runs (native copy) before, between and without specials', () => {
    const kinds: ValueKind[] = ['str', 'str', 'str', 'str', 'str'];
    const clean = 'a'.repeat(40);
    for (const special of ['\0', '\n', '\r', '\x1a', "'", '\\']) {
      const row = [
        Buffer.from(clean),
        Buffer.from(`${clean}${special}${clean}`),
        Buffer.from(`${special}${clean}`),
        Buffer.from(`ab${special}`),
        Buffer.from(`${clean}${special}`),
      ];
      const tb = new TupleBytes(4);
      tb.row(row, kinds);
      assert.equal(tb.buf.subarray(0, tb.len).toString('latin1'), rowTuple(row, kinds));
    }
  });

  it('renders a text-protocol row packet like the same row as Buffers', () => {
    const kinds: ValueKind[] = ['num', 'str', 'bin', 'str', 'str', 'bin'];
    const lenc = (v: Buffer | null): Buffer => {
      if (v === null) return Buffer.from([0xfb]);
      if (v.length < 0xfb) return Buffer.concat([Buffer.from([v.length]), v]);
      if (v.length < 0x10000) {
        const h = Buffer.alloc(3);
        h[0] = 0xfc;
        h.writeUInt16LE(v.length, 1);
        return Buffer.concat([h, v]);
      }
      const h = Buffer.alloc(4);
      h[0] = 0xfd;
      h.writeUIntLE(v.length, 1, 3);
      return Buffer.concat([h, v]);
    };
    const row = [
      Buffer.from('-42'),
      Buffer.from(`${'x'.repeat(300)}'\\\n${'y'.repeat(40)}`),
      Buffer.from([0, 1, 0xff]),
      null,
      Buffer.from('z'.repeat(70000)),
      Buffer.alloc(0),
    ];
    // A packet sits inside a bigger buffer: 4 header bytes before, other bytes after.
    const src = Buffer.concat([Buffer.from([1, 2, 3, 4]), ...row.map(lenc), Buffer.from([9, 9])]);
    const a = new TupleBytes(16);
    a.rowPacket(src, 4, src.length - 2, kinds);
    const b = new TupleBytes(16);
    b.row(row, kinds);
    assert.equal(a.buf.subarray(0, a.len).toString('latin1'), b.buf.subarray(0, b.len).toString('latin1'));
    assert.equal(b.buf.subarray(0, b.len).toString('latin1'), rowTuple(row, kinds));
  });

  it('appends text and byte ranges', () => {
    const tb = new TupleBytes(1);
    tb.text('ab');
    tb.bytes(Buffer.from('xyz'), 1, 3);
    assert.equal(tb.buf.subarray(0, tb.len).toString(), 'abyz');
  });
});
