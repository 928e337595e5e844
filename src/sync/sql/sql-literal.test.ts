import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import mysql from 'mysql2';
import type { CellValue } from '../../pkg/binlog/types.js';
import { SchemaTracker } from '../../pkg/schema/schema-tracker.js';
import type { ColumnInfo } from '../../pkg/schema/table-structure.js';
import { sqlLiteral, sqlValue } from './dml-sql.js';
import { tablePlan } from './table-plan.js';

const col = (type: string, charset?: string): ColumnInfo => ({
  name: 'c',
  type,
  unsigned: false,
  charset,
  nullable: true,
  generated: false,
  invisible: false,
});

/** What the statements used to be: `?` + mysql.format over sqlValue. */
const viaFormat = (c: ColumnInfo, v: CellValue): string => mysql.format('?', [sqlValue(c, v)] as never[]);

describe('sqlLiteral', () => {
  const text = col('varchar(10)', 'utf8mb4');
  const bin = col('varbinary(10)', 'binary');
  const values: CellValue[] = [
    null,
    0,
    -1,
    3.25,
    1e21,
    -0,
    123456789012345,
    '',
    'plain',
    "it's",
    'back\\slash',
    'q"uote',
    'nul\0byte',
    'tab\tnl\nrc\r\b\x1a',
    'ünïcødé ✓ 😀',
    '0xC1FF',
    '0xabc',
    '0x',
    '0xZZ',
    '18446744073709551615',
    Buffer.from([0, 1, 0xfe, 0xff]),
    Buffer.alloc(0),
    ['a', 'b'],
    [],
    ["it's", 'x'],
  ];

  it('is byte for byte what mysql.format made of the value (text and binary columns)', () => {
    for (const c of [text, bin])
      for (const v of values) {
        const binary = c === bin;
        assert.equal(sqlLiteral(binary, v), viaFormat(c, v), `${c.type} ${JSON.stringify(v)}`);
      }
  });

  it('matches on random strings of every character class', () => {
    const alphabet = [
      'a',
      'Z',
      '0',
      ' ',
      "'",
      '"',
      '\\',
      '\0',
      '\n',
      '\r',
      '\t',
      '\b',
      '\x1a',
      '?',
      'é',
      '😀',
    ];
    let seed = 7;
    const rnd = (n: number): number => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed % n;
    };
    for (let i = 0; i < 2000; i++) {
      let s = '';
      for (let k = rnd(12); k > 0; k--) s += alphabet[rnd(alphabet.length)];
      assert.equal(sqlLiteral(false, s), viaFormat(text, s), JSON.stringify(s));
    }
  });

  it('writes undefined (a missing cell) as NULL', () => {
    assert.equal(sqlLiteral(false, undefined), 'NULL');
  });
});

describe('tablePlan', () => {
  const tracker = new SchemaTracker();
  tracker.applyDdl(
    'CREATE TABLE t (a int, ID int not null, b varbinary(4), f double, g int as (a+1) virtual, unique key u (Id), key k (a))',
    's',
  );
  const t = tracker.list()[0];
  assert.ok(t);

  it('resolves key columns case-insensitively, skips generated columns, finds binary columns', () => {
    const p = tablePlan(t);
    assert.equal(p.identity?.name, 'u');
    assert.deepEqual(p.identityCols, [1]);
    assert.deepEqual(p.writable, [0, 1, 2, 3]);
    assert.equal(p.columnList, '(`a`,`ID`,`b`,`f`)');
    assert.deepEqual(p.binary, [false, false, true, false, false]);
    assert.deepEqual(p.keylessWhere, [0, 1, 2]);
    assert.deepEqual(
      p.keys.map((k) => [k.name, k.cols]),
      [['u', [1]]],
    );
    assert.equal(tablePlan(t), p, 'cached');
  });

  it('is rebuilt when the structure changed in place', () => {
    const p = tablePlan(t);
    t.columns.push(col('int'));
    const q = tablePlan(t);
    assert.notEqual(q, p);
    assert.deepEqual(q.writable, [0, 1, 2, 3, 5]);
    t.columns.pop();
  });
});
