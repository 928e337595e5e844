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

/** The same table with a second unique key (u). */
const twoKeys = {
  ...table,
  uniqueKeys: [...table.uniqueKeys, { name: 'uu', columns: ['v'], primary: false, unique: true }],
} as unknown as TableStructure;

let seq = 0;
function job(
  type: RowChange['type'],
  before?: CellValue[],
  after?: CellValue[],
  noKey = false,
  t: TableStructure = table,
): DmlJob {
  const loc = { file: 'b.000001', pos: 100 + seq };
  return {
    seq: ++seq,
    change: {
      type,
      source: { schema: 's', table: 't' },
      target: { schema: 's', table: 't' },
      table: t,
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

  it('leaves tables with a second unique key alone (a folded change would move past a row taking its freed value)', () => {
    const js = [
      job('update', [1, 'a'], [1, 'b'], false, twoKeys),
      job('insert', undefined, [2, 'a'], false, twoKeys),
      job('update', [1, 'b'], [1, 'c'], false, twoKeys),
    ];
    assert.deepEqual(compactJobs(js), js);
  });

  it('a folded change is in safe mode when any part was; two structures of a table do not fold', () => {
    const a = job('update', [1, 'a'], [1, 'b']);
    a.safe = true;
    assert.deepEqual(shape(compactJobs([a, job('update', [1, 'b'], [1, 'c'])])), [
      ['update', [1, 'a'], [1, 'c'], true],
    ]);
    const other = { ...table } as TableStructure;
    const js = [job('update', [1, 'a'], [1, 'b']), job('update', [1, 'b'], [1, 'c'], false, other)];
    assert.deepEqual(compactJobs(js), js);
  });
});
