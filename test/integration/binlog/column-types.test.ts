import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { BinlogDecoder } from '../../../src/pkg/binlog/decoder.js';
import { readBinlogFile } from '../../../src/pkg/binlog/file-reader.js';
import { formatEventJson } from '../../../src/pkg/binlog/json-format.js';
import type {
  CellValue,
  PositionedEvent,
  SchemaLookup,
  TableColumnsInfo,
} from '../../../src/pkg/binlog/types.js';
import type { MariadbInstance } from '../../harness/index.js';
import { startMariadb } from '../../harness/index.js';

/**
 * Every column type through a real MariaDB binlog: values decoded from the binlog FILES must
 * equal what the server returns through SQL (the oracle), with FULL metadata (names, charsets
 * from the table map) and with MINIMAL metadata plus an information_schema lookup.
 */

/** name, DDL, and how the oracle selects it ('hex' = HEX(col), 'num' = col+0, 'bin' = HEX(CAST … BINARY)). */
const COLS: [string, string, ('plain' | 'hex' | 'num' | 'bin' | 'float' | 'text')?][] = [
  ['ti', 'TINYINT'],
  ['tiu', 'TINYINT UNSIGNED'],
  ['si', 'SMALLINT'],
  ['siu', 'SMALLINT UNSIGNED'],
  ['mi', 'MEDIUMINT'],
  ['miu', 'MEDIUMINT UNSIGNED'],
  ['i', 'INT'],
  ['iu', 'INT UNSIGNED'],
  ['bi', 'BIGINT'],
  ['biu', 'BIGINT UNSIGNED'],
  ['d65', 'DECIMAL(65,30)'],
  ['d104', 'DECIMAL(10,4)'],
  ['d50', 'DECIMAL(5,0)'],
  ['f', 'FLOAT', 'float'],
  ['db', 'DOUBLE'],
  ['b1', 'BIT(1)', 'num'],
  ['b64', 'BIT(64)', 'num'],
  ['y', 'YEAR'],
  ['dt', 'DATE'],
  ['t0', 'TIME'],
  ['t3', 'TIME(3)'],
  ['t6', 'TIME(6)'],
  ['dt0', 'DATETIME'],
  ['dt1', 'DATETIME(1)'],
  ['dt4', 'DATETIME(4)'],
  ['dt6', 'DATETIME(6)'],
  ['ts0', 'TIMESTAMP NULL'],
  ['ts2', 'TIMESTAMP(2) NULL'],
  ['ts6', 'TIMESTAMP(6) NULL'],
  ['c', 'CHAR(10) CHARACTER SET utf8mb4'],
  ['cl', 'CHAR(100) CHARACTER SET utf8mb4'],
  ['vc', 'VARCHAR(300) CHARACTER SET utf8mb4'],
  ['tx', 'TEXT CHARACTER SET utf8mb4'],
  ['l1', 'VARCHAR(20) CHARACTER SET latin1'],
  ['l1c', 'CHAR(5) CHARACTER SET latin1'],
  ['bn', 'BINARY(4)', 'hex'],
  ['vb', 'VARBINARY(10)', 'hex'],
  ['bl', 'BLOB', 'hex'],
  ['lb', 'LONGBLOB', 'hex'],
  ['en', "ENUM('a','bé','c')"],
  ['st', "SET('x','y','z')"],
  ['js', 'JSON', 'text'],
  ['g', 'POINT', 'hex'],
  ['ip', 'INET6', 'bin'],
  ['uu', 'UUID', 'bin'],
];

