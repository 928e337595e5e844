import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { SyncerConfig } from '../../../src/pkg/config/types.js';
import { SyncUnit } from '../../../src/sync/sync-unit.js';
import type { MariadbInstance } from '../../harness/index.js';
import { destroyAll, startPair, tempDir, testLogger } from '../../harness/index.js';
import { endSync, masterPos, syncConfig, waitEqual } from './sync-helpers.js';

const logger = testLogger();

describe('sync unit: syncer.compact', () => {
  let up: MariadbInstance;
  let down: MariadbInstance;

  before(async () => {
    [up, down] = await startPair();
    const ddl = 'CREATE DATABASE c1; CREATE TABLE c1.t (id INT PRIMARY KEY, v INT, u INT, KEY ku (u))';
    await up.query(ddl);
    await down.query(ddl);
  });

  after(async () => {
    await destroyAll(up, down);
  });

  /** Run a sync unit with `syncer` keys while `writes` runs upstream (one transaction) until c1 is equal. */
  async function syncWhile(
    syncer: Partial<SyncerConfig>,
    writes: (q: (sql: string, v?: unknown[]) => Promise<unknown>) => Promise<void>,
  ): Promise<void> {
    const cfg = syncConfig(up, down, await masterPos(up), { syncer });
    const unit = new SyncUnit(cfg, { logger, workDir: tempDir('dm-sync-compact-') });
    const ac = new AbortController();
    await unit.init();
    const run = unit.process(ac.signal);
    try {
      const c = await up.connect('c1');
      // Big transactions so that a batch holds many changes of the same keys.
      await c.query('BEGIN');
      await writes((sql, v) => c.query(sql, v));
      await c.query('COMMIT');
      await c.end();
      await waitEqual(up, down, 'c1');
    } finally {
      assert.deepEqual(await endSync(unit, ac, run), []);
    }
  }

  it('keeps the final state when many changes of the same rows fold within batches', async () => {
    await syncWhile({ compact: true, batch: 200, workerCount: 2 }, async (q) => {
      for (let i = 0; i < 100; i++) await q('INSERT INTO t VALUES (?, 0, ?)', [i, i]);
      for (let r = 0; r < 5; r++) await q('UPDATE t SET v = v + 1 WHERE id % 2 = 0');
      await q('DELETE FROM t WHERE id % 10 = 0');
      await q('INSERT INTO t VALUES (10, 99, 10), (20, 98, 20)');
      await q('UPDATE t SET id = id + 1000 WHERE id % 7 = 1');
      await q('UPDATE t SET u = u + 500 WHERE id > 50');
    });
    const [n] = await down.query<{ n: number }>('SELECT SUM(v) AS n FROM c1.t');
    assert.equal(Number(n?.n), 50 * 5 - 10 * 5 + 99 + 98);
  });

  it('by default, keeps the order of rows tied by a second unique key (a freed value taken by another row)', async () => {
    // Created upstream only: the unit resumes from the first test's checkpoint and replicates it.
    await up.query('CREATE TABLE c1.h (id INT PRIMARY KEY, u INT NOT NULL, UNIQUE KEY uu (u))');
    // No syncer keys: our defaults (compact and multiple-rows on).
    await syncWhile({ batch: 200, workerCount: 2 }, async (q) => {
      for (let i = 0; i < 50; i++) await q('INSERT INTO h VALUES (?, ?)', [i, i]);
      // Row i frees u = i, row i + 500 takes it, row i changes again: folding row i's two
      // updates into one placed last would insert u = i while row i still holds it.
      for (let i = 0; i < 50; i++) {
        await q('UPDATE h SET u = u + 1000 WHERE id = ?', [i]);
        await q('INSERT INTO h VALUES (?, ?)', [i + 500, i]);
        await q('UPDATE h SET u = u + 5000 WHERE id = ?', [i]);
      }
    });
  });
});
