import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { E, isDmError } from '../errors/index.js';
import { ColumnType as T } from './column-type.js';
import { BinlogDecoder } from './decoder.js';
import { EventType } from './event-type.js';
import { OptionalMeta } from './table-map.js';
import { buildEvent, buildFde, expectType, packed, rowsBody, tableMapBody } from './test-events.js';

function le(n: number, bytes: number): Buffer {
  const b = Buffer.alloc(bytes);
  b.writeIntLE(n, 0, bytes);
  return b;
}
function str1(s: string): Buffer {
  const b = Buffer.from(s);
  return Buffer.concat([Buffer.from([b.length]), b]);
}
function names(...n: string[]): Buffer {
  return Buffer.concat(n.map((x) => Buffer.concat([packed(Buffer.byteLength(x)), Buffer.from(x)])));
}

/** t.x (id INT UNSIGNED, name VARCHAR(20) utf8mb4, tag CHAR(4) latin1, b VARBINARY(8)) with FULL metadata. */
function fullMap(tableId = 42): Buffer {
  return buildEvent(
    EventType.TABLE_MAP,
    tableMapBody(
      tableId,
      'db',
      'x',
      [
        { type: T.LONG, nullable: false },
        { type: T.VARCHAR, meta: [80, 0] },
        { type: T.STRING, meta: [0xfe, 4] },
        { type: T.VARCHAR, meta: [8, 0] },
      ],
      [
        { type: OptionalMeta.SIGNEDNESS, value: Buffer.from([0x80]) },
        // default utf8mb4 (45); character column #1 (tag) latin1 (8), #2 (b) binary (63)
        {
          type: OptionalMeta.DEFAULT_CHARSET,
          value: Buffer.concat([packed(45), packed(1), packed(8), packed(2), packed(63)]),
        },
        { type: OptionalMeta.COLUMN_NAME, value: names('id', 'name', 'tag', 'b') },
        { type: OptionalMeta.SIMPLE_PRIMARY_KEY, value: packed(0) },
      ],
    ),
  );
}

function decoder(): BinlogDecoder {
  const d = new BinlogDecoder();
  d.decode(buildFde({ alg: 1 }));
  return d;
}

describe('TABLE_MAP', () => {
  it('reads types, metadata, nullability and optional metadata', () => {
    const ev = expectType(decoder().decode(fullMap()), 'table_map');
    assert.equal(ev.tableId, 42);
    assert.equal(`${ev.schema}.${ev.table}`, 'db.x');
    assert.deepEqual(
      ev.columns.map((c) => [c.name, c.type, c.meta, c.nullable, c.unsigned, c.charset]),
      [
        ['id', T.LONG, 0, false, true, undefined],
        ['name', T.VARCHAR, 80, true, undefined, 'utf8mb4'],
        ['tag', T.STRING, 4, true, undefined, 'latin1'],
        ['b', T.VARCHAR, 8, true, undefined, 'binary'],
      ],
    );
    assert.deepEqual(ev.primaryKey, [0]);
    assert.equal(ev.hasColumnNames, true);
  });
  it('resolves ENUM/SET and long CHAR from the STRING metadata', () => {
    // CHAR(100) utf8mb4 = 400 bytes: 400 = 0x190, high bits folded into the type byte.
    const b0 = 0xfe ^ ((400 & 0x300) >> 4); // Field_string::save_field_metadata
    const ev = expectType(
      decoder().decode(
        buildEvent(
          EventType.TABLE_MAP,
          tableMapBody(
            7,
            'd',
            't',
            [
              { type: T.STRING, meta: [0xf7, 1] },
              { type: T.STRING, meta: [0xf8, 2] },
              { type: T.STRING, meta: [b0, 400 & 0xff] },
            ],
            [
              { type: OptionalMeta.ENUM_STR_VALUE, value: Buffer.concat([packed(2), str1('a'), str1('bb')]) },
              {
                type: OptionalMeta.SET_STR_VALUE,
                value: Buffer.concat([packed(3), str1('x'), str1('y'), str1('z')]),
              },
            ],
          ),
        ),
      ),
      'table_map',
    );
    assert.deepEqual(
      ev.columns.map((c) => [c.type, c.meta]),
      [
        [T.ENUM, 1],
        [T.SET, 2],
        [T.STRING, 400],
      ],
    );
    assert.deepEqual(ev.columns[0]!.enumValues, ['a', 'bb']);
    assert.deepEqual(ev.columns[1]!.setValues, ['x', 'y', 'z']);
  });
});

