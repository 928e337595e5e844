import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { dataFile } from './dump-dir.js';
import { FINISHED_MARK, type FileCheckpoint, snapshotSpan } from './load-checkpoint.js';

const at = (pos: number, file = 'bin.000001') => ({ binlogName: file, binlogPos: pos, binlogGtid: '' });
const row = (table: string, i: number, snapshot: number, earliest?: number): FileCheckpoint => ({
  filename: dataFile('db', table, i),
  cpSchema: 'db',
  cpTable: table,
  offset: 1,
  endPos: 1,
  range: '',
  snapshot: at(snapshot),
  ...(earliest !== undefined ? { earliest: at(earliest) } : {}),
});

describe('snapshotSpan', () => {
  it('is undefined without snapshots (foreign dump, older version)', () => {
    assert.equal(
      snapshotSpan([{ filename: FINISHED_MARK, cpSchema: '', cpTable: '', offset: 1, endPos: 1 }]),
      undefined,
    );
  });

  it('one snapshot: earliest = latest, no table starts', () => {
    const s = snapshotSpan([row('t', 0, 500), row('u', 0, 500)]);
    assert.deepEqual(s, { earliest: at(500), latest: at(500), tables: [] });
  });

  it('several snapshots: the oldest (also a kept earliest) and the newest; tables loaded only later', () => {
    const s = snapshotSpan([
      row('t', 0, 500),
      row('t', 1, 900, 500), // partly loaded at 500, reloaded at 900
      row('u', 0, 900),
      row('k', 0, 400, 300),
      row('v', 0, 120, undefined),
    ]);
    assert.ok(s);
    assert.deepEqual(s.latest, at(900));
    assert.deepEqual(s.earliest, at(120));
    assert.deepEqual(
      s.tables.map((t) => [t.table, t.since.binlogPos]),
      [
        ['t', 500],
        ['u', 900],
        ['k', 300],
      ],
    );
  });

  it('orders binlog files by number', () => {
    const s = snapshotSpan([row('t', 0, 9999), { ...row('u', 0, 4), snapshot: at(4, 'bin.000002') }]);
    assert.equal(s?.latest.binlogName, 'bin.000002');
  });
});
