import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isDmError } from '../errors/dm-error.js';
import { E } from '../errors/index.js';
import { MariadbGtidList } from './mariadb-gtid-list.js';
import { emptyGtidSet, parseGtidSet } from './parse-gtid-set.js';

describe('MariadbGtidList', () => {
  it('parses empty text as the empty list', () => {
    assert.equal(MariadbGtidList.parse('').toString(), '');
    assert.equal(MariadbGtidList.parse(' ').isEmpty(), true);
  });

  it('prints ordered by domain, whitespace ignored', () => {
    assert.equal(MariadbGtidList.parse(' 2-1-5 ,\n0-1-100, 10-3-1').toString(), '0-1-100,2-1-5,10-3-1');
  });

  it('keeps the highest seq when a domain appears twice (gtid_binlog_state)', () => {
    assert.equal(MariadbGtidList.parse('0-1-100,0-2-150,0-3-120').toString(), '0-2-150');
  });

  it('add() sets the domain position to the newest transaction', () => {
    const l = MariadbGtidList.parse('0-1-100,1-1-5');
    l.add('0-1-101');
    l.add('1-2-3'); // a new server in the domain may restart numbering lower: newest wins
    l.add('7-1-1');
    assert.equal(l.toString(), '0-1-101,1-2-3,7-1-1');
    l.addGtid({ domainId: 0, serverId: 9, seqNo: 18446744073709551615n });
    assert.equal(l.get(0)?.seqNo, 18446744073709551615n);
  });

  it('merge() keeps the per-domain max; contains() compares per domain', () => {
    const a = MariadbGtidList.parse('0-1-10,1-1-5');
    a.merge(MariadbGtidList.parse('0-1-8,1-1-7,2-1-1'));
    assert.equal(a.toString(), '0-1-10,1-1-7,2-1-1');
    assert.equal(a.contains(MariadbGtidList.parse('0-1-10')), true);
    assert.equal(a.contains(MariadbGtidList.parse('0-1-11')), false);
    assert.equal(a.contains(MariadbGtidList.parse('3-1-1')), false);
    assert.equal(a.contains(MariadbGtidList.parse('')), true);
  });

  it('clone() is independent; equals() compares canonical text', () => {
    const a = MariadbGtidList.parse('0-1-10');
    const b = a.clone();
    b.add('0-1-11');
    assert.equal(a.toString(), '0-1-10');
    assert.equal(a.equals(MariadbGtidList.parse(' 0-1-10 ')), true);
    assert.equal(a.equals(b), false);
  });

  for (const bad of [
    '0-1',
    '0-1-2-3',
    'a-b-c',
    '0--1',
    '-1-1-1',
    '4294967296-1-1',
    '0-1-18446744073709551616',
  ]) {
    it(`rejects ${JSON.stringify(bad)} with E.gtidParse`, () => {
      assert.throws(
        () => MariadbGtidList.parse(bad),
        (e) => isDmError(e, E.gtidParse),
      );
    });
  }

  it('parseGtidSet dispatches on flavor', () => {
    assert.equal(parseGtidSet('mariadb', '1-1-1,0-1-2').toString(), '0-1-2,1-1-1');
    assert.equal(
      parseGtidSet('mysql', '3E11FA47-71CA-11E1-9E33-C80AA9429562:1-2').toString(),
      '3e11fa47-71ca-11e1-9e33-c80aa9429562:1-2',
    );
    assert.equal(emptyGtidSet('mariadb').flavor, 'mariadb');
    assert.throws(
      () => parseGtidSet('mariadb', 'x'),
      (e) => isDmError(e, E.gtidParse),
    );
  });
});