const INSERTS = [
  // maxima
  `(1, 127, 255, 32767, 65535, 8388607, 16777215, 2147483647, 4294967295, 9223372036854775807, 18446744073709551615,
    '99999999999999999999999999999999999.999999999999999999999999999999', '-12.3400', 99999, 0.1, 1.7976931348623157e308,
    b'1', b'1111111111111111111111111111111111111111111111111111111111111111', 2155, '9999-12-31',
    '838:59:59', '-838:59:59.000', '838:59:59.000000', '9999-12-31 23:59:59', '2024-02-29 12:34:56.7',
    '1000-01-01 00:00:00.0001', '2024-01-02 03:04:05.123456', '2038-01-19 03:14:07', '2024-01-02 03:04:05.12',
    '1970-01-01 00:00:01.000001', 'héllo😀', REPEAT('ü', 100), REPEAT('ab', 150), 'text 😀\nline', 'café€Œ', 'ÿé',
    x'00FF0001', x'000000', x'00', x'DEADBEEF00', 'bé', 'x,z', '{"a": [1, 2.5, "x"], "b": null}', POINT(1.5, -2),
    '2001:db8::ff00:42:8329', '123e4567-e89b-12d3-a456-426655440000')`,
  // minima and zero values
  `(2, -128, 0, -32768, 0, -8388608, 0, -2147483648, 0, -9223372036854775808, 0,
    '-0.000000000000000000000000000001', '-999999.9999', -99999, -3.5e-10, -2.2250738585072014e-308,
    b'0', b'0', 0, '0000-00-00', '-00:00:01', '-00:00:00.500', '00:00:00.000001', '0000-00-00 00:00:00',
    '1000-01-01 00:00:00.0', '2000-01-01 00:00:00.9999', '0000-00-00 00:00:00.000000', '0000-00-00 00:00:00',
    '1980-06-15 12:00:00.01', '1999-12-31 23:59:59.999999', '', '', '', '', '', '', x'00000000', x'', x'', x'',
    'a', '', '[]', POINT(0, 0), '::', '00000000-0000-0000-0000-000000000000')`,
  // NULL in every column
  `(3${', NULL'.repeat(COLS.length)})`,
];

interface Server {
  db: MariadbInstance;
  events: PositionedEvent[];
  s1: Map<number, string[]>;
  s2: Map<number, string[]>;
}

function oracleExpr([name, , kind]: (typeof COLS)[number]): string {
  switch (kind) {
    case 'hex':
      return `HEX(\`${name}\`)`;
    case 'num':
      return `\`${name}\`+0`;
    case 'bin':
      return `HEX(CAST(\`${name}\` AS BINARY(16)))`;
    case 'text':
      // mysql2 would parse JSON columns; compare the server's text
      return `CONCAT(\`${name}\`)`;
    default:
      return `\`${name}\``;
  }
}

async function snapshot(db: MariadbInstance): Promise<Map<number, string[]>> {
  const rows = await db.query<Record<string, unknown>>(
    `SELECT id, ${COLS.map((c, i) => `${oracleExpr(c)} AS c${i}`).join(', ')} FROM ct.t ORDER BY id`,
  );
  const out = new Map<number, string[]>();
  for (const r of rows)
    out.set(
      Number(r.id),
      COLS.map((_, i) => (r[`c${i}`] === null ? 'NULL' : String(r[`c${i}`]))),
    );
  return out;
}

/** The decoded cell in the oracle's text form. */
function norm(v: CellValue, kind: (typeof COLS)[number][2]): string {
  if (v === null) return 'NULL';
  if (Buffer.isBuffer(v)) return v.toString('hex').toUpperCase();
  if (Array.isArray(v)) return v.join(',');
  if (kind === 'float') return String(v);
  return String(v);
}

function lookupFrom(rows: Record<string, unknown>[]): TableColumnsInfo {
  const enumVals = (t: string) =>
    /^(enum|set)\(/.test(t)
      ? [...t.matchAll(/'((?:[^']|'')*)'/g)].map((m) => m[1]!.replace(/''/g, "'"))
      : undefined;
  return {
    names: rows.map((r) => String(r.COLUMN_NAME)),
    unsigned: rows.map((r) => / unsigned/.test(String(r.COLUMN_TYPE))),
    charsets: rows.map((r) => (r.CHARACTER_SET_NAME === null ? undefined : String(r.CHARACTER_SET_NAME))),
    enumValues: rows.map((r) =>
      String(r.COLUMN_TYPE).startsWith('enum') ? enumVals(String(r.COLUMN_TYPE)) : undefined,
    ),
    setValues: rows.map((r) =>
      String(r.COLUMN_TYPE).startsWith('set') ? enumVals(String(r.COLUMN_TYPE)) : undefined,
    ),
  };
}