describe('rows events', () => {
  it('WRITE_ROWS v1 with every column present', () => {
    const d = decoder();
    d.decode(fullMap());
    // "café€" in cp1252
    const img = [
      le(-1, 4),
      str1('héllo😀'),
      Buffer.from([5, 0x63, 0x61, 0x66, 0xe9, 0x80]),
      Buffer.from([2, 0x00, 0xff]),
    ];
    const ev = expectType(
      d.decode(buildEvent(EventType.WRITE_ROWS_V1, rowsBody(42, 4, [img, [le(7, 4), null, null, null]]))),
      'write_rows',
    );
    assert.deepEqual(ev.columns, ['id', 'name', 'tag', 'b']);
    assert.deepEqual(ev.rows, [
      [4294967295, 'héllo😀', 'café€', Buffer.from([0x00, 0xff])],
      [7, null, null, null],
    ]);
    assert.equal(ev.includedColumns, undefined);
  });
  it('UPDATE_ROWS v2 with extra data and partial images', () => {
    const d = decoder();
    d.decode(fullMap());
    const body = rowsBody(
      42,
      4,
      [
        [le(1, 4), str1('a')],
        [str1('b'), str1('zz')],
      ],
      { v2: true, update: true, present: [0, 1], presentAfter: [1, 2], extra: Buffer.from([0, 1, 2]) },
    );
    const ev = expectType(d.decode(buildEvent(EventType.UPDATE_ROWS_V2, body)), 'update_rows');
    assert.deepEqual(ev.rows, [{ before: [1, 'a', null, null], after: [null, 'b', 'zz', null] }]);
    assert.deepEqual(ev.includedColumnsBefore, [0, 1]);
    assert.deepEqual(ev.includedColumnsAfter, [1, 2]);
  });
  it('DELETE_ROWS v2', () => {
    const d = decoder();
    d.decode(fullMap());
    const ev = expectType(
      d.decode(
        buildEvent(
          EventType.DELETE_ROWS_V2,
          rowsBody(42, 4, [[le(3, 4), null, str1('t'), null]], { v2: true }),
        ),
      ),
      'delete_rows',
    );
    assert.deepEqual(ev.rows, [[3, null, 't', null]]);
  });
  it('a rows event without its TABLE_MAP is E.binlogMissingTableMap', () => {
    assert.throws(
      () => decoder().decode(buildEvent(EventType.WRITE_ROWS_V1, rowsBody(9, 1, [[le(1, 4)]]))),
      (e) => isDmError(e, E.binlogMissingTableMap),
    );
  });
  it('a row running past the event is malformed, not a crash', () => {
    const d = decoder();
    d.decode(fullMap());
    const body = rowsBody(42, 4, [[le(1, 4), Buffer.from([50, 0x41]), null, null]]);
    assert.throws(
      () => d.decode(buildEvent(EventType.WRITE_ROWS_V1, body)),
      (e) => isDmError(e, E.binlogEventMalformed),
    );
  });
  it('MINIMAL metadata: names, signedness and charsets come from the schema lookup', () => {
    const d = new BinlogDecoder({
      schemaLookup: (s, t) =>
        s === 'db' && t === 'm'
          ? {
              names: ['u', 'txt', 'blob'],
              unsigned: [true, false, false],
              charsets: [undefined, 'latin1', undefined],
            }
          : undefined,
    });
    d.decode(buildFde({ alg: 1 }));
    d.decode(
      buildEvent(
        EventType.TABLE_MAP,
        tableMapBody(5, 'db', 'm', [
          { type: T.TINY },
          { type: T.BLOB, meta: [2] },
          { type: T.BLOB, meta: [2] },
        ]),
      ),
    );
    const blob = (b: Buffer) => Buffer.concat([le(b.length, 2), b]);
    const ev = expectType(
      d.decode(
        buildEvent(
          EventType.WRITE_ROWS_V1,
          rowsBody(5, 3, [[Buffer.from([200]), blob(Buffer.from([0xe9])), blob(Buffer.from([0xe9]))]]),
        ),
      ),
      'write_rows',
    );
    assert.deepEqual(ev.columns, ['u', 'txt', 'blob']);
    assert.deepEqual(ev.rows, [[200, 'é', Buffer.from([0xe9])]]);
  });
  it('no metadata and no lookup: @n names, signed integers, BLOB as bytes, VARCHAR as utf8', () => {
    const d = decoder();
    d.decode(
      buildEvent(
        EventType.TABLE_MAP,
        tableMapBody(5, 'db', 'm', [
          { type: T.TINY },
          { type: T.BLOB, meta: [1] },
          { type: T.VARCHAR, meta: [10, 0] },
        ]),
      ),
    );
    const ev = expectType(
      d.decode(
        buildEvent(
          EventType.WRITE_ROWS_V1,
          rowsBody(5, 3, [[Buffer.from([200]), Buffer.from([1, 0x41]), str1('é')]]),
        ),
      ),
      'write_rows',
    );
    assert.deepEqual(ev.columns, ['@1', '@2', '@3']);
    assert.deepEqual(ev.rows, [[-56, Buffer.from('A'), 'é']]);
  });
});
