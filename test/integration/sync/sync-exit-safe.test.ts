import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import type { MariadbInstance } from '../../harness/index.js';
import { crcSum, destroyAll, killChild, startPair, stopChild, tempDir } from '../../harness/index.js';
import { masterPos, startSyncRunner, syncConfig, waitEqual } from './sync-helpers.js';

/**
 * The appliers write their exit-safe point inside their own transactions (no separate write
 * before each commit). After a kill -9 the restart must replay in safe mode up to the furthest
 * of those rows, even when the global row's point (last flush) is behind it.
 */
describe("sync unit: exit-safe point committed with the appliers' transactions", () => {
  let up: MariadbInstance;
  let down: MariadbInstance;
  let child: ChildProcess | undefined;

  before(async () => {
    [up, down] = await startPair();
    await up.query('CREATE DATABASE e1');
    await down.query('CREATE DATABASE e1');
  });
  after(async () => {
    if (child) await stopChild(child);
    await destroyAll(up, down);
  });

  it("restarts in safe mode up to the appliers' rows after kill -9", async () => {
    // No timed flush: the only global checkpoint is the one after the DDL.
    const cfg = syncConfig(up, down, await masterPos(up), {
      syncer: { workerCount: 4, batch: 10, checkpointFlushInterval: 3600, safeModeDuration: '0s' },
    });
    const arg = { cfg, workDir: tempDir('dm-sync-exit-safe-') };
    child = (await startSyncRunner(arg)).child;
    await up.query('CREATE TABLE e1.t (id INT PRIMARY KEY, v VARCHAR(20) NOT NULL)');
    for (let i = 0; i < 20; i++) {
      const vals = Array.from({ length: 10 }, (_, k) => `(${i * 10 + k}, 'v${i}')`).join(',');
      await up.query(`INSERT INTO e1.t VALUES ${vals}`);
    }
    const end = await masterPos(up);
    await waitEqual(up, down, 'e1', 60_000);

    const [cp] = await down.query<{ p: number | string; f: string; ep: number | string }>(
      'SELECT binlog_pos AS p, exit_safe_binlog_name AS f, exit_safe_binlog_pos AS ep FROM dm_meta.synctest_syncer_checkpoint WHERE is_global = 1',
    );
    assert.ok(cp, 'a global checkpoint row (flushed after the DDL)');
    assert.equal(cp.f, end.binlogName);
    assert.ok(
      Number(cp.ep) >= end.binlogPos - 200,
      `the exit-safe point covers the last commit (${cp.ep} vs ${end.binlogPos})`,
    );
    assert.ok(
      Number(cp.p) < end.binlogPos - 200,
      `the checkpoint (${cp.p}) is behind the last commit: the restart replays and depends on safe mode`,
    );

    await killChild(child);
    child = (await startSyncRunner(arg)).child;
    // Replayed INSERTs of rows already there only succeed as REPLACE (safe mode).
    await up.query("INSERT INTO e1.t VALUES (1000, 'after')");
    await waitEqual(up, down, 'e1', 60_000);
    assert.equal(child.exitCode, null, 'the restarted unit is still running');
    await stopChild(child);
    child = undefined;
    assert.deepEqual(await crcSum(down, 'e1', 't'), await crcSum(up, 'e1', 't'));
    // A clean stop (everything applied) clears the exit-safe point.
    const [last] = await down.query<{ f: string }>(
      'SELECT exit_safe_binlog_name AS f FROM dm_meta.synctest_syncer_checkpoint WHERE is_global = 1',
    );
    assert.equal(last?.f, '');
  });
});
