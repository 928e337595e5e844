import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import type { MariadbInstance } from '../../harness/index.js';
import { crcSum, destroyAll, killChild, startPair, stopChild, tempDir } from '../../harness/index.js';
import { masterPos, startSyncRunner, syncConfig, waitEqual } from './sync-helpers.js';

describe('sync unit: kill -9 at random moments under heavy writes', () => {
  let up: MariadbInstance;
  let down: MariadbInstance;
  let child: ChildProcess | undefined;

  before(async () => {
    [up, down] = await startPair();
    const ddl =
      'CREATE DATABASE c1; CREATE TABLE c1.pk (id INT PRIMARY KEY, k INT NOT NULL, v VARCHAR(40), UNIQUE KEY uk (k));' +
      'CREATE TABLE c1.nopk (a INT, b VARCHAR(40));';
    await up.query(ddl);
    await down.query(ddl);
  });
  after(async () => {
    if (child) await stopChild(child);
    await destroyAll(up, down);
  });

  it('restarts from the checkpoint without loss or duplicates', async () => {
    const cfg = syncConfig(up, down, await masterPos(up), {
      syncer: { workerCount: 4, batch: 20, checkpointFlushInterval: 1, safeModeDuration: '0s' },
    });
    const arg = { cfg, workDir: tempDir('dm-sync-crash-') };
    let stop = false;
    let n = 0;
    const writer = async (w: number): Promise<void> => {
      const c = await up.connect('c1');
      while (!stop) {
        const id = w * 1_000_000 + n++;
        // Writers touch disjoint keys, but keyless scans may still deadlock upstream: retry.
        await c
          .query(
            `BEGIN; INSERT INTO pk VALUES (${id}, ${id}, 'v${id}'); INSERT INTO nopk VALUES (${id % 50}, 'x${id}'), (${id % 50}, 'x${id}');` +
              `UPDATE pk SET v = CONCAT(v, '+'), k = -k WHERE id = ${id - 3}; DELETE FROM nopk WHERE b = 'x${id - 5}' LIMIT 1;` +
              `DELETE FROM pk WHERE id = ${id - 7}; COMMIT`,
          )
          .catch(async () => {
            await c.query('ROLLBACK');
          });
      }
      await c.end();
    };
    const writers = [1, 2, 3].map((w) => writer(w));
    for (let round = 0; round < 4; round++) {
      const r = await startSyncRunner(arg);
      child = r.child;
      await Promise.race([new Promise((res) => setTimeout(res, 700 + Math.random() * 1500)), r.failed]);
      await killChild(child);
    }
    stop = true;
    await Promise.all(writers);
    const last = await startSyncRunner(arg);
    child = last.child;
    await Promise.race([waitEqual(up, down, 'c1', 90_000), last.failed]);
    await stopChild(child);
    child = undefined;
    for (const t of ['pk', 'nopk']) assert.deepEqual(await crcSum(down, 'c1', t), await crcSum(up, 'c1', t));
    const [r] = await up.query<{ n: string }>('SELECT COUNT(*) AS n FROM c1.nopk');
    assert.ok(Number(r?.n) > 500, `enough writes happened (${r?.n})`);
  });
});
