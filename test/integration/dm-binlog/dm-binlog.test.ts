import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { MariadbInstance } from '../../harness/index.js';
import { startMariadb } from '../../harness/index.js';
import { runDmBinlog } from './run-dm-binlog.js';

interface Run {
  code: number;
  lines: Record<string, unknown>[];
  stderr: string;
}

async function run(args: string[]): Promise<Run> {
  const r = await runDmBinlog(args);
  const lines = r.out
    .toString('utf8')
    .split('\n')
    .filter((l) => l.length > 0)
    .map((l) => JSON.parse(l) as Record<string, unknown>);
  return { code: r.code, lines, stderr: r.err };
}

let db: MariadbInstance;
let gtidAfterFirst = '';

before(async () => {
  db = await startMariadb();
  await db.query(
    `CREATE DATABASE b1;
     CREATE TABLE b1.t (
       id INT PRIMARY KEY, u BIGINT UNSIGNED, d DECIMAL(10,4), s VARCHAR(20) CHARACTER SET utf8mb4,
       dt DATETIME(3), e ENUM('red','green'), st SET('x','y','z'), bl BLOB, j JSON)`,
  );
  await db.query(
    `INSERT INTO b1.t VALUES (1, 18446744073709551615, -12.34, 'héllo', '2024-01-02 03:04:05.678', 'green', 'x,z', X'00FF10', '{"a": [1, 2]}')`,
  );
  gtidAfterFirst = (await db.query<{ g: string }>('SELECT @@gtid_binlog_pos AS g'))[0]!.g;
  await db.query(`INSERT INTO b1.t VALUES (2, 7, 0.5, NULL, NULL, 'red', '', NULL, NULL)`);
  await db.query(`UPDATE b1.t SET s = 'bye' WHERE id = 2`);
  await db.query(`DELETE FROM b1.t WHERE id = 1`);
});
after(async () => {
  await db?.destroy();
});

/** The row values the server holds, as DESIGN.md §5 prints them — SQL is the oracle. */
async function oracleRow(id: number): Promise<unknown[]> {
  const [r] = await db.query<Record<string, string | null>>(
    `SELECT id, CAST(u AS CHAR) u, CAST(d AS CHAR) d, s, DATE_FORMAT(dt, '%Y-%m-%d %H:%i:%s.%f') dt, CAST(e AS CHAR) e,
            CAST(st AS CHAR) st, HEX(bl) bl, j FROM b1.t WHERE id = ?`,
    [id],
  );
  const x = r!;
  const u = BigInt(x.u!);
  return [
    Number(x.id),
    u <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(u) : x.u,
    x.d,
    x.s,
    x.dt === null ? null : x.dt!.slice(0, 23),
    x.e,
    x.st === '' ? [] : x.st!.split(','),
    x.bl === null ? null : `0x${x.bl}`,
    x.j,
  ];
}

function rowsOf(lines: Record<string, unknown>[], type: string): unknown[] {
  return lines.filter((l) => l.type === type && l.table === 't').flatMap((l) => l.rows as unknown[]);
}

function assertChained(lines: Record<string, unknown>[]): void {
  const byFile = new Map<string, Record<string, unknown>[]>();
  for (const l of lines) {
    if (l.type === 'rotate' && l.pos === l.nextPos) continue; // fake rotate: not in a file
    if (l.type === 'format_description' && l.pos === l.nextPos) continue;
    const f = String(l.file);
    byFile.set(f, [...(byFile.get(f) ?? []), l]);
  }
  for (const [f, ls] of byFile) {
    for (let i = 1; i < ls.length; i++) {
      assert.equal(
        ls[i]!.pos,
        ls[i - 1]!.nextPos,
        `${f}: event ${i} (${ls[i]!.type}) does not follow the previous`,
      );
    }
  }
}

