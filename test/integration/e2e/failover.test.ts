import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  type DmProcess,
  dmctl,
  type MasterProcess,
  startMaster,
  startWorker,
  waitMasterReady,
  waitSynced,
  waitUntil,
  waitWorkerRegistered,
} from '../../harness/cluster.js';
import { type MariadbInstance, startMariadb } from '../../harness/mariadb.js';
import { tempDir } from '../../harness/tmp.js';
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
  let master: MasterProcess;
  const ws: DmProcess[] = [];
  const dir = tempDir('dm-e2e-fo-');

  before(async () => {
    up = await startMariadb({ serverId: 21 });
    down = await startMariadb({ serverId: 22, noBinlog: true });
    await loadSample(up, 'shop', 5_000);
    master = await startMaster({ name: 'm1' });
    await waitMasterReady(master.addr);
    for (const n of ['wa', 'wb']) {
      ws.push(await startWorker(n, master.addr, ['--keepalive-ttl', '3']));
      await waitWorkerRegistered(master.addr, n);
    }
  });

  after(async () => {
    for (const w of ws) await w.stop();
    await master?.stop();
    await Promise.all([up?.destroy(), down?.destroy()]);
  });

  it('binds the source to one worker and keeps the other free', async () => {
    const r = await dmctl(master.addr, 'operate-source', 'create', writeSourceYaml(dir, 'src-fo', up));
    assert.equal(r.json.result, true, r.stdout);
    const list = await workers(master.addr);
    assert.deepEqual(list.map((w) => w.stage).sort(), ['bound', 'free']);
  });

  it('re-binds after kill -9 of the bound worker and the task continues with equal data', async () => {
    const t = await dmctl(master.addr, 'start-task', writeTaskYaml(dir, 'tfo', 'src-fo', down, 'shop'));
    assert.equal(t.json.result, true, t.stdout);
    await waitSynced(master.addr, 'tfo');
    const writer = startWriter(up, 'shop', 2_000_000);
    try {
      const bound = (await workers(master.addr)).find((w) => w.stage === 'bound');
      assert.ok(bound, 'one worker is bound');
      const victim = ws.find((w) => w.name === bound.name);
      assert.ok(victim);
      await new Promise((r) => setTimeout(r, 1000));
      await victim.kill9();
      await waitUntil(
        async () =>
          (await workers(master.addr)).some(
            (w) => w.name !== bound.name && w.stage === 'bound' && w.source === 'src-fo',
          ),
        60_000,
        'source re-bound to the other worker',
      );
      await new Promise((r) => setTimeout(r, 2000));
    } finally {
      await writer.stop();
    }
    await waitSynced(master.addr, 'tfo');
    await waitEqual(up, down, 'shop');
  });
});
