import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { classifyAlter, compareTypes, joinSchemas, splitAlter } from './joined-schema.js';
import type { SchemaColumn } from './types.js';

const col = (name: string, type: string, nullable = true, unsigned = false): SchemaColumn => ({
  name,
  type,
  unsigned,
  nullable,
});

describe('joined schema', () => {
  it('orders types by what they hold; incomparable types are undefined', () => {
    assert.equal(compareTypes(col('a', 'int'), col('a', 'bigint')), -1);
    assert.equal(compareTypes(col('a', 'varchar(20)'), col('a', 'varchar(10)')), 1);
    assert.equal(compareTypes(col('a', 'decimal(10,2)'), col('a', 'decimal(12,4)')), -1);
    assert.equal(compareTypes(col('a', 'int'), col('a', 'varchar(10)')), undefined);
    assert.equal(compareTypes(col('a', 'int', true, true), col('a', 'bigint')), undefined);
  });

  it('joins to the union of columns at the widest type, nullable if any shard is', () => {
    const r = joinSchemas([
      [col('id', 'int', false), col('v', 'varchar(10)', false)],
      [col('id', 'bigint', false), col('V', 'varchar(32)', true), col('c', 'int')],
    ]);
    assert.deepEqual(r, {
      ok: true,
      columns: [col('id', 'bigint', false), col('V', 'varchar(32)', true), col('c', 'int')],
    });
  });

  it('conflicts on incomparable types', () => {
    const r = joinSchemas([[col('n', 'int')], [col('n', 'varchar(8)')]]);
    assert.equal(r.ok, false);
    assert.match(r.ok ? '' : r.conflict, /column n is int on one shard and varchar\(8\)/);
  });

  it('classifies single-specification DDLs', () => {
    assert.deepEqual(classifyAlter('ALTER TABLE `m`.`t` ADD COLUMN c INT DEFAULT 5'), {
      kind: 'add-column',
      column: 'c',
      notNullNoDefault: false,
    });
    assert.deepEqual(classifyAlter('ALTER TABLE `m`.`t` ADD `c` INT NOT NULL'), {
      kind: 'add-column',
      column: 'c',
      notNullNoDefault: true,
    });
    assert.deepEqual(classifyAlter('ALTER TABLE `m`.`t` DROP COLUMN c;'), {
      kind: 'drop-column',
      column: 'c',
    });
    assert.deepEqual(classifyAlter('ALTER TABLE `m`.`t` DROP c'), { kind: 'drop-column', column: 'c' });
    assert.deepEqual(classifyAlter('ALTER TABLE `m`.`t` MODIFY v VARCHAR(64)'), {
      kind: 'modify-column',
      column: 'v',
    });
    assert.deepEqual(classifyAlter('ALTER TABLE `m`.`t` CHANGE n n2 INT'), {
      kind: 'rename-column',
      from: 'n',
      to: 'n2',
    });
    assert.deepEqual(classifyAlter('ALTER TABLE `m`.`t` CHANGE n N BIGINT'), {
      kind: 'modify-column',
      column: 'n',
    });
    assert.deepEqual(classifyAlter('ALTER TABLE `m`.`t` ADD INDEX idx_n (n)'), {
      kind: 'add-index',
      index: 'idx_n',
    });
    assert.deepEqual(classifyAlter('ALTER TABLE `m`.`t` ADD UNIQUE KEY uk (v)'), {
      kind: 'add-index',
      index: 'uk',
    });
    assert.deepEqual(classifyAlter('ALTER TABLE `m`.`t` DROP INDEX idx_n'), {
      kind: 'drop-index',
      index: 'idx_n',
    });
    assert.deepEqual(classifyAlter('CREATE INDEX i ON `m`.`t` (n)'), { kind: 'add-index', index: 'i' });
    assert.deepEqual(classifyAlter('DROP INDEX i ON `m`.`t`'), { kind: 'drop-index', index: 'i' });
    assert.equal(classifyAlter('ALTER TABLE `m`.`t` ADD COLUMN a INT, ADD COLUMN b INT').kind, 'other');
    assert.equal(
      classifyAlter("ALTER TABLE `m`.`t` ADD COLUMN a ENUM('x,y') DEFAULT 'x,y'").kind,
      'add-column',
    );
    assert.equal(classifyAlter('ALTER TABLE `m`.`t` ENGINE=InnoDB').kind, 'other');
  });

  it('splits multi-specification ALTERs at top-level commas', () => {
    assert.deepEqual(
      splitAlter("ALTER TABLE `m`.`t` ADD COLUMN a DECIMAL(10,2), ADD COLUMN b ENUM('x,y'), DROP c;"),
      [
        'ALTER TABLE `m`.`t` ADD COLUMN a DECIMAL(10,2)',
        "ALTER TABLE `m`.`t` ADD COLUMN b ENUM('x,y')",
        'ALTER TABLE `m`.`t` DROP c',
      ],
    );
    assert.deepEqual(splitAlter('ALTER TABLE `m`.`t` ADD COLUMN a INT'), [
      'ALTER TABLE `m`.`t` ADD COLUMN a INT',
    ]);
    assert.deepEqual(splitAlter('CREATE INDEX i ON t (a, b)'), ['CREATE INDEX i ON t (a, b)']);
  });
});
