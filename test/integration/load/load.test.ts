import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { dumpDir } from '../../../src/pkg/dumpfile/dump-dir.js';
import { isLoadFinished } from '../../../src/pkg/dumpfile/load-checkpoint.js';
import { readDumpMetadata } from '../../../src/pkg/dumpfile/metadata.js';
import type { MariadbInstance } from '../../harness/index.js';
import { crcSum, destroyAll, startPair, tableSums, tempDir } from '../../harness/index.js';
import { createMixedDataset } from '../dump/fixtures.js';
import { fullConfig } from '../dump/full-config.js';
import { runDump, runLoad, spawnRunner } from '../dump/helpers.js';

describe('load unit (real MariaDB up and down)', () => {
  let up: MariadbInstance;
  let down: MariadbInstance;
  before(async () => {
    [up, down] = await startPair({ down: { args: ['--max-allowed-packet=16M'] } });
    await createMixedDataset(up);
    await up.query(`CREATE DATABASE shard_db;
      CREATE TABLE shard_db.t1 (id INT PRIMARY KEY, v VARCHAR(20), d DATETIME);
      CREATE TABLE shard_db.t2 LIKE shard_db.t1;
      INSERT INTO shard_db.t1 SELECT seq, CONCAT('one-', seq), '2024-01-01 00:00:00' + INTERVAL seq SECOND FROM shard_db.seq_1_to_1000;
      INSERT INTO shard_db.t2 SELECT seq, CONCAT('two-', seq), NULL FROM shard_db.seq_1001_to_2000;
      CREATE TABLE shard_db.all_rows AS SELECT * FROM shard_db.t1 UNION ALL SELECT * FROM shard_db.t2;
      CREATE VIEW shard_db.v_small AS SELECT id, v FROM shard_db.t2 WHERE id <= 1010;
      CREATE DATABASE bulk;
      CREATE TABLE bulk.a (id INT PRIMARY KEY, pad VARCHAR(120), n BIGINT, KEY kn (n), KEY kpad (pad(10), n));
      INSERT INTO bulk.a SELECT seq, REPEAT(CHAR(65 + seq % 26), 100), seq * 7 FROM bulk.seq_1_to_300000;
      CREATE TABLE bulk.nopk (a INT, pad VARCHAR(120));
      INSERT INTO bulk.nopk SELECT seq % 1000, REPEAT('z', 100) FROM bulk.seq_1_to_100000;`);
  });
  after(async () => {
    await destroyAll(up, down);
  });

  it('loads a dump made by mydumper', async () => {
    const work = tempDir('dm-load-');
    const cfg = fullConfig(up, down, { name: 'md', doDbs: ['mix'] });
    execFileSync(
      '/usr/bin/mydumper',
      [
        '-h',
        up.host,
        '-P',
        String(up.port),
        '-u',
        'root',
        '-B',
        'mix',
        '-t',
        '2',
        '-r',
        '1000',
        '-o',
        dumpDir(cfg, work),
      ],
      { stdio: 'pipe' },
    );
    await runLoad(cfg, work);
    const upSums = await tableSums(up, 'mix');
    const downSums = await tableSums(down, 'mix');
    // mydumper 0.10 prints FLOAT with 6 digits (precision lost by mydumper itself), so the
    // `types` table is compared without its FLOAT columns; everything else must be identical.
    const noTypes = (s: typeof upSums) => s.filter((t) => t.table !== 'types');
    assert.deepEqual(noTypes(downSums), noTypes(upSums));
    const cols =
      'id, ti, tiu, si, mi, bi, biu, dc, d, b, y, dt, dtm, ts, tm, c, vc, tx, lt, vl, bn, vb, bl, e, st, j, g, pt';
    const q = `SELECT COUNT(*) AS n, BIT_XOR(CRC32(CONCAT_WS('|', ${cols
      .split(', ')
      .map((c) => `IFNULL(HEX(${c}), 'N')`)
      .join(', ')}))) AS x FROM mix.types`;
    assert.deepEqual(await down.query(q), await up.query(q));
    const meta = await readDumpMetadata(dumpDir(cfg, work));
    assert.match(meta.binlogName, /^mariadb-bin\./);
    await down.query('DROP DATABASE mix; DROP DATABASE dm_meta');
  });

  it('myloader loads our dump', async () => {
    const work = tempDir('dm-load-');
    const cfg = fullConfig(up, down, { name: 'my', doDbs: ['mix'], rows: 1000 });
    const d = await runDump(cfg, work);
    // One thread: the point is that myloader reads our files. With 4, its threads insert
    // chunks of one table at once and this myloader gives up on an InnoDB deadlock instead of
    // retrying (seen once: "Error restoring mix.ints … Deadlock found").
    execFileSync(
      '/usr/bin/myloader',
      ['-h', down.host, '-P', String(down.port), '-u', 'root', '-t', '1', '-d', d.directory],
      { stdio: 'pipe' },
    );
    assert.deepEqual(await tableSums(down, 'mix'), await tableSums(up, 'mix'));
    await down.query('DROP DATABASE mix');
  });

  it('routes merge two shard tables into one target', async () => {
    const work = tempDir('dm-load-');
    const cfg = fullConfig(up, down, {
      name: 'route',
      doDbs: ['shard_db'],
      routes: [{ schemaPattern: 'shard_db', tablePattern: 't*', targetSchema: 'merged', targetTable: 't' }],
      cleanDumpFile: true,
    });
    await runDump(cfg, work);
    const u = await runLoad(cfg, work);
    assert.equal(u.status().progress, '100.00 %');
    assert.equal(u.status().etaSeconds, 0);
    assert.ok(u.status().rowsPerSecond > 0);
    assert.match(u.status().metaBinlog, /^\(mariadb-bin\.\d+, \d+\)$/);
    assert.deepEqual(await crcSum(down, 'merged', 't'), await crcSum(up, 'shard_db', 'all_rows'));
    assert.deepEqual(
      await tableSums(down, 'shard_db'),
      (await tableSums(up, 'shard_db')).filter((t) => t.table === 'all_rows'),
    );
    // A view over one shard table reads the merged table downstream (rows of both shards).
    const [v] = await down.query<{ n: string }>('SELECT COUNT(*) AS n FROM shard_db.v_small');
    assert.equal(Number(v?.n), 1010);
    // clean-dump-file keeps only the metadata: sync still finds its start position.
    assert.deepEqual(readdirSync(dumpDir(cfg, work)), ['metadata']);
    assert.ok((await readDumpMetadata(dumpDir(cfg, work))).binlogPos > 4);
    const c = await down.connect();
    try {
      assert.equal(await isLoadFinished(c, 'dm_meta', 'route', 'mysql-01'), true);
      assert.equal(await isLoadFinished(c, 'dm_meta', 'other', 'mysql-01'), false);
    } finally {
      await c.end();
    }
  });

  it('kill -9 during dump and during load, then rerun: equal data, no duplicates', async () => {
    const work = tempDir('dm-load-');
    // on-duplicate error: a row applied twice would fail the rerun with a duplicate key.
    const cfg = fullConfig(up, down, { name: 'kill', doDbs: ['bulk'], rows: 40000, threads: 2, poolSize: 2 });
    cfg.loader.onDuplicateLogical = 'error';
    const dir = dumpDir(cfg, work);

    const d1 = spawnRunner('dump', cfg, work);
    await waitFor(
      () => existsSync(dir) && readdirSync(dir).some((f) => /^bulk\.a\.\d+\.sql$/.test(f)),
      d1.done,
    );
    d1.child.kill('SIGKILL');
    const r1 = await d1.done;
    assert.equal(r1.signal, 'SIGKILL', `dump was still running: ${r1.out}`);
    const d2 = spawnRunner('dump', cfg, work);
    const r2 = await d2.done;
    assert.equal(r2.code, 0, r2.out);

    const l1 = spawnRunner('load', cfg, work);
    await waitFor(async () => {
      const rows = await down
        .query<{ o: string | null }>('SELECT SUM(`offset`) AS o FROM dm_meta.kill_loader_checkpoint')
        .catch(() => []);
      return Number(rows[0]?.o ?? 0) > 0;
    }, l1.done);
    l1.child.kill('SIGKILL');
    const r3 = await l1.done;
    assert.equal(r3.signal, 'SIGKILL', `load was still running: ${r3.out}`);
    const [part] = await down.query<{ n: string }>('SELECT COUNT(*) AS n FROM bulk.a');
    assert.ok(Number(part?.n) < 300000, 'killed part-way');
    // Secondary indexes are built after the data (deferred), so they are not there yet.
    assert.doesNotMatch(await showCreate(down, 'bulk', 'a'), /KEY `kn`/);
    const l2 = spawnRunner('load', cfg, work);
    const r4 = await l2.done;
    assert.equal(r4.code, 0, r4.out);
    assert.deepEqual(await tableSums(down, 'bulk'), await tableSums(up, 'bulk'));
    for (const t of ['a', 'nopk']) {
      assert.equal(await showCreate(down, 'bulk', t), await showCreate(up, 'bulk', t), `bulk.${t} structure`);
    }
  });

  it('our dump goes in by LOAD DATA LOCAL; on-duplicate error still fails on a row already there', async () => {
    await up.query(`CREATE DATABASE dupsrc; CREATE TABLE dupsrc.t (id INT PRIMARY KEY, v VARCHAR(20));
      INSERT INTO dupsrc.t SELECT seq, CONCAT('v\t', seq) FROM dupsrc.seq_1_to_100`);
    await down.query(`CREATE DATABASE dupsrc; CREATE TABLE dupsrc.t (id INT PRIMARY KEY, v VARCHAR(20));
      INSERT INTO dupsrc.t VALUES (50, 'already')`);
    const comLoad = async () =>
      Number((await down.query<{ Value: string }>("SHOW GLOBAL STATUS LIKE 'Com_load'"))[0]?.Value);
    const work = tempDir('dm-load-');
    const cfg = fullConfig(up, down, { name: 'dup', doDbs: ['dupsrc'] });
    cfg.loader.onDuplicateLogical = 'error';
    await runDump(cfg, work);
    const before = await comLoad();
    await assert.rejects(runLoad(cfg, work), /Duplicate entry '50'/);
    assert.ok((await comLoad()) > before, 'LOAD DATA was used');
    // Nothing of the failed transaction stayed; a rerun with replace loads it all.
    const [n] = await down.query<{ n: string }>('SELECT COUNT(*) AS n FROM dupsrc.t');
    assert.equal(Number(n?.n), 1);
    cfg.loader.onDuplicateLogical = 'replace';
    await runLoad(cfg, work);
    assert.deepEqual(await tableSums(down, 'dupsrc'), await tableSums(up, 'dupsrc'));
  });
});

/** SHOW CREATE TABLE without the AUTO_INCREMENT counter. */
async function showCreate(db: MariadbInstance, schema: string, table: string): Promise<string> {
  const [r] = await db.query<{ 'Create Table': string }>(`SHOW CREATE TABLE \`${schema}\`.\`${table}\``);
  return String(r?.['Create Table']).replace(/ AUTO_INCREMENT=\d+/, '');
}

/** Poll `cond` every 20 ms; fail if `exited` settles first. */
async function waitFor(cond: () => boolean | Promise<boolean>, exited: Promise<unknown>): Promise<void> {
  let gone = false;
  void exited.then(() => {
    gone = true;
  });
  const deadline = Date.now() + 60_000;
  while (!(await cond())) {
    if (gone) throw new Error('the process exited before the condition held');
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 20));
  }
}
