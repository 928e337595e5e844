import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BinlogOperator, parseBinlogPos, splitSqls } from '../pkg/binlog/binlog-operator.js';
import { splitStatements } from '../pkg/sql/sql-tokens.js';
import { operatedQuery } from './binlog-operator.js';

describe('parseBinlogPos', () => {
  it('accepts file:pos and DM status form', () => {
    assert.equal(parseBinlogPos('mysql-bin.000001:2345'), 'mysql-bin.000001:2345');
    assert.equal(parseBinlogPos('(mysql-bin.000001, 0042)'), 'mysql-bin.000001:42');
  });
  it('rejects garbage', () => {
    assert.throws(() => parseBinlogPos('mysql-bin.000001'), /invalid binlog position/);
    assert.throws(() => parseBinlogPos(':12'), /invalid binlog position/);
  });
});

describe('splitSqls', () => {
  it('splits on semicolons outside quotes', () => {
    assert.deepEqual(splitSqls("ALTER TABLE t ADD c INT; INSERT INTO t VALUES ('a;b');  "), [
      'ALTER TABLE t ADD c INT',
      "INSERT INTO t VALUES ('a;b')",
    ]);
    assert.deepEqual(splitSqls('SELECT `x;y`; SELECT "it\\"s;"'), ['SELECT `x;y`', 'SELECT "it\\"s;"']);
  });
});

describe('BinlogOperator', () => {
  it('hands out an operation at its exact position, again on a replay', () => {
    const o = new BinlogOperator();
    o.set({ kind: 'replace', pos: 'bin.000002:100', sqls: ['SELECT 1'] });
    assert.equal(o.take('bin.000002', 99), undefined);
    assert.equal(o.list()[0]?.applied, undefined);
    const want = { kind: 'replace', pos: 'bin.000002:100', sqls: ['SELECT 1'], applied: true };
    assert.deepEqual(o.take('bin.000002', 100), want);
    assert.deepEqual(o.take('bin.000002', 100), want);
    assert.equal(o.list()[0]?.applied, true);
  });
  it('overwrites, reverts and lists in position order', () => {
    const o = new BinlogOperator();
    o.set({ kind: 'skip', pos: 'bin.000002:500', sqls: ['ignored'] });
    o.set({ kind: 'inject', pos: 'bin.000001:900', sqls: ['SELECT 1'] });
    o.set({ kind: 'skip', pos: 'bin.000002:50', sqls: [] });
    assert.deepEqual(
      o.list().map((x) => x.pos),
      ['bin.000001:900', 'bin.000002:50', 'bin.000002:500'],
    );
    assert.deepEqual(o.list()[2]?.sqls, []);
    o.set({ kind: 'replace', pos: 'bin.000002:500', sqls: ['SELECT 2'] });
    assert.equal(o.list()[2]?.kind, 'replace');
    assert.equal(o.revert('bin.000002:500'), true);
    assert.equal(o.revert('bin.000002:500'), false);
    assert.equal(o.size, 2);
  });
  it('refuses replace/inject without SQL', () => {
    const o = new BinlogOperator();
    assert.throws(() => o.set({ kind: 'replace', pos: 'b.1:4', sqls: [] }), /at least one SQL/);
  });
});

describe('operatedQuery', () => {
  it('replaces, injects before, and keeps the event for skip (tracked, not executed)', () => {
    const op = (kind: 'skip' | 'replace' | 'inject', sqls: string[] = []) => ({ kind, pos: 'b.1:4', sqls });
    assert.equal(operatedQuery(undefined, 'ALTER TABLE t ADD c INT'), 'ALTER TABLE t ADD c INT');
    assert.equal(operatedQuery(op('skip'), 'ALTER TABLE t ADD c INT'), 'ALTER TABLE t ADD c INT');
    assert.equal(operatedQuery(op('replace', ['A1', 'A2']), 'X'), 'A1\n;\nA2');
    assert.equal(operatedQuery(op('inject', ['A1']), 'X'), 'A1\n;\nX');
  });
});

describe('BinlogOperator.list order', () => {
  it('orders by file index as a number (mysql-bin.999999 before mysql-bin.1000000)', () => {
    const o = new BinlogOperator();
    o.set({ kind: 'skip', pos: 'mysql-bin.1000000:4', sqls: [] });
    o.set({ kind: 'skip', pos: 'mysql-bin.999999:900', sqls: [] });
    o.set({ kind: 'skip', pos: 'mysql-bin.999999:120', sqls: [] });
    assert.deepEqual(
      o.list().map((op) => op.pos),
      ['mysql-bin.999999:120', 'mysql-bin.999999:900', 'mysql-bin.1000000:4'],
    );
  });
});

describe('operator SQL round trip', () => {
  it('splits as the DDL executor splits the joined text again (comments respected)', () => {
    const sqls = splitSqls('ALTER TABLE t ADD c INT /* a; b */; ALTER TABLE t ADD d INT -- x;\n');
    assert.deepEqual(sqls, ['ALTER TABLE t ADD c INT /* a; b */', 'ALTER TABLE t ADD d INT -- x;']);
    const op = { kind: 'replace' as const, pos: 'mysql-bin.000001:4', sqls };
    assert.deepEqual(splitStatements(operatedQuery(op, 'DROP TABLE t')), sqls);
    const inject = { ...op, kind: 'inject' as const };
    assert.deepEqual(splitStatements(operatedQuery(inject, 'DROP TABLE t')), [...sqls, 'DROP TABLE t']);
  });
});
