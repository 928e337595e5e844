import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { comBinlogDump, comBinlogDumpGtid, comQuery, comRegisterSlave } from './commands.js';
import { buildHandshakeResponse, lenencIntBytes, parseHandshake } from './handshake.js';
import { parseErrPacket } from './server-error.js';
import { WireReader } from './wire-reader.js';

describe('command payloads', () => {
  it('COM_QUERY', () => {
    assert.equal(comQuery('SELECT 1').toString('hex'), `03${Buffer.from('SELECT 1').toString('hex')}`);
  });

  it('COM_REGISTER_SLAVE: id, empty host/user/password, port, rank, master id', () => {
    assert.equal(
      comRegisterSlave(0x01020304).toString('hex'),
      '15' + '04030201' + '00' + '00' + '00' + '0000' + '00000000' + '00000000',
    );
  });

  it('COM_BINLOG_DUMP: pos u32, flags u16, server id u32, file name', () => {
    assert.equal(
      comBinlogDump('mysql-bin.000002', 120, 5, 1).toString('hex'),
      '12' + '78000000' + '0100' + '05000000' + Buffer.from('mysql-bin.000002').toString('hex'),
    );
  });

  it('COM_BINLOG_DUMP_GTID: flags with BINLOG_THROUGH_GTID, name, pos u64, data', () => {
    const data = Buffer.from('0102', 'hex');
    assert.equal(
      comBinlogDumpGtid(9, data, 1).toString('hex'),
      '1e' + '0500' + '09000000' + '00000000' + '0400000000000000' + '02000000' + '0102',
    );
  });
});

describe('handshake', () => {
  // A MariaDB 10.11 initial handshake as captured on the wire (connection id 5).
  const salt1 = Buffer.from('12345678');
  const salt2 = Buffer.from('abcdefghijkl');
  const hs = Buffer.concat([
    Buffer.from([10]),
    Buffer.from('5.5.5-10.11.19-MariaDB\0'),
    Buffer.from('05000000', 'hex'),
    salt1,
    Buffer.from([0]),
    Buffer.from('fef7', 'hex'), // caps low
    Buffer.from([45]),
    Buffer.from('0200', 'hex'),
    Buffer.from('ff81', 'hex'), // caps high
    Buffer.from([21]),
    Buffer.alloc(10),
    salt2,
    Buffer.from([0]),
    Buffer.from('mysql_native_password\0'),
  ]);

  it('parses version, id, the 20-byte salt and the plugin', () => {
    const h = parseHandshake(hs);
    assert.equal(h.serverVersion, '5.5.5-10.11.19-MariaDB');
    assert.equal(h.connectionId, 5);
    assert.equal(h.salt.toString(), '12345678abcdefghijkl');
    assert.equal(h.authPlugin, 'mysql_native_password');
    assert.equal(h.capabilities, 0x81fff7fe);
  });

  it('builds a HandshakeResponse41 with a length-encoded auth response', () => {
    const resp = buildHandshakeResponse(0x00a8a205, 'dm', Buffer.alloc(20, 7), 'mysql_native_password');
    const r = new WireReader(resp);
    assert.equal(r.u32(), 0x00a8a205);
    r.skip(4 + 1 + 23);
    assert.equal(r.nulString(), 'dm');
    assert.deepEqual(r.lenencBytes(), Buffer.alloc(20, 7));
    assert.equal(r.nulString(), 'mysql_native_password');
    assert.equal(r.remaining, 0);
  });

  it('length-encoded integers round-trip at every width', () => {
    for (const n of [0, 250, 251, 65535, 65536, 0xffffff, 0x1000000, 2 ** 40]) {
      assert.equal(new WireReader(lenencIntBytes(n)).lenencInt(), n);
    }
  });

  it('parses ERR packets with and without SQL state', () => {
    const withState = Buffer.concat([Buffer.from('ff1504', 'hex'), Buffer.from('#28000Access denied')]);
    assert.deepEqual(parseErrPacket(withState), { errno: 1045, sqlState: '28000', message: 'Access denied' });
    assert.deepEqual(parseErrPacket(Buffer.from('ffd404', 'hex')), {
      errno: 1236,
      sqlState: '',
      message: '',
    });
  });
});
