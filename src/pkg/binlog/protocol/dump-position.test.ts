import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { BinlogEvent, EventHeader } from '../types.js';
import { compareBinlogFile, compareBinlogPos, DumpPosition } from './dump-position.js';

function hdr(logPos: number, eventSize: number, flags = 0): EventHeader {
  return { timestamp: 1, typeCode: 2, serverId: 1, eventSize, logPos, flags };
}
const q = (logPos: number, size: number): BinlogEvent => ({
  type: 'xid',
  header: hdr(logPos, size),
  xid: '1',
});

describe('DumpPosition', () => {
  it('places fake rotate, artificial FDE and real events', () => {
    const d = new DumpPosition('f.000001', 500);
    const rot: BinlogEvent = {
      type: 'rotate',
      header: { ...hdr(0, 40, 0x20), timestamp: 0 },
      position: 500,
      nextFile: 'f.000001',
      fake: true,
    };
    assert.deepEqual(d.place(rot), { file: 'f.000001', pos: 500, nextPos: 500, artificial: true });
    const fde = { type: 'format_description', header: hdr(0, 100) } as BinlogEvent;
    assert.deepEqual(d.place(fde), { file: 'f.000001', pos: 500, nextPos: 500, artificial: true });
    assert.deepEqual(d.place(q(531, 31)), { file: 'f.000001', pos: 500, nextPos: 531, artificial: false });
    // MariaDB 11.4+: logPos 0 inside a transaction → computed from the size.
    assert.deepEqual(d.place(q(0, 40)), { file: 'f.000001', pos: 531, nextPos: 571, artificial: false });
    assert.equal(d.pos, 571);
  });

  it('a real rotate sits in the old file; the position moves to the next file', () => {
    const d = new DumpPosition('f.000001', 100);
    const rot: BinlogEvent = {
      type: 'rotate',
      header: hdr(144, 44),
      position: 4,
      nextFile: 'f.000002',
      fake: false,
    };
    assert.deepEqual(d.place(rot), { file: 'f.000001', pos: 100, nextPos: 144, artificial: false });
    assert.deepEqual([d.file, d.pos], ['f.000002', 4]);
  });

  it('an artificial event with logPos (MariaDB fake GTID_LIST) moves the position; heartbeats do not', () => {
    const d = new DumpPosition('f.000001', 330);
    const hb = {
      type: 'heartbeat',
      header: hdr(9999, 40, 0x20),
      logIdent: 'f.000001',
      position: 9999,
    } as BinlogEvent;
    assert.deepEqual(d.place(hb), { file: 'f.000001', pos: 330, nextPos: 330, artificial: true });
    const list = { type: 'mariadb_gtid_list', header: hdr(850, 43, 0x20), gtids: '0-1-3' } as BinlogEvent;
    assert.deepEqual(d.place(list), { file: 'f.000001', pos: 850, nextPos: 850, artificial: true });
    assert.deepEqual(d.place(q(892, 42)).pos, 850);
  });

  it('orders binlog files by numeric suffix', () => {
    assert.ok(compareBinlogFile('b.000009', 'b.000010') < 0);
    assert.ok(compareBinlogFile('b.999999', 'b.1000000') < 0);
    assert.equal(compareBinlogFile('b.000001', 'b.000001'), 0);
    assert.ok(compareBinlogPos('b.000002', 4, 'b.000001', 900) > 0);
    assert.ok(compareBinlogPos('b.000002', 4, 'b.000002', 900) < 0);
  });
});
