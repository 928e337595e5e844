import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SchemaTracker } from '../../pkg/schema/schema-tracker.js';
import type { TableStructure } from '../../pkg/schema/table-structure.js';
import { Causality, changeKeys } from '../causality.js';
import type { RowChange } from '../job.js';
import { batchSql } from './batch-sql.js';
import { changeSql, formatStmt } from './dml-sql.js';

function table(ddl: string): TableStructure {
  const t = new SchemaTracker();
  t.applyDdl(ddl, 's');
  const s = t.list()[0];
  assert.ok(s);
  return s;
}
const target = { schema: 'ts', table: 'tt' };
const source = { schema: 's', table: 't' };
const pk = table(
  "CREATE TABLE t (id int primary key, v varchar(5), b varbinary(3), s set('a','b'), g int as (id+1) virtual)",
);
const nokey = table('CREATE TABLE t (a int, f float, v varchar(5))');
const sql = (c: RowChange, safe = false) => changeSql(c, safe).map(formatStmt);

describe('DML to SQL', () => {
  it('generates INSERT/UPDATE/DELETE by primary key, skipping generated columns', () => {
    const row = [1, "x'y", '0xC1FF', ['a', 'b'], 2];
    assert.deepEqual(sql({ type: 'insert', source, target, table: pk, after: row }), [
      "INSERT INTO `ts`.`tt` (`id`,`v`,`b`,`s`) VALUES (1,'x\\'y',X'c1ff','a,b')",
    ]);
    assert.deepEqual(
      sql({ type: 'update', source, target, table: pk, before: row, after: [1, null, null, [], 2] }),
      ["UPDATE `ts`.`tt` SET `id` = 1, `v` = NULL, `b` = NULL, `s` = '' WHERE `id` = 1 LIMIT 1"],
    );
    assert.deepEqual(sql({ type: 'delete', source, target, table: pk, before: row }), [
      'DELETE FROM `ts`.`tt` WHERE `id` = 1 LIMIT 1',
    ]);
  });

  it('uses REPLACE and DELETE+REPLACE in safe mode, DELETE only when the key moved', () => {
    const a = [1, 'a', null, [], 2];
    const b = [2, 'a', null, [], 3];
    assert.deepEqual(sql({ type: 'insert', source, target, table: pk, after: a }, true), [
      "REPLACE INTO `ts`.`tt` (`id`,`v`,`b`,`s`) VALUES (1,'a',NULL,'')",
    ]);
    assert.deepEqual(
      sql({ type: 'update', source, target, table: pk, before: a, after: [1, 'z', null, [], 2] }, true),
      ["REPLACE INTO `ts`.`tt` (`id`,`v`,`b`,`s`) VALUES (1,'z',NULL,'')"],
    );
    assert.deepEqual(sql({ type: 'update', source, target, table: pk, before: a, after: b }, true), [
      'DELETE FROM `ts`.`tt` WHERE `id` = 1 LIMIT 1',
      "REPLACE INTO `ts`.`tt` (`id`,`v`,`b`,`s`) VALUES (2,'a',NULL,'')",
    ]);
  });

  it('matches keyless rows on every exact column, NULL-safe, one row at a time', () => {
    assert.deepEqual(sql({ type: 'delete', source, target, table: nokey, before: [1, 0.5, null] }, true), [
      'DELETE FROM `ts`.`tt` WHERE `a` <=> 1 AND `v` IS NULL LIMIT 1',
    ]);
    // Safe mode cannot make keyless INSERTs idempotent: they stay INSERTs.
    assert.match(
      sql({ type: 'insert', source, target, table: nokey, after: [1, 0.5, 'x'] }, true)[0] ?? '',
      /^INSERT/,
    );
  });

  it('merges runs of inserts into multi-row statements', () => {
    const ins = (id: number): { change: RowChange; safe: boolean } => ({
      change: { type: 'insert', source, target, table: pk, after: [id, 'v', null, [], 0] },
      safe: false,
    });
    const del: { change: RowChange; safe: boolean } = {
      change: { type: 'delete', source, target, table: pk, before: [1, 'v', null, [], 0] },
      safe: false,
    };
    const out = batchSql([ins(1), ins(2), del, ins(3)], true).map(formatStmt);
    assert.deepEqual(out, [
      "INSERT INTO `ts`.`tt` (`id`,`v`,`b`,`s`) VALUES (1,'v',NULL,''),(2,'v',NULL,'')",
      'DELETE FROM `ts`.`tt` WHERE `id` = 1 LIMIT 1',
      "INSERT INTO `ts`.`tt` (`id`,`v`,`b`,`s`) VALUES (3,'v',NULL,'')",
    ]);
    assert.equal(batchSql([ins(1), ins(2)], false).length, 2);
  });

  it('groups changes with distinct keys by kind and table, and keeps a repeated key in order', () => {
    const row = (id: number, v = 'v') => [id, v, null, [], 0];
    const safe = (change: RowChange) => ({ change, safe: true });
    const out = batchSql(
      [
        safe({ type: 'insert', source, target, table: pk, after: row(1) }),
        safe({ type: 'delete', source, target, table: pk, before: row(2) }),
        safe({ type: 'update', source, target, table: pk, before: row(3), after: row(3, 'w') }),
        safe({ type: 'delete', source, target, table: pk, before: row(5) }),
        // The key moves 6 → 7: DELETE(6) joins the deletes, the new row the REPLACEs.
        safe({ type: 'update', source, target, table: pk, before: row(6), after: row(7) }),
        // Key 1 again: a new segment, after everything above.
        safe({ type: 'delete', source, target, table: pk, before: row(1) }),
        safe({ type: 'insert', source, target, table: pk, after: row(8) }),
      ],
      true,
    ).map(formatStmt);
    assert.deepEqual(out, [
      "REPLACE INTO `ts`.`tt` (`id`,`v`,`b`,`s`) VALUES (1,'v',NULL,''),(3,'w',NULL,''),(7,'v',NULL,'')",
      'DELETE FROM `ts`.`tt` WHERE `id` IN (2,5,6)',
      'DELETE FROM `ts`.`tt` WHERE `id` = 1 LIMIT 1',
      "REPLACE INTO `ts`.`tt` (`id`,`v`,`b`,`s`) VALUES (8,'v',NULL,'')",
    ]);
    // Outside safe mode: a lone UPDATE stays an UPDATE; several that keep their key become
    // one INSERT … ON DUPLICATE KEY UPDATE (DM's merger); a key-moving UPDATE stays alone.
    const upd = (id: number, to = id): { change: RowChange; safe: boolean } => ({
      change: { type: 'update', source, target, table: pk, before: row(id), after: row(to, 'x') },
      safe: false,
    });
    const ins = (id: number): { change: RowChange; safe: boolean } => ({
      change: { type: 'insert', source, target, table: pk, after: row(id) },
      safe: false,
    });
    assert.deepEqual(batchSql([ins(1), upd(2), ins(3)], true).map(formatStmt), [
      "INSERT INTO `ts`.`tt` (`id`,`v`,`b`,`s`) VALUES (1,'v',NULL,''),(3,'v',NULL,'')",
      "UPDATE `ts`.`tt` SET `id` = 2, `v` = 'x', `b` = NULL, `s` = '' WHERE `id` = 2 LIMIT 1",
    ]);
    assert.deepEqual(batchSql([upd(2), upd(4), upd(5, 9)], true).map(formatStmt), [
      "INSERT INTO `ts`.`tt` (`id`,`v`,`b`,`s`) VALUES (2,'x',NULL,''),(4,'x',NULL,'')" +
        ' ON DUPLICATE KEY UPDATE `id`=VALUES(`id`),`v`=VALUES(`v`),`b`=VALUES(`b`),`s`=VALUES(`s`)',
      "UPDATE `ts`.`tt` SET `id` = 9, `v` = 'x', `b` = NULL, `s` = '' WHERE `id` = 5 LIMIT 1",
    ]);
  });

  it('writes safe INSERTs and key-keeping UPDATEs of a one-unique-key table as one REPLACE', () => {
    // The last column: `g` of `pk` (generated), `n` of `uk` (unique: distinct per row).
    const row = (id: number, v = 'v') => [id, v, null, [], id];
    const upd = (id: number, t = pk): { change: RowChange; safe: boolean } => ({
      change: { type: 'update', source, target, table: t, before: row(id), after: row(id, 'x') },
      safe: false,
    });
    // A compacted DELETE + INSERT of one row: a safe-mode INSERT.
    const folded = (id: number, t = pk): { change: RowChange; safe: boolean } => ({
      change: { type: 'insert', source, target, table: t, after: row(id, 'f') },
      safe: true,
    });
    assert.deepEqual(batchSql([upd(1), folded(2), upd(3), folded(4)], true).map(formatStmt), [
      "REPLACE INTO `ts`.`tt` (`id`,`v`,`b`,`s`) VALUES (1,'x',NULL,''),(3,'x',NULL,''),(2,'f',NULL,''),(4,'f',NULL,'')",
    ]);
    // A lone UPDATE beside a REPLACE joins it too (one statement, not two).
    assert.deepEqual(batchSql([folded(2), upd(1)], true).map(formatStmt), [
      "REPLACE INTO `ts`.`tt` (`id`,`v`,`b`,`s`) VALUES (2,'f',NULL,''),(1,'x',NULL,'')",
    ]);
    // A second unique key: REPLACE could delete another row than the upsert updates; kept apart.
    const uk = table(
      'CREATE TABLE t (id int primary key, v varchar(5), b varbinary(3), s int, n int, UNIQUE KEY (n))',
    );
    assert.deepEqual(
      batchSql([upd(1, uk), upd(3, uk), folded(2, uk)], true).map((st) => formatStmt(st).split(' (')[0]),
      ['INSERT INTO `ts`.`tt`', 'REPLACE INTO `ts`.`tt`'],
    );
  });

  it('cuts a segment on a shared unique value, and deletes composite keys by OR of ANDs', () => {
    const uk = table('CREATE TABLE t (id int primary key, u int, UNIQUE KEY uu (u))');
    // Row 1 frees u=5, row 2 takes it: the second change must stay after the first.
    const out = batchSql(
      [
        { change: { type: 'update', source, target, table: uk, before: [1, 5], after: [1, 6] }, safe: true },
        { change: { type: 'update', source, target, table: uk, before: [2, 7], after: [2, 5] }, safe: true },
      ],
      true,
    ).map(formatStmt);
    assert.deepEqual(out, [
      'REPLACE INTO `ts`.`tt` (`id`,`u`) VALUES (1,6)',
      'REPLACE INTO `ts`.`tt` (`id`,`u`) VALUES (2,5)',
    ]);
    const ck = table('CREATE TABLE t (a int, b varchar(3), v int, PRIMARY KEY (a, b))');
    const del = (a: number, b: string): { change: RowChange; safe: boolean } => ({
      change: { type: 'delete', source, target, table: ck, before: [a, b, 0] },
      safe: false,
    });
    assert.deepEqual(batchSql([del(1, 'x'), del(2, "y'")], true).map(formatStmt), [
      "DELETE FROM `ts`.`tt` WHERE (`a` = 1 AND `b` = 'x') OR (`a` = 2 AND `b` = 'y\\'')",
    ]);
  });
});

