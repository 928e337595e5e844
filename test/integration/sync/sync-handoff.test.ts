import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DumpUnit } from '../../../src/dump/dump-unit.js';
import { LoadUnit } from '../../../src/load/load-unit.js';
import { loadedBinlogMeta } from '../../../src/pkg/dumpfile/metadata.js';
import { SyncUnit } from '../../../src/sync/sync-unit.js';
import type { MariadbInstance } from '../../harness/index.js';
import { tempDir, testLogger, useUpDown } from '../../harness/index.js';
import { endSync, syncConfig, waitEqual } from './sync-helpers.js';

const logger = testLogger();

describe('sync unit after a full load (task-mode all)', () => {
  let up: MariadbInstance;
  let down: MariadbInstance;
  const workDir = tempDir('dm-sync-handoff-');

  useUpDown((pair) => {
    [up, down] = pair;
  });

  it('starts at the dump position with the loaded structure, replaying rows written before a later ALTER', async () => {
    await up.query(
      'CREATE DATABASE h1; CREATE TABLE h1.t (id INT PRIMARY KEY, v VARCHAR(40)); CREATE TABLE h1.k (a INT, b INT)',
    );
    for (let i = 0; i < 100; i++) await up.query('INSERT INTO h1.t VALUES (?, ?)', [i, `d${i}`]);
    await up.query('INSERT INTO h1.k VALUES (1, 1), (2, 2)');
    const cfg = syncConfig(up, down, { binlogName: '', binlogPos: 0 }, { taskMode: 'all', meta: undefined });
    cfg.blockAllowList = { doDbs: ['h1'], doTables: [], ignoreDbs: [], ignoreTables: [] };
    const deps = { logger, workDir };

    const dump = new DumpUnit(cfg, deps);
    await dump.init();
    const dr = await dump.process(new AbortController().signal);
    await dump.close();
    assert.deepEqual(dr.errors, []);
    const meta = await loadedBinlogMeta(cfg, workDir);
    assert.ok(meta.binlogName, 'the dump recorded a binlog position');

    // Written after the dump: rows in the old shape, then an ALTER. The upstream's current
    // structure (with `w`) does not match these rows; the loaded downstream table does.
    for (let i = 100; i < 150; i++) await up.query('INSERT INTO h1.t VALUES (?, ?)', [i, `s${i}`]);
    await up.query('UPDATE h1.t SET v = CONCAT(v, "+") WHERE id < 20');
    await up.query('INSERT INTO h1.k VALUES (3, 3)');
    await up.query('ALTER TABLE h1.t ADD COLUMN w INT NOT NULL DEFAULT 9 AFTER id');
    await up.query('ALTER TABLE h1.k DROP COLUMN b');
    await up.query('INSERT INTO h1.t (id, v, w) VALUES (500, "after", 1)');
    await up.query('INSERT INTO h1.k VALUES (4)');

    const load = new LoadUnit(cfg, deps);
    await load.init();
    const lr = await load.process(new AbortController().signal);
    await load.close();
    assert.deepEqual(lr.errors, []);

    const unit = new SyncUnit(cfg, deps);
    const ac = new AbortController();
    await unit.init();
    const run = unit.process(ac.signal);
    try {
      await waitEqual(up, down, 'h1');
    } finally {
      assert.deepEqual(await endSync(unit, ac, run), []);
    }
    const [c] = await down.query<{ n: number }>('SELECT COUNT(*) AS n FROM h1.t WHERE v LIKE "%+"');
    assert.equal(Number(c?.n), 20);
  });
});
