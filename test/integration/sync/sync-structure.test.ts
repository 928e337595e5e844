import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SyncUnit } from '../../../src/sync/sync-unit.js';
import type { MariadbInstance } from '../../harness/index.js';
import { tempDir, testLogger, useUpDown } from '../../harness/index.js';
import { endSync, masterPos, syncConfig, waitEqual } from './sync-helpers.js';

const logger = testLogger();

describe('sync unit: structure of tables at the start point', () => {
  let up: MariadbInstance;
  let down: MariadbInstance;

  useUpDown((pair) => {
    [up, down] = pair;
  });

  it('incremental: takes the downstream structure (matching the start point), not the altered upstream one', async () => {
    const ddl = 'CREATE DATABASE st; CREATE TABLE st.t (id INT PRIMARY KEY, v VARCHAR(20))';
    await up.query(ddl);
    await down.query(ddl);
    const pos = await masterPos(up);
    // Before the unit starts: old-shape rows, then an ALTER the binlog delivers later.
    for (let i = 0; i < 20; i++) await up.query('INSERT INTO st.t VALUES (?, ?)', [i, `o${i}`]);
    await up.query('ALTER TABLE st.t ADD COLUMN n INT NOT NULL DEFAULT 3, DROP COLUMN v');
    await up.query('INSERT INTO st.t VALUES (100, 4)');
    const unit = new SyncUnit(syncConfig(up, down, pos), { logger, workDir: tempDir('dm-sync-st-') });
    const ac = new AbortController();
    await unit.init();
    const run = unit.process(ac.signal);
    try {
      await waitEqual(up, down, 'st');
    } finally {
      assert.deepEqual(await endSync(unit, ac, run), []);
    }
  });
});
