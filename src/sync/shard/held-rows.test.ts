import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { HeldRows } from './held-rows.js';

const dir = mkdtempSync(join(tmpdir(), 'held-rows-'));
after(() => rmSync(dir, { recursive: true, force: true }));

describe('HeldRows', () => {
  it('keeps order across memory and the spill file; kept entries stay in order', () => {
    const h = new HeldRows<{ i: number; tag: number; b: Buffer; big: bigint }>(join(dir, 'a'), 2);
    for (let i = 0; i < 6; i++)
      h.push({ i, tag: i % 2 === 0 ? 1 : 2, b: Buffer.from([i]), big: BigInt(i) << 60n });
    assert.equal(h.length, 6);
    assert.equal(h.spilledCount, 4);
    const first = [...h.take((x) => --x.tag > 0)];
    assert.deepEqual(
      first.map((x) => x.i),
      [0, 2, 4],
    );
    assert.ok(Buffer.isBuffer(first[2]?.b) && first[2]?.b[0] === 4);
    assert.equal(first[1]?.big, 2n << 60n);
    assert.equal(h.length, 3);
    const second = [...h.take((x) => --x.tag > 0)];
    assert.deepEqual(
      second.map((x) => x.i),
      [1, 3, 5],
    );
    assert.equal(h.length, 0);
    assert.equal(existsSync(join(dir, 'a.0')), false, 'spill files removed');
    assert.equal(existsSync(join(dir, 'a.1')), false);
  });

  it('clear drops memory and the spill file', () => {
    const h = new HeldRows<number>(join(dir, 'b'), 1);
    h.push(1);
    h.push(2);
    assert.equal(existsSync(join(dir, 'b.0')), true);
    h.clear();
    assert.equal(h.length, 0);
    assert.equal(existsSync(join(dir, 'b.0')), false);
  });
});
