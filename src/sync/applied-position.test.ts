import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AppliedPosition } from './applied-position.js';

const at = (pos: number) => ({ file: 'mysql-bin.000001', pos });

describe('AppliedPosition', () => {
  it('moves only to boundaries whose jobs are all applied', () => {
    const a = new AppliedPosition();
    a.set(at(4));
    const j1 = a.nextSeq();
    const j2 = a.nextSeq();
    a.boundary(at(100), 10); // trx 1: jobs 1, 2
    const j3 = a.nextSeq();
    a.boundary(at(200), 20); // trx 2: job 3
    assert.deepEqual([j1, j2, j3], [1, 2, 3]);
    a.advance(2); // job 2 still pending
    assert.deepEqual(a.location, at(4));
    assert.equal(a.timestamp, 0);
    a.advance(3); // jobs 1, 2 applied; 3 pending
    assert.deepEqual(a.location, at(100));
    assert.equal(a.timestamp, 10);
    a.advance(Number.POSITIVE_INFINITY); // idle
    assert.deepEqual(a.location, at(200));
    assert.equal(a.timestamp, 20);
  });

  it('passes boundaries with no jobs (filtered transactions) at once when idle', () => {
    const a = new AppliedPosition();
    a.boundary(at(50), 5);
    a.boundary(at(60), 6);
    a.advance(Number.POSITIVE_INFINITY);
    assert.deepEqual(a.location, at(60));
  });
});
