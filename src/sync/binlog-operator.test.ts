import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BinlogOperator, parseBinlogPos, splitSqls } from './binlog-operator.js';

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
  it('hands out an operation once, at its exact position', () => {
    const o = new BinlogOperator();
    o.set({ kind: 'replace', pos: 'bin.000002:100', sqls: ['SELECT 1'] });
    assert.equal(o.take('bin.000002', 99), undefined);
    assert.deepEqual(o.take('bin.000002', 100), {
      kind: 'replace',
      pos: 'bin.000002:100',
      sqls: ['SELECT 1'],
    });
    assert.equal(o.take('bin.000002', 100), undefined);
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
