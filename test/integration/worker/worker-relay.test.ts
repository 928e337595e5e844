import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Etcd3 } from 'etcd3';
import { Keys } from '../../../src/pkg/etcd/keys.js';
import type { EtcdInstance, MariadbInstance } from '../../harness/index.js';
import { freePort, startEtcd, startMariadb, stopChild, tempDir } from '../../harness/index.js';
import type { SpawnedWorker } from './worker-process.js';
import {
  spawnWorker,
  startRegistrar,
  until,
  upstreamSource,
  workerArgs,
  workerStatus,
} from './worker-process.js';

/** A source with enable-relay bound to the worker starts the relay under the work dir; unbinding stops it. */
describe('dm-worker starts the relay of a relay-enabled source', () => {
  let etcd: EtcdInstance;
  let client: Etcd3;
  let up: MariadbInstance;
  let registrar: Awaited<ReturnType<typeof startRegistrar>>;
  let w: SpawnedWorker;
  const workDir = tempDir('dm-worker-relay-');
  let url = '';

  before(async () => {
    [etcd, up] = await Promise.all([startEtcd(), startMariadb()]);
    client = etcd.client();
    registrar = await startRegistrar([etcd.clientUrl]);
    await up.query(
      'CREATE DATABASE r; CREATE TABLE r.t (id INT PRIMARY KEY); INSERT INTO r.t VALUES (1),(2),(3)',
    );
    const source = upstreamSource('rs', up, 'enable-relay: true\n');
    await client.put(Keys.sourceConfig('rs')).value(JSON.stringify(source));
    const port = await freePort();
    url = `http://127.0.0.1:${port}`;
    w = spawnWorker(workerArgs('wr', port, registrar.addr, '--work-dir', workDir));
  });
  after(async () => {
    if (w) await stopChild(w.child, 10_000);
    await registrar?.close();
    await Promise.all([etcd?.destroy(), up?.destroy()]);
  });

  const status = () => workerStatus(url);

  it('pulls the upstream binlog into the relay dir and reports relay status', async () => {
    await client.put(Keys.boundWorker('wr')).value(JSON.stringify({ source: 'rs', worker: 'wr' }));
    const st = await until(
      async () => {
        const s = await status();
        const r = s?.sourceStatus.relayStatus;
        return r && r.stage === 'Running' && r.relayBinlog !== '' && r.relayCatchUpMaster ? s : undefined;
      },
      40_000,
      'relay caught up',
    ).catch(async (e: Error) => {
      throw new Error(`${e.message}\n${JSON.stringify(await status())}\n${w.output().slice(-3000)}`);
    });
    assert.equal(st.sourceStatus.source, 'rs');
    assert.equal(st.sourceStatus.relayStatus?.result, null);
    const relayDir = join(workDir, 'relay-dir');
    assert.ok(existsSync(join(relayDir, 'server-uuid.index')), 'relay layout under --work-dir');
    assert.ok(readdirSync(relayDir).length >= 2);

    await client.delete().key(Keys.boundWorker('wr'));
    await until(async () => (await status())?.sourceStatus.relayStatus === null, 15_000, 'relay stopped');
  });
});
