import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { subtaskStatus, waitSynced, waitUntil } from '../../harness/cluster.js';
import { startTask, useCluster } from '../validation/fixture.js';
import { startWriter, waitEqual } from './fixtures.js';

/** kill -9 of the worker during load and during sync: the task completes, nothing lost or doubled. */
describe('e2e: worker kill -9 during load and sync', () => {
  const c = useCluster({
    serverIds: [31, 32],
    sampleRows: 150_000,
    worker: 'wk',
    source: 'src-k',
    dirPrefix: 'dm-e2e-kill-',
  });

  it('kill -9 during load, restart: load resumes and completes exactly once', async () => {
    await startTask(
      c,
      'tk',
      'shop',
      'mydumpers:\n  small:\n    rows: 5000\nloaders:\n  slow:\n    pool-size: 1\n',
      '    mydumper-config-name: "small"\n    loader-config-name: "slow"\n',
      false,
    );
    await waitUntil(
      async () => (await subtaskStatus(c.master.addr, 'tk'))?.unit === 'Load',
      120_000,
      'Load unit running',
    );
    await c.worker.kill9();
    // Rows of both big tables present at the kill: fewer than all 300k = killed mid-load.
    const [mid] = await c.down
      .query<{ n: string }>(
        'SELECT (SELECT COUNT(*) FROM shop.orders) + (SELECT COUNT(*) FROM shop.users) AS n',
      )
      .catch(() => [{ n: '0' }]);
    await c.worker.restart();
    await waitSynced(c.master.addr, 'tk', 300_000);
    await waitEqual(c.up, c.down, 'shop');
    assert.ok(Number(mid?.n ?? 0) < 300_000, `killed before load finished (had ${mid?.n} rows)`);
  });

  it('kill -9 during sync under writes, three times: data equal, no duplicates', async () => {
    const writer = startWriter(c.up, 'shop', 3_000_000);
    try {
      for (let i = 0; i < 3; i++) {
        await new Promise((r) => setTimeout(r, 1500 + i * 700));
        await c.worker.kill9();
        await new Promise((r) => setTimeout(r, 500));
        await c.worker.restart();
        await waitUntil(
          async () => (await subtaskStatus(c.master.addr, 'tk'))?.unit === 'Sync',
          120_000,
          'Sync again',
        );
      }
    } finally {
      await writer.stop();
    }
    await waitSynced(c.master.addr, 'tk', 300_000);
    await waitEqual(c.up, c.down, 'shop');
  });
});
