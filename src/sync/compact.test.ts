import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { CellValue } from '../pkg/binlog/types.js';
import type { TableStructure } from '../pkg/schema/table-structure.js';
import { compactJobs } from './compact.js';
import type { DmlJob, RowChange } from './job.js';

const table = {
  schema: 's',
  table: 't',
  columns: [
    { name: 'id', nullable: false },
    { name: 'v', nullable: true },
  ],
  uniqueKeys: [{ name: 'PRIMARY', columns: ['id'], primary: true, unique: true }],
} as unknown as TableStructure;

let seq = 0;
function job(type: RowChange['type'], before?: CellValue[], after?: CellValue[], noKey = false): DmlJob {
  const loc = { file: 'b.000001', pos: 100 + seq };
  return {
    seq: ++seq,
    change: {
      type,
      source: { schema: 's', table: 't' },
      target: { schema: 's', table: 't' },
      table,
      before,
      after,
    },
    keys: [],
    eventPos: loc,
    eventEnd: loc,
    safe: false,
    noKey,
  };
}
const shape = (js: DmlJob[]) => js.map((j) => [j.change.type, j.change.before, j.change.after, j.safe]);

describe('compact', () => {
  it('folds changes of one row, keeps other rows in order', () => {
    const out = compactJobs([
      job('insert', undefined, [1, 'a']),
      job('update', [1, 'a'], [1, 'b']),
      job('update', [1, 'b'], [1, 'c']),
      job('update', [2, 'x'], [2, 'y']),
      job('update', [2, 'y'], [2, 'z']),
    ]);
    assert.deepEqual(shape(out), [
      ['insert', undefined, [1, 'c'], false],
      ['update', [2, 'x'], [2, 'z'], false],
    ]);
  });

  it('anything + DELETE is a DELETE; DELETE + INSERT is a REPLACE', () => {
    assert.deepEqual(shape(compactJobs([job('insert', undefined, [1, 'a']), job('delete', [1, 'a'])])), [
      ['delete', [1, 'a'], undefined, false],
    ]);
    assert.deepEqual(shape(compactJobs([job('update', [1, 'a'], [1, 'b']), job('delete', [1, 'b'])])), [
      ['delete', [1, 'a'], undefined, false],
    ]);
    assert.deepEqual(shape(compactJobs([job('delete', [1, 'a']), job('insert', undefined, [1, 'n'])])), [
      ['insert', undefined, [1, 'n'], true],
    ]);
  });

  it('splits a key-changing UPDATE and keeps keyless rows untouched', () => {
    const out = compactJobs([
      job('insert', undefined, [1, 'a']),
      job('update', [1, 'a'], [5, 'a']),
      job('insert', undefined, [9, 'k'], true),
      job('insert', undefined, [9, 'k'], true),
    ]);
    assert.deepEqual(shape(out), [
      ['delete', [1, 'a'], undefined, false],
      ['insert', undefined, [5, 'a'], true],
      ['insert', undefined, [9, 'k'], false],
      ['insert', undefined, [9, 'k'], false],
    ]);
  });
});
