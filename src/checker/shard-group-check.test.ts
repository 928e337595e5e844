import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  AUTO_INCREMENT_KEY_CHECKING,
  checkShardGroup,
  type ShardColumn,
  type ShardTable,
} from './shard-group-check.js';

const col = (name: string, type: string, o: Partial<ShardColumn> = {}): ShardColumn => ({
  name,
  type,
  autoIncrement: false,
  nullable: true,
  hasDefault: false,
  ...o,
});
const tbl = (sourceId: string, schema: string, table: string, columns: ShardColumn[]): ShardTable => ({
  sourceId,
  schema,
  table,
  columns,
});
const T = '`merged`.`t`';
const id = col('id', 'int(11)', { nullable: false });

describe('sharding prechecks (pure core)', () => {
  it('same structures pass, with DM name, desc and extra', () => {
    const r = checkShardGroup(
      T,
      [
        tbl('s1', 'a', 't1', [id, col('v', 'varchar(10)')]),
        tbl('s2', 'b', 't2', [id, col('V', 'VARCHAR(10)')]),
      ],
      'pessimistic',
      true,
    );
    assert.equal(r.state, 'success');
    assert.equal(r.name, 'sharding table `merged`.`t` consistency checking');
    assert.equal(r.desc, 'check consistency of sharding table structures');
    assert.equal(r.extra, 'sourceID s1 on sharding `merged`.`t`');
    assert.deepEqual(r.errors, []);
  });

  it('pessimistic: a different column list fails with self/other, as DM words it', () => {
    const a = tbl('s1', 'a', 't1', [id, col('v', 'varchar(10)')]);
    const r = checkShardGroup(T, [a, tbl('s2', 'b', 't2', [id])], 'pessimistic', true);
    assert.equal(r.state, 'fail');
    assert.equal(r.instruction, 'please set same table structure for sharding tables');
    assert.equal(r.extra, 'error on sharding `merged`.`t`');
    assert.deepEqual(r.errors, [
      {
        severity: 'fail',
        short_error: 'column length mismatch (self: 2 vs other: 1)',
        self: 'sourceID s1 table `a`.`t1` columns [id v]',
        other: 'sourceID s2 table `b`.`t2` columns [id]',
      },
    ]);
    const d = checkShardGroup(
      T,
      [a, tbl('s2', 'b', 't2', [id, col('v', 'varchar(20)')])],
      'pessimistic',
      true,
    );
    assert.deepEqual(d.errors[0], {
      severity: 'fail',
      short_error: 'different column definition',
      self: 'sourceID s1 table `a`.`t1` column v varchar(10)',
      other: 'sourceID s2 table `b`.`t2` column v varchar(20)',
    });
  });

  it('auto-increment keys warn per table with DM advice; ignoring auto_increment_ID drops them', () => {
    const ai = col('id', 'int(11)', { autoIncrement: true, nullable: false });
    const tables = [tbl('s1', 'a', 't1', [ai]), tbl('s2', 'b', 't2', [ai])];
    const r = checkShardGroup(T, tables, 'pessimistic', true);
    assert.equal(r.state, 'warn');
    assert.equal(r.extra, AUTO_INCREMENT_KEY_CHECKING);
    assert.match(
      r.instruction,
      /^If happen conflict, please handle it by yourself\. You can refer to https:\/\/docs\.pingcap\.com/,
    );
    assert.deepEqual(
      r.errors.map((e) => [e.severity, e.short_error]),
      [
        [
          'warn',
          "sourceID s1 table `a`.`t1` of sharding `merged`.`t` have auto-increment key, please make sure them don't conflict in target table!",
        ],
        [
          'warn',
          "sourceID s2 table `b`.`t2` of sharding `merged`.`t` have auto-increment key, please make sure them don't conflict in target table!",
        ],
      ],
    );
    assert.equal(checkShardGroup(T, tables, 'pessimistic', false).state, 'success');
    // A structure error outranks the warnings.
    const f = checkShardGroup(
      T,
      [tables[0]!, tbl('s2', 'b', 't2', [ai, col('x', 'int')])],
      'pessimistic',
      true,
    );
    assert.equal(f.state, 'fail');
    assert.deepEqual(
      f.errors.map((e) => e.severity),
      ['warn', 'warn', 'fail'],
    );
  });

  it('optimistic: compatible structures join; a type conflict or a NOT NULL column without default fails', () => {
    const a = tbl('s1', 'a', 't1', [id, col('v', 'varchar(10)')]);
    const ok = checkShardGroup(T, [a, tbl('s2', 'b', 't2', [id, col('extra', 'int')])], 'optimistic', true);
    assert.equal(ok.state, 'success');
    assert.equal(ok.name, 'optimistic sharding table `merged`.`t` consistency checking');
    assert.equal(ok.desc, 'check consistency of sharding table structures for Optimistic Sharding Merge');
    const bad = checkShardGroup(T, [a, tbl('s2', 'b', 't2', [id, col('v', 'int(11)')])], 'optimistic', true);
    assert.equal(bad.state, 'fail');
    assert.match(
      bad.errors[0]?.short_error ?? '',
      /column v has incompatible types varchar\(10\) and int\(11\)/,
    );
    assert.match(
      bad.extra,
      /^fail to join table info sourceID s1 table `a`\.`t1` with sourceID s2 table `b`\.`t2`$/,
    );
    const nn = checkShardGroup(
      T,
      [a, tbl('s2', 'b', 't2', [id, col('v', 'varchar(10)'), col('z', 'int', { nullable: false })])],
      'optimistic',
      true,
    );
    assert.equal(nn.state, 'fail');
    assert.match(nn.errors[0]?.short_error ?? '', /column z is NOT NULL without a default/);
  });
});
