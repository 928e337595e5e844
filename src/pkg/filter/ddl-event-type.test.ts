import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BinlogEventFilter } from './binlog-event-filter.js';
import { ddlFilterEvent } from './ddl-event-type.js';
import { isDmEventType, normaliseEventName } from './dm-event-types.js';

describe('DDL filter events (DM DDLWorker.AstToDDLEvent)', () => {
  it('an ALTER TABLE takes the event of its first spec DM refines', () => {
    for (const [sql, ev] of [
      ['ALTER TABLE t DROP COLUMN c', 'drop column'],
      ['alter table `d`.`t` drop c', 'drop column'],
      ['ALTER TABLE t ADD COLUMN x int, DROP INDEX k', 'drop index'],
      ['ALTER TABLE t DROP PRIMARY KEY', 'drop primary key'],
      ['ALTER TABLE t RENAME COLUMN a TO b', 'rename column'],
      ['ALTER TABLE t RENAME INDEX a TO b', 'rename index'],
      ['ALTER TABLE t RENAME TO t2', 'rename table'],
      ['ALTER TABLE t ALTER COLUMN c SET DEFAULT 1', 'modify default value'],
      ['ALTER TABLE t ADD UNIQUE KEY k (a, b)', 'modify constraint'],
      ['ALTER TABLE t ADD INDEX k (a)', 'modify constraint'],
      ['ALTER TABLE t CONVERT TO CHARACTER SET utf8mb4', 'modify charset'],
      ['ALTER TABLE t DEFAULT COLLATE utf8mb4_bin', 'modify collation'],
      ['ALTER TABLE t ENGINE=InnoDB', 'modify storage engine'],
      ['ALTER TABLE t TRUNCATE PARTITION p0', 'truncate table partition'],
      ['ALTER TABLE t DROP PARTITION p0', 'drop table partition'],
      ['ALTER TABLE t ADD COLUMN c int', 'alter table'],
      ['ALTER TABLE t MODIFY c bigint, DROP COLUMN d', 'alter table'],
      ["ALTER TABLE t ADD COLUMN c varchar(10) DEFAULT 'a,drop x'", 'alter table'],
    ] as const) {
      assert.equal(ddlFilterEvent('alter table', sql), ev, sql);
    }
    assert.equal(ddlFilterEvent('drop table', 'DROP TABLE t'), 'drop table');
  });

  it('event names as DM: aliases, incompatible class, no "alter view"', () => {
    assert.equal(normaliseEventName('Create Schema'), 'create database');
    assert.ok(isDmEventType('split table partition'));
    assert.ok(!isDmEventType('alter view'));
    assert.ok(!isDmEventType('truncate'));
    const f = new BinlogEventFilter(
      [
        {
          schemaPattern: 'd',
          tablePattern: '*',
          events: ['incompatible ddl changes'],
          sqlPattern: [],
          action: 'Error',
        },
      ],
      { caseSensitive: false },
    );
    assert.equal(f.filter('d', 't', 'drop column'), 'Error');
    assert.equal(f.filter('d', 't', 'create table'), 'Do');
    // As DM: a rule on "alter table" does not match an ALTER TABLE … DROP COLUMN.
    const g = new BinlogEventFilter(
      [{ schemaPattern: 'd', tablePattern: '*', events: ['alter table'], sqlPattern: [], action: 'Ignore' }],
      { caseSensitive: false },
    );
    assert.equal(g.filter('d', 't', 'drop column'), 'Do');
    assert.equal(g.filter('d', 't', 'alter table'), 'Ignore');
  });
});
