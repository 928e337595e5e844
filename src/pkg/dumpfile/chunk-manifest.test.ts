import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { resumePlan, tableKey } from './chunk-manifest.js';
import { dataFile, parseDataFile } from './dump-dir.js';

describe('resumePlan', () => {
  const row = (table: string, index: number, range: string | undefined, offset: number, endPos: number) => ({
    filename: dataFile('db', table, index),
    ...(range !== undefined ? { range } : {}),
    offset,
    endPos,
  });

  it('lists the ranges not completely loaded, per table', () => {
    const plan = resumePlan([
      row('t', 0, '`id` < 10', 100, 100),
      row('t', 2, '`id` >= 20', 0, 100),
      row('t', 1, '`id` >= 10 AND `id` < 20', 40, 100),
      row('u', 0, '', 0, 0),
      { filename: '.load-finished', offset: 0, endPos: 1 },
    ]);
    assert.ok(plan);
    assert.deepEqual(plan.get(tableKey('db', 't')), {
      done: 1,
      todo: [
        { index: 1, range: '`id` >= 10 AND `id` < 20' },
        { index: 2, range: '`id` >= 20' },
      ],
    });
    // An empty chunk (0 bytes) is loaded: the table is not dumped again.
    assert.deepEqual(plan.get(tableKey('db', 'u')), { done: 1, todo: [] });
  });

  it('gives up (dump everything) when a row has no chunk identity', () => {
    assert.equal(resumePlan([row('t', 0, '', 1, 1), row('t', 1, undefined, 0, 1)]), undefined);
    assert.equal(resumePlan([]), undefined);
  });

  it('parses chunk file names', () => {
    assert.deepEqual(parseDataFile('db.t.x.000000012.sql'), { db: 'db', table: 't.x', index: 12 });
    assert.equal(parseDataFile('db.t-schema.sql'), undefined);
    assert.equal(parseDataFile('db.t.sql'), undefined);
  });
});
