import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { MariadbInstance } from '../../harness/index.js';
import { startMariadb, tempDir } from '../../harness/index.js';
import { runDmBinlog } from './run-dm-binlog.js';

/**
 * dm-binlog's parallel offline printer (--threads N) against its sequential one (--threads 0)
 * on real MariaDB binlogs of ~20 MB: big multi-event transactions (cuts fall inside them),
 * many small ones, a DDL that changes a table's width mid-file, two files. The sequential
 * printer's values are checked against SQL in dm-binlog.test.ts; here the bytes must match.
 */
const run = runDmBinlog;

let db: MariadbInstance;
let files: string[] = [];
let dir = '';

before(async () => {
  dir = tempDir('dm-binlog-par-');
  db = await startMariadb();
  await db.query(
    `CREATE DATABASE p;
     CREATE TABLE p.w (id INT PRIMARY KEY, s VARCHAR(300), d DECIMAL(12,3), t DATETIME(6), b BLOB);
     INSERT INTO p.w SELECT seq, REPEAT(CHAR(65 + seq % 26), 200 + seq % 90), seq / 7, '2024-05-06 07:08:09.123456' + INTERVAL seq SECOND, UNHEX(REPEAT('0A', seq % 40)) FROM p.seq_1_to_40000;`,
  );
  for (let i = 0; i < 300; i++)
    await db.query(`UPDATE p.w SET d = d + 1 WHERE id BETWEEN ${i * 50} AND ${i * 50 + 20}`);
  await db.query('FLUSH BINARY LOGS');
  await db.query('ALTER TABLE p.w ADD COLUMN extra INT DEFAULT 5, DROP COLUMN b');
  await db.query('UPDATE p.w SET extra = id % 1000, s = UPPER(s) WHERE id % 3 = 0');
  await db.query('DELETE FROM p.w WHERE id % 5 = 0');
  await db.query('FLUSH BINARY LOGS');
  const logs = await db.query<{ Log_name: string; File_size: string }>('SHOW BINARY LOGS');
  files = logs.filter((l) => Number(l.File_size) > 1 << 20).map((l) => join(db.dataDir, l.Log_name));
});
after(async () => {
  await db?.destroy();
});

describe('dm-binlog --threads', () => {
  it('prints the same bytes as the sequential printer over several large files', async () => {
    assert.equal(files.length, 2, 'two large binlog files');
    const seq = await run(['--threads', '0', ...files]);
    assert.equal(seq.code, 0, seq.err);
    assert.ok(seq.out.length > 20 << 20, `output ${seq.out.length} bytes`);
    const par = await run(['--threads', '2', ...files]);
    assert.equal(par.code, 0, par.err);
    assert.ok(par.out.equals(seq.out), 'parallel output differs from sequential output');
  });

  it('--start-pos inside a big transaction gives the same bytes', async () => {
    const first = files[0]!;
    // A position half-way, on an event boundary: taken from the sequential printer's output.
    const lines = (await run(['--threads', '0', first])).out.toString('utf8').trimEnd().split('\n');
    const mid = JSON.parse(lines[Math.floor(lines.length / 2)]!) as { pos: number; type: string };
    const seq = await run(['--threads', '0', '--start-pos', String(mid.pos), first]);
    const par = await run(['--threads', '2', '--start-pos', String(mid.pos), first]);
    assert.equal(seq.code, 0, seq.err);
    assert.equal(par.code, 0, par.err);
    assert.ok(seq.out.length > 1 << 20);
    assert.ok(par.out.equals(seq.out));
  });

  it('a torn tail ends quietly and a corrupted event fails with the same code, after the same lines', async () => {
    const bytes = readFileSync(files[0]!);
    const torn = join(dir, 'torn.000001');
    writeFileSync(torn, bytes.subarray(0, bytes.length - 1000));
    const tSeq = await run(['--threads', '0', torn]);
    const tPar = await run(['--threads', '2', torn]);
    assert.equal(tSeq.code, 0, tSeq.err);
    assert.equal(tPar.code, 0, tPar.err);
    assert.ok(tPar.out.equals(tSeq.out));

    const bad = Buffer.from(bytes);
    const at = Math.floor(bad.length * 0.7);
    bad[at] = bad[at]! ^ 0x5a; // breaks that event's CRC32
    const corrupt = join(dir, 'bad.000001');
    writeFileSync(corrupt, bad);
    const bSeq = await run(['--threads', '0', corrupt]);
    const bPar = await run(['--threads', '2', corrupt]);
    assert.notEqual(bSeq.code, 0);
    assert.notEqual(bPar.code, 0);
    assert.match(bSeq.err, /\[code=11006:/);
    assert.equal(bPar.err, bSeq.err);
    assert.ok(bSeq.out.length > 1 << 20, 'lines before the bad event are printed');
    assert.ok(bPar.out.equals(bSeq.out));
  });
});
