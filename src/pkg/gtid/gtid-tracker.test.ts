import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { BinlogEvent, EventHeader } from '../binlog/types.js';
import { GtidTracker } from './gtid-tracker.js';

const header: EventHeader = { timestamp: 1, typeCode: 0, serverId: 1, eventSize: 0, logPos: 0, flags: 0 };
const A = '3e11fa47-71ca-11e1-9e33-c80aa9429562';
const mgtid = (seq: number, standalone = false): BinlogEvent => ({
  type: 'mariadb_gtid',
  header,
  domainId: 0,
  seqNo: String(seq),
  gtid: `0-1-${seq}`,
  flags: standalone ? 1 : 0,
  standalone,
});
const query = (sql: string): BinlogEvent => ({
  type: 'query',
  header,
  threadId: 1,
  execTime: 0,
  errorCode: 0,
  schema: '',
  query: sql,
  statusVars: {},
});
const xid: BinlogEvent = { type: 'xid', header, xid: '1' };

describe('GtidTracker', () => {
  it('MariaDB: a transaction counts only at its XID / COMMIT; standalone at its statement', () => {
    const t = new GtidTracker('mariadb', '0-1-10');
    t.observe(mgtid(11));
    t.observe(query('INSERT …'));
    assert.equal(t.executed?.toString(), '0-1-10');
    t.observe(xid);
    assert.equal(t.executed?.toString(), '0-1-11');
    t.observe(mgtid(12, true));
    assert.equal(t.inTransaction, true);
    t.observe(query('CREATE TABLE x (a int)'));
    assert.equal(t.executed?.toString(), '0-1-12');
    t.observe(mgtid(13));
    t.observe(query('COMMIT'));
    assert.equal(t.executed?.toString(), '0-1-13');
  });

  it('MySQL: BEGIN … XID, and DDL without BEGIN', () => {
    const t = new GtidTracker('mysql', '');
    t.observe({ type: 'gtid', header, gtid: `${A}:1`, commitFlag: true });
    t.observe(query('BEGIN'));
    t.observe(query('ROLLBACK TO SAVEPOINT s'));
    assert.equal(t.executed?.toString(), '');
    t.observe(xid);
    t.observe({ type: 'gtid', header, gtid: `${A}:2`, commitFlag: true });
    t.observe(query('ALTER TABLE t ADD c INT'));
    assert.equal(t.executed?.toString(), `${A}:1-2`);
  });

  it('is unknown without a base until GTID_LIST / PREVIOUS_GTIDS gives one', () => {
    const t = new GtidTracker('mariadb');
    assert.equal(t.executed?.toString(), undefined);
    t.observe({ type: 'mariadb_gtid_list', header, gtids: '0-1-5,1-2-3' });
    t.observe(mgtid(6));
    t.observe(xid);
    assert.equal(t.executed?.toString(), '0-1-6,1-2-3');
    const m = new GtidTracker('mysql');
    m.observe({ type: 'previous_gtids', header, gtidSet: `${A}:1-7` });
    assert.equal(m.executed?.toString(), `${A}:1-7`);
  });
});
