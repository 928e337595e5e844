import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { DmCluster, MariadbInstance } from '../../harness/index.js';
import { dmctl, startCluster, stopAll, tempDir, waitUntil } from '../../harness/index.js';
import { startShop, startWriter, waitEqual, writeSourceYaml, writeTaskYaml } from './fixtures.js';

/** kill -9 of the worker during load and during sync: the task completes, nothing lost or doubled. */
describe('e2e: worker kill -9 during load and sync', () => {
  let up: MariadbInstance;
  let down: MariadbInstance;
  let dm: DmCluster;
  const dir = tempDir('dm-e2e-kill-');

  before(async () => {
    [up, down] = await startShop(31, 150_000);
    dm = await startCluster({ workers: ['wk'], workerArgs: ['--keepalive-ttl', '3'] });
    await dm.createSource(writeSourceYaml(dir, 'src-k', up));
  });

  after(() => stopAll(dm, up, down));

  it('kill -9 during load, restart: load resumes and completes exactly once', async () => {
    const t = await dmctl(
      dm.addr,
      'start-task',
      writeTaskYaml(
        dir,
        'tk',
        'src-k',
        down,
        'shop',
        'mydumpers:\n  small:\n    rows: 5000\nloaders:\n  slow:\n    pool-size: 1\n',
        '    mydumper-config-name: "small"\n    loader-config-name: "slow"\n',
      ),
    );
    assert.equal(t.json.result, true, t.stdout);
    await waitUntil(async () => (await dm.status('tk'))?.unit === 'Load', 120_000, 'Load unit running');
    await dm.worker.kill9();
    // Rows of both big tables present at the kill: fewer than all 300k = killed mid-load.
    const [mid] = await down
      .query<{ n: string }>(
        'SELECT (SELECT COUNT(*) FROM shop.orders) + (SELECT COUNT(*) FROM shop.users) AS n',
      )
      .catch(() => [{ n: '0' }]);
    await dm.worker.restart();
    await dm.waitSynced('tk', 300_000);
    await waitEqual(up, down, 'shop');
    assert.ok(Number(mid?.n ?? 0) < 300_000, `killed before load finished (had ${mid?.n} rows)`);
  });

  it('kill -9 during sync under writes, three times: data equal, no duplicates', async () => {
    const writer = startWriter(up, 'shop', 3_000_000);
    try {
      for (let i = 0; i < 3; i++) {
        await new Promise((r) => setTimeout(r, 1500 + i * 700));
        await dm.worker.kill9();
        await new Promise((r) => setTimeout(r, 500));
        await dm.worker.restart();
        await waitUntil(async () => (await dm.status('tk'))?.unit === 'Sync', 120_000, 'Sync again');
      }
    } finally {
      await writer.stop();
    }
    await dm.waitSynced('tk', 300_000);
    await waitEqual(up, down, 'shop');
  });
});
