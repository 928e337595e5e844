import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { TableMap } from './table-map.js';

describe('TableMap', () => {
  it('keys by schema and table apart (no name text that could collide)', () => {
    const m = new TableMap<number>();
    m.set('a.b', 'c', 1);
    m.set('a', 'b.c', 2);
    assert.equal(m.get('a.b', 'c'), 1);
    assert.equal(m.get('a', 'b.c'), 2);
    assert.equal(m.get('a', 'c'), undefined);
    m.set('a', 'b.c', 3);
    assert.deepEqual([...m.values()].sort(), [1, 3]);
  });

  it('as a cache, drops a full schema (or all schemas) before adding past the limit', () => {
    const m = new TableMap<number>({ schemas: 1, tables: 1 });
    m.set('s', 't1', 1);
    m.set('s', 't2', 2);
    m.set('s', 't2', 22); // an update of a present key drops nothing
    assert.deepEqual([...m.values()].sort(), [1, 22]);
    m.set('s', 't3', 3); // 2 tables > 1: the schema's entries go first
    assert.deepEqual([...m.values()], [3]);
    m.set('x', 't', 4);
    m.set('y', 't', 5); // 2 schemas > 1: all go first
    assert.deepEqual([...m.values()], [5]);
  });
});
