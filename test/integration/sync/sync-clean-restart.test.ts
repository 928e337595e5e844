import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CheckpointStore } from '../../../src/sync/checkpoint.js';
import { SyncUnit } from '../../../src/sync/sync-unit.js';
import type { MariadbInstance } from '../../harness/index.js';
import { tempDir, testLogger, useUpDown } from '../../harness/index.js';
import { endSync, masterPos, syncConfig, unlessStopped, waitEqual } from './sync-helpers.js';

const logger = testLogger();

/**
 * DM runs its start-up safe mode (`safe-mode-duration`) only without a safe-mode exit point:
 * on a first start. After a clean stop the checkpoint says nothing past it was applied, so the
 * restart applies changes as they are (UPDATE stays UPDATE), not as REPLACE for a minute.
 * Seen downstream by the server's statement counters.
 */
describe('sync unit: restart after a clean stop', () => {
  let up: MariadbInstance;
  let down: MariadbInstance;

  useUpDown((pair) => {
    [up, down] = pair;
  });

  async function counters(): Promise<{ replace: number; update: number }> {
    const rows = await down.query<{ Variable_name: string; Value: string }>(
      "SHOW GLOBAL STATUS WHERE Variable_name IN ('Com_replace', 'Com_update')",
    );
    const v = (n: string) => Number(rows.find((r) => r.Variable_name === n)?.Value ?? 0);
    return { replace: v('Com_replace'), update: v('Com_update') };
  }

  async function runUntilEqual(
    cfg: ReturnType<typeof syncConfig>,
    change: () => Promise<void>,
  ): Promise<void> {
    const unit = new SyncUnit(cfg, { logger, workDir: tempDir('dm-sync-cr-') });
    await unit.init();
    const ac = new AbortController();
    const run = unit.process(ac.signal);
    try {
      await change();
      await unlessStopped(waitEqual(up, down, 'cr', 30_000), run);
    } finally {
      assert.deepEqual(await endSync(unit, ac, run), []);
    }
  }

  it('has no start-up safe mode when the checkpoint is clean', async () => {
    const ddl = 'CREATE DATABASE cr; CREATE TABLE cr.t (id INT PRIMARY KEY, v VARCHAR(20))';
    await up.query(ddl);
    await down.query(ddl);
    const start = await masterPos(up);
    const cfg = syncConfig(up, down, start, {
      syncer: { safeModeDuration: '60s', multipleRows: false, checkpointFlushInterval: 1 },
    });
    const c0 = await counters();
    // First start: DM's start-up window, changes applied as REPLACE.
    await runUntilEqual(cfg, async () => {
      for (let i = 1; i <= 10; i++) await up.query('INSERT INTO cr.t VALUES (?, ?)', [i, `a${i}`]);
    });
    const c1 = await counters();
    assert.ok(c1.replace > c0.replace, 'first start runs in safe mode');
    const store = new CheckpointStore(cfg.metaSchema, cfg.name, cfg.sourceId);
    const conn = await down.connect();
    try {
      const cp = await store.loadGlobal(conn);
      assert.ok(cp, 'a checkpoint was saved');
      assert.equal(cp.exitSafe, undefined, 'a clean stop clears the exit-safe point');
    } finally {
      await conn.end();
    }
    // Restart from the clean checkpoint: no safe mode.
    await runUntilEqual(cfg, async () => {
      await up.query("UPDATE cr.t SET v = 'u' WHERE id <= 5");
    });
    const c2 = await counters();
    assert.equal(c2.replace, c1.replace, 'no REPLACE after a clean restart');
    assert.ok(c2.update > c1.update, 'the UPDATE went down as UPDATE');
  });
});
