import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Etcd3 } from 'etcd3';
import { Keys } from '../../../src/pkg/etcd/keys.js';
import { freePort, stopChild, tempDir } from '../../harness/index.js';
import { type MasterSpec, masterSpecs, type Proc, spawnMaster } from '../cluster/cluster-process.js';
import { exitOf, type SpawnedWorker, spawnWorker, until, workerArgs } from './worker-process.js';

/**
 * The worker against a real dm-master (which supervises its own etcd): registration through
 * `--join` (skipping a dead address), keepalive in the master's etcd, lease loss when etcd is
 * frozen past the TTL and recovery when it comes back, graceful stop.
 */
describe('dm-worker with a real dm-master', () => {
  let spec: MasterSpec;
  let master: Proc;
  let client: Etcd3;
  let w: SpawnedWorker;
  let url = '';
  let etcdPid = 0;

  before(async () => {
    [spec] = (await masterSpecs(1)) as [MasterSpec];
    master = spawnMaster(spec, `${spec.name}=${spec.peerUrl}`);
    const info = await until(
      async () => {
        try {
          const r = (await (await fetch(`http://${spec.addr}/api/internal/info`)).json()) as {
            isLeader: boolean;
            etcdPid: number | null;
          };
          return r.isLeader && r.etcdPid ? r : undefined;
        } catch {
          return undefined;
        }
      },
      60_000,
      'master leader',
    );
    etcdPid = info.etcdPid ?? 0;
    client = new Etcd3({ hosts: spec.etcdClientUrl });
  });
  after(async () => {
    if (etcdPid) {
      try {
        process.kill(etcdPid, 'SIGCONT');
      } catch {
        // gone already
      }
    }
    client?.close();
    if (w) await stopChild(w.child, 10_000);
    if (master) await stopChild(master.child, 15_000);
  });

  it('registers with the master and keeps its lease in the master etcd', async () => {
    const port = await freePort();
    url = `http://127.0.0.1:${port}`;
    const join = `127.0.0.1:${await freePort()},${spec.addr}`;
    w = spawnWorker(workerArgs('wm', port, join, '--keepalive-ttl', '2'), tempDir('dm-worker-m-'));
    await until(() => client.get(Keys.workerKeepalive('wm')).exists(), 30_000, 'keepalive').catch(
      (e: Error) => {
        throw new Error(`${e.message}\n${w.output().slice(-3000)}`);
      },
    );
    const info = JSON.parse((await client.get(Keys.workerInfo('wm')).string()) ?? '{}') as { addr?: string };
    assert.equal(info.addr, `127.0.0.1:${port}`, 'the master recorded the registration');
  });

  it('notices a lost lease when etcd is unreachable past the TTL, and recovers', async () => {
    process.kill(etcdPid, 'SIGSTOP');
    try {
      await until(
        async () => {
          const h = (await (await fetch(`${url}/health`)).json()) as { alive: boolean };
          return !h.alive;
        },
        15_000,
        'lease lost',
      );
      assert.match(w.output(), /worker lease lost/);
    } finally {
      process.kill(etcdPid, 'SIGCONT');
    }
    await until(
      async () => {
        const h = (await (await fetch(`${url}/health`)).json()) as { alive: boolean };
        return h.alive;
      },
      30_000,
      'lease regained',
    );
    assert.equal(await client.get(Keys.workerKeepalive('wm')).exists(), true);
  });

  it('SIGTERM revokes the lease at once', async () => {
    w.child.kill('SIGTERM');
    assert.equal(await exitOf(w.child), 0);
    assert.equal(await client.get(Keys.workerKeepalive('wm')).exists(), false);
  });
});
