import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SchemaTracker } from '../pkg/schema/schema-tracker.js';
import { operateSchema, parseCreateTable, type SchemaHolder, showCreateTable } from './schema-operator.js';

function holder(): SchemaHolder & { flushes: number } {
  const h = {
    schemaTracker: new SchemaTracker(false),
    flushes: 0,
    async flushSchema() {
      h.flushes++;
    },
  };
  return h;
}

describe('schema operator', () => {
  it('update puts the structure under the given name, list shows it, delete drops it', async () => {
    const h = holder();
    await operateSchema(h, {
      op: 'update',
      database: 'db1',
      table: 't1',
      schema: 'CREATE TABLE other (id INT UNSIGNED NOT NULL, c VARCHAR(10), PRIMARY KEY (id));\n',
    });
    assert.equal(h.flushes, 1);
    const t = h.schemaTracker.get('db1', 't1');
    assert.deepEqual(
      t?.columns.map((c) => c.name),
      ['id', 'c'],
    );
    const shown = await operateSchema(h, { op: 'list', database: 'DB1', table: 'T1' });
    assert.match(shown, /^CREATE TABLE `t1`/);
    assert.match(shown, /`id` int.*unsigned NOT NULL/);
    assert.match(shown, /PRIMARY KEY \(`id`\)/);
    // What list prints parses back to the same structure.
    assert.deepEqual(parseCreateTable(shown, 'db1', 't1').columns, t?.columns);
    await operateSchema(h, { op: 'delete', database: 'db1', table: 't1', flush: false });
    assert.equal(h.schemaTracker.get('db1', 't1'), undefined);
    assert.equal(h.flushes, 1);
    await assert.rejects(
      operateSchema(h, { op: 'list', database: 'db1', table: 't1' }),
      /not in the schema tracker/,
    );
  });
  it('rejects what is not a CREATE TABLE', async () => {
    await assert.rejects(
      operateSchema(holder(), { op: 'update', database: 'd', table: 't', schema: 'DROP TABLE t' }),
      /one CREATE TABLE/,
    );
  });
  it('shows a structure without a key', () => {
    const t = parseCreateTable('CREATE TABLE x (a int, b text)', 'd', 'x');
    assert.equal(showCreateTable(t).split('\n').length, 4);
  });
});
