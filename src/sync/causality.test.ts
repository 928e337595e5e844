import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SchemaTracker } from '../pkg/schema/schema-tracker.js';
import { changeKeys } from './causality.js';
import type { RowChange } from './job.js';

const tracker = new SchemaTracker();
tracker.applyDdl(
  'CREATE TABLE t (id int, k2 varchar(5), u varchar(5), v int, primary key (id, k2), unique key uu (u))',
  's',
);
const t = tracker.get('s', 't');
assert.ok(t);
const base = { source: { schema: 's', table: 't' }, target: { schema: 'TS', table: 'Tt' }, table: t };

describe('changeKeys', () => {
  it('names table, key and every key part; skips a UK with a NULL part', () => {
    const c: RowChange = { ...base, type: 'insert', after: [1, 'AB ', null, 5] };
    assert.deepEqual(changeKeys(c), ['ts.tt\u0001PRIMARY\u00011\u0002ab']);
    const d: RowChange = { ...base, type: 'delete', before: [2, 'x', 'Q', 5] };
    assert.deepEqual(changeKeys(d), ['ts.tt\u0001PRIMARY\u00012\u0002x', 'ts.tt\u0001uu\u0001q']);
  });

  it('lists a key once when an update keeps it, both values when it moves', () => {
    const same: RowChange = { ...base, type: 'update', before: [1, 'a', 'u', 1], after: [1, 'a', 'u', 2] };
    assert.deepEqual(changeKeys(same), ['ts.tt\u0001PRIMARY\u00011\u0002a', 'ts.tt\u0001uu\u0001u']);
    const moved: RowChange = { ...base, type: 'update', before: [1, 'a', 'u', 1], after: [2, 'a', 'u', 1] };
    assert.deepEqual(changeKeys(moved), [
      'ts.tt\u0001PRIMARY\u00011\u0002a',
      'ts.tt\u0001uu\u0001u',
      'ts.tt\u0001PRIMARY\u00012\u0002a',
    ]);
  });
});
