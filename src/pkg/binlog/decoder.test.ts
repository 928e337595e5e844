import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { E, isDmError } from '../errors/index.js';
import { BinlogDecoder, decodeHeader } from './decoder.js';
import { EventType, LOG_EVENT_ARTIFICIAL_F, LOG_EVENT_BINLOG_IN_USE_F } from './event-type.js';
import { buildEvent, buildFde, expectType, packed } from './test-events.js';

function u64(n: bigint | number): Buffer {
  const b = Buffer.alloc(8);
  b.writeBigUInt64LE(BigInt(n));
  return b;
}
function u32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(n);
  return b;
}
function u16(n: number): Buffer {
  const b = Buffer.alloc(2);
  b.writeUInt16LE(n);
  return b;
}

function crcDecoder(): BinlogDecoder {
  const d = new BinlogDecoder();
  d.decode(buildFde({ alg: 1 }));
  return d;
}

function throwsDm(fn: () => unknown, def: { code: number }): void {
  assert.throws(fn, (e: unknown) => isDmError(e) && e.code === def.code);
}

describe('decodeHeader', () => {
  it('reads the 19-byte v4 header', () => {
    const raw = buildEvent(EventType.XID, u64(7), { timestamp: 123, serverId: 9, logPos: 456, flags: 8 });
    assert.deepEqual(decodeHeader(raw), {
      timestamp: 123,
      typeCode: 16,
      serverId: 9,
      eventSize: raw.length,
      logPos: 456,
      flags: 8,
    });
  });
  it('rejects short buffers and absurd sizes', () => {
    throwsDm(() => decodeHeader(Buffer.alloc(10)), E.binlogEventMalformed);
    const b = Buffer.alloc(19);
    b.writeUInt32LE(5, 9);
    throwsDm(() => decodeHeader(b), E.binlogEventMalformed);
  });
});

describe('FORMAT_DESCRIPTION and checksums', () => {
  it('reads version, post-header lengths and the checksum algorithm', () => {
    const d = new BinlogDecoder();
    assert.equal(d.checksumAlg, 'none');
    const ev = expectType(d.decode(buildFde({ alg: 1 })), 'format_description');
    assert.equal(ev.serverVersion, '10.11.19-MariaDB-log');
    assert.equal(ev.binlogVersion, 4);
    assert.equal(ev.checksumAlg, 'crc32');
    assert.equal(ev.postHeaderLengths[EventType.QUERY - 1], 13);
    assert.equal(d.checksumAlg, 'crc32');
  });
  it('checksum OFF: later events carry no CRC', () => {
    const d = new BinlogDecoder();
    d.decode(buildFde({ alg: 0 }));
    assert.equal(d.checksumAlg, 'none');
    const ev = expectType(d.decode(buildEvent(EventType.XID, u64(42), { crc: false })), 'xid');
    assert.equal(ev.xid, '42');
  });
  it('pre-5.6 MySQL FDE has no algorithm byte', () => {
    const d = new BinlogDecoder();
    const ev = expectType(
      d.decode(buildFde({ version: '5.5.60-log', postHeaders: [56, 13, 0, 8] })),
      'format_description',
    );
    assert.equal(ev.checksumAlg, 'none');
    assert.deepEqual(ev.postHeaderLengths, [56, 13, 0, 8]);
  });
  it('detects a flipped bit through the CRC', () => {
    const d = crcDecoder();
    const raw = buildEvent(EventType.XID, u64(1));
    raw[20] = raw[20]! ^ 0x10;
    throwsDm(() => d.decode(raw), E.binlogChecksumMismatch);
    const noVerify = new BinlogDecoder({ verifyChecksum: false });
    noVerify.decode(buildFde({ alg: 1 }));
    assert.equal(expectType(noVerify.decode(raw), 'xid').type, 'xid');
  });
  it('verifies an FDE whose in-use flag was set after checksumming', () => {
    const fde = buildFde({ alg: 1 });
    fde[17] = fde[17]! | LOG_EVENT_BINLOG_IN_USE_F; // the server sets/clears it in place
    const d = new BinlogDecoder();
    assert.equal(d.decode(fde).type, 'format_description');
    fde[30] = fde[30]! ^ 1;
    throwsDm(() => new BinlogDecoder().decode(fde), E.binlogChecksumMismatch);
  });
  it('setChecksumAlg covers the fake ROTATE sent before the FDE', () => {
    const d = new BinlogDecoder();
    d.setChecksumAlg('crc32');
    const raw = buildEvent(EventType.ROTATE, Buffer.concat([u64(4), Buffer.from('bin.000007')]), {
      timestamp: 0,
      flags: LOG_EVENT_ARTIFICIAL_F,
    });
    const ev = expectType(d.decode(raw), 'rotate');
    assert.deepEqual([ev.nextFile, ev.position, ev.fake], ['bin.000007', 4, true]);
  });
  it('rejects an event whose size field disagrees with its length', () => {
    const d = crcDecoder();
    const raw = buildEvent(EventType.XID, u64(1));
    throwsDm(() => d.decode(raw.subarray(0, raw.length - 1)), E.binlogEventMalformed);
  });
});

