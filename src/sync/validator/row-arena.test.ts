import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { CellValue } from '../../pkg/binlog/types.js';
import { RowArena } from './row-arena.js';

describe('RowArena', () => {
  it('gives back every kind of cell exactly', () => {
    const a = new RowArena(1024);
    const hole: CellValue[] = [1];
    hole[2] = 'x'; // a column the (minimal) image does not have
    const rows: CellValue[][] = [
      [0, -1, 2147483647, -2147483648, 2147483648, -0, 1.5, Number.MAX_SAFE_INTEGER, Number.NaN],
      [null, '', 'ascii', 'ünïcødé 𝄞 日本', '\u0000\t\n\\\'"', Buffer.from([0, 255, 128])],
      [Buffer.alloc(0), ['a', 'b,c', ''], [], 'x'.repeat(300)],
      hole,
    ];
    const at = rows.map((r) => {
      a.put(r);
      return [a.chunk, a.offset, a.length] as const;
    });
    rows.forEach((r, i) => {
      const [c, o, l] = at[i]!;
      const got = a.get(c, o, l);
      assert.equal(got.length, r.length, `row ${i} length`);
      for (let k = 0; k < r.length; k++) {
        assert.equal(k in got, k in r, `row ${i} cell ${k}: a hole stays a hole`);
        assert.deepEqual(got[k], r[k], `row ${i} cell ${k}`);
      }
    });
    assert.ok(Object.is(a.get(...at[0]!)[5], -0), '-0 kept');
  });

  it('frees chunks whose rows are all gone, and reports fragmentation', () => {
    const a = new RowArena(100);
    const addr: [number, number][] = [];
    for (let i = 0; i < 40; i++) {
      a.put([i, 'y']);
      addr.push([a.chunk, a.length]);
    }
    const allocated = a.chunkBytes;
    assert.ok(allocated >= 4 * 100, `rows spread over several chunks (${allocated} bytes)`);
    // All but one row per chunk gone: mostly dead, nothing releasable.
    const kept = new Set<number>();
    for (const [c, l] of addr) {
      if (kept.has(c)) a.free(c, l);
      else kept.add(c);
    }
    assert.equal(a.chunkBytes, allocated);
    assert.ok(a.fragmented);
    // A chunk's last row freed: the chunk goes (unless it is being written).
    const lastChunk = addr[addr.length - 1]![0];
    for (const c of kept) if (c !== lastChunk) a.free(c, addr.find(([x]) => x === c)![1]);
    assert.ok(a.chunkBytes <= 100, `only the current chunk left (${a.chunkBytes} bytes)`);
    assert.ok(a.liveBytes > 0 && a.liveBytes < 100);
  });

  it('a trickle of rows, each freed before the next, keeps writing into one chunk', () => {
    const a = new RowArena(100);
    for (let i = 0; i < 1000; i++) {
      a.put([i, 'row']);
      assert.deepEqual(a.get(a.chunk, a.offset, a.length), [i, 'row']);
      a.free(a.chunk, a.length);
    }
    assert.equal(a.chunkBytes, 100);
    assert.equal(a.liveBytes, 0);
  });

  it('a row larger than a chunk gets a chunk of its own', () => {
    const a = new RowArena(64);
    a.put([1]);
    const big = Buffer.alloc(1000, 7);
    a.put([big]);
    const got = a.get(a.chunk, a.offset, a.length);
    assert.ok(Buffer.isBuffer(got[0]) && got[0].equals(big));
  });
});
