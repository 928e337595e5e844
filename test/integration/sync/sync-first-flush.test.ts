import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CheckpointStore } from '../../../src/sync/checkpoint.js';
import { SyncUnit } from '../../../src/sync/sync-unit.js';
import type { MariadbInstance } from '../../harness/index.js';
import { crcSum, tempDir, testLogger, useUpDown } from '../../harness/index.js';
import { endSync, masterPos, syncConfig, unlessStopped, waitEqual } from './sync-helpers.js';

const logger = testLogger();

/**
 * A kill after an applier committed but before the first global checkpoint flush leaves a
 * checkpoint row with only the exit-safe point (written before every commit). The restart
 * starts again from the task's start position and must replay in safe mode up to that
 * point. Found by the random kill -9 test (`Duplicate entry` at the first transaction); this
 * builds that state exactly, with safe-mode-duration 0 so only the exit-safe point can help.
 */
describe('sync unit: a crash before the first checkpoint flush', () => {
  let up: MariadbInstance;
  let down: MariadbInstance;

  useUpDown((pair) => {
    [up, down] = pair;
  });

  it('replays from the start in safe mode up to the saved exit-safe point', async () => {
    const ddl = 'CREATE DATABASE f1; CREATE TABLE f1.t (id INT PRIMARY KEY, v VARCHAR(20))';
    await up.query(ddl);
    await down.query(ddl);
    const start = await masterPos(up);
    for (let i = 1; i <= 10; i++) await up.query('INSERT INTO f1.t VALUES (?, ?)', [i, `a${i}`]);
    const mid = await masterPos(up);
    // What the killed run left: its changes applied downstream, and only the exit-safe point.
    await down.query(
      `INSERT INTO f1.t VALUES ${Array.from({ length: 10 }, (_, k) => `(${k + 1}, 'a${k + 1}')`).join(',')}`,
    );
    const cfg = syncConfig(up, down, start, { syncer: { safeModeDuration: '0s' } });
    const store = new CheckpointStore(cfg.metaSchema, cfg.name, cfg.sourceId);
    const c = await down.connect();
    try {
      await store.ensureTable(c);
      const s = store.saveExitSafeSql({ file: mid.binlogName, pos: mid.binlogPos });
      await c.query(s.sql, s.params);
    } finally {
      await c.end();
    }
    for (let i = 11; i <= 15; i++) await up.query('INSERT INTO f1.t VALUES (?, ?)', [i, `b${i}`]);
    await up.query("UPDATE f1.t SET v = 'u' WHERE id IN (2, 12)");

    const unit = new SyncUnit(cfg, { logger, workDir: tempDir('dm-sync-ff-') });
    await unit.init();
    const ac = new AbortController();
    const run = unit.process(ac.signal);
    try {
      await unlessStopped(waitEqual(up, down, 'f1', 30_000), run);
      assert.deepEqual(await crcSum(down, 'f1', 't'), await crcSum(up, 'f1', 't'));
    } finally {
      assert.deepEqual(await endSync(unit, ac, run), []);
    }
  });
});
