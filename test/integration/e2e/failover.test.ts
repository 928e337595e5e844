import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { DmCluster, MariadbInstance } from '../../harness/index.js';
import { destroyAll, dmctl, startCluster, startMariadb, tempDir, waitUntil } from '../../harness/index.js';
import { loadSample, startWriter, waitEqual, writeSourceYaml, writeTaskYaml } from './fixtures.js';

interface WorkerRow {
  name: string;
  stage: string;
  source: string;
}

async function workers(master: string): Promise<WorkerRow[]> {
  const r = await dmctl(master, 'list-member', '--worker');
  const members = r.json.members as { worker?: { workers: WorkerRow[] } }[];
  return members.find((m) => m.worker)?.worker?.workers ?? [];
}

describe('e2e: a bound worker dies, the source moves to the idle worker', () => {
  let up: MariadbInstance;
  let down: MariadbInstance;
  let dm: DmCluster;
  const dir = tempDir('dm-e2e-fo-');

  before(async () => {
    up = await startMariadb({ serverId: 21 });
    down = await startMariadb({ serverId: 22, noBinlog: true });
    await loadSample(up, 'shop', 5_000);
    dm = await startCluster({ workers: ['wa', 'wb'], workerArgs: ['--keepalive-ttl', '3'] });
  });

  after(async () => {
    await dm?.stop();
    await destroyAll(up, down);
  });

  it('binds the source to one worker and keeps the other free', async () => {
    await dm.createSource(writeSourceYaml(dir, 'src-fo', up));
    const list = await workers(dm.addr);
    assert.deepEqual(list.map((w) => w.stage).sort(), ['bound', 'free']);
  });

  it('re-binds after kill -9 of the bound worker and the task continues with equal data', async () => {
    const t = await dm.ctl('start-task', writeTaskYaml(dir, 'tfo', 'src-fo', down, 'shop'));
    assert.equal(t.json.result, true, t.stdout);
    await dm.waitSynced('tfo');
    const writer = startWriter(up, 'shop', 2_000_000);
    try {
      const bound = (await workers(dm.addr)).find((w) => w.stage === 'bound');
      assert.ok(bound, 'one worker is bound');
      const victim = dm.workers.find((w) => w.name === bound.name);
      assert.ok(victim);
      await new Promise((r) => setTimeout(r, 1000));
      await victim.kill9();
      await waitUntil(
        async () =>
          (await workers(dm.addr)).some(
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
