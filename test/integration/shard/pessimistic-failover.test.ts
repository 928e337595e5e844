import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { dmctl, waitUntil } from '../../harness/cluster.js';
import { SHARDS, useShardCluster } from './shard-fixtures.js';

const [S11, S12, S21, S22] = SHARDS;

/**
 * kill -9 of dm-workers and of the dm-master while a pessimistic lock is pending: the state
 * comes back from etcd and `<task>_syncer_sharding_meta`, the lock resolves once the last
 * shard reaches the DDL, the DDL runs once, and no DML is lost or doubled.
 */
describe('shard DDL, pessimistic mode: kill -9 with a lock pending', () => {
  const c = useShardCluster({
    task: 'shf',
    serverIds: [71, 72, 73],
    workers: ['w1', 'w2', 'w3'],
    workerArgs: ['--keepalive-ttl', '3'],
  });

  it('kill -9 of the waiting worker and of the half-reached worker', async () => {
    const writer = c.writer(100_000);
    try {
      await c.alter(S11, 'ADD COLUMN c INT NOT NULL DEFAULT 7');
      await c.alter(S12, 'ADD COLUMN c INT NOT NULL DEFAULT 7');
      await c.alter(S21, 'ADD COLUMN c INT NOT NULL DEFAULT 7');
      await c.ups[1]?.query("INSERT INTO shard_db_2.t1 (id, v, n, c) VALUES (3999999, 'held', 1, 33)");
      await waitUntil(
        async () => {
          const st = await c.statuses();
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
      const w1 = await c.workerOf('src-1');
      const w2 = await c.workerOf('src-2');
      await w1.kill9();
      await w2.kill9();
      await new Promise((r) => setTimeout(r, 500));
      await w1.restart();
      await w2.restart();
      await waitUntil(
        async () => {
          const st = await c.statuses();
          const s2 = st.find((x) => x.source === 'src-2');
          return (
            st.find((x) => x.source === 'src-1')?.unresolvedDDLLockID === 'shf-`merged`.`t`' &&
            s2?.sync?.unresolvedGroups?.[0]?.synced.join() === '`shard_db_2`.`t1`'
          );
        },
        60_000,
        'groups rebuilt after the restarts',
      );
      assert.ok(!(await c.columns()).includes('c'));
      await c.alter(S22, 'ADD COLUMN c INT NOT NULL DEFAULT 7');
      await waitUntil(
        async () => (await c.down.query('SELECT c FROM merged.t WHERE id = 3999999 AND c = 33')).length === 1,
        60_000,
        'lock resolved after the restarts, held row applied',
      );
    } finally {
      await writer.stop();
    }
    await c.waitSynced();
    await c.waitMerged();
    assert.deepEqual(await c.locks(), []);
  });

  it('stop-task with a lock pending, start-task again: the lock comes back and resolves', async () => {
    const writer = c.writer(300_000);
    try {
      await c.alter(S11, 'ADD COLUMN e INT DEFAULT NULL');
      await c.alter(S12, 'ADD COLUMN e INT DEFAULT NULL');
      await c.ups[0]?.query("INSERT INTO shard_db_1.t1 (id, v, n, c, e) VALUES (1999997, 'held', 1, 1, 5)");
      await waitUntil(async () => (await c.locks()).length === 1, 30_000, 'lock pending');
      const stop = await dmctl(c.master.addr, 'stop-task', 'shf');
      assert.equal(stop.json.result, true, stop.stdout);
      assert.deepEqual(await c.locks(), [], 'a stopped task has no lock');
      await c.startTask();
      await waitUntil(
        async () => JSON.stringify((await c.locks())[0]?.synced) === '["src-1"]',
        60_000,
        'lock rebuilt by the restarted task',
      );
      for (const s of [S21, S22]) if (s) await c.alter(s, 'ADD COLUMN e INT DEFAULT NULL');
      await waitUntil(
        async () => (await c.down.query('SELECT 1 FROM merged.t WHERE id = 1999997 AND e = 5')).length === 1,
        60_000,
        'lock resolved after the restart of the task',
      );
    } finally {
      await writer.stop();
    }
    await c.waitSynced();
    await c.waitMerged();
  });

  it('kill -9 of the dm-master with a lock pending: rebuilt from etcd, resolved once', async () => {
    const writer = c.writer(200_000);
    try {
      await c.alter(S11, 'ADD COLUMN d INT DEFAULT NULL');
      await c.alter(S12, 'ADD COLUMN d INT DEFAULT NULL');
      await c.alter(S21, 'ADD COLUMN d INT DEFAULT NULL');
      await waitUntil(
        async () => {
          const l = await c.locks();
          return l.length === 1 && JSON.stringify(l[0]?.synced) === '["src-1"]';
        },
        30_000,
        'lock pending',
      );
      await c.killMaster();
      await waitUntil(
        async () => {
          const l = await c.locks();
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
      await c.alter(S22, 'ADD COLUMN d INT DEFAULT NULL');
      await waitUntil(async () => (await c.columns()).includes('d'), 60_000, 'DDL executed');
    } finally {
      await writer.stop();
    }
    await c.waitSynced();
    await c.waitMerged();
    assert.deepEqual(await c.columns(), ['id', 'v', 'n', 'c', 'e', 'd']);
    assert.deepEqual(await c.locks(), []);
  });

  it('transfer-source of a source waiting on the lock to a free worker: the lock resolves there', async () => {
    const writer = c.writer(400_000);
    try {
      for (const sh of [S21, S22]) if (sh) await c.alter(sh, 'ADD COLUMN f INT DEFAULT NULL');
      await c.ups[1]?.query(
        "INSERT INTO shard_db_2.t2 (id, v, n, c, e, d, f) VALUES (4999999, 'moved', 1, 1, 1, 1, 6)",
      );
      await waitUntil(
        async () => (await c.statuses()).find((x) => x.source === 'src-2')?.unresolvedDDLLockID !== '',
        30_000,
        'src-2 waiting on the lock',
      );
      await c.transferToFreeWorker('src-2');
      await waitUntil(
        async () => (await c.statuses()).find((x) => x.source === 'src-2')?.unresolvedDDLLockID !== '',
        60_000,
        'src-2 waiting on the lock again on its new worker',
      );
      for (const sh of [S11, S12]) if (sh) await c.alter(sh, 'ADD COLUMN f INT DEFAULT NULL');
      await waitUntil(
        async () => (await c.down.query('SELECT 1 FROM merged.t WHERE id = 4999999 AND f = 6')).length === 1,
        60_000,
        'lock resolved after the transfer',
      );
    } finally {
      await writer.stop();
    }
    await c.waitSynced();
    await c.waitMerged();
  });
});