describe('causality', () => {
  const uk = table('CREATE TABLE t (id int primary key, u varchar(5) not null, unique key uu (u))');
  const upd = (b: [number, string], a: [number, string]): RowChange => ({
    type: 'update',
    source,
    target,
    table: uk,
    before: b,
    after: a,
  });

  it('keeps changes of one row on one applier and detects a unique-value swap', () => {
    const c = new Causality(4);
    const w1 = c.assign(changeKeys(upd([1, 'a'], [1, 'x'])));
    const w2 = c.assign(changeKeys(upd([2, 'b'], [2, 'y'])));
    assert.notEqual(w1, 'conflict');
    assert.notEqual(w2, 'conflict');
    // The same row again stays on its applier.
    assert.equal(c.assign(changeKeys(upd([1, 'x'], [1, 'z']))), w1);
    // Row 1 (relation 1) taking row 2's old value 'b' (relation 2): a conflict.
    assert.equal(c.assign(changeKeys(upd([1, 'z'], [1, 'b']))), 'conflict');
    c.reset();
    assert.notEqual(c.assign(changeKeys(upd([1, 'z'], [1, 'b']))), 'conflict');
  });

  it('is case-insensitive on text keys and gives keyless tables one key', () => {
    const a = changeKeys({ type: 'insert', source, target, table: uk, after: [1, 'Ab '] });
    const b = changeKeys({ type: 'insert', source, target, table: uk, after: [2, 'ab'] });
    assert.ok(a.some((k) => b.includes(k)));
    assert.equal(changeKeys({ type: 'insert', source, target, table: nokey, after: [1, 2, 'x'] }).length, 1);
  });
});
