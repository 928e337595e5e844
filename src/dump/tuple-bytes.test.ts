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

  it('appends text and byte ranges', () => {
    const tb = new TupleBytes(1);
    tb.text('ab');
    tb.bytes(Buffer.from('xyz'), 1, 3);
    assert.equal(tb.buf.subarray(0, tb.len).toString(), 'abyz');
  });
});
