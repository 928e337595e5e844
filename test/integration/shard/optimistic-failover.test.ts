import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Etcd3 } from 'etcd3';
import { Keys } from '../../../src/pkg/etcd/keys.js';
import type { OptimismOperation } from '../../../src/pkg/shardddl/optimism/types.js';
import { dmctl, waitUntil } from '../../harness/cluster.js';
import { SHARDS, type Shard, useShardCluster } from './shard-fixtures.js';

const [S11, S12, S21, S22] = SHARDS as unknown as [Shard, Shard, Shard, Shard];
const TASK = 'sof';

/**
 * Optimistic mode (DM's default, non-strict) with a DROP COLUMN pending (some shards dropped
 * the column, the merged table keeps it): `stop-task` + `start-task`, `transfer-source`,
 * kill -9 of the master, `pause-task` + `resume-task`, kill -9 of a worker; and a worker
 * stalled past its lease as the lock resolves. Each time the last shard's DROP runs it downstream exactly once, and
 * the merged table equals the union of the shards (server-computed COUNT and CRC32 over every
 * column: a column kept or lost by mistake differs too).
 */
describe('shard DDL, optimistic mode: a pending DROP COLUMN across stop/start, transfer, kill -9, pause/resume', () => {
  const c = useShardCluster({
    task: TASK,
    serverIds: [101, 102, 103],
    mode: 'optimistic',
    workers: ['w1', 'w2', 'w3'],
    workerArgs: ['--keepalive-ttl', '3'],
  });

  /** Times a worker ran a DDL matching `re` downstream (every worker log, restarts included). */
  const executed = (re: RegExp): number =>
    [...c.workers.values()]
      .flatMap((w) => w.log().split('\n'))
      .filter((l) => l.includes('"msg":"execute DDL"') && re.test(l)).length;

  /** Add `col` on every shard and wait until the lock is gone. */
  const addEverywhere = async (col: string): Promise<void> => {
    for (const s of SHARDS) await c.alter(s, `ADD COLUMN ${col} INT DEFAULT 5`);
    await waitUntil(async () => (await c.columns()).includes(col), 30_000, `${col} added`);
    await waitUntil(async () => (await c.locks()).length === 0, 30_000, 'lock gone');
    await c.waitSynced();
  };

  /** The lock lists `table` among the shards behind the joined schema. */
  const behind = async (table: string): Promise<boolean> =>
    ((await c.locks())[0]?.unsynced as string[] | undefined)?.includes(table) === true;

  /** The remaining shards drop `col`; the last one drops it downstream. */
  const dropRest = async (col: string, first: readonly Shard[], last: Shard): Promise<void> => {
    for (const s of first) await c.alter(s, `DROP COLUMN ${col}`);
    await new Promise((r) => setTimeout(r, 3000));
    assert.ok((await c.columns()).includes(col), `${col} kept while a shard still has it`);
    await c.alter(last, `DROP COLUMN ${col}`);
    await waitUntil(
      async () => !(await c.columns()).includes(col),
      60_000,
      `${col} dropped by the last shard`,
    );
  };

  it('stop-task + start-task with a DROP COLUMN pending', async () => {
    await addEverywhere('c');
    const writer = c.writer(100_000);
    try {
      await c.alter(S11, 'DROP COLUMN c');
      await c.ups[0]?.query("INSERT INTO shard_db_1.t1 (id, v, n) VALUES (1999999, 'nocol', 1)");
      await waitUntil(
        async () =>
          (await c.down.query('SELECT 1 FROM merged.t WHERE id = 1999999 AND c = 5')).length === 1 &&
          (await behind('src-1-`shard_db_1`.`t1`')),
        30_000,
        'the drop is pending: the row arrived with c at its default',
      );
      const stop = await dmctl(c.master.addr, 'stop-task', TASK);
      assert.equal(stop.json.result, true, stop.stdout);
      assert.deepEqual(await c.locks(), [], 'a stopped task has no lock');
      await c.startTask();
      await dropRest('c', [S12, S21], S22);
    } finally {
      await writer.stop();
    }
    await c.waitSynced();
    await c.waitMerged();
    await waitUntil(async () => (await c.locks()).length === 0, 30_000, 'lock resolved');
    assert.equal(executed(/DROP COLUMN `?c`?"/), 1, 'DROP COLUMN c ran once');
    assert.equal(executed(/ADD COLUMN `?c`? /), 1, 'ADD COLUMN c ran once');
  });

  it('transfer-source of a source with a DROP COLUMN pending to a free worker', async () => {
    await addEverywhere('d');
    const writer = c.writer(200_000);
    try {
      await c.alter(S21, 'DROP COLUMN d');
      await waitUntil(async () => behind('src-2-`shard_db_2`.`t1`'), 30_000, 'the drop is pending');
      await c.transferToFreeWorker('src-2');
      await c.waitSynced();
      await dropRest('d', [S11, S22], S12);
    } finally {
      await writer.stop();
    }
    await c.waitSynced();
    await c.waitMerged();
    await waitUntil(async () => (await c.locks()).length === 0, 30_000, 'lock resolved');
    assert.equal(executed(/DROP COLUMN `?d`?"/), 1, 'DROP COLUMN d ran once');
  });

  it('kill -9 of the master with a DROP COLUMN pending, the dropping shard altered again since', async () => {
    await addEverywhere('e');
    const writer = c.writer(300_000);
    try {
      // S11 drops e (deferred), then adds f (run at once): its info in etcd now shows no e at
      // all, so the new leader must learn from elsewhere that the other shards still have e.
      await c.alter(S11, 'DROP COLUMN e');
      await c.alter(S11, 'ADD COLUMN f INT DEFAULT 6');
      await waitUntil(async () => (await c.columns()).includes('f'), 30_000, 'f added at once');
      await c.killMaster();
      await waitUntil(
        async () => {
          const l = (await c.locks())[0];
          return (l?.unsynced as string[] | undefined)?.length === 4;
        },
        60_000,
        'lock rebuilt: no shard has both e dropped and f added',
      );
      await dropRest('e', [S12, S21], S22);
      for (const s of [S12, S21, S22]) await c.alter(s, 'ADD COLUMN f INT DEFAULT 6');
    } finally {
      await writer.stop();
    }
    await c.waitSynced();
    await c.waitMerged();
    await waitUntil(async () => (await c.locks()).length === 0, 30_000, 'lock resolved');
    assert.equal(executed(/DROP COLUMN `?e`?"/), 1, 'DROP COLUMN e ran once');
    assert.equal(executed(/ADD COLUMN `?f`? /), 1, 'ADD COLUMN f ran once');
    assert.deepEqual(await c.columns(), ['id', 'v', 'n', 'f']);
  });

  it('a worker stalled past its lease while its shard resolves the lock replays that DDL: no lock is left', async () => {
    // The loaded-machine case: the worker of the last shard put its info, the master answered
    // it and resolved the lock (ADD INDEX: a lock lasts until every shard added the index), but
    // the worker stalled before its checkpoint passed the DDL and lost its lease; its subtask
    // restarts from before the DDL and sends the same info again.
    const etcd = new Etcd3({ hosts: `127.0.0.1:${Number(new URL(c.master.peerUrl).port) + 1}` });
    const { pid: masterPid } = c.master.child;
    const worker = await c.workerOf('src-2');
    const workerPid = worker.child.pid;
    assert.ok(masterPid && workerPid);
    const clause = 'ADD COLUMN g INT DEFAULT 5, ADD INDEX idx_g (g)';
    const writer = c.writer(400_000);
    let stopped: number[] = [];
    try {
      for (const s of [S11, S12, S21]) await c.alter(s, clause);
      await waitUntil(
        async () => JSON.stringify((await c.locks())[0]?.unsynced) === '["src-2-`shard_db_2`.`t2`"]',
        30_000,
        'three shards added g',
      );
      // The master does not answer until the worker is stalled.
      process.kill(masterPid, 'SIGSTOP');
      stopped = [masterPid];
      await c.alter(S22, clause);
      const infoKey = Keys.shardOptimisticInfo(TASK, 'src-2', S22.db, S22.table);
      let infoRev = 0;
      await waitUntil(
        async () => {
          const kv = (await etcd.getAll().prefix(infoKey).exec()).kvs.find(
            (k) => k.key.toString() === infoKey,
          );
          if (!kv?.value.toString().includes('idx_g')) return false;
          infoRev = Number(kv.mod_revision);
          return true;
        },
        30_000,
        'the last shard put its info',
      );
      process.kill(workerPid, 'SIGSTOP');
      stopped = [workerPid];
      process.kill(masterPid, 'SIGCONT');
      const opKey = Keys.shardOptimisticOperation(TASK, 'src-2', S22.db, S22.table);
      await waitUntil(
        async () => {
          const v = await etcd.get(opKey).string();
          return v !== null && (JSON.parse(v) as OptimismOperation)['info-revision'] === infoRev;
        },
        30_000,
        'the master answered it',
      );
      // Longer than the worker's lease (3 s): it loses it when it runs again.
      await new Promise((r) => setTimeout(r, 5000));
      process.kill(workerPid, 'SIGCONT');
      stopped = [];
      await waitUntil(async () => (await c.locks()).length === 0, 60_000, 'lock resolved');
    } finally {
      for (const pid of stopped) process.kill(pid, 'SIGCONT');
      await writer.stop();
      etcd.close();
    }
    await c.waitSynced();
    await c.waitMerged();
    assert.deepEqual(await c.locks(), [], 'no lock left by the replay');
    const infos = c.master
      .log()
      .split('\n')
      .filter(
        (l) =>
          l.includes('"msg":"optimistic shard DDL info"') &&
          l.includes('shard_db_2.t2') &&
          l.includes('idx_g'),
      );
    assert.ok(infos.length >= 2, `the stalled worker's DDL was replayed (infos: ${infos.length})`);
    assert.equal(executed(/ADD COLUMN `?g`? /), 1, 'ADD COLUMN g ran once');
    const idx = await c.down.query(
      "SELECT 1 FROM information_schema.STATISTICS WHERE TABLE_SCHEMA='merged' AND TABLE_NAME='t' AND INDEX_NAME='idx_g'",
    );
    assert.equal(idx.length, 1, 'index created once');
  });

  it('pause-task + resume-task with a DROP COLUMN pending', async () => {
    await addEverywhere('h');
    const writer = c.writer(500_000);
    try {
      await c.alter(S12, 'DROP COLUMN h');
      await waitUntil(async () => behind('src-1-`shard_db_1`.`t2`'), 30_000, 'the drop is pending');
      const p = await dmctl(c.master.addr, 'pause-task', TASK);
      assert.equal(p.json.result, true, p.stdout);
      await waitUntil(
        async () => (await c.statuses()).every((s) => s.stage === 'Paused'),
        30_000,
        'every subtask paused',
      );
      // A shard drops it while the task is paused: replicated after the resume.
      await c.alter(S21, 'DROP COLUMN h');
      const r = await dmctl(c.master.addr, 'resume-task', TASK);
      assert.equal(r.json.result, true, r.stdout);
      await dropRest('h', [S11], S22);
    } finally {
      await writer.stop();
    }
    await c.waitSynced();
    await c.waitMerged();
    await waitUntil(async () => (await c.locks()).length === 0, 30_000, 'lock resolved');
    assert.equal(executed(/DROP COLUMN `?h`?"/), 1, 'DROP COLUMN h ran once');
    assert.equal(executed(/ADD COLUMN `?h`? /), 1, 'ADD COLUMN h ran once');
  });

  it('kill -9 of a worker (restarted) with a DROP COLUMN pending', async () => {
    await addEverywhere('k');
    const writer = c.writer(600_000);
    try {
      await c.alter(S11, 'DROP COLUMN k');
      await c.alter(S22, 'DROP COLUMN k');
      await waitUntil(
        async () => (await behind('src-1-`shard_db_1`.`t1`')) && (await behind('src-2-`shard_db_2`.`t2`')),
        30_000,
        'the drop is pending on two shards',
      );
      const w = await c.workerOf('src-1');
      await w.kill9();
      await w.restart();
      await c.waitSynced();
      assert.ok((await c.columns()).includes('k'), 'k kept after the restart');
      await dropRest('k', [S12], S21);
    } finally {
      await writer.stop();
    }
    await c.waitSynced();
    await c.waitMerged();
    await waitUntil(async () => (await c.locks()).length === 0, 30_000, 'lock resolved');
    assert.equal(executed(/DROP COLUMN `?k`?"/), 1, 'DROP COLUMN k ran once');
    assert.equal(executed(/ADD COLUMN `?k`? /), 1, 'ADD COLUMN k ran once');
  });
});