describe('control events', () => {
  const d = crcDecoder();
  it('ROTATE (real)', () => {
    const ev = expectType(
      d.decode(buildEvent(EventType.ROTATE, Buffer.concat([u64(4), Buffer.from('mariadb-bin.000002')]))),
      'rotate',
    );
    assert.deepEqual([ev.nextFile, ev.position, ev.fake], ['mariadb-bin.000002', 4, false]);
  });
  it('QUERY with MySQL and MariaDB status vars', () => {
    const sv = Buffer.concat([
      Buffer.from([0]),
      u32(0x01000000), // flags2
      Buffer.from([1]),
      u64(1411383304n), // sql_mode
      Buffer.from([6, 3]),
      Buffer.from('std'), // catalog
      Buffer.from([4]),
      u16(224),
      u16(224),
      u16(45), // charsets
      Buffer.from([5, 6]),
      Buffer.from('+00:00'), // time zone
      Buffer.from([3]),
      u16(2),
      u16(1), // auto inc
      Buffer.from([11, 4]),
      Buffer.from('root'),
      Buffer.from([9]),
      Buffer.from('localhost'), // invoker
      Buffer.from([12, 2]),
      Buffer.from('a\0bb\0'), // updated db names
      Buffer.from([128, 1, 2, 3]), // Q_HRNOW
      Buffer.from([129]),
      u64(99), // Q_XID
      Buffer.from([130, 1]), // Q_GTID_FLAGS3
      Buffer.from([9]),
      u64(1), // table map for update
    ]);
    const post = Buffer.concat([u32(77), u32(3), Buffer.from([4]), u16(0), u16(sv.length)]);
    const raw = buildEvent(
      EventType.QUERY,
      Buffer.concat([post, sv, Buffer.from('test\0'), Buffer.from('CREATE TABLE x (a int)')]),
    );
    const ev = expectType(d.decode(raw), 'query');
    assert.equal(ev.threadId, 77);
    assert.equal(ev.execTime, 3);
    assert.equal(ev.schema, 'test');
    assert.equal(ev.query, 'CREATE TABLE x (a int)');
    assert.deepEqual(ev.statusVars, {
      flags2: 0x01000000,
      sqlMode: '1411383304',
      catalog: 'std',
      charsetClient: 224,
      collationConnection: 224,
      collationServer: 45,
      timeZone: '+00:00',
      autoIncrementIncrement: 2,
      autoIncrementOffset: 1,
    });
  });
  it('QUERY: an unknown status var stops the walk but schema/query are still found', () => {
    const sv = Buffer.concat([Buffer.from([0]), u32(5), Buffer.from([200, 1, 2, 3])]);
    const post = Buffer.concat([u32(1), u32(0), Buffer.from([0]), u16(0), u16(sv.length)]);
    const ev = expectType(
      d.decode(buildEvent(EventType.QUERY, Buffer.concat([post, sv, Buffer.from('\0BEGIN')]))),
      'query',
    );
    assert.deepEqual([ev.schema, ev.query, ev.statusVars.flags2], ['', 'BEGIN', 5]);
  });
  it('XID, INTVAR, RAND, STOP', () => {
    assert.equal(
      expectType(d.decode(buildEvent(EventType.XID, u64(18446744073709551615n))), 'xid').xid,
      '18446744073709551615',
    );
    const iv = expectType(
      d.decode(buildEvent(EventType.INTVAR, Buffer.concat([Buffer.from([2]), u64(1000)]))),
      'intvar',
    );
    assert.deepEqual([iv.subtype, iv.value], [2, '1000']);
    const r = expectType(d.decode(buildEvent(EventType.RAND, Buffer.concat([u64(1), u64(2)]))), 'rand');
    assert.deepEqual([r.seed1, r.seed2], ['1', '2']);
    assert.equal(d.decode(buildEvent(EventType.STOP, Buffer.alloc(0))).type, 'stop');
  });
  it('USER_VAR, null and valued', () => {
    const n = expectType(
      d.decode(buildEvent(EventType.USER_VAR, Buffer.concat([u32(1), Buffer.from('a'), Buffer.from([1])]))),
      'user_var',
    );
    assert.deepEqual([n.name, n.isNull, n.value], ['a', true, undefined]);
    const body = Buffer.concat([
      u32(2),
      Buffer.from('xy'),
      Buffer.from([0, 0]),
      u32(33),
      u32(2),
      Buffer.from('hi'),
      Buffer.from([0]),
    ]);
    const v = expectType(d.decode(buildEvent(EventType.USER_VAR, body)), 'user_var');
    assert.deepEqual([v.name, v.isNull, v.valueType, v.charset, v.value], ['xy', false, 0, 33, '0x6869']);
  });
  it('ROWS_QUERY and ANNOTATE_ROWS', () => {
    assert.equal(
      expectType(d.decode(buildEvent(EventType.ROWS_QUERY, Buffer.from('\x05hello'))), 'rows_query').query,
      'hello',
    );
    assert.equal(
      expectType(
        d.decode(buildEvent(EventType.MARIADB_ANNOTATE_ROWS, Buffer.from('INSERT 1'))),
        'mariadb_annotate_rows',
      ).query,
      'INSERT 1',
    );
  });
  it('BINLOG_CHECKPOINT', () => {
    const ev = d.decode(
      buildEvent(EventType.MARIADB_BINLOG_CHECKPOINT, Buffer.concat([u32(5), Buffer.from('b.001')])),
    );
    assert.equal(expectType(ev, 'mariadb_binlog_checkpoint').file, 'b.001');
  });
  it('HEARTBEAT v1 and v2', () => {
    const h1 = expectType(
      d.decode(buildEvent(EventType.HEARTBEAT, Buffer.from('bin.000003'), { logPos: 1234, timestamp: 0 })),
      'heartbeat',
    );
    assert.deepEqual([h1.logIdent, h1.position], ['bin.000003', 1234]);
    const body = Buffer.concat([
      Buffer.from([1]),
      packed(10),
      Buffer.from('bin.000004'),
      Buffer.from([2]),
      packed(4),
      packed(70000),
    ]);
    const h2 = expectType(d.decode(buildEvent(EventType.HEARTBEAT_V2, body)), 'heartbeat_v2');
    assert.deepEqual([h2.logIdent, h2.position], ['bin.000004', 70000]);
  });
  it('unknown types pass through with their body', () => {
    const ev = expectType(d.decode(buildEvent(EventType.INCIDENT, Buffer.from([1, 2, 3]))), 'unknown');
    assert.equal(ev.name, 'incident');
    assert.deepEqual([...ev.body], [1, 2, 3]);
    const odd = expectType(d.decode(buildEvent(99, Buffer.from([9]))), 'unknown');
    assert.equal(odd.name, 'event_99');
  });
  it('skipRows: row events and TABLE_MAPs pass through undecoded, the rest is decoded', () => {
    const body = Buffer.from([7, 0, 0, 0, 0, 0, 1, 0, 2, 0, 1, 0xff, 0]);
    // Without a TABLE_MAP an ordinary decoder refuses the row event.
    throwsDm(() => crcDecoder().decode(buildEvent(EventType.WRITE_ROWS_V2, body)), E.binlogMissingTableMap);
    const skip = new BinlogDecoder({ skipRows: true });
    skip.decode(buildFde({ alg: 1 }));
    for (const t of [
      EventType.TABLE_MAP,
      EventType.WRITE_ROWS_V2,
      EventType.UPDATE_ROWS_V1,
      EventType.DELETE_ROWS_V2,
    ]) {
      const ev = expectType(skip.decode(buildEvent(t, body)), 'unknown');
      assert.deepEqual([...ev.body], [...body]);
    }
    assert.equal(skip.decode(buildEvent(EventType.XID, u64(5))).type, 'xid');
  });
  it('TRANSACTION_PAYLOAD and PARTIAL_UPDATE_ROWS are refused with their own errors', () => {
    throwsDm(
      () => d.decode(buildEvent(EventType.TRANSACTION_PAYLOAD, Buffer.alloc(10))),
      E.binlogTransactionPayload,
    );
    throwsDm(
      () => d.decode(buildEvent(EventType.PARTIAL_UPDATE_ROWS, Buffer.alloc(10))),
      E.binlogPartialUpdate,
    );
  });
});

