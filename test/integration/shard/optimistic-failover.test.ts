import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { dmctl, waitMasterReady, waitUntil } from '../../harness/cluster.js';
import {
  alter,
  locks,
  mergedColumns,
  SHARDS,
  type Shard,
  type ShardCluster,
  startShardCluster,
  startShardWriter,
  waitAllSynced,
  waitMergedEqual,
} from './shard-fixtures.js';

const [S11, S12, S21, S22] = SHARDS as unknown as [Shard, Shard, Shard, Shard];
const TASK = 'sof';

/**
 * Optimistic mode (DM's default, non-strict) with a DROP COLUMN pending (some shards dropped
 * the column, the merged table keeps it): `stop-task` + `start-task`, `transfer-source`, and
 * kill -9 of the master. Each time the last shard's DROP runs it downstream exactly once, and
 * the merged table equals the union of the shards (server-computed COUNT and CRC32 over every
 * column: a column kept or lost by mistake differs too).
 */
describe('shard DDL, optimistic mode: a pending DROP COLUMN across stop/start, transfer, master kill -9', () => {
  let c: ShardCluster;

  /** Times a worker ran a DDL matching `re` downstream (every worker log, restarts included). */
  const executed = (re: RegExp): number =>
    [...c.workers.values()]
      .flatMap((w) => w.log().split('\n'))
      .filter((l) => l.includes('"msg":"execute DDL"') && re.test(l)).length;

  /** Add `col` on every shard and wait until the lock is gone. */
  const addEverywhere = async (col: string): Promise<void> => {
    for (const s of SHARDS) await alter(c.ups, s, `ADD COLUMN ${col} INT DEFAULT 5`);
    await waitUntil(async () => (await mergedColumns(c.down)).includes(col), 30_000, `${col} added`);
    await waitUntil(async () => (await locks(c.master.addr, TASK)).length === 0, 30_000, 'lock gone');
    await waitAllSynced(c.master.addr, TASK);
  };

  /** The lock lists `table` among the shards behind the joined schema. */
  const behind = async (table: string): Promise<boolean> =>
    ((await locks(c.master.addr, TASK))[0]?.unsynced as string[] | undefined)?.includes(table) === true;

  /** The remaining shards drop `col`; the last one drops it downstream. */
  const dropRest = async (col: string, first: readonly Shard[], last: Shard): Promise<void> => {
    for (const s of first) await alter(c.ups, s, `DROP COLUMN ${col}`);
    await new Promise((r) => setTimeout(r, 3000));
    assert.ok((await mergedColumns(c.down)).includes(col), `${col} kept while a shard still has it`);
    await alter(c.ups, last, `DROP COLUMN ${col}`);
    await waitUntil(
      async () => !(await mergedColumns(c.down)).includes(col),
      60_000,
      `${col} dropped by the last shard`,
    );
  };

  before(async () => {
    c = await startShardCluster({
      task: TASK,
      serverIds: [101, 102, 103],
      mode: 'optimistic',
      workers: ['w1', 'w2', 'w3'],
      workerArgs: ['--keepalive-ttl', '3'],
    });
  });

  after(async () => {
    await c?.stop();
  });

  it('stop-task + start-task with a DROP COLUMN pending', async () => {
    await addEverywhere('c');
    const writer = startShardWriter(c.ups, 100_000);
    try {
      await alter(c.ups, S11, 'DROP COLUMN c');
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
      assert.deepEqual(await locks(c.master.addr, TASK), [], 'a stopped task has no lock');
      await c.startTask();
      await dropRest('c', [S12, S21], S22);
    } finally {
      await writer.stop();
    }
    await waitAllSynced(c.master.addr, TASK);
    await waitMergedEqual(c.ups, c.down);
    await waitUntil(async () => (await locks(c.master.addr, TASK)).length === 0, 30_000, 'lock resolved');
    assert.equal(executed(/DROP COLUMN `?c`?"/), 1, 'DROP COLUMN c ran once');
    assert.equal(executed(/ADD COLUMN `?c`? /), 1, 'ADD COLUMN c ran once');
  });

  it('transfer-source of a source with a DROP COLUMN pending to a free worker', async () => {
    await addEverywhere('d');
    const writer = startShardWriter(c.ups, 200_000);
    try {
      await alter(c.ups, S21, 'DROP COLUMN d');
      await waitUntil(async () => behind('src-2-`shard_db_2`.`t1`'), 30_000, 'the drop is pending');
      const from = await c.workerOf('src-2');
      const r = await dmctl(c.master.addr, 'query-status', TASK);
      const used = (r.json.sources as { sourceStatus: { worker: string } }[]).map(
        (x) => x.sourceStatus.worker,
      );
      const target = [...c.workers.keys()].find((n) => !used.includes(n));
      assert.ok(target && target !== from.name);
      const t = await dmctl(c.master.addr, 'transfer-source', 'src-2', target);
      assert.equal(t.json.result, true, t.stdout);
      await waitUntil(async () => (await c.workerOf('src-2')).name === target, 60_000, 'src-2 moved');
      await waitAllSynced(c.master.addr, TASK);
      await dropRest('d', [S11, S22], S12);
    } finally {
      await writer.stop();
    }
    await waitAllSynced(c.master.addr, TASK);
    await waitMergedEqual(c.ups, c.down);
    await waitUntil(async () => (await locks(c.master.addr, TASK)).length === 0, 30_000, 'lock resolved');
    assert.equal(executed(/DROP COLUMN `?d`?"/), 1, 'DROP COLUMN d ran once');
  });

  it('kill -9 of the master with a DROP COLUMN pending, the dropping shard altered again since', async () => {
    await addEverywhere('e');
    const writer = startShardWriter(c.ups, 300_000);
    try {
      // S11 drops e (deferred), then adds f (run at once): its info in etcd now shows no e at
      // all, so the new leader must learn from elsewhere that the other shards still have e.
      await alter(c.ups, S11, 'DROP COLUMN e');
      await alter(c.ups, S11, 'ADD COLUMN f INT DEFAULT 6');
      await waitUntil(async () => (await mergedColumns(c.down)).includes('f'), 30_000, 'f added at once');
      await c.master.kill9();
      await new Promise((r) => setTimeout(r, 500));
      await c.master.restart();
      await waitMasterReady(c.master.addr);
      await waitUntil(
        async () => {
          const l = (await locks(c.master.addr, TASK))[0];
          return (l?.unsynced as string[] | undefined)?.length === 4;
        },
        60_000,
        'lock rebuilt: no shard has both e dropped and f added',
      );
      await dropRest('e', [S12, S21], S22);
      for (const s of [S12, S21, S22]) await alter(c.ups, s, 'ADD COLUMN f INT DEFAULT 6');
    } finally {
      await writer.stop();
    }
    await waitAllSynced(c.master.addr, TASK);
    await waitMergedEqual(c.ups, c.down);
    await waitUntil(async () => (await locks(c.master.addr, TASK)).length === 0, 30_000, 'lock resolved');
    assert.equal(executed(/DROP COLUMN `?e`?"/), 1, 'DROP COLUMN e ran once');
    assert.equal(executed(/ADD COLUMN `?f`? /), 1, 'ADD COLUMN f ran once');
    assert.deepEqual(await mergedColumns(c.down), ['id', 'v', 'n', 'f']);
  });
});
