import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SchemaTracker } from '../../pkg/schema/schema-tracker.js';
import type { DmlJob, RowChange } from '../job.js';
import { type PendingDelta, PendingRows, STRUCTURE_PK } from './pending-rows.js';

const tracker = new SchemaTracker();
tracker.applyDdl('CREATE TABLE t (id int primary key, v varchar(5), b varbinary(4))', 's');
tracker.applyDdl('CREATE TABLE u (a int, b varchar(3), primary key (a, b))', 's');
const t = tracker.get('s', 't');
const u = tracker.get('s', 'u');
assert.ok(t);
const loc = { file: 'bin.000001', pos: 4 };

function job(c: Omit<RowChange, 'source' | 'target' | 'table'>, source = 't', target = 't'): DmlJob {
  return {
    seq: 0,
    change: {
      ...c,
      source: { schema: 's', table: source },
      target: { schema: 's', table: target },
      table: (target === 'u' ? u : t)!,
    },
    keys: [],
    eventPos: loc,
    eventEnd: loc,
    safe: false,
    noKey: false,
  };
}

/** The pending-change table after `delta` is written over it (key: `schema\0table|row_pk`). */
function write(table: Map<string, string>, delta: PendingDelta): Map<string, string> {
  if (delta.full) table.clear();
  for (const [src, keys] of delta.deletes) for (const k of keys) table.delete(`${src}|${k}`);
  for (const [schema, name, pk, data] of delta.inserts) table.set(`${schema}\u0000${name}|${pk}`, data);
  return table;
}

/** The table's rows as `PendingRows.load` reads them. */
function stored(table: Map<string, string>) {
  return [...table].map(([k, data]) => {
    const [src, pk] = k.split('|');
    const [schema_name, table_name] = src!.split('\u0000');
    return { schema_name: schema_name!, table_name: table_name!, row_pk: pk!, data };
  });
}

