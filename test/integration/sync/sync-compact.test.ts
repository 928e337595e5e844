import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
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
    const ddl = 'CREATE DATABASE c1; CREATE TABLE c1.t (id INT PRIMARY KEY, v INT, u INT, UNIQUE KEY uu (u))';
    await up.query(ddl);
    await down.query(ddl);
  });

  after(async () => {
    await destroyAll(up, down);
  });

  it('keeps the final state when many changes of the same rows fold within batches', async () => {
    const cfg = syncConfig(up, down, await masterPos(up), {
      syncer: { compact: true, batch: 200, workerCount: 2 },
    });
    const unit = new SyncUnit(cfg, { logger, workDir: tempDir('dm-sync-compact-') });
    const ac = new AbortController();
    await unit.init();
    const run = unit.process(ac.signal);
    try {
      const c = await up.connect('c1');
      // Big transactions so that a batch holds many changes of the same keys.
      await c.query('BEGIN');
      for (let i = 0; i < 100; i++) await c.query('INSERT INTO t VALUES (?, 0, ?)', [i, i]);
      for (let r = 0; r < 5; r++) await c.query('UPDATE t SET v = v + 1 WHERE id % 2 = 0');
      await c.query('DELETE FROM t WHERE id % 10 = 0');
      await c.query('INSERT INTO t VALUES (10, 99, 10), (20, 98, 20)');
      await c.query('UPDATE t SET id = id + 1000 WHERE id % 7 = 1');
      await c.query('UPDATE t SET u = u + 500 WHERE id > 50');
      await c.query('COMMIT');
      await c.end();
      await waitEqual(up, down, 'c1');
    } finally {
      assert.deepEqual(await endSync(unit, ac, run), []);
    }
    const [n] = await down.query<{ n: number }>('SELECT SUM(v) AS n FROM c1.t');
    assert.equal(Number(n?.n), 50 * 5 - 10 * 5 + 99 + 98);
  });
});
