import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ColumnInfo, TableShape } from './diff-sql.js';
import {
  type ChecksumPlanInput,
  checksumOf,
  checksumTableSql,
  countSql,
  tableChecksumEqual,
  tableChecksumPlan,
} from './table-checksum.js';

const col = (name: string, columnType: string, extra: Partial<ColumnInfo> = {}): ColumnInfo => ({
  name,
  dataType: columnType.replace(/\(.*/, ''),
  columnType,
  generated: false,
  nullable: true,
  charset: null,
  collation: null,
  ...extra,
});

const shape = (...columns: ColumnInfo[]): TableShape => ({ columns, key: ['id'], keyIsUnique: true });

const base = shape(
  col('id', 'int(11)', { nullable: false }),
  col('c', 'char(10)', { charset: 'latin1', collation: 'latin1_swedish_ci' }),
);
const MARIADB = '10.11.19-MariaDB-0+deb12u1';

const input = (over: Partial<ChecksumPlanInput> = {}): ChecksumPlanInput => ({
  enabled: true,
  target: { shape: base, version: MARIADB },
  sources: [{ shape: base, version: '8.0.36' }],
  range: '',
  ignoreColumns: [],
  structEqual: true,
  ...over,
});

describe('table checksum fast path: when it applies', () => {
  it('one MySQL/MariaDB source table with the same structure, charsets and nullability', () => {
    assert.deepEqual(tableChecksumPlan(input()), { use: true });
  });

  it('not when the config turns it off', () => {
    assert.deepEqual(tableChecksumPlan(input({ enabled: false })), {
      use: false,
      reason: 'use-table-checksum = false',
    });
  });

  it('not for a shard merge (several source tables) nor for none', () => {
    const two = [
      { shape: base, version: MARIADB },
      { shape: base, version: MARIADB },
    ];
    assert.deepEqual(tableChecksumPlan(input({ sources: two })), { use: false, reason: 'sharded source' });
    assert.deepEqual(tableChecksumPlan(input({ sources: [] })), { use: false, reason: 'sharded source' });
  });

  it('not with a range or ignore-columns: CHECKSUM TABLE covers every row and column', () => {
    assert.deepEqual(tableChecksumPlan(input({ range: 'id > 5' })), { use: false, reason: 'range' });
    assert.equal(tableChecksumPlan(input({ range: '  ' })).use, true);
    assert.deepEqual(tableChecksumPlan(input({ ignoreColumns: ['c'] })), {
      use: false,
      reason: 'ignore-columns',
    });
  });

  it('not when the structure check failed or the column types differ', () => {
    assert.equal(tableChecksumPlan(input({ structEqual: false })).use, false);
    const wider = shape(
      base.columns[0]!,
      col('c', 'char(20)', { charset: 'latin1', collation: 'latin1_swedish_ci' }),
    );
    assert.deepEqual(tableChecksumPlan(input({ sources: [{ shape: wider, version: MARIADB }] })), {
      use: false,
      reason: 'structure differs',
    });
    const fewer = shape(base.columns[0]!);
    assert.equal(tableChecksumPlan(input({ sources: [{ shape: fewer, version: MARIADB }] })).use, false);
  });

  it('not when a TiDB is on either side', () => {
    const tidb = '8.0.11-TiDB-v7.5.1';
    assert.deepEqual(tableChecksumPlan(input({ target: { shape: base, version: tidb } })), {
      use: false,
      reason: 'TiDB',
    });
    assert.equal(tableChecksumPlan(input({ sources: [{ shape: base, version: tidb }] })).use, false);
  });

  it('not when a column character set or collation differs (same bytes, other text)', () => {
    const cp = shape(
      base.columns[0]!,
      col('c', 'char(10)', { charset: 'cp1251', collation: 'cp1251_general_ci' }),
    );
    assert.deepEqual(tableChecksumPlan(input({ sources: [{ shape: cp, version: MARIADB }] })), {
      use: false,
      reason: 'character set of c differs',
    });
    const bin = shape(base.columns[0]!, col('c', 'char(10)', { charset: 'latin1', collation: 'latin1_bin' }));
    assert.equal(tableChecksumPlan(input({ sources: [{ shape: bin, version: MARIADB }] })).use, false);
  });

  it('not when a column is NOT NULL on one side only (the null bitmap is hashed)', () => {
    const nn = shape(
      base.columns[0]!,
      col('c', 'char(10)', { charset: 'latin1', collation: 'latin1_swedish_ci', nullable: false }),
    );
    assert.deepEqual(tableChecksumPlan(input({ sources: [{ shape: nn, version: MARIADB }] })), {
      use: false,
      reason: 'nullability of c differs',
    });
  });
});

describe('table checksum fast path: the verdict', () => {
  it('equal only with both checksums present and equal', () => {
    assert.equal(tableChecksumEqual(7n, 7n), true);
    assert.equal(tableChecksumEqual(0n, 0n), true);
    assert.equal(tableChecksumEqual(7n, 8n), false);
    assert.equal(tableChecksumEqual(null, null), false);
    assert.equal(tableChecksumEqual(7n, null), false);
  });

  it('reads the Checksum column, NULL as null', () => {
    assert.equal(checksumOf([{ Table: 'a.b', Checksum: '4228392416' }]), 4228392416n);
    assert.equal(checksumOf([{ Table: 'a.b', Checksum: 12 }]), 12n);
    assert.equal(checksumOf([{ Table: 'a.b', Checksum: null }]), null);
    assert.equal(checksumOf([]), null);
  });

  it('SQL text', () => {
    assert.equal(checksumTableSql('s', 't`x'), 'CHECKSUM TABLE `s`.`t``x`');
    assert.equal(countSql('s', 't'), 'SELECT COUNT(*) AS n FROM `s`.`t`');
  });
});
