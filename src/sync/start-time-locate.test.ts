import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { BinlogEvent, EventHeader } from '../pkg/binlog/types.js';
import { parseStartTime } from '../pkg/config/start-time.js';
import { lastFileBefore, type ScanEvent, StartTimeScan, TxnBoundaries } from './start-time-locate.js';

const hdr = (timestamp: number): EventHeader => ({
  timestamp,
  typeCode: 0,
  serverId: 1,
  eventSize: 0,
  logPos: 0,
  flags: 0,
});

const fde = (ts: number): BinlogEvent =>
  ({ type: 'format_description', header: hdr(ts) }) as unknown as BinlogEvent;
const gtidList = (ts: number, gtids: string): BinlogEvent => ({
  type: 'mariadb_gtid_list',
  header: hdr(ts),
  gtids,
});
const mgtid = (ts: number, seq: number, standalone = false): BinlogEvent => ({
  type: 'mariadb_gtid',
  header: hdr(ts),
  domainId: 0,
  seqNo: String(seq),
  gtid: `0-1-${seq}`,
  flags: 0,
  standalone,
});
const query = (ts: number, q: string): BinlogEvent =>
  ({
    type: 'query',
    header: hdr(ts),
    query: q,
    schema: 'db',
  }) as unknown as BinlogEvent;
const xid = (ts: number): BinlogEvent =>
  ({ type: 'xid', header: hdr(ts), xid: 1n }) as unknown as BinlogEvent;
const rows = (ts: number): BinlogEvent => ({ type: 'write_rows', header: hdr(ts) }) as unknown as BinlogEvent;

/** Events laid out one after the other in `file` from position 4, 10 bytes each. */
function layout(file: string, evs: BinlogEvent[]): ScanEvent[] {
  return evs.map((event, i) => ({ event, file, pos: 4 + i * 10, nextPos: 14 + i * 10 }));
}

describe('parseStartTime', () => {
  it('reads both DM formats as UTC by default', () => {
    const t = Date.UTC(2021, 9, 21, 0, 1, 0) / 1000;
    assert.equal(parseStartTime('2021-10-21 00:01:00', ''), t);
    assert.equal(parseStartTime('2021-10-21T00:01:00', 'UTC'), t);
  });
  it('reads the wall-clock time in the task timezone', () => {
    const t = Date.UTC(2021, 9, 20, 16, 1, 0) / 1000;
    assert.equal(parseStartTime('2021-10-21 00:01:00', '+08:00'), t);
    assert.equal(parseStartTime('2021-10-21 00:01:00', 'Asia/Shanghai'), t);
    assert.equal(parseStartTime('2021-10-20 20:31:00', '-03:30'), Date.UTC(2021, 9, 21, 0, 1, 0) / 1000);
  });
  it('follows daylight saving time of an IANA zone', () => {
    // Europe/Berlin: CEST (+02:00) in July, CET (+01:00) in January.
    assert.equal(parseStartTime('2022-07-01 12:00:00', 'Europe/Berlin'), Date.UTC(2022, 6, 1, 10) / 1000);
    assert.equal(parseStartTime('2022-01-01 12:00:00', 'Europe/Berlin'), Date.UTC(2022, 0, 1, 11) / 1000);
  });
  it('refuses other formats and impossible dates', () => {
    assert.throws(() => parseStartTime('2021/10/21 00:01:00', ''), /invalid start-time/);
    assert.throws(() => parseStartTime('2021-10-21', ''), /invalid start-time/);
    assert.throws(() => parseStartTime('2021-02-30 00:00:00', ''), /no such date/);
    assert.throws(() => parseStartTime('2021-02-01 24:00:00', ''), /no such date/);
  });
});

