import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isDmError } from '../errors/dm-error.js';
import { E } from '../errors/index.js';
import { MariadbGtidList } from './mariadb-gtid-list.js';
import { MysqlGtidSet } from './mysql-gtid-set.js';

const A = '3e11fa47-71ca-11e1-9e33-c80aa9429562';
const B = '8d3a7d2e-0f8b-11ee-8c99-0242ac120002';

describe('MysqlGtidSet', () => {
  it('parses the empty set', () => {
    assert.equal(MysqlGtidSet.parse('').toString(), '');
    assert.equal(MysqlGtidSet.parse('  \n ').isEmpty(), true);
  });

  it('parses what SHOW MASTER STATUS prints (newlines, uppercase) into canonical text', () => {
    const s = MysqlGtidSet.parse(`${B.toUpperCase()}:1-3,\n${A}:1-5:7-9`);
    assert.equal(s.toString(), `${A}:1-5:7-9,${B}:1-3`);
  });

  it('merges overlapping and adjacent intervals, in any order', () => {
    assert.equal(MysqlGtidSet.parse(`${A}:7-9:1-5:6:3-4:20`).toString(), `${A}:1-9:20`);
    assert.equal(MysqlGtidSet.parse(`${A}:10-12,${A}:1-2,${A}:2-10`).toString(), `${A}:1-12`);
    assert.equal(MysqlGtidSet.parse(`${A}:5:1:3`).toString(), `${A}:1:3:5`);
    assert.equal(MysqlGtidSet.parse(`${A}:5:1:3:2:4`).toString(), `${A}:1-5`);
    assert.equal(MysqlGtidSet.parse(`${A}:1-3:10-12:5-7:4`).toString(), `${A}:1-7:10-12`);
  });

  it('accepts uuids without dashes', () => {
    assert.equal(MysqlGtidSet.parse(`${A.replace(/-/g, '')}:1`).toString(), `${A}:1`);
  });

  it('add() extends the set one transaction at a time', () => {
    const s = new MysqlGtidSet();
    for (const g of [1, 2, 3, 5, 4, 7]) s.add(`${A}:${g}`);
    s.addGno(B.toUpperCase(), 9n);
    assert.equal(s.toString(), `${A}:1-5:7,${B}:9`);
  });

  it('keeps gno values beyond 2^53 exact', () => {
    const big = '9223372036854775806';
    const s = MysqlGtidSet.parse(`${A}:${big}`);
    s.add(`${A}:9223372036854775807`);
    assert.equal(s.toString(), `${A}:${big}-9223372036854775807`);
  });

  it('contains()', () => {
    const s = MysqlGtidSet.parse(`${A}:1-10:20-30,${B}:1`);
    assert.equal(s.contains(MysqlGtidSet.parse(`${A}:2-5:21`)), true);
    assert.equal(s.contains(MysqlGtidSet.parse(`${A}:9-11`)), false);
    assert.equal(s.contains(MysqlGtidSet.parse(`${B}:2`)), false);
    assert.equal(s.contains(MysqlGtidSet.parse('')), true);
    assert.equal(new MysqlGtidSet().contains(s), false);
  });

  it('equals() and clone() are independent', () => {
    const s = MysqlGtidSet.parse(`${A}:1-3`);
    const c = s.clone();
    c.add(`${A}:4`);
    assert.equal(s.toString(), `${A}:1-3`);
    assert.equal(c.equals(MysqlGtidSet.parse(`${A}:1-4`)), true);
    assert.equal(s.equals(c), false);
  });

  it('encodes the COM_BINLOG_DUMP_GTID form: sids sorted, half-open intervals', () => {
    const buf = MysqlGtidSet.parse(`${B}:1-3,${A}:1-5:7`).encode();
    const hex = (s: string) => s.replace(/-/g, '');
    const u64 = (n: number) => {
      const b = Buffer.alloc(8);
      b.writeBigUInt64LE(BigInt(n));
      return b.toString('hex');
    };
    const expected =
      u64(2) + hex(A) + u64(2) + u64(1) + u64(6) + u64(7) + u64(8) + hex(B) + u64(1) + u64(1) + u64(4);
    assert.equal(buf.toString('hex'), expected);
    assert.equal(new MysqlGtidSet().encode().toString('hex'), u64(0));
  });

  for (const bad of [
    'nonsense',
    `${A}`,
    `${A}:`,
    `${A}:0`,
    `${A}:5-3`,
    `${A}:1-`,
    `${A}:a`,
    `${A.slice(1)}:1`,
    `${A}:9223372036854775808`,
    '0-1-2',
  ]) {
    it(`rejects ${JSON.stringify(bad)} with E.gtidParse`, () => {
      assert.throws(
        () => MysqlGtidSet.parse(bad),
        (e) => isDmError(e, E.gtidParse),
      );
    });
  }

  it('refuses to combine with a MariaDB list', () => {
    assert.throws(
      () => new MysqlGtidSet().merge(MariadbGtidList.parse('0-1-1')),
      (e) => isDmError(e, E.gtidParse),
    );
  });
});
