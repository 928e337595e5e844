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
  type SubStatus,
  startShardWriter,
  statuses,
  waitAllSynced,
  waitMergedEqual,
  writeShardSources,
  writeShardTask,
} from './shard-fixtures.js';

const [S11, S12, S21, S22] = SHARDS;

/**
 * Optimistic sharded merge: compatible DDL goes downstream at once (DML never waits), DROP
 * COLUMN waits until every shard dropped the column, an incompatible DDL pauses with 36062.
 */
describe('shard DDL, optimistic mode', () => {
  let ups: MariadbInstance[] = [];
  let down: MariadbInstance;
  let master: MasterProcess;
  const workers: DmProcess[] = [];
  const dir = tempDir('dm-shard-opt-');

  /** The worker process bound to a source now. */
  const workerOf = async (source: string): Promise<DmProcess> => {
    const r = await dmctl(master.addr, 'query-status', 'sho');
    const s = (r.json.sources as { sourceStatus: { source: string; worker: string } }[]).find(
      (x) => x.sourceStatus.source === source,
    );
    const w = workers.find((x) => x.name === s?.sourceStatus.worker);
    assert.ok(w, `worker of ${source}: ${r.stdout}`);
    return w;
  };

  before(async () => {
    ups = await Promise.all([startMariadb({ serverId: 81 }), startMariadb({ serverId: 82 })]);
    down = await startMariadb({ serverId: 83, noBinlog: true });
    await prepareShards(ups);
    master = await startMaster({ name: 'm1' });
    await waitMasterReady(master.addr);
    for (const w of ['w1', 'w2']) {
      workers.push(await startWorker(w, master.addr));
      await waitWorkerRegistered(master.addr, w);
    }
    for (const f of writeShardSources(dir, ups)) {
      const r = await dmctl(master.addr, 'operate-source', 'create', f);
      assert.equal(r.json.result, true, r.stdout);
    }
    const t = await dmctl(
      master.addr,
      'start-task',
      writeShardTask(dir, 'sho', down, 'strict-optimistic-shard-mode: true\n', 'optimistic'),
    );
    assert.equal(t.json.result, true, t.stdout);
    await waitAllSynced(master.addr, 'sho');
  });

  after(async () => {
    for (const w of workers) await w.stop();
    await master?.stop();
    await Promise.all([...ups.map((u) => u.destroy()), down?.destroy()]);
  });

  it('ADD COLUMN runs at once on the first shard; its rows flow at once; the others add nothing', async () => {
    const writer = startShardWriter(ups, 100_000);
    try {
      // Two specifications in one statement: each judged on its own.
      await alter(ups, S11, 'ADD COLUMN c INT DEFAULT 5, ADD INDEX idx_c (c)');
      await ups[0]?.query("INSERT INTO shard_db_1.t1 (id, v, n, c) VALUES (1999999, 'new', 1, 9)");
      await waitUntil(
        async () => (await down.query('SELECT 1 FROM merged.t WHERE id = 1999999 AND c = 9')).length === 1,
        30_000,
        'column added and the row applied without waiting for the other shards',
      );
      await waitUntil(
        async () => {
          const l = await locks(master.addr, 'sho');
          return (
            l.length === 1 &&
            l[0]?.mode === 'optimistic' &&
            (l[0]?.unsynced as string[] | undefined)?.length === 3
          );
        },
        30_000,
        'optimistic lock listed with three shards behind',
      );
      for (const s of [S12, S21, S22])
        if (s) await alter(ups, s, 'ADD COLUMN c INT DEFAULT 5, ADD INDEX idx_c (c)');
      await waitUntil(async () => (await locks(master.addr, 'sho')).length === 0, 30_000, 'lock resolved');
    } finally {
      await writer.stop();
    }
    await waitAllSynced(master.addr, 'sho');
    assert.deepEqual(await mergedColumns(down), ['id', 'v', 'n', 'c']);
    const idx = await down.query(
      "SELECT 1 FROM information_schema.STATISTICS WHERE TABLE_SCHEMA='merged' AND TABLE_NAME='t' AND INDEX_NAME='idx_c'",
    );
    assert.equal(idx.length, 1, 'index created once');
    await waitMergedEqual(ups, down);
  });

  it('DROP COLUMN stays downstream until every shard dropped it', async () => {
    const writer = startShardWriter(ups, 200_000);
    try {
      await alter(ups, S11, 'DROP COLUMN c');
      await alter(ups, S21, 'DROP COLUMN c');
      await alter(ups, S12, 'DROP COLUMN c');
      await ups[0]?.query("INSERT INTO shard_db_1.t1 (id, v, n) VALUES (1999998, 'nocol', 1)");
      await waitUntil(
        async () => (await down.query('SELECT c FROM merged.t WHERE id = 1999998')).length === 1,
        30_000,
        'row of a shard that dropped the column applied (column left at its default)',
      );
      assert.ok((await mergedColumns(down)).includes('c'), 'column kept while a shard still has it');
      // kill -9 of a worker and of the master with the drop half done: rebuilt from etcd.
      const w = await workerOf('src-1');
      await w.kill9();
      await w.restart();
      await master.kill9();
      await master.restart();
      await waitMasterReady(master.addr);
      await waitUntil(
        async () => {
          const l = (await locks(master.addr, 'sho'))[0];
          // Three shards dropped the column; the fourth still has it (the joined schema).
          return (
            (l?.unsynced as string[] | undefined)?.length === 3 &&
            JSON.stringify(l?.synced) === '["src-2-`shard_db_2`.`t2`"]'
          );
        },
        60_000,
        'optimistic lock rebuilt by the new leader',
      );
      assert.ok((await mergedColumns(down)).includes('c'), 'still kept after the restarts');
      await alter(ups, S22, 'DROP COLUMN c');
      await waitUntil(
        async () => !(await mergedColumns(down)).includes('c'),
        30_000,
        'column dropped by the last shard',
      );
    } finally {
      await writer.stop();
    }
    await waitAllSynced(master.addr, 'sho');
    await waitMergedEqual(ups, down);
  });

  it('an incompatible DDL pauses the shard with 36062; binlog replace resolves it', async () => {
    await alter(ups, S21, 'ADD COLUMN z INT NOT NULL');
    let last: SubStatus | undefined;
    await waitUntil(
      async () => {
        last = (await statuses(master.addr, 'sho')).find((x) => x.source === 'src-2');
        return last?.stage === 'Paused' && JSON.stringify(last.result).includes('"ErrCode":36062');
      },
      30_000,
      'src-2 paused on the conflict',
    ).catch((err) => {
      throw new Error(`${(err as Error).message}: ${JSON.stringify(last)}`);
    });
    assert.match(JSON.stringify(last?.result), /show-ddl-locks/, 'DM workaround text');
    assert.deepEqual(await mergedColumns(down), ['id', 'v', 'n'], 'nothing executed');
    const s1 = (await statuses(master.addr, 'sho')).find((x) => x.source === 'src-1');
    assert.equal(s1?.stage, 'Running', 'the other source keeps running');
    // The operator replaces the DDL with a compatible one; the others follow.
    const r = await dmctl(
      master.addr,
      'binlog',
      'replace',
      'sho',
      '-s',
      'src-2',
      'ALTER TABLE shard_db_2.t1 ADD COLUMN z INT NOT NULL DEFAULT 0',
    );
    assert.equal(r.json.result, true, r.stdout);
    await waitUntil(async () => (await mergedColumns(down)).includes('z'), 30_000, 'replacement executed');
    for (const s of [S11, S12, S22]) if (s) await alter(ups, s, 'ADD COLUMN z INT NOT NULL DEFAULT 0');
    await waitAllSynced(master.addr, 'sho');
    await waitMergedEqual(ups, down);
    await waitUntil(async () => (await locks(master.addr, 'sho')).length === 0, 30_000, 'lock resolved');
  });
});
