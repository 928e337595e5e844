import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { appendEventJson, formatEventJson, formatRow, ownFields, tableMapFields } from './json-format.js';
import { JsonWriter } from './json-writer.js';
import type { BinlogEvent, CellValue, EventHeader, PositionedEvent } from './types.js';

/**
 * The byte-writing formatter must print exactly what the plain string-building one printed.
 * This is that earlier implementation, kept as the reference (rows via formatRow/formatCell).
 */
function referenceJson(pe: PositionedEvent): string {
  const ev = pe.event;
  const h = ev.header;
  let s = `{"type":"${ev.type}","file":${JSON.stringify(pe.file)},"pos":${pe.pos},"nextPos":${pe.nextPos},"timestamp":${h.timestamp},"serverId":${h.serverId}`;
  switch (ev.type) {
    case 'write_rows':
    case 'delete_rows': {
      s += `,"tableId":${ev.tableId},"schema":${JSON.stringify(ev.schema)},"table":${JSON.stringify(ev.table)},"columns":${JSON.stringify(ev.columns)},"rows":[`;
      const rows = ev.rows;
      for (let i = 0; i < rows.length; i++) {
        if (i > 0) s += ',';
        s += formatRow(rows[i]!);
      }
      s += ']';
      if (ev.includedColumns) s += `,"includedColumns":${JSON.stringify(ev.includedColumns)}`;
      return `${s}}`;
    }
    case 'update_rows': {
      s += `,"tableId":${ev.tableId},"schema":${JSON.stringify(ev.schema)},"table":${JSON.stringify(ev.table)},"columns":${JSON.stringify(ev.columns)},"rows":[`;
      const rows = ev.rows;
      for (let i = 0; i < rows.length; i++) {
        const r = rows[i]!;
        s += `${i > 0 ? ',' : ''}{"before":${formatRow(r.before)},"after":${formatRow(r.after)}}`;
      }
      s += ']';
      if (ev.includedColumnsBefore)
        s += `,"includedColumnsBefore":${JSON.stringify(ev.includedColumnsBefore)}`;
      if (ev.includedColumnsAfter) s += `,"includedColumnsAfter":${JSON.stringify(ev.includedColumnsAfter)}`;
      return `${s}}`;
    }
    case 'table_map':
      // Table maps are text in both (cached per map); the comparison is about rows.
      return s + tableMapFields(ev);
    case 'unknown':
      return `${s},"name":${JSON.stringify(ev.name)},"size":${h.eventSize}}`;
    default: {
      // Small events: print their own fields generically.
      for (const [k, v] of ownFields(ev)) s += `,${JSON.stringify(k)}:${JSON.stringify(v)}`;
      return `${s}}`;
    }
  }
}

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 0x1_0000_0000;
  };
}

const header: EventHeader = {
  timestamp: 1700000000,
  typeCode: 0,
  serverId: 3,
  eventSize: 40,
  logPos: 0,
  flags: 0,
};

