import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SchemaTracker } from './schema-tracker.js';
import { identityKey, parseEnumValues, toColumnsInfo } from './table-structure.js';

describe('SchemaTracker', () => {
  it('follows CREATE TABLE with types, charsets, generated columns and keys', () => {
    const t = new SchemaTracker();
    const r = t.applyDdl(
      "CREATE TABLE `a`.`t` (id int unsigned NOT NULL, v varchar(10) CHARACTER SET latin1, b varbinary(4), e enum('x','y''z'), g int AS (id+1) VIRTUAL, PRIMARY KEY (id), UNIQUE KEY uk (v))",
      'other',
    );
    assert.equal(r.kind, 'applied');
    const s = t.get('a', 't');
    assert.ok(s);
    assert.deepEqual(
      s.columns.map((c) => [c.name, c.type, c.unsigned, c.charset, c.nullable, c.generated]),
      [
        ['id', 'int', true, undefined, false, false],
        ['v', 'varchar(10)', false, 'latin1', true, false],
        ['b', 'varbinary(4)', false, 'binary', true, false],
        ['e', "enum('x','y''z')", false, 'utf8mb4', true, false],
        ['g', 'int', false, undefined, true, true],
      ],
    );
    assert.deepEqual(s.columns[3]?.enumValues, ['x', "y'z"]);
    assert.deepEqual(identityKey(s)?.columns, ['id']);
    const info = toColumnsInfo(s);
    assert.deepEqual(info.primaryKey, [0]);
    assert.deepEqual(info.unsigned, [true, false, false, false, false]);
  });

  it('follows ALTER ADD/DROP/MODIFY/CHANGE/RENAME COLUMN and index changes', () => {
    const t = new SchemaTracker();
    t.applyDdl('CREATE TABLE t (id int primary key, a int, b int) DEFAULT CHARSET=latin1', 'd');
    assert.equal(t.get('d', 't')?.columns[0]?.nullable, false);
    assert.equal(
      t.applyDdl('ALTER TABLE t ADD COLUMN c varchar(3) AFTER id, DROP COLUMN b', 'd').kind,
      'applied',
    );
    assert.deepEqual(
      t.get('d', 't')?.columns.map((c) => c.name),
      ['id', 'c', 'a'],
    );
    assert.equal(t.get('d', 't')?.columns[1]?.charset, 'latin1');
    t.applyDdl('ALTER TABLE d.t MODIFY a bigint unsigned NOT NULL, CHANGE c cc text', 'x');
    const s = t.get('d', 't');
    assert.deepEqual(
      s?.columns.map((c) => [c.name, c.type, c.unsigned, c.nullable]),
      [
        ['id', 'int', false, false],
        ['cc', 'text', false, true],
        ['a', 'bigint', true, false],
      ],
    );
    t.applyDdl('ALTER TABLE t DROP PRIMARY KEY', 'd');
    assert.equal(identityKey(t.get('d', 't')!), undefined);
    t.applyDdl('CREATE UNIQUE INDEX ua ON t (a)', 'd');
    assert.deepEqual(identityKey(t.get('d', 't')!)?.columns, ['a']);
    t.applyDdl('DROP INDEX ua ON t', 'd');
    assert.equal(t.get('d', 't')?.uniqueKeys.length, 0);
    t.applyDdl('ALTER TABLE t RENAME TO t2', 'd');
    assert.equal(t.has('d', 't'), false);
    assert.equal(t.get('d', 't2')?.columns.length, 3);
  });

  it('follows RENAME/DROP/LIKE and reports what the parser cannot read', () => {
    const t = new SchemaTracker();
    t.applyDdl('CREATE TABLE t (id int primary key)', 'd');
    t.applyDdl('RENAME TABLE t TO e.u', 'd');
    assert.ok(t.get('e', 'u'));
    t.applyDdl('CREATE TABLE e.v LIKE e.u', 'd');
    assert.deepEqual(t.get('e', 'v')?.uniqueKeys[0]?.columns, ['id']);
    t.applyDdl('DROP TABLE IF EXISTS e.u', 'd');
    assert.equal(t.has('e', 'u'), false);
    // node-sql-parser 5 rejects ADD UNIQUE KEY in ALTER: the caller must re-read the table.
    assert.equal(t.applyDdl('ALTER TABLE e.v ADD UNIQUE KEY k (id)', 'd').kind, 'unparsed');
    // An ALTER of an unknown table cannot be followed either.
    assert.equal(t.applyDdl('ALTER TABLE nope ADD COLUMN x int', 'd').kind, 'unparsed');
    t.applyDdl('DROP DATABASE e', 'd');
    assert.equal(t.list().length, 0);
  });

  it('round-trips through JSON', () => {
    const t = new SchemaTracker();
    t.applyDdl("CREATE TABLE t (id int primary key, s set('a','b'))", 'd');
    const u = new SchemaTracker();
    u.load(JSON.parse(JSON.stringify(t.toJSON())));
    assert.deepEqual(u.get('d', 't'), t.get('d', 't'));
    assert.deepEqual(u.lookup()('D', 'T')?.setValues, [undefined, ['a', 'b']]);
  });

  it('parses enum values with quotes', () => {
    assert.deepEqual(parseEnumValues("'a','b''c','d\\'e'"), ['a', "b'c", "d'e"]);
  });
});