describe('GTID events', () => {
  const d = crcDecoder();
  const sid = Buffer.from('3e11fa4771ca11e19e33c80aa9429562', 'hex');
  it('MySQL GTID with logical timestamps', () => {
    const body = Buffer.concat([Buffer.from([1]), sid, u64(23), Buffer.from([2]), u64(5), u64(6)]);
    const ev = expectType(d.decode(buildEvent(EventType.GTID, body)), 'gtid');
    assert.equal(ev.gtid, '3e11fa47-71ca-11e1-9e33-c80aa9429562:23');
    assert.deepEqual([ev.commitFlag, ev.lastCommitted, ev.sequenceNumber], [true, 5, 6]);
  });
  it('ANONYMOUS_GTID', () => {
    const body = Buffer.concat([Buffer.from([0]), Buffer.alloc(16), u64(0)]);
    const ev = expectType(d.decode(buildEvent(EventType.ANONYMOUS_GTID, body)), 'anonymous_gtid');
    assert.equal(ev.gtid, '');
  });
  it('PREVIOUS_GTIDS', () => {
    const body = Buffer.concat([u64(1), sid, u64(2), u64(1), u64(6), u64(8), u64(9)]);
    const ev = expectType(d.decode(buildEvent(EventType.PREVIOUS_GTIDS, body)), 'previous_gtids');
    assert.equal(ev.gtidSet, '3e11fa47-71ca-11e1-9e33-c80aa9429562:1-5:8');
  });
  it('MariaDB GTID (standalone, with commit id)', () => {
    const ev = expectType(
      d.decode(
        buildEvent(
          EventType.MARIADB_GTID,
          Buffer.concat([u64(17), u32(3), Buffer.from([3]), u64(99), Buffer.alloc(2)]),
          { serverId: 5 },
        ),
      ),
      'mariadb_gtid',
    );
    assert.deepEqual(
      [ev.gtid, ev.standalone, ev.commitId, ev.domainId, ev.seqNo],
      ['3-5-17', true, '99', 3, '17'],
    );
  });
  it('MariaDB GTID_LIST', () => {
    const body = Buffer.concat([u32(2), u32(0), u32(1), u64(10), u32(1), u32(2), u64(20)]);
    assert.equal(
      expectType(d.decode(buildEvent(EventType.MARIADB_GTID_LIST, body)), 'mariadb_gtid_list').gtids,
      '0-1-10,1-2-20',
    );
  });
});
