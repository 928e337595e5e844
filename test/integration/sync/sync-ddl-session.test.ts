import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SyncUnit } from '../../../src/sync/sync-unit.js';
import type { MariadbInstance } from '../../harness/index.js';
import { tempDir, testLogger, useUpDown, waitUntil } from '../../harness/index.js';
import { endSync, masterPos, syncConfig, unlessStopped } from './sync-helpers.js';

const logger = testLogger();

/**
 * A DDL runs downstream in the session it ran in upstream, as DM's syncer does (`SET
 * TIMESTAMP` = the event's time, `SET SESSION TIME_ZONE` = the event's zone): columns added
 * with `DEFAULT CURRENT_TIMESTAMP` get the upstream's instant for the existing rows, not the
 * time the DDL is replayed, and a DATETIME default gets the upstream session's wall clock.
 * The replay here starts seconds after the DDL, in a task zone other than the upstream
 * session's; the values are compared as the servers compute them.
 */
describe('sync unit: DDL in the upstream session (time and time zone)', () => {
  let up: MariadbInstance;
  let down: MariadbInstance;

  useUpDown((pair) => {
    [up, down] = pair;
  });

  it('ADD COLUMN … DEFAULT CURRENT_TIMESTAMP fills existing rows as upstream did', async () => {
    const ddl =
      'CREATE DATABASE ds; CREATE TABLE ds.t (id INT PRIMARY KEY); CREATE TABLE ds.m (id INT PRIMARY KEY)';
    await up.query(ddl);
    await down.query(ddl);
    await up.query('INSERT INTO ds.t VALUES (1), (2), (3)');
    await down.query('INSERT INTO ds.t VALUES (1), (2), (3)');
    const start = await masterPos(up);
    await up.query(
      "SET time_zone = '+05:00'; ALTER TABLE ds.t ADD COLUMN ts TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP, " +
        'ADD COLUMN dt DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP',
    );
    await up.query('INSERT INTO ds.m VALUES (1)');
    // The replay comes later than the DDL: without the event's time the values would differ.
    await new Promise((r) => setTimeout(r, 2500));
    const cfg = syncConfig(up, down, start, { timezone: '+00:00' });
    const unit = new SyncUnit(cfg, { logger, workDir: tempDir('dm-sync-ds-') });
    await unit.init();
    const ac = new AbortController();
    const run = unit.process(ac.signal);
    try {
      await unlessStopped(
        waitUntil(async () => (await down.query('SELECT id FROM ds.m')).length === 1, 30_000, 'marker row'),
        run,
      );
      const q =
        "SET time_zone = '+00:00'; SELECT id, UNIX_TIMESTAMP(ts) AS ts, CAST(dt AS CHAR) AS dt FROM ds.t ORDER BY id";
      const pick = (r: unknown) => JSON.stringify((r as unknown[][])[1]);
      const [a, b] = [await up.query(q), await down.query(q)];
      assert.equal(pick(b), pick(a), 'existing rows got the upstream instant and wall clock');
      // The session was put back: the checkpoint and later DDLs run in the task zone again.
      await up.query('CREATE TABLE ds.after (id INT PRIMARY KEY, d DATETIME DEFAULT CURRENT_TIMESTAMP)');
      await up.query('INSERT INTO ds.m VALUES (2)');
      await unlessStopped(
        waitUntil(async () => (await down.query('SELECT id FROM ds.m')).length === 2, 30_000, 'marker 2'),
        run,
      );
    } finally {
      assert.deepEqual(await endSync(unit, ac, run), []);
    }
  });
});
