import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { chunkCount, planRanges, rangeWhere } from './chunk-plan.js';

const base = { estRows: 0, avgRowLen: 100, rows: 0, chunkFilesizeMb: 64, threads: 4 };

describe('chunk plan', () => {
  it('counts chunks by rows, by size, and spreads big tables over threads', () => {
    assert.equal(chunkCount({ ...base, estRows: 1000, rows: 100 }), 10);
    assert.equal(chunkCount({ ...base, estRows: 1_000_000, avgRowLen: 200 }), 4); // 190 MB / 64 → 3, threads → 4
    assert.equal(chunkCount({ ...base, estRows: 10 }), 1);
    assert.equal(chunkCount({ ...base, estRows: 0 }), 1);
  });

  it('covers the whole key space without overlap', () => {
    const r = planRanges({ ...base, min: -5n, max: 94n, estRows: 100, rows: 10 });
    assert.equal(r.length, 10);
    assert.deepEqual(r[0], { hi: 5n });
    assert.deepEqual(r[1], { lo: 5n, hi: 15n });
    assert.deepEqual(r[9], { lo: 85n });
    for (let k = 1; k < r.length; k++) assert.equal(r[k]?.lo, r[k - 1]?.hi);
  });

  it('never makes more chunks than keys, and handles one row and huge bigints', () => {
    assert.deepEqual(planRanges({ ...base, min: 7n, max: 7n, estRows: 1000, rows: 1 }), [{}]);
    assert.equal(planRanges({ ...base, min: 1n, max: 3n, estRows: 1000, rows: 1 }).length, 3);
    const big = planRanges({
      ...base,
      min: 0n,
      max: 18446744073709551615n,
      estRows: 40,
      rows: 10,
    });
    assert.equal(big.length, 4);
    assert.equal(big[3]?.hi, undefined);
  });

  it('renders range predicates', () => {
    assert.equal(rangeWhere('`id`', { lo: 1n, hi: 9n }), '`id` >= 1 AND `id` < 9');
    assert.equal(rangeWhere('`id`', {}), '');
  });
});