describe('PendingRows', () => {
  it('keeps one entry per key (the latest change), an update moving the key checks the old one is gone', () => {
    const p = new PendingRows();
    p.addChange(job({ type: 'insert', after: [1, 'a', null] }), 1);
    p.addChange(job({ type: 'update', before: [1, 'a', null], after: [1, 'b', null] }), 2);
    assert.equal(p.size, 1);
    const first = [...p.entries()][0]?.[1];
    assert.equal(first?.row[1], 'b');
    assert.equal(first?.firstSeen, 1, 'the first change of the key dates it');
    p.addChange(job({ type: 'update', before: [1, 'b', null], after: [2, 'b', null] }), 3);
    assert.deepEqual(
      [...p.entries()].map(([, e]) => [e.row[0], e.kind]),
      [
        [1, 'delete'],
        [2, 'upsert'],
      ],
    );
    assert.deepEqual(p.kinds(), { insert: 0, update: 1, delete: 1 });
  });

  it('flushes only what changed, and a load restores rows with their structure', () => {
    const p = new PendingRows();
    const table = new Map<string, string>();
    p.addChange(job({ type: 'insert', after: [1, 'a', Buffer.from([0, 255])] }), 1);
    p.addChange(job({ type: 'insert', after: [2, 'b', null] }), 1);
    write(table, p.delta().delta);
    assert.equal(table.size, 3, 'one structure row and two rows');
    // No change: nothing to write.
    const idle = p.delta().delta;
    assert.equal(idle.inserts.length + idle.deletes.size, 0);
    // Key 2 confirmed, key 3 added: the delta deletes 2 (only: 3 was never stored) and writes 3
    // (its structure is stored already). Key 4 added and confirmed in between: nothing at all.
    const two = [...p.entries()].find(([, e]) => e.row[0] === 2)!;
    p.drop(two[0], two[1]);
    p.addChange(job({ type: 'insert', after: [3, 'c', null] }), 1);
    p.addChange(job({ type: 'insert', after: [4, 'd', null] }), 1);
    p.addChange(job({ type: 'update', before: [4, 'd', null], after: [4, 'e', null] }), 1);
    const four = [...p.entries()].find(([, e]) => e.row[0] === 4)!;
    p.drop(four[0], four[1]);
    // Key 1 (stored) changed again: its stored row is deleted and the new one written.
    p.addChange(
      job({
        type: 'update',
        before: [1, 'a', Buffer.from([0, 255])],
        after: [1, 'z', Buffer.from([0, 255])],
      }),
      1,
    );
    const oneKey = [...p.entries()].find(([, e]) => e.row[0] === 1)![0];
    const { delta } = p.delta();
    assert.equal(delta.full, false);
    assert.deepEqual(
      delta.inserts.map((r) => r[2].startsWith(STRUCTURE_PK)),
      [false, false],
      'the structure is not written again',
    );
    assert.deepEqual(delta.inserts.map((r) => JSON.parse(r[3]).row[0]).sort(), [1, 3]);
    assert.deepEqual(oneKey, 1, 'one integer key column: the key is the value');
    assert.deepEqual(
      [...delta.deletes.values()].flat().sort(),
      ['s.t\u00002', 's.t\u00001'].sort(),
      'row_pk of the stored rows: target table and key text',
    );
    write(table, delta);
    const restored = new PendingRows();
    restored.load(stored(table));
    assert.deepEqual([...restored.entries()].map(([, e]) => e.row[0]).sort(), [1, 3]);
    const one = [...restored.entries()].find(([, e]) => e.row[0] === 1)![1];
    assert.equal(one.row[1], 'z', 'the latest change of key 1');
    assert.ok(Buffer.isBuffer(one.row[2]) && one.row[2].equals(Buffer.from([0, 255])));
    assert.deepEqual(one.structure.columns, t!.columns);
    // After a load the next flush rewrites the table (drops structures no row uses).
    assert.equal(restored.delta().delta.full, true);
  });

  it('a failed flush is retried in full by the next one', () => {
    const p = new PendingRows();
    p.delta(); // the first (full) flush
    p.addChange(job({ type: 'insert', after: [1, 'a', null] }), 1);
    const failed = p.delta();
    p.addChange(job({ type: 'insert', after: [2, 'b', null] }), 1);
    failed.undo();
    const { delta } = p.delta();
    assert.deepEqual(
      delta.inserts.filter((r) => !r[2].startsWith(STRUCTURE_PK)).length,
      2,
      'both keys written, with the structure again',
    );
    assert.equal(delta.inserts.filter((r) => r[2].startsWith(STRUCTURE_PK)).length, 1);
  });

  it('keeps the keys of each target table apart, composite keys as text, across a flush and load', () => {
    const p = new PendingRows();
    const table = new Map<string, string>();
    p.addChange(job({ type: 'insert', after: [1, 'a', null] }), 1);
    p.addChange(job({ type: 'insert', after: [1, 'a'] }, 'u', 'u'), 1);
    p.addChange(job({ type: 'insert', after: [1, 'b'] }, 'u', 'u'), 1);
    p.addChange(job({ type: 'delete', before: [1, 'a'] }, 'u', 'u'), 1);
    assert.equal(p.size, 3);
    assert.deepEqual(
      [...p.entries()].map(([id, e]) => [e.at.target.table, id, e.kind]),
      [
        ['t', 1, 'upsert'],
        ['u', "1,'a'", 'delete'],
        ['u', "1,'b'", 'upsert'],
      ],
    );
    assert.deepEqual(
      p.batches(10).map((b) => p.open(b).map(([id]) => id)),
      [[1], ["1,'b'"], ["1,'a'"]],
      'one batch per target table and kind',
    );
    const { delta } = p.delta();
    write(table, delta);
    assert.deepEqual(
      delta.inserts.filter((r) => !r[2].startsWith(STRUCTURE_PK)).map((r) => r[2]),
      ['s.t\u00001', "s.u\u00001,'a'", "s.u\u00001,'b'"],
    );
    const restored = new PendingRows();
    restored.load(stored(table));
    assert.deepEqual(
      [...restored.entries()].map(([id, e]) => [e.at.target.table, id, e.kind]).sort(),
      [...p.entries()].map(([id, e]) => [e.at.target.table, id, e.kind]).sort(),
    );
    // A stored key replaced after the load is deleted under its row_pk by the next flush.
    restored.delta();
    restored.addChange(job({ type: 'update', before: [1, 'b'], after: [1, 'b'] }, 'u', 'u'), 2);
    assert.deepEqual([...restored.delta().delta.deletes.entries()], [['s\u0000u', ["s.u\u00001,'b'"]]]);
  });

  it('one structure and target shared by two source tables (shards merged): each row keeps its own source', () => {
    const p = new PendingRows();
    const target = { schema: 's', table: 't' };
    const shared = (source: string, c: Omit<RowChange, 'source' | 'target' | 'table'>): DmlJob => ({
      ...job(c),
      change: { ...c, source: { schema: 's', table: source }, target, table: t! },
    });
    p.addChange(shared('t1', { type: 'insert', after: [1, 'a', null] }), 1);
    p.addChange(shared('t2', { type: 'insert', after: [2, 'b', null] }), 1);
    p.addChange(shared('t1', { type: 'update', before: [1, 'a', null], after: [3, 'a', null] }), 1);
    assert.deepEqual(
      [...p.entries()].map(([id, e]) => [id, e.source.table, e.kind]),
      [
        [1, 't1', 'delete'],
        [2, 't2', 'upsert'],
        [3, 't1', 'upsert'],
      ],
    );
    assert.equal(new Set([...p.entries()].map(([, e]) => e.at)).size, 1, 'one target table');
  });

  it('a row read before a newer change of its key does not drop it, and a batch read later skips it', () => {
    const p = new PendingRows();
    p.addChange(job({ type: 'insert', after: [1, 'a', null] }), 1);
    const [batch] = p.batches(10);
    const [[id, seen]] = [...p.entries()] as [[number, ReturnType<typeof p.open>[number][1]]];
    p.addChange(job({ type: 'update', before: [1, 'a', null], after: [1, 'b', null] }), 2);
    assert.equal(p.holds(id, seen), false);
    p.drop(id, seen);
    assert.equal(p.size, 1, 'the newer change stays pending');
    assert.deepEqual(p.open(batch!), [], 'the batch made before the change has nothing to check');
    const now = p.batches(10).map((b) => p.open(b).map(([, e]) => [e.row[1], e.firstSeen]));
    assert.deepEqual(now, [[['b', 1]]], 'the latest image, dated by the first change');
  });

  it('keeps every row intact when most rows are gone and the row images are compacted', () => {
    const p = new PendingRows();
    const n = 100_000;
    const v = (i: number) => `${i}`.padEnd(200, '.');
    for (let i = 0; i < n; i++) p.addChange(job({ type: 'insert', after: [i, v(i)] }, 'u', 'u'), 1);
    const held = p.heldBytes;
    assert.ok(held > 16 * 1024 ** 2, `several chunks (${held} bytes)`);
    // One row in 5000 stays: every chunk keeps a live row, none can simply be released.
    for (const [id, e] of [...p.entries()]) if ((e.row[0] as number) % 5000 !== 0) p.drop(id, e);
    assert.equal(p.size, 20);
    assert.ok(p.heldBytes <= 4 * 1024 ** 2, `compacted into one chunk (${p.heldBytes} bytes)`);
    assert.deepEqual(
      [...p.entries()].map(([, e]) => e.row),
      Array.from({ length: 20 }, (_, k) => [k * 5000, v(k * 5000)]),
    );
  });
});