describe('dm-binlog', () => {
  it('online: prints every event as JSON with real column names and values equal to the server', async () => {
    // Before the DELETE the row existed: check its image against the oracle taken now, using
    // the row the UPDATE left alone (id 2 after the update) and the deleted row's before image.
    const r = await run(['--host', db.host, '--port', String(db.port), '--user', 'root']);
    assert.equal(r.code, 0, r.stderr);
    const writes = rowsOf(r.lines, 'write_rows') as unknown[][];
    assert.equal(writes.length, 2);
    const cols = r.lines.find((l) => l.type === 'write_rows')!.columns;
    assert.deepEqual(cols, ['id', 'u', 'd', 's', 'dt', 'e', 'st', 'bl', 'j']);
    const after2 = (rowsOf(r.lines, 'update_rows') as { before: unknown[]; after: unknown[] }[])[0]!;
    assert.deepEqual(normJson(after2.after), normJson(await oracleRow(2)));
    assert.equal(after2.before[3], null);
    const deleted = (rowsOf(r.lines, 'delete_rows') as unknown[][])[0]!;
    assert.deepEqual(deleted, writes[0]);
    assert.deepEqual(deleted.slice(0, 8), [
      1,
      '18446744073709551615',
      '-12.3400',
      'héllo',
      '2024-01-02 03:04:05.678',
      'green',
      ['x', 'z'],
      '0x00FF10',
    ]);
    assert.deepEqual(JSON.parse(String(deleted[8])), { a: [1, 2] });
    for (const l of r.lines)
      for (const k of ['type', 'file', 'pos', 'nextPos', 'timestamp', 'serverId']) assert.ok(k in l, k);
    assertChained(r.lines);
  });

  it('offline: reads the server binlog file, @N column names, same values and chained positions', async () => {
    const [{ Log_name: file }] = (await db.query<{ Log_name: string }>('SHOW BINARY LOGS')) as [
      { Log_name: string },
    ];
    const r = await run([join(db.dataDir, file)]);
    assert.equal(r.code, 0, r.stderr);
    const w = r.lines.find((l) => l.type === 'write_rows' && l.table === 't')!;
    assert.deepEqual(w.columns, ['@1', '@2', '@3', '@4', '@5', '@6', '@7', '@8', '@9']);
    const online = await run(['--host', db.host, '--port', String(db.port)]);
    // Without metadata ENUM prints as its index and SET as its bitmask; the rest is equal.
    const off = (rowsOf(r.lines, 'update_rows') as { after: unknown[] }[])[0]!.after;
    const on = (rowsOf(online.lines, 'update_rows') as { after: unknown[] }[])[0]!.after;
    assert.deepEqual([off[5], off[6]], [1, 0]);
    assert.deepEqual([on[5], on[6]], ['red', []]);
    assert.deepEqual([...off.slice(0, 5), ...off.slice(7)], [...on.slice(0, 5), ...on.slice(7)]);
    assert.equal(r.lines[0]!.type, 'format_description');
    assert.equal(r.lines[0]!.pos, 4);
    assertChained(r.lines);
  });

  it('--start-gtid starts at the transaction after the given GTID', async () => {
    const r = await run(['--host', db.host, '--port', String(db.port), '--start-gtid', gtidAfterFirst]);
    assert.equal(r.code, 0, r.stderr);
    const [d, s, n] = gtidAfterFirst.split('-').map(Number) as [number, number, number];
    const firstGtid = r.lines.find((l) => l.type === 'mariadb_gtid')!;
    assert.equal(firstGtid.gtid, `${d}-${s}-${n + 1}`);
    const writes = rowsOf(r.lines, 'write_rows') as unknown[][];
    assert.equal(writes.length, 1);
    assert.equal(writes[0]![0], 2);
  });

  it('fails with a coded error and a non-zero exit code', async () => {
    const r = await run(['--host', '127.0.0.1', '--port', '1', '--user', 'root']);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /\[code=\d+:class=/);
    const bad = await run([join(db.dataDir, 'nope.000001')]);
    assert.notEqual(bad.code, 0);
    assert.match(bad.stderr, /\[code=\d+/);
  });
});

/** JSON column text compared as parsed JSON (the server may space it differently). */
function normJson(row: unknown[]): unknown[] {
  return row.map((v, i) => (i === 8 && typeof v === 'string' ? JSON.parse(v) : v));
}
