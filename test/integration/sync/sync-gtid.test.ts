import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { SyncUnit } from '../../../src/sync/sync-unit.js';
import type { MariadbInstance } from '../../harness/index.js';
import { destroyAll, startPair, tempDir, testLogger } from '../../harness/index.js';
import { endSync, syncConfig, waitEqual } from './sync-helpers.js';

const logger = testLogger();

async function gtidPos(db: MariadbInstance): Promise<string> {
  const [r] = await db.query<{ g: string }>('SELECT @@GLOBAL.gtid_binlog_pos AS g');
  return r?.g ?? '';
}

async function waitFor(what: string, cond: () => boolean | Promise<boolean>, ms = 30_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('sync unit: MariaDB GTID', () => {
  let up: MariadbInstance;
  let down: MariadbInstance;
  const workDir = tempDir('dm-sync-gtid-');

  before(async () => {
    [up, down] = await startPair();
    const ddl = 'CREATE DATABASE g1; CREATE TABLE g1.t (id INT PRIMARY KEY, v VARCHAR(40));';
    await up.query(ddl);
    await down.query(ddl);
  });

  after(async () => {
    await destroyAll(up, down);
  });

  async function runUntilSynced(cfgGtid: string, write: () => Promise<void>): Promise<string> {
    const cfg = syncConfig(
      up,
      down,
      { binlogName: '', binlogPos: 0 },
      { enableGtid: true, meta: { binlogName: '', binlogPos: 0, binlogGtid: cfgGtid } },
    );
    const unit = new SyncUnit(cfg, { logger, workDir });
    const ac = new AbortController();
    await unit.init();
    const run = unit.process(ac.signal);
    try {
      await write();
      await waitEqual(up, down, 'g1');
      const want = await gtidPos(up);
      await waitFor('syncerBinlogGtid to reach the master', () => unit.status().syncerBinlogGtid === want);
      return want;
    } finally {
      assert.deepEqual(await endSync(unit, ac, run), []);
    }
  }

  it('starts from a GTID-only meta, tracks the executed set into the checkpoint, resumes by GTID', async () => {
    const start = await gtidPos(up);
    assert.match(start, /^\d+-\d+-\d+/);
    const want = await runUntilSynced(start, async () => {
      for (let i = 0; i < 50; i++) await up.query('INSERT INTO g1.t VALUES (?, ?)', [i, `a${i}`]);
      await up.query('ALTER TABLE g1.t ADD COLUMN n INT DEFAULT 1');
      await up.query('UPDATE g1.t SET n = id * 2 WHERE id % 2 = 0');
    });
    const [cp] = await down.query<{ g: string; f: string }>(
      'SELECT binlog_gtid AS g, binlog_name AS f FROM dm_meta.synctest_syncer_checkpoint WHERE is_global = 1',
    );
    assert.equal(cp?.g, want);
    assert.ok(cp?.f, 'the checkpoint also has a file position');

    // Written while stopped: the second run resumes from the checkpoint's GTID set (the meta
    // given now is ignored; a wrong resume point would duplicate or miss these rows).
    for (let i = 50; i < 80; i++) await up.query('INSERT INTO g1.t (id, v) VALUES (?, ?)', [i, `b${i}`]);
    await up.query('DELETE FROM g1.t WHERE id < 10');
    const want2 = await runUntilSynced(start, async () => {
      await up.query('INSERT INTO g1.t (id, v, n) VALUES (1000, "z", 5)');
    });
    const [cp2] = await down.query<{ g: string }>(
      'SELECT binlog_gtid AS g FROM dm_meta.synctest_syncer_checkpoint WHERE is_global = 1',
    );
    assert.equal(cp2?.g, want2);
    const [c] = await down.query<{ n: number }>('SELECT COUNT(*) AS n FROM g1.t');
    assert.equal(Number(c?.n), 80 - 10 + 1);
  });
});
