import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatDumpMetadata, parseDumpMetadata } from './metadata.js';

describe('dump metadata', () => {
  it('round-trips our format', () => {
    const m = {
      startedAt: '2024-01-01 10:00:00',
      finishedAt: '2024-01-01 10:00:09',
      binlogName: 'mariadb-bin.000003',
      binlogPos: 1234,
      binlogGtid: '0-1-5,1-2-7',
    };
    assert.deepEqual(parseDumpMetadata(formatDumpMetadata(m)), m);
  });

  it('reads mydumper 0.10 output (no trailing newline, tab indent)', () => {
    const text =
      'Started dump at: 2026-11-25 23:04:44\nSHOW MASTER STATUS:\n\tLog: mariadb-bin.000001\n\tPos: 1664\n\tGTID:0-11-6\n\nFinished dump at: 2026-11-25 23:04:45';
    const m = parseDumpMetadata(text);
    assert.equal(m.binlogName, 'mariadb-bin.000001');
    assert.equal(m.binlogPos, 1664);
    assert.equal(m.binlogGtid, '0-11-6');
    assert.equal(m.finishedAt, '2026-11-25 23:04:45');
  });

  it('ignores SHOW SLAVE STATUS and joins multi-line MySQL GTID sets', () => {
    const text = [
      'Started dump at: 2020-11-10 10:40:19',
      'SHOW MASTER STATUS:',
      '\tLog: mysql-bin.000001',
      '\tPos: 154',
      '\tGTID:3ccc475b-2343-11e7-be21-6c0b84d59f30:1-14,',
      '406a3f61-690d-11e7-87c5-6c92bf46f384:1-94321383',
      '',
      'SHOW SLAVE STATUS:',
      '\tHost: 10.0.0.1',
      '\tLog: other-bin.000009',
      '\tPos: 999',
      '\tGTID:',
      '',
      'Finished dump at: 2020-11-10 10:40:20',
    ].join('\n');
    const m = parseDumpMetadata(text);
    assert.equal(m.binlogName, 'mysql-bin.000001');
    assert.equal(m.binlogPos, 154);
    assert.equal(
      m.binlogGtid,
      '3ccc475b-2343-11e7-be21-6c0b84d59f30:1-14,406a3f61-690d-11e7-87c5-6c92bf46f384:1-94321383',
    );
  });

  it('reads the mydumper >= 0.11 ini form', () => {
    const m = parseDumpMetadata(
      '# Started dump at: x\n[master]\nFile = binlog.000002\nPosition = 77\nExecuted_Gtid_Set = 0-1-9\n\n[source]\nFile = x\n',
    );
    assert.deepEqual([m.binlogName, m.binlogPos, m.binlogGtid], ['binlog.000002', 77, '0-1-9']);
  });

  it('has no finish time while the dump runs', () => {
    const m = parseDumpMetadata(formatDumpMetadata({ binlogName: 'b.1', binlogPos: 4, binlogGtid: '' }));
    assert.equal(m.finishedAt, undefined);
  });
});
