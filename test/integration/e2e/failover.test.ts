import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { DmCluster, MariadbInstance } from '../../harness/index.js';
import { startCluster, stopAll, tempDir, waitUntil } from '../../harness/index.js';
import { startShop, startWriter, waitEqual, writeSourceYaml, writeTaskYaml } from './fixtures.js';

describe('e2e: a bound worker dies, the source moves to the idle worker', () => {
  let up: MariadbInstance;
  let down: MariadbInstance;
  let dm: DmCluster;
  const dir = tempDir('dm-e2e-fo-');

  before(async () => {
    [up, down] = await startShop(21, 5_000);
    dm = await startCluster({ workers: ['wa', 'wb'], workerArgs: ['--keepalive-ttl', '3'] });
  });

  after(() => stopAll(dm, up, down));

  it('binds the source to one worker and keeps the other free', async () => {
    await dm.createSource(writeSourceYaml(dir, 'src-fo', up));
    const list = await dm.workerList();
    assert.deepEqual(list.map((w) => w.stage).sort(), ['bound', 'free']);
  });

  it('re-binds after kill -9 of the bound worker and the task continues with equal data', async () => {
    const t = await dm.ctl('start-task', writeTaskYaml(dir, 'tfo', 'src-fo', down, 'shop'));
    assert.equal(t.json.result, true, t.stdout);
    await dm.waitSynced('tfo');
    const writer = startWriter(up, 'shop', 2_000_000);
    try {
      const bound = (await dm.workerList()).find((w) => w.stage === 'bound');
      assert.ok(bound, 'one worker is bound');
      const victim = dm.workers.find((w) => w.name === bound.name);
      assert.ok(victim);
      await new Promise((r) => setTimeout(r, 1000));
      await victim.kill9();
      await waitUntil(
        async () =>
          (await dm.workerList()).some(
            (w) => w.name !== bound.name && w.stage === 'bound' && w.source === 'src-fo',
          ),
        60_000,
        'source re-bound to the other worker',
      );
      await new Promise((r) => setTimeout(r, 2000));
    } finally {
      await writer.stop();
    }
    await dm.waitSynced('tfo');
    await waitEqual(up, down, 'shop');
  });
});
