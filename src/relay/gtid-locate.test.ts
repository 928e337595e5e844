import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { BinlogEvent } from '../pkg/binlog/types.js';
import { parseGtidSet } from '../pkg/gtid/index.js';
import { flavorOfGtid, GtidStartFilter, pickGtidStartFile, type RelayFileHead } from './gtid-locate.js';

const header = { timestamp: 0, typeCode: 0, serverId: 1, eventSize: 0, logPos: 0, flags: 0 };
const ev = (o: Record<string, unknown>): BinlogEvent => ({ header, ...o }) as unknown as BinlogEvent;
const mgtid = (gtid: string, standalone = false): BinlogEvent =>
  ev({ type: 'mariadb_gtid', gtid, standalone, domainId: 0, seqNo: gtid.split('-')[2], flags: 0 });
const query = (q: string): BinlogEvent => ev({ type: 'query', query: q, schema: 'd' });
const rows = (): BinlogEvent => ev({ type: 'unknown', name: 'write_rows_v1' });
const xid = (): BinlogEvent => ev({ type: 'xid', xid: '1' });

/** Which of `events` the filter hands on (their indexes). */
function accepted(target: string, events: BinlogEvent[], flavor: 'mariadb' | 'mysql' = 'mariadb'): number[] {
  const f = new GtidStartFilter(parseGtidSet(flavor, target));
  return events.flatMap((e, i) => (f.accept(e) ? [i] : []));
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

describe('GtidStartFilter', () => {
  const head = [ev({ type: 'format_description' }), ev({ type: 'mariadb_gtid_list', gtids: '0-1-10' })];
  const trx = (g: string) => [mgtid(g), query('BEGIN'), rows(), xid()];
  const events = [
    ...head,
    ...trx('0-1-11'),
    ...trx('0-1-12'),
    mgtid('0-1-13', true),
    query('CREATE TABLE x (a INT)'),
  ];
  const from = (i: number) => Array.from({ length: events.length - i }, (_, k) => i + k);

  it('hands on everything from the GTID event of the first transaction not in the set', () => {
    assert.deepEqual(accepted('0-1-10', events), from(2));
    assert.deepEqual(accepted('0-1-11', events), from(6));
    assert.deepEqual(accepted('0-1-12', events), from(10));
    assert.deepEqual(accepted('0-1-13', events), []);
    // Later events are never filtered again, whatever their GTID.
    assert.deepEqual(accepted('0-1-11', [...events, ...trx('0-1-5')]), from(6).concat([12, 13, 14, 15]));
  });

  it('a new domain the set lacks is not contained', () => {
    assert.deepEqual(accepted('0-1-11', [...head, ...trx('0-1-11'), ...trx('5-1-1')]), [6, 7, 8, 9]);
  });

  it('MySQL: set containment, holes included', () => {
    const u = '3e11fa47-71ca-11e1-9e33-c80aa9429562';
    const g = (n: number) => ev({ type: 'gtid', gtid: `${u}:${n}`, commitFlag: true });
    const my = [
      ev({ type: 'previous_gtids', gtidSet: `${u}:1-2` }),
      g(3),
      query('BEGIN'),
      query('COMMIT'),
      g(4),
    ];
    assert.deepEqual(accepted(`${u}:1-3`, my, 'mysql'), [4]);
    assert.deepEqual(accepted(`${u}:1-2:4`, my, 'mysql'), [1, 2, 3, 4]);
  });
});

describe('flavorOfGtid', () => {
  it('tells MySQL sets (server UUID) from MariaDB lists', () => {
    assert.equal(flavorOfGtid('3e11fa47-71ca-11e1-9e33-c80aa9429562:1-5'), 'mysql');
    assert.equal(flavorOfGtid('0-1-100,1-2-3'), 'mariadb');
    assert.equal(flavorOfGtid(''), undefined);
  });
});
