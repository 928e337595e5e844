import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { boundaryLiteral, boundaryWheres, sampleKind, sampleOffsets } from './sample-split.js';

describe('sampled split', () => {
  it('builds half-open row-constructor ranges: first < b1, middle [bi, bi+1), last >= blast', () => {
    const w = boundaryWheres(
      ['`a`', '`b`'],
      [
        ["'x'", '1'],
        ["'y'", '2'],
      ],
    );
    assert.deepEqual(w, [
      "(`a`,`b`) < ('x',1)",
      "(`a`,`b`) >= ('x',1) AND (`a`,`b`) < ('y',2)",
      "(`a`,`b`) >= ('y',2)",
    ]);
  });

  it('uses a plain comparison for one column and one unfiltered chunk without boundaries', () => {
    assert.deepEqual(boundaryWheres(['`k`'], [['5']]), ['`k` < 5', '`k` >= 5']);
    assert.deepEqual(boundaryWheres(['`k`'], []), ['']);
  });

  it('renders literals exactly: numbers bare, text with an introducer, binary as hex', () => {
    assert.equal(boundaryLiteral(Buffer.from('-12.50'), 'num'), '-12.50');
    assert.equal(boundaryLiteral(Buffer.from("o'k"), 'text'), "_utf8mb4 X'6f276b'");
    assert.equal(boundaryLiteral(Buffer.from(''), 'text'), "_utf8mb4''");
    assert.equal(boundaryLiteral(Buffer.from([0, 255]), 'bin'), "X'00ff'");
    assert.equal(boundaryLiteral(Buffer.from('2024-01-02'), 'date'), "'2024-01-02'");
  });

  it('only accepts key types whose literals round-trip', () => {
    assert.equal(sampleKind('varchar', 'utf8mb4'), 'text');
    assert.equal(sampleKind('varchar', 'binary'), 'bin');
    assert.equal(sampleKind('VARBINARY', null), 'bin');
    assert.equal(sampleKind('decimal'), 'num');
    assert.equal(sampleKind('double'), undefined);
    assert.equal(sampleKind('datetime'), undefined);
    assert.equal(sampleKind('text', 'utf8mb4'), undefined);
  });

  it('samples n-1 evenly spaced offsets', () => {
    assert.deepEqual(sampleOffsets(5000, 5), [1000, 2000, 3000, 4000]);
    assert.deepEqual(sampleOffsets(5000, 1), []);
    assert.deepEqual(sampleOffsets(0, 4), []);
  });
});