describe('TxnBoundaries', () => {
  it('starts MariaDB transactions at their GTID and ends them at XID or the standalone statement', () => {
    const b = new TxnBoundaries();
    assert.deepEqual(b.feed(fde(1)), { start: false, idle: true });
    assert.deepEqual(b.feed(mgtid(1, 1)), { start: true, idle: false });
    assert.deepEqual(b.feed(rows(1)), { start: false, idle: false });
    assert.deepEqual(b.feed(query(1, 'INSERT INTO t VALUES (1)')), { start: false, idle: false });
    assert.deepEqual(b.feed(xid(1)), { start: false, idle: true });
    assert.deepEqual(b.feed(mgtid(1, 2, true)), { start: true, idle: false });
    assert.deepEqual(b.feed(query(1, 'CREATE TABLE x (a INT)')), { start: false, idle: true });
  });
  it('starts at BEGIN or a lone DDL without GTID events, not at the BEGIN after a GTID', () => {
    const b = new TxnBoundaries();
    assert.deepEqual(b.feed(query(1, 'BEGIN')), { start: true, idle: false });
    assert.deepEqual(b.feed(query(1, 'COMMIT')), { start: false, idle: true });
    assert.deepEqual(b.feed(query(1, 'DROP TABLE x')), { start: true, idle: true });
    const g: BinlogEvent = { type: 'gtid', header: hdr(1), gtid: 'u:1', commitFlag: true };
    assert.deepEqual(b.feed(g), { start: true, idle: false });
    assert.deepEqual(b.feed(query(1, 'BEGIN')), { start: false, idle: false });
    assert.deepEqual(b.feed(query(1, 'ROLLBACK TO SAVEPOINT a')), { start: false, idle: false });
    assert.deepEqual(b.feed(query(1, 'ROLLBACK')), { start: false, idle: true });
  });
});

describe('StartTimeScan', () => {
  const file = [
    fde(100),
    gtidList(100, '0-1-10'),
    mgtid(110, 11),
    rows(110),
    xid(110),
    mgtid(120, 12),
    rows(120),
    xid(121),
    mgtid(130, 13, true),
    query(130, 'CREATE TABLE t2 (a INT)'),
  ];
  const scan = (t: number): StartTimeScan => {
    const s = new StartTimeScan(t, 'mariadb');
    for (const pe of layout('bin.000002', file)) if (s.feed(pe)) break;
    return s;
  };

  it('finds the first transaction at or after T, with the GTID set before it', () => {
    assert.deepEqual(scan(115).found, { file: 'bin.000002', pos: 54, gtid: '0-1-11' });
    assert.deepEqual(scan(120).found, { file: 'bin.000002', pos: 54, gtid: '0-1-11' });
    assert.deepEqual(scan(121).found, { file: 'bin.000002', pos: 84, gtid: '0-1-12' });
  });
  it('a T before the first transaction gives the first one (the file start set)', () => {
    assert.deepEqual(scan(0).found, { file: 'bin.000002', pos: 24, gtid: '0-1-10' });
  });
  it('a T after every event finds nothing; the end is the last transaction boundary', () => {
    const s = scan(131);
    assert.equal(s.found, undefined);
    assert.deepEqual(s.end, { file: 'bin.000002', pos: 104, gtid: '0-1-13' });
  });
  it('an open transaction at the end is not a boundary', () => {
    const s = new StartTimeScan(500, 'mariadb');
    for (const pe of layout('bin.000002', file.slice(0, 7))) s.feed(pe);
    assert.deepEqual(s.end, { file: 'bin.000002', pos: 54, gtid: '0-1-11' });
  });
  it('ignores rotate and heartbeat events (fake ones carry timestamp 0)', () => {
    const s = new StartTimeScan(0, 'mariadb');
    const r = {
      type: 'rotate',
      header: hdr(0),
      nextFile: 'bin.000002',
      position: 4,
    } as unknown as BinlogEvent;
    assert.equal(s.feed({ event: r, file: 'bin.000002', pos: 0, nextPos: 0 }), false);
  });
});

describe('lastFileBefore', () => {
  const keys = [100, 200, 300, 400, 500];
  const key = async (i: number): Promise<number> => keys[i] as number;
  it('is the last file whose first transaction is before T', async () => {
    assert.equal(await lastFileBefore(5, key, 50), -1);
    assert.equal(await lastFileBefore(5, key, 100), -1);
    assert.equal(await lastFileBefore(5, key, 101), 0);
    assert.equal(await lastFileBefore(5, key, 300), 1);
    assert.equal(await lastFileBefore(5, key, 450), 3);
    assert.equal(await lastFileBefore(5, key, 9999), 4);
    assert.equal(await lastFileBefore(0, key, 1), -1);
  });
  it('probes O(log n) files', async () => {
    const probed: number[] = [];
    const many = Array.from({ length: 1000 }, (_, i) => i * 10);
    await lastFileBefore(
      1000,
      async (i) => {
        probed.push(i);
        return many[i] as number;
      },
      5555,
    );
    assert.ok(probed.length <= 11, `probed ${probed.length}`);
  });
});
