import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Etcd3 } from 'etcd3';
import { Keys } from '../../../src/pkg/etcd/keys.js';
import type { EtcdInstance, MariadbInstance } from '../../harness/index.js';
import { freePort, startEtcd, startMariadb, stopChild, tableSums, tempDir } from '../../harness/index.js';
import type { SpawnedWorker } from './worker-process.js';
import {
  putBoundSubtask,
  spawnWorker,
  startRegistrar,
  until,
  upstreamSource,
  waitSchemaEqual,
  workerArgs,
  workerStatus,
} from './worker-process.js';

/**
 * task-mode all through the real dm-worker: dump → load → sync, then expected stages from
 * etcd pause and resume the running sync unit; data proven equal with CHECKSUM TABLE.
 */
describe('dm-worker runs an all-mode subtask and obeys pause/resume from etcd', () => {
  let etcd: EtcdInstance;
  let client: Etcd3;
  let up: MariadbInstance;
  let down: MariadbInstance;
  let registrar: Awaited<ReturnType<typeof startRegistrar>>;
  let w: SpawnedWorker;
  let url = '';

  before(async () => {
    [etcd, up, down] = await Promise.all([startEtcd(), startMariadb(), startMariadb({ noBinlog: true })]);
    client = etcd.client();
    registrar = await startRegistrar([etcd.clientUrl]);
    await up.query(
      'CREATE DATABASE shop;' +
        'CREATE TABLE shop.orders (id INT PRIMARY KEY AUTO_INCREMENT, item VARCHAR(40), qty INT, price DECIMAL(10,2));',
    );
    await up.query(
      `INSERT INTO shop.orders (item, qty, price) VALUES ${Array.from({ length: 500 }, (_, i) => `('item${i}', ${i % 9}, ${i}.5)`).join(',')}`,
    );
    await putBoundSubtask(
      client,
      upstreamSource('s1', up),
      `name: alltask\ntask-mode: all\ntarget-database:\n  host: 127.0.0.1\n  port: ${down.port}\n  user: root\n  password: ""\n` +
        'mysql-instances:\n  - source-id: s1\n    block-allow-list: bal\nblock-allow-list:\n  bal:\n    do-dbs: ["shop"]\n',
      'wa',
    );
    const port = await freePort();
    url = `http://127.0.0.1:${port}`;
    w = spawnWorker(
      workerArgs('wa', port, registrar.addr, '--keepalive-ttl', '3'),
      tempDir('dm-worker-all-'),
    );
  });
  after(async () => {
    if (w) await stopChild(w.child, 10_000);
    await registrar?.close();
    await Promise.all([etcd?.destroy(), up?.destroy(), down?.destroy()]);
  });

  const subStatus = async () => (await workerStatus(url, 'alltask'))?.subTaskStatus[0];
  const equalSoon = (what: string) => waitSchemaEqual(up, down, 'shop', subStatus, w, what);

  it('dumps, loads, then replicates new writes', async () => {
    await until(async () => (await subStatus())?.unit === 'Sync', 60_000, 'sync unit running').catch(
      (err: Error) => {
        throw new Error(`${err.message}\n${w.output().slice(-3000)}`);
      },
    );
    await up.query(
      "INSERT INTO shop.orders (item, qty, price) VALUES ('new', 1, 9.99); UPDATE shop.orders SET qty = qty + 1 WHERE id <= 50; DELETE FROM shop.orders WHERE id BETWEEN 60 AND 69",
    );
    await equalSoon('replicated writes');
    const s = await subStatus();
    assert.equal(s?.stage, 'Running');
    assert.ok(s?.sync, 'sync status present');
  });

  it('pauses and resumes on the expected stage from etcd', async () => {
    await client.put(Keys.subtaskStage('s1', 'alltask')).value(JSON.stringify({ stage: 'Paused' }));
    await until(async () => (await subStatus())?.stage === 'Paused', 15_000, 'Paused');
    const before = await tableSums(down, 'shop');
    await up.query("INSERT INTO shop.orders (item, qty, price) VALUES ('while-paused', 2, 1.00)");
    await new Promise((r) => setTimeout(r, 1500));
    assert.deepEqual(await tableSums(down, 'shop'), before, 'nothing applied while paused');
    await client.put(Keys.subtaskStage('s1', 'alltask')).value(JSON.stringify({ stage: 'Running' }));
    await until(async () => (await subStatus())?.stage === 'Running', 15_000, 'Running again');
    await equalSoon('caught up after resume');
  });
});
