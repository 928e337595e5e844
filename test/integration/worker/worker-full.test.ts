import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Etcd3 } from 'etcd3';
import { Keys } from '../../../src/pkg/etcd/keys.js';
import type { EtcdInstance, MariadbInstance } from '../../harness/index.js';
import { freePort, startEtcd, startMariadb, stopChild, tableSums, tempDir } from '../../harness/index.js';
import type { SpawnedWorker } from './worker-process.js';
import {
  exitOf,
  putBoundSubtask,
  spawnWorker,
  startRegistrar,
  until,
  upstreamSource,
  workerArgs,
  workerStatus,
} from './worker-process.js';

/**
 * A subtask written to etcd (config + expected stage Running, as the leader would) makes the
 * real dm-worker run the real dump and load units: task-mode full from one MariaDB to
 * another, proven equal with CHECKSUM TABLE. A restarted worker does not redo the load.
 */
describe('dm-worker runs a full-mode subtask from etcd', () => {
  let etcd: EtcdInstance;
  let client: Etcd3;
  let up: MariadbInstance;
  let down: MariadbInstance;
  let registrar: Awaited<ReturnType<typeof startRegistrar>>;
  const workers: SpawnedWorker[] = [];
  const workDir = tempDir('dm-worker-full-');
  let url = '';
  let port = 0;

  before(async () => {
    [etcd, up, down] = await Promise.all([startEtcd(), startMariadb(), startMariadb({ noBinlog: true })]);
    client = etcd.client();
    registrar = await startRegistrar([etcd.clientUrl]);
    await up.query(
      'CREATE DATABASE app;' +
        'CREATE TABLE app.t1 (id INT PRIMARY KEY, name VARCHAR(64), amount DECIMAL(12,2), created DATETIME(3), note TEXT);' +
        'CREATE TABLE app.t2 (k VARCHAR(20) PRIMARY KEY, v BLOB, f DOUBLE NULL);',
    );
    const rows: string[] = [];
    for (let i = 1; i <= 3000; i++) {
      rows.push(
        `(${i}, 'name-${i}', ${i * 3}.25, '2024-01-02 03:04:05.${String(i % 1000).padStart(3, '0')}', ${i % 7 === 0 ? 'NULL' : `'note ''${i}'' \\\\ x'`})`,
      );
    }
    await up.query(`INSERT INTO app.t1 VALUES ${rows.join(',')}`);
    await up.query("INSERT INTO app.t2 VALUES ('a', 0x00FF10, 1.5), ('b', NULL, NULL), ('c', '', -2.25e10)");

    await putBoundSubtask(
      client,
      upstreamSource('s1', up),
      `name: fulltask\ntask-mode: full\ntarget-database:\n  host: 127.0.0.1\n  port: ${down.port}\n  user: root\n  password: ""\n` +
        'mysql-instances:\n  - source-id: s1\n    block-allow-list: bal\nblock-allow-list:\n  bal:\n    do-dbs: ["app"]\n',
      'wf',
    );
    port = await freePort();
    url = `http://127.0.0.1:${port}`;
  });
  after(async () => {
    for (const w of workers) await stopChild(w.child, 10_000);
    await registrar?.close();
    await Promise.all([etcd?.destroy(), up?.destroy(), down?.destroy()]);
  });

  function start(): SpawnedWorker {
    // DM's default: the working directory holds the dump files.
    const w = spawnWorker(workerArgs('wf', port, registrar.addr, '--keepalive-ttl', '3'), workDir);
    workers.push(w);
    return w;
  }

  const subStatus = async () => (await workerStatus(url, 'fulltask'))?.subTaskStatus[0];

  it('dumps and loads, then Finished with equal checksums', async () => {
    const w = start();
    const st = await until(
      async () => {
        const s = await subStatus();
        if (s?.stage === 'Paused')
          throw new Error(`subtask paused: ${JSON.stringify(s.result)}\n${w.output().slice(-3000)}`);
        return s?.stage === 'Finished' ? s : undefined;
      },
      60_000,
      'subtask Finished',
    ).catch((err: Error) => {
      throw new Error(`${err.message}\n${w.output().slice(-4000)}`);
    });
    assert.equal(st.unit, 'Load');
    assert.equal(st.result, null);
    assert.deepEqual(await tableSums(down, 'app'), await tableSums(up, 'app'));
  });

  it('a restarted worker does not redo the finished load', async () => {
    const first = workers[0];
    assert.ok(first);
    first.child.kill('SIGTERM');
    assert.equal(await exitOf(first.child), 0);
    // A change only the downstream has: a redone load (REPLACE) would bring the row back.
    await down.query('DELETE FROM app.t1 WHERE id = 1');
    const before = await tableSums(down, 'app');
    const w = start();
    const st = await until(
      async () => {
        const s = await subStatus();
        return s?.stage === 'Finished' ? s : undefined;
      },
      60_000,
      `subtask Finished after restart\n${w.output().slice(-2000)}`,
    );
    assert.equal(st.unit, 'Load');
    assert.deepEqual(await tableSums(down, 'app'), before, 'downstream untouched: nothing redone');
  });

  it('stage Stopped stops the subtask; deleting it removes it', async () => {
    await client.put(Keys.subtaskStage('s1', 'fulltask')).value(JSON.stringify({ stage: 'Stopped' }));
    await until(async () => (await subStatus())?.stage === 'Stopped', 10_000, 'Stopped');
    await client.delete().key(Keys.subtaskStage('s1', 'fulltask'));
    await client.delete().key(Keys.subtaskConfig('s1', 'fulltask'));
    await until(async () => (await subStatus()) === undefined, 10_000, 'removed');
  });
});
