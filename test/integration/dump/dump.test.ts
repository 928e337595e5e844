import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { DumpUnit } from '../../../src/dump/dump-unit.js';
import type { Consistency } from '../../../src/pkg/config/types.js';
import { readDumpMetadata } from '../../../src/pkg/dumpfile/metadata.js';
import { silentLogger } from '../../../src/pkg/log/logger.js';
import { SyncUnit } from '../../../src/sync/sync-unit.js';
import type { MariadbInstance } from '../../harness/index.js';
import { destroyAll, startPair, tableSums, tempDir } from '../../harness/index.js';
import { syncConfig, waitEqual } from '../sync/sync-helpers.js';
import { createMixedDataset } from './fixtures.js';
import { fullConfig } from './full-config.js';
import { runDump, runLoad } from './helpers.js';

describe('dump unit (real MariaDB up and down)', () => {
  let up: MariadbInstance;
  let down: MariadbInstance;
  before(async () => {
    [up, down] = await startPair({ down: { args: ['--max-allowed-packet=16M'] } });
    await createMixedDataset(up);
    await up.query(
      "CREATE USER lim@'%' IDENTIFIED BY 'limpw'; GRANT SELECT, SHOW VIEW ON *.* TO lim@'%';" +
        "CREATE USER locker@'%' IDENTIFIED BY 'lockpw'; GRANT SELECT, SHOW VIEW, LOCK TABLES ON *.* TO locker@'%';",
    );
  });
  after(async () => {
    await destroyAll(up, down);
  });

  async function resetDown(): Promise<void> {
    await down.query(
      'DROP DATABASE IF EXISTS mix; DROP DATABASE IF EXISTS dm_meta; DROP DATABASE IF EXISTS w',
    );
  }

  for (const [mode, threads] of [
    ['flush', ''],
    ['snapshot', ''],
    ['lock', ''],
    ['none', ''],
    ['auto', ''],
    ['flush', '0'],
  ] as [Consistency, string][]) {
    const on = threads === '0' ? ' (all sessions in one thread)' : '';
    it(`consistency=${mode}${on}: every type, edge-case table and view round-trips byte-identical`, async (t) => {
      await resetDown();
      process.env.DM_DUMP_THREADS = threads;
      t.after(() => {
        delete process.env.DM_DUMP_THREADS;
      });
      const work = tempDir('dm-dump-');
      const cfg = fullConfig(up, down, { name: `t_${mode}`, consistency: mode, doDbs: ['mix'], rows: 500 });
      const d = await runDump(cfg, work);
      const st = d.status();
      assert.equal(st.progress, '100.00 %');
      assert.equal(st.totalTables, 7);
      assert.equal(st.completedTables, 7);
      const files = readdirSync(d.directory);
      // Chunked by the integer key (rows=500 over ~3500 rows), one file for the others.
      assert.ok(files.filter((f) => f.startsWith('mix.ints.')).length >= 5, files.join(' '));
      assert.ok(files.includes('mix.v_ints-schema-view.sql'));
      assert.ok(!files.some((f) => f.startsWith('mix.empty_t.')), 'no data file for an empty table');
      const typesSql = readFileSync(join(d.directory, 'mix.types.000000000.sql'), 'latin1');
      assert.ok(
        !/`gen`/.test(typesSql.split('\n').find((l) => l.startsWith('INSERT')) ?? ''),
        'no generated column',
      );
      const meta = await readDumpMetadata(d.directory);
      assert.match(meta.binlogName, /^mariadb-bin\.\d+$/);
      assert.ok(meta.binlogPos > 4);
      assert.match(meta.binlogGtid, /^0-\d+-\d+$/);

      await runLoad(cfg, work);
      assert.deepEqual(await tableSums(down, 'mix'), await tableSums(up, 'mix'));
      const [v] = await down.query<{ n: number }>('SELECT COUNT(*) AS n FROM mix.v_ints');
      assert.equal(Number(v?.n), 9);
    });
  }

  it('rows committed after the snapshot are absent; the position is exact under flush, a safe lower bound lock-free', async () => {
    for (const mode of ['flush', 'snapshot', 'none'] as Consistency[]) {
      await resetDown();
      await up.query(
        'DROP DATABASE IF EXISTS w; CREATE DATABASE w; CREATE TABLE w.seq (id INT PRIMARY KEY AUTO_INCREMENT, pad VARCHAR(200))',
      );
      await up.query("INSERT INTO w.seq (pad) SELECT REPEAT('p', 200) FROM w.seq_1_to_20000");
      const [g0] = await up.query<{ g: string }>('SELECT @@gtid_binlog_pos AS g');
      const base = Number(String(g0?.g).split('-')[2]);
      const baseId = 20000;
      let stop = false;
      const writer = (async () => {
        const c = await up.connect();
        try {
          while (!stop) await c.query("INSERT INTO w.seq (pad) VALUES ('late')");
        } finally {
          await c.end();
        }
      })();
      await new Promise((r) => setTimeout(r, 200));
      const work = tempDir('dm-dump-');
      const cfg = fullConfig(up, down, { name: `w_${mode}`, consistency: mode, doDbs: ['w'], rows: 2000 });
      const d = await runDump(cfg, work);
      await new Promise((r) => setTimeout(r, 200));
      stop = true;
      await writer;
      const meta = await readDumpMetadata(d.directory);
      await runLoad(cfg, work);
      // Auto-increment ids jump after the bulk INSERT…SELECT; the late ones are contiguous.
      const [r] = await down.query<{ n: string; mx: string; lo: string }>(
        `SELECT COUNT(*) AS n, MAX(id) AS mx, MIN(CASE WHEN pad = 'late' THEN id END) AS lo FROM w.seq`,
      );
      const late = Number(r?.n) - baseId;
      assert.ok(late > 0, `${mode}: some concurrent writes are in the snapshot`);
      assert.equal(Number(r?.mx) - Number(r?.lo) + 1, late, `${mode}: no gaps`);
      const [u] = await up.query<{ n: string }>('SELECT COUNT(*) AS n FROM w.seq');
      assert.ok(Number(u?.n) > baseId + late, `${mode}: writes after the snapshot exist upstream`);
      // One GTID per autocommit insert.
      const seq = Number(meta.binlogGtid.split('-')[2]);
      assert.match(meta.binlogGtid, new RegExp(`^0-${up.serverId}-\\d+$`), mode);
      if (mode === 'flush') {
        // Under the global lock: exactly the GTID of the last late row in the dump.
        assert.equal(seq, base + late, mode);
      } else {
        // Lock-free: at or before the snapshot (nothing lost; sync replays the overlap in
        // safe mode), and close to it (the settle wait, not seconds of writes).
        assert.ok(seq <= base + late, `${mode}: position ${seq - base} is after the snapshot (${late})`);
        assert.ok(seq > base, `${mode}: position is during the writes`);
      }
      // Position and GTID name the same point: the next event starts the next transaction.
      const ev = await up.query<{ Info: string }>(
        `SHOW BINLOG EVENTS IN '${meta.binlogName}' FROM ${meta.binlogPos} LIMIT 1`,
      );
      assert.match(ev[0]?.Info ?? '', new RegExp(`GTID 0-${up.serverId}-${seq + 1}$`), mode);
    }
  });

  it('lock-free snapshot under inserts, updates and deletes, then sync from the recorded position in safe mode: equal', async () => {
    await resetDown();
    await up.query(
      'DROP DATABASE IF EXISTS w; CREATE DATABASE w; CREATE TABLE w.acc (id INT PRIMARY KEY, bal BIGINT, u INT, UNIQUE KEY (u))',
    );
    await up.query('INSERT INTO w.acc SELECT seq, 1000, seq FROM w.seq_1_to_5000');
    let stop = false;
    const writers = [1, 2].map(async (k) => {
      const c = await up.connect();
      let i = 0;
      try {
        while (!stop) {
          i++;
          const id = 1 + ((i * 7919 * k) % 6000);
          const op = i % 4;
          if (op === 0) await c.query('DELETE FROM w.acc WHERE id = ?', [id]);
          else if (op === 1) await c.query('REPLACE INTO w.acc VALUES (?, 1, ?)', [id, id]);
          else await c.query('UPDATE w.acc SET bal = bal + ? WHERE id = ?', [k, id]);
        }
      } finally {
        await c.end();
      }
    });
    try {
      await new Promise((r) => setTimeout(r, 150));
      const work = tempDir('dm-dump-');
      const cfg = fullConfig(up, down, { name: 'w_safe', consistency: 'snapshot', doDbs: ['w'], rows: 500 });
      const d = await runDump(cfg, work);
      await runLoad(cfg, work);
      const meta = await readDumpMetadata(d.directory);
      const sync = new SyncUnit(
        syncConfig(up, down, meta, {
          blockAllowList: { doDbs: ['w'], ignoreDbs: [], doTables: [], ignoreTables: [] },
          syncer: { safeModeDuration: '60s' },
        }),
        { logger: silentLogger, workDir: tempDir('dm-sync-') },
      );
      await sync.init();
      const ac = new AbortController();
      const run = sync.process(ac.signal);
      try {
        await new Promise((r) => setTimeout(r, 500));
        stop = true;
        await Promise.all(writers);
        await waitEqual(up, down, 'w');
      } finally {
        ac.abort();
        const r = await run;
        await sync.close();
        assert.deepEqual(r.errors, []);
      }
    } finally {
      stop = true;
      await Promise.all(writers);
    }
  });

  it('pause (abort) in the middle of a chunk stops the dump threads promptly, without an error', async () => {
    await up.query(
      "DROP DATABASE IF EXISTS ab; CREATE DATABASE ab; CREATE TABLE ab.t (id INT PRIMARY KEY, p VARCHAR(200)); INSERT INTO ab.t SELECT seq, REPEAT('x', 200) FROM ab.seq_1_to_300000",
    );
    const u = new DumpUnit(fullConfig(up, down, { name: 'ab', doDbs: ['ab'], rows: 20000 }), {
      logger: silentLogger,
      workDir: tempDir('dm-dump-'),
    });
    await u.init();
    const ac = new AbortController();
    const run = u.process(ac.signal);
    while (u.status().finishedRows === 0) await new Promise((r) => setTimeout(r, 5));
    const t0 = Date.now();
    ac.abort();
    const r = await run;
    await u.close();
    assert.deepEqual(r, { finished: false, errors: [] });
    assert.ok(Date.now() - t0 < 5000, `abort took ${Date.now() - t0} ms`);
    assert.ok(u.status().finishedRows < 300000, 'stopped part-way');
  });

  it('without RELOAD: flush and lock fail with a coded privilege error; auto falls back to snapshot', async () => {
    const work = tempDir('dm-dump-');
    for (const [mode, user, pw] of [
      ['flush', 'lim', 'limpw'],
      ['lock', 'lim', 'limpw'],
    ] as const) {
      const cfg = fullConfig(up, down, {
        name: `p_${mode}`,
        consistency: mode,
        doDbs: ['mix'],
        user,
        password: pw,
      });
      const u = new DumpUnit(cfg, { logger: silentLogger, workDir: work });
      const r = await u.process(new AbortController().signal);
      await u.close();
      assert.equal(r.finished, false);
      assert.equal(r.errors[0]?.code, 32002, `${mode}: ${r.errors[0]?.toString()}`);
      assert.match(r.errors[0]?.toString() ?? '', /consistency=/);
    }
    await resetDown();
    const cfg = fullConfig(up, down, {
      name: 'p_auto',
      consistency: 'auto',
      doDbs: ['mix'],
      user: 'lim',
      password: 'limpw',
    });
    await runDump(cfg, work);
    await runLoad(cfg, work);
    assert.deepEqual(await tableSums(down, 'mix'), await tableSums(up, 'mix'));
    await resetDown();
    const lockCfg = fullConfig(up, down, {
      name: 'p_lock',
      consistency: 'lock',
      doDbs: ['mix'],
      user: 'locker',
      password: 'lockpw',
    });
    await runDump(lockCfg, work);
    await runLoad(lockCfg, work);
    assert.deepEqual(await tableSums(down, 'mix'), await tableSums(up, 'mix'));
  });
});
