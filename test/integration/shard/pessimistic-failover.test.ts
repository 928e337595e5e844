import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  type DmProcess,
  dmctl,
  type MasterProcess,
  startMaster,
  startWorker,
  waitMasterReady,
  waitUntil,
  waitWorkerRegistered,
} from '../../harness/cluster.js';
import { type MariadbInstance, startMariadb } from '../../harness/mariadb.js';
import { tempDir } from '../../harness/tmp.js';
import {
  alter,
  locks,
  mergedColumns,
  prepareShards,
  SHARDS,
  startShardWriter,
  statuses,
  waitAllSynced,
  waitMergedEqual,
  writeShardSources,
  writeShardTask,
} from './shard-fixtures.js';

const [S11, S12, S21, S22] = SHARDS;

/**
 * kill -9 of dm-workers and of the dm-master while a pessimistic lock is pending: the state
 * comes back from etcd and `<task>_syncer_sharding_meta`, the lock resolves once the last
 * shard reaches the DDL, the DDL runs once, and no DML is lost or doubled.
 */
describe('shard DDL, pessimistic mode: kill -9 with a lock pending', () => {
  let ups: MariadbInstance[] = [];
  let down: MariadbInstance;
  let master: MasterProcess;
  const workers = new Map<string, DmProcess>();
  const dir = tempDir('dm-shard-fail-');

  /** The worker process bound to a source now. */
  const workerOf = async (source: string): Promise<DmProcess> => {
    const r = await dmctl(master.addr, 'query-status', 'shf');
    const s = (r.json.sources as { sourceStatus: { source: string; worker: string } }[]).find(
      (x) => x.sourceStatus.source === source,
    );
    const w = workers.get(s?.sourceStatus.worker ?? '');
    assert.ok(w, `worker of ${source}: ${r.stdout}`);
    return w;
  };

  before(async () => {
    ups = await Promise.all([startMariadb({ serverId: 71 }), startMariadb({ serverId: 72 })]);
    down = await startMariadb({ serverId: 73, noBinlog: true });
    await prepareShards(ups);
    master = await startMaster({ name: 'm1' });
    await waitMasterReady(master.addr);
    for (const w of ['w1', 'w2', 'w3']) {
      workers.set(w, await startWorker(w, master.addr, ['--keepalive-ttl', '3']));
      await waitWorkerRegistered(master.addr, w);
    }
    for (const f of writeShardSources(dir, ups)) {
      const r = await dmctl(master.addr, 'operate-source', 'create', f);
      assert.equal(r.json.result, true, r.stdout);
    }
    const t = await dmctl(master.addr, 'start-task', writeShardTask(dir, 'shf', down));
    assert.equal(t.json.result, true, t.stdout);
    await waitAllSynced(master.addr, 'shf');
  });

  after(async () => {
    for (const w of workers.values()) await w.stop();
    await master?.stop();
    await Promise.all([...ups.map((u) => u.destroy()), down?.destroy()]);
  });

  it('kill -9 of the waiting worker and of the half-reached worker', async () => {
    const writer = startShardWriter(ups, 100_000);
    try {
      await alter(ups, S11, 'ADD COLUMN c INT NOT NULL DEFAULT 7');
      await alter(ups, S12, 'ADD COLUMN c INT NOT NULL DEFAULT 7');
      await alter(ups, S21, 'ADD COLUMN c INT NOT NULL DEFAULT 7');
      await ups[1]?.query("INSERT INTO shard_db_2.t1 (id, v, n, c) VALUES (3999999, 'held', 1, 33)");
      await waitUntil(
        async () => {
          const st = await statuses(master.addr, 'shf');
          const s1 = st.find((x) => x.source === 'src-1');
          const s2 = st.find((x) => x.source === 'src-2');
          return (
            s1?.unresolvedDDLLockID !== '' &&
            s2?.sync?.unresolvedGroups?.[0]?.synced.join() === '`shard_db_2`.`t1`'
          );
        },
        30_000,
        'src-1 waiting on the lock, src-2 half reached',
      );
      // Both workers die with the lock pending, and come back.
      const w1 = await workerOf('src-1');
      const w2 = await workerOf('src-2');
      await w1.kill9();
      await w2.kill9();
      await new Promise((r) => setTimeout(r, 500));
      await w1.restart();
      await w2.restart();
      await waitUntil(
        async () => {
          const st = await statuses(master.addr, 'shf');
          const s2 = st.find((x) => x.source === 'src-2');
          return (
            st.find((x) => x.source === 'src-1')?.unresolvedDDLLockID === 'shf-`merged`.`t`' &&
            s2?.sync?.unresolvedGroups?.[0]?.synced.join() === '`shard_db_2`.`t1`'
          );
        },
        60_000,
        'groups rebuilt after the restarts',
      );
      assert.ok(!(await mergedColumns(down)).includes('c'));
      await alter(ups, S22, 'ADD COLUMN c INT NOT NULL DEFAULT 7');
      await waitUntil(
        async () => (await down.query('SELECT c FROM merged.t WHERE id = 3999999 AND c = 33')).length === 1,
        60_000,
        'lock resolved after the restarts, held row applied',
      );
    } finally {
      await writer.stop();
    }
    await waitAllSynced(master.addr, 'shf');
    await waitMergedEqual(ups, down);
    assert.deepEqual(await locks(master.addr, 'shf'), []);
  });

  it('stop-task with a lock pending, start-task again: the lock comes back and resolves', async () => {
    const writer = startShardWriter(ups, 300_000);
    try {
      await alter(ups, S11, 'ADD COLUMN e INT DEFAULT NULL');
      await alter(ups, S12, 'ADD COLUMN e INT DEFAULT NULL');
      await ups[0]?.query("INSERT INTO shard_db_1.t1 (id, v, n, c, e) VALUES (1999997, 'held', 1, 1, 5)");
      await waitUntil(async () => (await locks(master.addr, 'shf')).length === 1, 30_000, 'lock pending');
      const stop = await dmctl(master.addr, 'stop-task', 'shf');
      assert.equal(stop.json.result, true, stop.stdout);
      assert.deepEqual(await locks(master.addr, 'shf'), [], 'a stopped task has no lock');
      const start = await dmctl(master.addr, 'start-task', writeShardTask(dir, 'shf', down));
      assert.equal(start.json.result, true, start.stdout);
      await waitUntil(
        async () => JSON.stringify((await locks(master.addr, 'shf'))[0]?.synced) === '["src-1"]',
        60_000,
        'lock rebuilt by the restarted task',
      );
      for (const s of [S21, S22]) if (s) await alter(ups, s, 'ADD COLUMN e INT DEFAULT NULL');
      await waitUntil(
        async () => (await down.query('SELECT 1 FROM merged.t WHERE id = 1999997 AND e = 5')).length === 1,
        60_000,
        'lock resolved after the restart of the task',
      );
    } finally {
      await writer.stop();
    }
    await waitAllSynced(master.addr, 'shf');
    await waitMergedEqual(ups, down);
  });

  it('kill -9 of the dm-master with a lock pending: rebuilt from etcd, resolved once', async () => {
    const writer = startShardWriter(ups, 200_000);
    try {
      await alter(ups, S11, 'ADD COLUMN d INT DEFAULT NULL');
      await alter(ups, S12, 'ADD COLUMN d INT DEFAULT NULL');
      await alter(ups, S21, 'ADD COLUMN d INT DEFAULT NULL');
      await waitUntil(
        async () => {
          const l = await locks(master.addr, 'shf');
          return l.length === 1 && JSON.stringify(l[0]?.synced) === '["src-1"]';
        },
        30_000,
        'lock pending',
      );
      await master.kill9();
      await new Promise((r) => setTimeout(r, 500));
      await master.restart();
      await waitMasterReady(master.addr);
      await waitUntil(
        async () => {
          const l = await locks(master.addr, 'shf');
          return (
            l.length === 1 &&
            l[0]?.owner === 'src-1' &&
            JSON.stringify(l[0]?.synced) === '["src-1"]' &&
            JSON.stringify(l[0]?.unsynced) === '["src-2"]'
          );
        },
        60_000,
        'lock rebuilt by the new leader',
      );
      await alter(ups, S22, 'ADD COLUMN d INT DEFAULT NULL');
      await waitUntil(async () => (await mergedColumns(down)).includes('d'), 60_000, 'DDL executed');
    } finally {
      await writer.stop();
    }
    await waitAllSynced(master.addr, 'shf');
    await waitMergedEqual(ups, down);
    assert.deepEqual(await mergedColumns(down), ['id', 'v', 'n', 'c', 'e', 'd']);
    assert.deepEqual(await locks(master.addr, 'shf'), []);
  });

  it('transfer-source of a source waiting on the lock to a free worker: the lock resolves there', async () => {
    const writer = startShardWriter(ups, 400_000);
    try {
      for (const sh of [S21, S22]) if (sh) await alter(ups, sh, 'ADD COLUMN f INT DEFAULT NULL');
      await ups[1]?.query(
        "INSERT INTO shard_db_2.t2 (id, v, n, c, e, d, f) VALUES (4999999, 'moved', 1, 1, 1, 1, 6)",
      );
      await waitUntil(
        async () =>
          (await statuses(master.addr, 'shf')).find((x) => x.source === 'src-2')?.unresolvedDDLLockID !== '',
        30_000,
        'src-2 waiting on the lock',
      );
      const from = await workerOf('src-2');
      const r1 = await dmctl(master.addr, 'query-status', 'shf');
      const used = (r1.json.sources as { sourceStatus: { worker: string } }[]).map(
        (x) => x.sourceStatus.worker,
      );
      const target = [...workers.keys()].find((n) => !used.includes(n));
      assert.ok(target && target !== from.name);
      const t = await dmctl(master.addr, 'transfer-source', 'src-2', target);
      assert.equal(t.json.result, true, t.stdout);
      await waitUntil(
        async () => (await workerOf('src-2')).name === target,
        60_000,
        'src-2 on the free worker',
      );
      await waitUntil(
        async () =>
          (await statuses(master.addr, 'shf')).find((x) => x.source === 'src-2')?.unresolvedDDLLockID !== '',
        60_000,
        'src-2 waiting on the lock again on its new worker',
      );
      for (const sh of [S11, S12]) if (sh) await alter(ups, sh, 'ADD COLUMN f INT DEFAULT NULL');
      await waitUntil(
        async () => (await down.query('SELECT 1 FROM merged.t WHERE id = 4999999 AND f = 6')).length === 1,
        60_000,
        'lock resolved after the transfer',
      );
    } finally {
      await writer.stop();
    }
    await waitAllSynced(master.addr, 'shf');
    await waitMergedEqual(ups, down);
  });
});
