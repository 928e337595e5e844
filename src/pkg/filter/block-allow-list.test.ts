import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BlockAllowList } from './block-allow-list.js';

const rule = (
  r: Partial<{
    doDbs: string[];
    ignoreDbs: string[];
    doTables: [string, string][];
    ignoreTables: [string, string][];
  }>,
) => ({
  doDbs: r.doDbs ?? [],
  ignoreDbs: r.ignoreDbs ?? [],
  doTables: (r.doTables ?? []).map(([dbName, tblName]) => ({ dbName, tblName })),
  ignoreTables: (r.ignoreTables ?? []).map(([dbName, tblName]) => ({ dbName, tblName })),
});

describe('BlockAllowList', () => {
  it('no rule: everything but system schemas and the meta schema', () => {
    const f = new BlockAllowList(undefined, { caseSensitive: false, alwaysIgnore: ['dm_meta'] });
    assert.equal(f.allowSchema('app'), true);
    assert.equal(f.allowTable('app', 't'), true);
    for (const s of ['mysql', 'INFORMATION_SCHEMA', 'performance_schema', 'sys', 'dm_meta']) {
      assert.equal(f.allowSchema(s), false, s);
      assert.equal(f.allowTable(s, 't'), false, s);
    }
  });

  it("DM's sample rule (do-dbs with regex, do-tables, ignore-tables)", () => {
    const f = new BlockAllowList(
      rule({
        doDbs: ['~^test.*', 'do'],
        ignoreDbs: ['mysql', 'ignored'],
        doTables: [
          ['~^test.*', '~^t.*'],
          ['do', 'do'],
        ],
        ignoreTables: [['test', 'log']],
      }),
      { caseSensitive: false },
    );
    assert.equal(f.allowSchema('test_1'), true);
    assert.equal(f.allowSchema('do'), true);
    assert.equal(f.allowSchema('other'), false);
    assert.equal(f.allowTable('test_1', 't_2'), true);
    assert.equal(f.allowTable('test_1', 'x'), false, 'not in do-tables');
    assert.equal(f.allowTable('do', 'do'), true);
    assert.equal(f.allowTable('do', 'other'), false);
    assert.equal(f.allowTable('TEST_1', 'T_2'), true, 'case-insensitive');
    assert.equal(f.allowTable('test', 'log'), false, 'log does not match ^t, and is in ignore-tables');
  });

  it('ignore-dbs / ignore-tables only, wildcards', () => {
    const f = new BlockAllowList(rule({ ignoreDbs: ['tmp_*'], ignoreTables: [['app', 'log_?']] }), {
      caseSensitive: false,
    });
    assert.equal(f.allowSchema('tmp_1'), false);
    assert.equal(f.allowSchema('tmp'), true);
    assert.equal(f.allowTable('app', 'log_1'), false);
    assert.equal(f.allowTable('app', 'log_10'), true);
    assert.equal(f.allowTable('app', 'users'), true);
  });

  it('do-dbs makes ignore-dbs unused (MySQL replication rules)', () => {
    const f = new BlockAllowList(rule({ doDbs: ['a'], ignoreDbs: ['a'] }), { caseSensitive: false });
    assert.equal(f.allowSchema('a'), true);
  });

  it('case-sensitive', () => {
    const f = new BlockAllowList(rule({ doDbs: ['App'] }), { caseSensitive: true });
    assert.equal(f.allowSchema('App'), true);
    assert.equal(f.allowSchema('app'), false);
  });

  it('unanchored regex, as Go MatchString', () => {
    const f = new BlockAllowList(rule({ doDbs: ['~shard'] }), { caseSensitive: false });
    assert.equal(f.allowSchema('my_shard_01'), true);
  });
});