describe('formatEventJson equals the reference formatter', () => {
  it('on random rows of every cell kind, event kind and file name', () => {
    const r = rng(11);
    const pick = <T>(xs: T[]): T => xs[Math.floor(r() * xs.length)]!;
    const strings = [
      '',
      'x',
      'plain text long enough for the native path',
      'q"\\\n\t\u0001',
      'é€中😀',
      '\ud800 lone',
      'Ł'.repeat(20),
    ];
    const cell = (): CellValue => {
      switch (Math.floor(r() * 8)) {
        case 0:
          return null;
        case 1:
          return Math.floor((r() - 0.5) * 2 ** Math.floor(r() * 53));
        case 2:
          return (r() - 0.5) * 1e6;
        case 3:
          return pick(strings) + pick(strings);
        case 4:
          return Buffer.from([Math.floor(r() * 256), 0, 255]);
        case 5:
          return [pick(strings), 'b'];
        case 6:
          return '18446744073709551615';
        default:
          return '2024-01-02 03:04:05.678';
      }
    };
    const row = (n: number): CellValue[] => Array.from({ length: n }, cell);
    const lines = new JsonWriter(16);
    let expected = '';
    for (let i = 0; i < 300; i++) {
      const n = 1 + Math.floor(r() * 6);
      const columns = Array.from({ length: n }, (_, k) => pick(['id', 'c"', 'ü', `@${k + 1}`]));
      const base = {
        header,
        tableId: Math.floor(r() * 2 ** 40),
        schema: pick(['db', 'd"b', 'ß']),
        table: 't',
        columns,
      };
      const rows = Array.from({ length: Math.floor(r() * 4) }, () => row(n));
      let ev: BinlogEvent;
      const kind = i % 3;
      if (kind === 0)
        ev = { type: 'write_rows', ...base, rows, ...(r() < 0.3 ? { includedColumns: [0] } : {}) };
      else if (kind === 1) ev = { type: 'delete_rows', ...base, rows };
      else {
        ev = {
          type: 'update_rows',
          ...base,
          rows: rows.map((x) => ({ before: x, after: row(n) })),
          ...(r() < 0.3 ? { includedColumnsBefore: [0], includedColumnsAfter: [0, 1] } : {}),
        };
      }
      const pe: PositionedEvent = {
        raw: Buffer.alloc(0),
        event: ev,
        file: pick(['mysql-bin.000001', 'relay "é".000002']),
        pos: Math.floor(r() * 2 ** 32),
        nextPos: Math.floor(r() * 2 ** 33),
      };
      assert.equal(formatEventJson(pe), referenceJson(pe));
      appendEventJson(pe, lines);
      expected += `${referenceJson(pe)}\n`;
    }
    // The byte-appending variant: the same lines, as UTF-8.
    assert.equal(lines.takeBytes().toString('utf8'), expected);
    assert.equal(lines.pos, 0);
  });

  it('appendEventJson leaves the writer as it was when a value throws', () => {
    const w = new JsonWriter(16);
    const ok: PositionedEvent = {
      raw: Buffer.alloc(0),
      event: { type: 'xid', header, xid: '1' },
      file: 'f',
      pos: 4,
      nextPos: 9,
    };
    appendEventJson(ok, w);
    const before = w.pos;
    const bad = { ...ok, event: { type: 'xid', header, xid: 1n } as unknown as BinlogEvent };
    assert.throws(() => appendEventJson(bad, w), TypeError);
    assert.equal(w.pos, before);
    appendEventJson(ok, w);
    assert.equal(w.takeBytes().toString(), `${referenceJson(ok)}\n${referenceJson(ok)}\n`);
  });

  it('on table maps (cached per columns array) and small events', () => {
    const columns = [
      { name: 'id', type: 3, meta: 0, nullable: false, unsigned: true },
      { type: 15, meta: 80, nullable: true, charset: 'utf8mb4' },
    ];
    const at = (event: BinlogEvent, file = 'b.000001'): PositionedEvent => ({
      raw: Buffer.alloc(0),
      event,
      file,
      pos: 4,
      nextPos: 90,
    });
    const maps: BinlogEvent[] = [
      { type: 'table_map', header, tableId: 1, schema: 's', table: 't', columns, hasColumnNames: true },
      {
        type: 'table_map',
        header,
        tableId: 1,
        schema: 's',
        table: 't',
        columns,
        hasColumnNames: true,
        primaryKey: [0],
      },
      { type: 'table_map', header, tableId: 2, schema: 's', table: 'u', columns, hasColumnNames: true },
      { type: 'table_map', header, tableId: 2, schema: 's', table: 'u', columns, hasColumnNames: true },
    ];
    for (const m of maps) assert.equal(formatEventJson(at(m)), referenceJson(at(m)));
    const small: BinlogEvent[] = [
      { type: 'xid', header, xid: '12' },
      {
        type: 'mariadb_annotate_rows',
        header,
        query: `INSERT INTO t VALUES ('a"b\n', 'é') ${'x'.repeat(100)}`,
      },
      { type: 'unknown', header, name: 'incident', body: Buffer.from([1]) },
      { type: 'rotate', header, position: 4, nextFile: 'b.000002', fake: false },
    ];
    for (const e of small) {
      assert.equal(formatEventJson(at(e)), referenceJson(at(e)));
      assert.equal(formatEventJson(at(e, 'other.000009')), referenceJson(at(e, 'other.000009')));
    }
  });
});