async function run(metadata: 'FULL' | 'MINIMAL'): Promise<Server> {
  const db = await startMariadb({ binlogRowMetadata: metadata });
  await db.query(
    `SET SESSION sql_mode=''; SET time_zone='+00:00'; CREATE DATABASE ct; CREATE TABLE ct.t (id INT PRIMARY KEY, ${COLS.map(
      ([n, ddl]) => `\`${n}\` ${ddl}`,
    ).join(', ')}) DEFAULT CHARSET=utf8mb4`,
  );
  const c = await db.connect('ct');
  try {
    await c.query("SET SESSION sql_mode=''; SET time_zone='+00:00'");
    for (const ins of INSERTS) await c.query(`INSERT INTO t VALUES ${ins}`);
    const s1 = await snapshot(db);
    await c.query(
      "UPDATE t SET vc = CONCAT(vc, '✓'), i = i - 1, d104 = -d104, en = 'c', st = 'y', dt6 = '2001-02-03 04:05:06.000007' WHERE id IN (1, 2)",
    );
    await c.query('UPDATE t SET l1 = NULL, t3 = NULL WHERE id = 1');
    const s2 = await snapshot(db);
    await c.query('DELETE FROM t; FLUSH BINARY LOGS');
    let lookup: SchemaLookup | undefined;
    if (metadata === 'MINIMAL') {
      const info = lookupFrom(
        await db.query(
          "SELECT COLUMN_NAME, COLUMN_TYPE, CHARACTER_SET_NAME FROM information_schema.COLUMNS WHERE TABLE_SCHEMA='ct' AND TABLE_NAME='t' ORDER BY ORDINAL_POSITION",
        ),
      );
      lookup = (s, t) => (s === 'ct' && t === 't' ? info : undefined);
    }
    const decoder = new BinlogDecoder({ schemaLookup: lookup });
    const events: PositionedEvent[] = [];
    const files = readFileSync(join(db.dataDir, 'mariadb-bin.index'), 'utf8').split('\n').filter(Boolean);
    for (const f of files) {
      for await (const e of readBinlogFile(join(db.dataDir, f.replace(/^.*\//, '')), { decoder }))
        events.push(e);
    }
    return { db, events, s1, s2 };
  } finally {
    await c.end();
  }
}

for (const metadata of ['FULL', 'MINIMAL'] as const) {
  describe(`binlog column types (binlog_row_metadata=${metadata})`, () => {
    let srv: Server;
    before(async () => {
      srv = await run(metadata);
    });
    after(async () => {
      await srv?.db.destroy();
    });

    const check = (decoded: CellValue[], want: string[] | undefined, what: string) => {
      assert.ok(want, `${what}: no oracle row`);
      assert.equal(decoded.length, COLS.length + 1);
      for (let i = 0; i < COLS.length; i++) {
        const col = COLS[i]!;
        const got = norm(decoded[i + 1] ?? null, col[2]);
        if (col[2] === 'float' && got !== 'NULL' && want[i] !== 'NULL') {
          // The server prints FLOAT with 6 significant digits; we print the exact float32.
          assert.ok(
            Math.abs(Number(got) - Number(want[i])) <= Math.abs(Number(want[i])) * 1e-5,
            `${what} ${col[0]}`,
          );
          continue;
        }
        assert.equal(got, want[i], `${what} column ${col[0]} (${col[1]})`);
      }
    };

    it('inserted rows equal the server values', () => {
      const rows = srv.events.flatMap((e) =>
        e.event.type === 'write_rows' && e.event.table === 't' ? e.event.rows : [],
      );
      assert.equal(rows.length, 3);
      for (const r of rows) check(r, srv.s1.get(Number(r[0])), `insert id=${r[0]}`);
    });

    it('update before/after images equal the server values', () => {
      const ups = srv.events.flatMap((e) => (e.event.type === 'update_rows' ? e.event.rows : []));
      assert.equal(ups.length, 3);
      const last = ups.at(-1)!;
      check(last.after, srv.s2.get(1), 'second update after');
      for (const u of ups.slice(0, 2))
        check(u.before, srv.s1.get(Number(u.before[0])), `update before id=${u.before[0]}`);
    });

    it('deleted rows equal the server values after the updates', () => {
      const rows = srv.events.flatMap((e) => (e.event.type === 'delete_rows' ? e.event.rows : []));
      assert.equal(rows.length, 3);
      for (const r of rows) check(r, srv.s2.get(Number(r[0])), `delete id=${r[0]}`);
    });

    it('names are known and every event prints as a JSON line', () => {
      const w = srv.events.find((e) => e.event.type === 'write_rows')!;
      assert.ok(w.event.type === 'write_rows');
      assert.deepEqual(w.event.columns, ['id', ...COLS.map((c) => c[0])]);
      let pos = 4;
      for (const e of srv.events) {
        if (e.pos === 4) pos = 4;
        assert.equal(e.pos, pos);
        pos = e.nextPos;
        JSON.parse(formatEventJson(e));
      }
    });
  });
}
