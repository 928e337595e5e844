import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Etcd3 } from 'etcd3';
import type { OperateResponse, WorkerStatusResponse } from '../../../src/pkg/api/worker-api.js';
import { Keys } from '../../../src/pkg/etcd/keys.js';
import type { EtcdInstance } from '../../harness/index.js';
import { freePort, killChild, startEtcd, stopChild, tempDir } from '../../harness/index.js';
import type { SpawnedWorker } from './worker-process.js';
import { exitOf, spawnWorker, startRegistrar, until, workerArgs } from './worker-process.js';

/**
 * The dm-worker process against a real etcd: registration, lease keepalive, binding watch,
 * HTTP API, graceful stop and kill -9.
 */
describe('dm-worker process with etcd', () => {
  let etcd: EtcdInstance;
  let client: Etcd3;
  let registrar: Awaited<ReturnType<typeof startRegistrar>>;
  const workers: SpawnedWorker[] = [];

  before(async () => {
    etcd = await startEtcd();
    client = etcd.client();
    registrar = await startRegistrar([etcd.clientUrl]);
  });
  after(async () => {
    for (const w of workers) await stopChild(w.child, 5000);
    await registrar?.close();
    await etcd?.destroy();
  });

  async function start(name: string, ttl: number): Promise<{ w: SpawnedWorker; url: string }> {
    const port = await freePort();
    const dead = await freePort(); // a master address nobody listens on: the worker must skip it
    const join = `127.0.0.1:${dead},${registrar.addr}`;
    const w = spawnWorker(
      workerArgs(
        name,
        port,
        join,
        '--keepalive-ttl',
        String(ttl),
        '--work-dir',
        tempDir('dm-worker-wd-'),
        '-L',
        'debug',
      ),
    );
    workers.push(w);
    return { w, url: `http://127.0.0.1:${port}` };
  }

  it('registers, keeps its lease alive, serves status, follows the binding, stops cleanly', async () => {
    const { w, url } = await start('w1', 2);
    const key = Keys.workerKeepalive('w1');
    await until(() => client.get(key).exists(), 20_000, 'keepalive key');
    assert.deepEqual(
      registrar.requests.find((r) => (r as { name: string }).name === 'w1'),
      { name: 'w1', addr: url.replace('http://', '') },
    );
    const kv = (await client.get(key).exec()).kvs[0];
    assert.ok(kv && kv.lease !== '0', 'keepalive key is under a lease');

    // Kept alive well past the TTL (2 s).
    await new Promise((r) => setTimeout(r, 4500));
    assert.equal(await client.get(key).exists(), true, 'key survives past the TTL');

    const health = (await (await fetch(`${url}/health`)).json()) as { alive: boolean; name: string };
    assert.deepEqual(health, { result: true, name: 'w1', alive: true });
    let st = (await (await fetch(`${url}/status`)).json()) as WorkerStatusResponse;
    assert.equal(st.sourceStatus.source, '');
    assert.equal(st.sourceStatus.worker, 'w1');
    assert.deepEqual(st.subTaskStatus, []);

    const metrics = await (await fetch(`${url}/metrics`)).text();
    assert.match(metrics, /dm_worker_process_cpu_seconds_total/);

    const op = (await (
      await fetch(`${url}/operate`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ op: 'binlog-skip', task: 't' }),
      })
    ).json()) as OperateResponse;
    // No subtask "t" runs here: the operation is refused with a coded error naming it.
    assert.equal(op.result, false);
    assert.match(String(op.msg), /code=42002.*subtask t not found/);

    // The leader binds source s1 to w1 (written here as the master would).
    await client.put(Keys.sourceConfig('s1')).value(JSON.stringify({ sourceId: 's1', enableRelay: false }));
    await client.put(Keys.boundWorker('w1')).value(JSON.stringify({ source: 's1', worker: 'w1' }));
    st = await until(
      async () => {
        const s = (await (await fetch(`${url}/status`)).json()) as WorkerStatusResponse;
        return s.sourceStatus.source === 's1' ? s : undefined;
      },
      10_000,
      'bound source in status',
    );
    assert.equal(st.sourceStatus.relayStatus, null);

    await client.delete().key(Keys.boundWorker('w1'));
    await until(
      async () => {
        const s = (await (await fetch(`${url}/status`)).json()) as WorkerStatusResponse;
        return s.sourceStatus.source === '';
      },
      10_000,
      'unbound',
    );

    // SIGTERM: exit 0 and the lease is revoked at once (not after the TTL).
    const t0 = Date.now();
    w.child.kill('SIGTERM');
    assert.equal(await exitOf(w.child), 0, w.output().slice(-2000));
    assert.equal(await client.get(key).exists(), false, 'keepalive key removed on graceful stop');
    assert.ok(Date.now() - t0 < 2000, `graceful stop took ${Date.now() - t0} ms`);
  });

  it('kill -9: the keepalive key disappears after the TTL', async () => {
    const { w } = await start('w2', 2);
    const key = Keys.workerKeepalive('w2');
    await until(() => client.get(key).exists(), 20_000, 'keepalive key');
    const t0 = Date.now();
    await killChild(w.child);
    await until(async () => !(await client.get(key).exists()), 10_000, 'key expiry');
    const gone = Date.now() - t0;
    assert.ok(gone >= 500, `key vanished too early (${gone} ms): it must outlive the process by ~TTL`);
    assert.ok(gone <= 5000, `key lingered ${gone} ms for a 2 s TTL`);
  });

  it('refuses an unknown key in --config with its line, exit non-zero', async () => {
    const dir = tempDir('dm-worker-cfg-');
    const file = `${dir}/w.toml`;
    const { writeFileSync } = await import('node:fs');
    writeFileSync(file, 'name = "w3"\njoin = "127.0.0.1:1"\nbogus-key = 1\n');
    const w = spawnWorker(['--config', file]);
    workers.push(w);
    assert.equal(await exitOf(w.child), 1);
    assert.match(w.output(), /code=20002.*w\.toml:3: unknown key "bogus-key"/);
  });
});
