import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SchemaTracker } from '../pkg/schema/schema-tracker.js';
import { Causality, changeKeys, hash } from './causality.js';
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

describe('Causality', () => {
  it('keeps changes of one key on one applier while any is pending, and forgets released keys', () => {
    const c = new Causality(16);
    const a = c.assign(['t|1']);
    assert.equal(a, hash('t|1') % 16);
    // A second change of the same row, and one that links a new key to it: same applier.
    assert.equal(c.assign(['t|1']), a);
    assert.equal(c.assign(['t|1', 't|2']), a);
    assert.equal(c.size, 2);
    c.release(['t|1']);
    c.release(['t|1']);
    // t|1 is still held by the third change; t|2 stays in its relation.
    assert.equal(c.assign(['t|2']), a);
    c.release(['t|2']);
    c.release(['t|1', 't|2']);
    assert.equal(c.size, 0, 'nothing pending: nothing remembered');
    // Released: the key routes by its own hash again.
    const other = c.assign(['t|2']);
    assert.equal(other, hash('t|2') % 16);
  });

  it('reports a change whose keys sit in two pending relations as a conflict, without holding them', () => {
    const c = new Causality(4);
    c.assign(['k1']);
    c.assign(['k2']);
    assert.equal(c.assign(['k1', 'k2']), 'conflict');
    c.release(['k1']);
    c.release(['k2']);
    assert.equal(c.size, 0);
  });
});
