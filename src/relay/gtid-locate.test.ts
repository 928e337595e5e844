import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { BinlogEvent } from '../pkg/binlog/types.js';
import { parseGtidSet } from '../pkg/gtid/index.js';
import { flavorOfGtid, GtidStartScanner, pickGtidStartFile, type RelayFileHead } from './gtid-locate.js';

const header = { timestamp: 0, typeCode: 0, serverId: 1, eventSize: 0, logPos: 0, flags: 0 };
const ev = (o: Record<string, unknown>): BinlogEvent => ({ header, ...o }) as unknown as BinlogEvent;
const mgtid = (gtid: string, standalone = false): BinlogEvent =>
  ev({ type: 'mariadb_gtid', gtid, standalone, domainId: 0, seqNo: gtid.split('-')[2], flags: 0 });
const query = (q: string): BinlogEvent => ev({ type: 'query', query: q, schema: 'd' });
const rows = (): BinlogEvent => ev({ type: 'unknown', name: 'write_rows_v1' });
const xid = (): BinlogEvent => ev({ type: 'xid', xid: '1' });

/** Feed events of the given sizes starting at 4; returns the scanner's answer. */
function scan(target: string, events: BinlogEvent[], flavor: 'mariadb' | 'mysql' = 'mariadb') {
  const s = new GtidStartScanner(parseGtidSet(flavor, target));
  let pos = 4;
  for (const e of events) {
    const found = s.observe(e, pos, pos + 10);
    if (found !== undefined) return { kind: 'found' as const, pos: found };
    pos += 10;
  }
  return s.end();
}

describe('pickGtidStartFile', () => {
  const heads: RelayFileHead[] = [
    { subDir: 'u.000001', file: 'bin.000001', previous: '' },
    { subDir: 'u.000001', file: 'bin.000002', previous: '0-1-10' },
    { subDir: 'u.000001', file: 'bin.000003', previous: '0-1-20' },
  ];
  const pick = (g: string) => pickGtidStartFile(heads, parseGtidSet('mariadb', g))?.file;

  it('chooses the newest file whose opening list the set contains', () => {
    assert.equal(pick('0-1-5'), 'bin.000001');
    assert.equal(pick('0-1-10'), 'bin.000002');
    assert.equal(pick('0-1-19'), 'bin.000002');
    assert.equal(pick('0-1-20'), 'bin.000003');
    assert.equal(pick('0-1-99'), 'bin.000003');
  });

  it('answers nothing when the relay starts after the set, and skips files without a list', () => {
    const later = heads.slice(1);
    assert.equal(pickGtidStartFile(later, parseGtidSet('mariadb', '0-1-3')), undefined);
    const noList = [{ ...heads[0]!, previous: undefined }, heads[1]!];
    assert.equal(pickGtidStartFile(noList, parseGtidSet('mariadb', '0-1-3')), undefined);
  });

  it('uses set containment for MySQL PREVIOUS_GTIDS', () => {
    const u = '3e11fa47-71ca-11e1-9e33-c80aa9429562';
    const my: RelayFileHead[] = [
      { subDir: 's', file: 'b.1', previous: '' },
      { subDir: 's', file: 'b.2', previous: `${u}:1-5` },
    ];
    assert.equal(pickGtidStartFile(my, parseGtidSet('mysql', `${u}:1-4`))?.file, 'b.1');
    assert.equal(pickGtidStartFile(my, parseGtidSet('mysql', `${u}:1-7`))?.file, 'b.2');
    // A hole: transaction 3 is missing from the set, so it must be read from b.1.
    assert.equal(pickGtidStartFile(my, parseGtidSet('mysql', `${u}:1-2:4-7`))?.file, 'b.1');
  });
});

describe('GtidStartScanner', () => {
  const head = [ev({ type: 'format_description' }), ev({ type: 'mariadb_gtid_list', gtids: '0-1-10' })];
  const trx = (g: string) => [mgtid(g), query('BEGIN'), rows(), xid()];

  it('starts at the GTID event of the first transaction not in the set', () => {
    const events = [...head, ...trx('0-1-11'), ...trx('0-1-12'), ...trx('0-1-13')];
    // head: 4, 14; trx 11: 24..63; trx 12 starts at 64; trx 13 at 104.
    assert.deepEqual(scan('0-1-11', events), { kind: 'found', pos: 64 });
    assert.deepEqual(scan('0-1-12', events), { kind: 'found', pos: 104 });
    assert.deepEqual(scan('0-1-10', events), { kind: 'found', pos: 24 });
    assert.deepEqual(scan('0-1-10,1-1-1', events), { kind: 'found', pos: 24 });
  });

  it('a new domain the set lacks is not contained', () => {
    const events = [...head, ...trx('0-1-11'), ...trx('5-1-1')];
    assert.deepEqual(scan('0-1-11', events), { kind: 'found', pos: 64 });
  });

  it('ends after the last complete transaction when all are in the set; DDL is its own transaction', () => {
    const events = [...head, ...trx('0-1-11'), mgtid('0-1-12', true), query('CREATE TABLE x (a INT)')];
    assert.deepEqual(scan('0-1-12', events), { kind: 'end', pos: 84, openTransaction: false });
    assert.deepEqual(scan('0-1-12', head), { kind: 'end', pos: 24, openTransaction: false });
  });

  it('reports a transaction of the set cut at the end of the file as open', () => {
    const events = [...head, ...trx('0-1-11'), mgtid('0-1-12'), query('BEGIN'), rows()];
    assert.deepEqual(scan('0-1-12', events), { kind: 'end', pos: 64, openTransaction: true });
  });

  it('MySQL: GTID events and COMMIT queries', () => {
    const u = '3e11fa47-71ca-11e1-9e33-c80aa9429562';
    const g = (n: number) => ev({ type: 'gtid', gtid: `${u}:${n}`, commitFlag: true });
    const events = [
      ev({ type: 'format_description' }),
      ev({ type: 'previous_gtids', gtidSet: `${u}:1-2` }),
      g(3),
      query('BEGIN'),
      rows(),
      query('COMMIT'),
      g(4),
      query('BEGIN'),
    ];
    assert.deepEqual(scan(`${u}:1-3`, events, 'mysql'), { kind: 'found', pos: 64 });
    assert.deepEqual(scan(`${u}:1-2`, events, 'mysql'), { kind: 'found', pos: 24 });
  });
});

describe('flavorOfGtid', () => {
  it('tells MySQL sets (server UUID) from MariaDB lists', () => {
    assert.equal(flavorOfGtid('3e11fa47-71ca-11e1-9e33-c80aa9429562:1-5'), 'mysql');
    assert.equal(flavorOfGtid('0-1-100,1-2-3'), 'mariadb');
    assert.equal(flavorOfGtid(''), undefined);
  });
});
