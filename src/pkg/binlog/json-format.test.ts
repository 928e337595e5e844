import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatCell, formatEventJson } from './json-format.js';
import type { BinlogEvent, EventHeader } from './types.js';

const header: EventHeader = {
  timestamp: 1700000000,
  typeCode: 0,
  serverId: 3,
  eventSize: 40,
  logPos: 140,
  flags: 0,
};
const at = (event: BinlogEvent) => ({
  raw: Buffer.alloc(0),
  event,
  file: 'bin.000001',
  pos: 100,
  nextPos: 140,
});

describe('formatEventJson', () => {
  it('prints the common fields first and parses back as JSON', () => {
    const line = formatEventJson(at({ type: 'xid', header, xid: '12' }));
    assert.equal(
      line,
      '{"type":"xid","file":"bin.000001","pos":100,"nextPos":140,"timestamp":1700000000,"serverId":3,"xid":"12"}',
    );
  });
  it('update rows as before/after with every cell kind', () => {
    const ev: BinlogEvent = {
      type: 'update_rows',
      header,
      tableId: 1,
      schema: 'd"b',
      table: 't',
      columns: ['a', 'b', 'c', 'd', 'e'],
      rows: [
        {
          before: [1, null, 'x\n"', Buffer.from([0xab, 0x01]), ['p', 'q']],
          after: [-2.5, '18446744073709551615', '', Buffer.alloc(0), []],
        },
      ],
      includedColumnsAfter: [0, 1, 2, 3, 4],
    };
    const line = formatEventJson(at(ev));
    const obj = JSON.parse(line);
    assert.deepEqual(obj.rows, [
      {
        before: [1, null, 'x\n"', '0xAB01', ['p', 'q']],
        after: [-2.5, '18446744073709551615', '', '0x', []],
      },
    ]);
    assert.equal(obj.schema, 'd"b');
    assert.equal(obj.header, undefined);
    assert.deepEqual(obj.includedColumnsAfter, [0, 1, 2, 3, 4]);
  });
  it('small events print their fields; unknown ones their name and size, never raw bytes', () => {
    const q = JSON.parse(
      formatEventJson(
        at({
          type: 'query',
          header,
          threadId: 1,
          execTime: 0,
          errorCode: 0,
          schema: 's',
          query: 'BEGIN',
          statusVars: {},
        }),
      ),
    );
    assert.deepEqual([q.type, q.query, q.schema], ['query', 'BEGIN', 's']);
    const u = JSON.parse(
      formatEventJson(at({ type: 'unknown', header, name: 'incident', body: Buffer.from([1]) })),
    );
    assert.deepEqual([u.name, u.size, u.body], ['incident', 40, undefined]);
  });
  it('table maps list columns', () => {
    const t = JSON.parse(
      formatEventJson(
        at({
          type: 'table_map',
          header,
          tableId: 9,
          schema: 's',
          table: 't',
          hasColumnNames: false,
          columns: [{ type: 3, meta: 0, nullable: false, unsigned: true }],
        }),
      ),
    );
    assert.deepEqual(t.columns, [{ name: '@1', type: 3, meta: 0, nullable: false, unsigned: true }]);
  });
  it('formatCell', () => {
    assert.equal(formatCell(null), 'null');
    assert.equal(formatCell(Buffer.from('AZ')), '"0x415A"');
    assert.equal(formatCell('é'), '"é"');
  });
});
