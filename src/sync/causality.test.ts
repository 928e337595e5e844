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

describe('changeKeys of a table whose only key is one integer column', () => {
  const tr = new SchemaTracker();
  tr.applyDdl('CREATE TABLE a (id int primary key, v varchar(5))', 's');
  tr.applyDdl('CREATE TABLE b (id bigint primary key, v varchar(5))', 's');
  const ta = tr.get('s', 'a');
  const tb = tr.get('s', 'b');
  assert.ok(ta && tb);
  const on = (table: typeof ta, target: string) => ({
    source: { schema: 's', table: table.table },
    target: { schema: 's', table: target },
    table,
  });

  it('gives one number per row: equal for changes of the row, distinct across rows and tables', () => {
    const ins = changeKeys({ ...on(ta, 'a'), type: 'insert', after: [5, 'x'] });
    const del = changeKeys({ ...on(ta, 'a'), type: 'delete', before: [5, 'y'] });
    assert.equal(typeof ins[0], 'number');
    assert.deepEqual(del, ins, 'the same row, the same key');
    assert.notDeepEqual(changeKeys({ ...on(ta, 'a'), type: 'insert', after: [6, 'x'] }), ins);
    assert.notDeepEqual(
      changeKeys({ ...on(tb, 'b'), type: 'insert', after: [5, 'x'] }),
      ins,
      'another table',
    );
    // Extremes of the ranges stay distinct from their neighbours.
    const k = (id: number) => changeKeys({ ...on(ta, 'a'), type: 'insert', after: [id, 'x'] })[0];
    assert.notEqual(k(-2147483648), k(-2147483647));
    assert.notEqual(k(4294967295), k(4294967294));
    assert.equal(typeof k(4294967295), 'number');
  });

  it('keeps one key for an update that keeps the row, both for one that moves it', () => {
    const same = changeKeys({ ...on(ta, 'a'), type: 'update', before: [5, 'x'], after: [5, 'y'] });
    assert.equal(same.length, 1);
    const moved = changeKeys({ ...on(ta, 'a'), type: 'update', before: [5, 'x'], after: [7, 'x'] });
    assert.equal(moved.length, 2);
    assert.deepEqual(moved[0], same[0]);
  });

  it('gives a value outside the number range the text form, the same whatever the other image holds', () => {
    const big = 2 ** 40;
    const ins = changeKeys({ ...on(tb, 'b'), type: 'insert', after: [big, 'x'] });
    assert.deepEqual(ins, [`s.b\u0001PRIMARY\u0001${big}`]);
    // An update from a number-range value to a big one: the old row keeps its number key.
    const moved = changeKeys({ ...on(tb, 'b'), type: 'update', before: [5, 'x'], after: [big, 'x'] });
    const small = changeKeys({ ...on(tb, 'b'), type: 'delete', before: [5, 'x'] });
    assert.deepEqual(moved, [small[0], ins[0]]);
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
    const n = new Causality(4);
    // Number keys (causality.ts: one-integer-column tables) relate the same way.
    n.assign([10]);
    n.assign([20]);
    assert.equal(n.assign([10, 20]), 'conflict');
    assert.equal(n.assign([10, 30]), n.assign([10]));
    const c = new Causality(4);
    c.assign(['k1']);
    c.assign(['k2']);
    assert.equal(c.assign(['k1', 'k2']), 'conflict');
    c.release(['k1']);
    c.release(['k2']);
    assert.equal(c.size, 0);
  });
});
