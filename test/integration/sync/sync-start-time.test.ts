import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { SubTaskConfig } from '../../../src/pkg/config/types.js';
import { CheckpointStore } from '../../../src/sync/checkpoint.js';
import { compareLocation, type Location } from '../../../src/sync/job.js';
import { SyncUnit } from '../../../src/sync/sync-unit.js';
import type { MariadbInstance } from '../../harness/index.js';
import { crcSum, tableSums, tempDir, testLogger, useUpDown } from '../../harness/index.js';
import { endSync, masterPos, syncConfig, unlessStopped, waitEqual } from './sync-helpers.js';

const logger = testLogger();
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * `start-task --start-time T` (DM): the sync unit starts at the first transaction at/after T,
 * ahead of the task's meta and of the checkpoint; it does not rewind again on a restart; a
 * rewind behind an existing checkpoint replays in safe mode up to it. Safe-mode-duration is 0
 * throughout, so a replay outside the exit-safe window fails on a duplicate key.
 */
describe('sync unit: start-time', () => {
  let up: MariadbInstance;
  let down: MariadbInstance;

  useUpDown((pair) => {
    [up, down] = pair;
  });

  /** The upstream's clock, as DM's start-time text (UTC). */
  async function serverTime(): Promise<string> {
    const [r] = await up.query<{ t: string }>(
      "SELECT DATE_FORMAT(UTC_TIMESTAMP(), '%Y-%m-%d %H:%i:%s') AS t",
    );
    return String(r?.t);
  }

  /** Run a unit until `ready` resolves; returns its start (applied position right after init). */
  async function runUntil(cfg: SubTaskConfig, ready: () => Promise<void>): Promise<Location | undefined> {
    const unit = new SyncUnit(cfg, { logger, workDir: tempDir('dm-sync-st-') });
    await unit.init();
    const start = unit.appliedLocation ? { ...unit.appliedLocation } : undefined;
    const ac = new AbortController();
    const run = unit.process(ac.signal);
    try {
      await unlessStopped(ready(), run);
    } finally {
      assert.deepEqual(await endSync(unit, ac, run), []);
    }
    return start;
  }

  async function globalCheckpoint(cfg: SubTaskConfig): Promise<Location | undefined> {
    const c = await down.connect();
    try {
      return (await new CheckpointStore(cfg.metaSchema, cfg.name, cfg.sourceId).loadGlobal(c))?.location;
    } finally {
      await c.end();
    }
  }

  it('starts at T over the meta, does not rewind on restart, and rewinds in safe mode over a checkpoint', async () => {
    const ddl =
      'CREATE DATABASE st; CREATE TABLE st.t (id INT PRIMARY KEY, v VARCHAR(20));' +
      'CREATE DATABASE sa; CREATE TABLE sa.a (id INT PRIMARY KEY, v VARCHAR(20))';
    await up.query(ddl);
    await down.query(ddl);
    const [oldest] = await up.query<{ Log_name: string }>('SHOW BINARY LOGS');
    // Several files, so that the binary search and the scan across a rotation are exercised.
    await up.query('FLUSH BINARY LOGS');

    // Batch A: before T. Its sa.a rows must never reach the downstream.
    for (let i = 1; i <= 20; i++) {
      await up.query('INSERT INTO st.t VALUES (?, ?)', [i, `a${i}`]);
      await up.query('INSERT INTO sa.a VALUES (?, ?)', [i, `a${i}`]);
    }
    await up.query("UPDATE st.t SET v = 'ua' WHERE id <= 5");
    await up.query('DELETE FROM st.t WHERE id IN (19, 20)');
    await up.query('FLUSH BINARY LOGS');
    // The downstream as of T: st.t copied, sa.a left empty.
    const rows = await up.query<{ id: number; v: string }>('SELECT id, v FROM st.t ORDER BY id');
    await down.query(`INSERT INTO st.t VALUES ${rows.map((r) => `(${r.id}, '${r.v}')`).join(',')}`);
    await sleep(1100);
    const t = await serverTime();
    await sleep(1100);

    // Batch B: inserts, updates, deletes after T, across a rotation.
    for (let i = 21; i <= 40; i++) await up.query('INSERT INTO st.t VALUES (?, ?)', [i, `b${i}`]);
    await up.query("UPDATE st.t SET v = 'ub' WHERE id IN (1, 7, 25)");
    await up.query('FLUSH BINARY LOGS');
    await up.query('DELETE FROM st.t WHERE id IN (2, 30)');
    await up.query("UPDATE st.t SET v = 'ub2' WHERE id = 8");
    await up.query('INSERT INTO st.t VALUES (41, ?)', ['b41']);

    // 1. Meta at the very beginning of the oldest binlog; start-time wins.
    const cfg = syncConfig(
      up,
      down,
      { binlogName: String(oldest?.Log_name), binlogPos: 4 },
      { startTime: t, syncer: { safeModeDuration: '0s' } },
    );
    const start1 = await runUntil(cfg, () => waitEqual(up, down, 'st', 30_000));
    assert.deepEqual(await crcSum(down, 'st', 't'), await crcSum(up, 'st', 't'));
    const [na] = await down.query<{ n: number }>('SELECT COUNT(*) AS n FROM sa.a');
    assert.equal(Number(na?.n), 0, "batch A's changes were replayed");
    assert.ok(start1 && start1.file !== oldest?.Log_name, `started at ${JSON.stringify(start1)}`);
    const cp1 = await globalCheckpoint(cfg);
    assert.ok(cp1 && compareLocation(cp1, start1) > 0, 'the checkpoint moved past the start');

    // 2. Restart with the same config (start-time still set): resumes from the checkpoint. A
    //    downstream-only value on a row batch B updated would be overwritten by a rewind.
    await down.query("UPDATE st.t SET v = 'sentinel' WHERE id = 25");
    await up.query('INSERT INTO st.t VALUES (42, ?)', ['c42']);
    const start2 = await runUntil(cfg, async () => {
      for (;;) {
        const [r] = await down.query<{ n: number }>('SELECT COUNT(*) AS n FROM st.t WHERE id = 42');
        if (Number(r?.n) === 1) return;
        await sleep(100);
      }
    });
    assert.ok(
      start2 && cp1 && compareLocation(start2, cp1) === 0,
      `restart started at ${JSON.stringify(start2)}`,
    );
    const [s] = await down.query<{ v: string }>('SELECT v FROM st.t WHERE id = 25');
    assert.equal(s?.v, 'sentinel', 'the restart rewound to the start-time again');
    await down.query("UPDATE st.t SET v = 'ub' WHERE id = 25");

    // 3. A new start-time behind the checkpoint: batch C is replayed in safe mode (its inserts
    //    would fail on duplicate keys otherwise), with GTIDs on this time.
    await sleep(1100);
    const t2 = await serverTime();
    await sleep(1100);
    for (let i = 43; i <= 50; i++) await up.query('INSERT INTO st.t VALUES (?, ?)', [i, `c${i}`]);
    await up.query("UPDATE st.t SET v = 'uc' WHERE id IN (3, 44)");
    await up.query('DELETE FROM st.t WHERE id = 45');
    await runUntil(cfg, () => waitEqual(up, down, 'st', 30_000));
    const cp2 = await globalCheckpoint(cfg);
    assert.ok(cp2);
    const cfg3 = { ...cfg, startTime: t2, enableGtid: true };
    const start3 = await runUntil(cfg3, async () => {
      await up.query('INSERT INTO st.t VALUES (51, ?)', ['d51']);
      await waitEqual(up, down, 'st', 30_000);
    });
    assert.ok(start3 && compareLocation(start3, cp2) < 0, `rewind started at ${JSON.stringify(start3)}`);
    assert.ok(start3.gtid, 'the located start carries the GTID set');
    assert.deepEqual(await tableSums(down, 'st'), await tableSums(up, 'st'));
    assert.deepEqual(await crcSum(down, 'st', 't'), await crcSum(up, 'st', 't'));
    const end = await masterPos(up);
    assert.ok(end.binlogPos > 0);
  });

  it('adds the start_time column to a checkpoint table created before it existed', async () => {
    const c = await down.connect();
    try {
      await c.query('CREATE DATABASE old_meta');
      await c.query(`CREATE TABLE old_meta.old_syncer_checkpoint (
        id VARCHAR(32) NOT NULL, cp_schema VARCHAR(128) NOT NULL, cp_table VARCHAR(128) NOT NULL,
        binlog_name VARCHAR(128), binlog_pos INT UNSIGNED, binlog_gtid TEXT,
        exit_safe_binlog_name VARCHAR(128) DEFAULT '', exit_safe_binlog_pos INT UNSIGNED DEFAULT 0,
        exit_safe_binlog_gtid TEXT, table_info JSON NOT NULL, is_global BOOLEAN,
        create_time TIMESTAMP DEFAULT CURRENT_TIMESTAMP,
        update_time TIMESTAMP DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP,
        PRIMARY KEY (id, cp_schema, cp_table))`);
      await c.query(
        `INSERT INTO old_meta.old_syncer_checkpoint (id, cp_schema, cp_table, binlog_name, binlog_pos, table_info, is_global)
         VALUES ('mysql-01', '', '', 'mariadb-bin.000002', 400, '[]', 1)`,
      );
      const store = new CheckpointStore('old_meta', 'old', 'mysql-01');
      await store.ensureTable(c);
      await store.ensureTable(c); // idempotent
      const before = await store.loadGlobal(c);
      assert.deepEqual(before, { location: { file: 'mariadb-bin.000002', pos: 400 }, tables: [] });
      const q = store.saveGlobalSql({
        location: { file: 'mariadb-bin.000002', pos: 100 },
        exitSafe: { file: 'mariadb-bin.000002', pos: 400 },
        tables: [],
        startTime: '2021-10-21 00:01:00',
      });
      await c.query(q.sql, q.params);
      const afterSave = await store.loadGlobal(c);
      assert.equal(afterSave?.startTime, '2021-10-21 00:01:00');
      assert.deepEqual(afterSave?.location, { file: 'mariadb-bin.000002', pos: 100 });
      assert.deepEqual(afterSave?.exitSafe, { file: 'mariadb-bin.000002', pos: 400 });
      // A later ordinary checkpoint write keeps the consumed start-time.
      const g = store.saveGlobalSql({ location: { file: 'mariadb-bin.000002', pos: 500 }, tables: [] });
      await c.query(g.sql, g.params);
      assert.equal((await store.loadGlobal(c))?.startTime, '2021-10-21 00:01:00');
    } finally {
      await c.end();
    }
  });
});
