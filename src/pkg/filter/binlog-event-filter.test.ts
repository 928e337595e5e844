import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { FilterRule } from '../config/types.js';
import { BinlogEventFilter } from './binlog-event-filter.js';

const rule = (p: Partial<FilterRule> & Pick<FilterRule, 'action'>): FilterRule => ({
  schemaPattern: '*',
  tablePattern: '',
  events: [],
  sqlPattern: [],
  ...p,
});

describe('BinlogEventFilter', () => {
  it('no rule: Do', () => {
    assert.equal(new BinlogEventFilter([], { caseSensitive: false }).filter('a', 'b', 'insert'), 'Do');
  });

  it('Ignore rules for events (DM sample user-filter-1)', () => {
    const f = new BinlogEventFilter(
      [
        rule({
          schemaPattern: 'test_*',
          tablePattern: 't_*',
          events: ['truncate table', 'drop table'],
          action: 'Ignore',
        }),
      ],
      { caseSensitive: false },
    );
    assert.equal(f.filter('test_1', 't_1', 'truncate table'), 'Ignore');
    assert.equal(f.filter('test_1', 't_1', 'drop table'), 'Ignore');
    assert.equal(f.filter('test_1', 't_1', 'insert'), 'Do');
    assert.equal(f.filter('test_1', 'x', 'drop table'), 'Do', 'table does not match');
    assert.equal(f.filter('TEST_1', 'T_1', 'drop table'), 'Ignore', 'case-insensitive');
  });

  it('Do rules are allow lists (DM sample user-filter-2)', () => {
    const f = new BinlogEventFilter([rule({ schemaPattern: 'test_*', events: ['all dml'], action: 'Do' })], {
      caseSensitive: false,
    });
    assert.equal(f.filter('test_1', 't', 'insert'), 'Do');
    assert.equal(f.filter('test_1', 't', 'delete'), 'Do');
    assert.equal(f.filter('test_1', 't', 'create table'), 'Ignore');
    assert.equal(f.filter('other', 't', 'create table'), 'Do');
  });

  it('Ignore wins over Do; table rules win over schema rules', () => {
    const f = new BinlogEventFilter(
      [
        rule({ schemaPattern: 'db', events: ['all'], action: 'Ignore' }),
        rule({ schemaPattern: 'db', tablePattern: 'keep', events: ['all'], action: 'Do' }),
        rule({ schemaPattern: 'db2', events: ['all'], action: 'Do' }),
        rule({ schemaPattern: 'db2', events: ['delete'], action: 'Ignore' }),
      ],
      { caseSensitive: false },
    );
    assert.equal(f.filter('db', 'any', 'insert'), 'Ignore');
    assert.equal(f.filter('db', 'keep', 'insert'), 'Do');
    assert.equal(f.filter('db2', 't', 'insert'), 'Do');
    assert.equal(f.filter('db2', 't', 'delete'), 'Ignore');
  });

  it('event groups: none, none ddl, all ddl', () => {
    const f = new BinlogEventFilter(
      [
        rule({ schemaPattern: 'a', events: ['none ddl', 'all dml'], action: 'Do' }),
        rule({ schemaPattern: 'b', events: ['all ddl'], action: 'Ignore' }),
      ],
      { caseSensitive: false },
    );
    assert.equal(f.filter('a', 't', 'alter table'), 'Ignore');
    assert.equal(f.filter('a', 't', 'update'), 'Do');
    assert.equal(f.filter('b', 't', 'create index'), 'Ignore');
    assert.equal(f.filter('b', 't', 'update'), 'Do');
  });

  it('sql-pattern on DDL text', () => {
    const f = new BinlogEventFilter(
      [
        rule({
          schemaPattern: 'db',
          events: [],
          sqlPattern: ['^DROP\\s+PROCEDURE', '^CREATE\\s+PROCEDURE'],
          action: 'Ignore',
        }),
      ],
      { caseSensitive: false },
    );
    assert.equal(f.filter('db', '', 'create table', 'drop procedure p1'), 'Ignore');
    assert.equal(f.filter('db', '', 'create table', 'CREATE TABLE t (a int)'), 'Do');
    assert.equal(f.ignoreSql('db', '', 'CREATE PROCEDURE x() BEGIN END'), true);
  });

  it('rejects unknown event names and bad regexes', () => {
    assert.throws(
      () => new BinlogEventFilter([rule({ events: ['inserts'], action: 'Do' })], { caseSensitive: false }),
    );
    assert.throws(
      () => new BinlogEventFilter([rule({ sqlPattern: ['('], action: 'Do' })], { caseSensitive: false }),
    );
  });
});
