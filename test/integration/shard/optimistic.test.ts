import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { dmctl, waitUntil } from '../../harness/cluster.js';
import { SHARDS, type SubStatus, useShardCluster } from './shard-fixtures.js';

const [S11, S12, S21, S22] = SHARDS;

/**
 * Optimistic sharded merge: compatible DDL goes downstream at once (DML never waits), DROP
 * COLUMN waits until every shard dropped the column, an incompatible DDL pauses with 36062.
 */
describe('shard DDL, optimistic mode', () => {
  const c = useShardCluster({
    task: 'sho',
    serverIds: [81, 82, 83],
    mode: 'optimistic',
    extra: 'strict-optimistic-shard-mode: true\n',
  });

  it('ADD COLUMN runs at once on the first shard; its rows flow at once; the others add nothing', async () => {
    const writer = c.writer(100_000);
    try {
      // Two specifications in one statement: each judged on its own.
      await c.alter(S11, 'ADD COLUMN c INT DEFAULT 5, ADD INDEX idx_c (c)');
      await c.ups[0]?.query("INSERT INTO shard_db_1.t1 (id, v, n, c) VALUES (1999999, 'new', 1, 9)");
      await waitUntil(
        async () => (await c.down.query('SELECT 1 FROM merged.t WHERE id = 1999999 AND c = 9')).length === 1,
        30_000,
        'column added and the row applied without waiting for the other shards',
      );
      await waitUntil(
        async () => {
          const l = await c.locks();
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
        if (s) await c.alter(s, 'ADD COLUMN c INT DEFAULT 5, ADD INDEX idx_c (c)');
      await waitUntil(async () => (await c.locks()).length === 0, 30_000, 'lock resolved');
    } finally {
      await writer.stop();
    }
    await c.waitSynced();
    assert.deepEqual(await c.columns(), ['id', 'v', 'n', 'c']);
    const idx = await c.down.query(
      "SELECT 1 FROM information_schema.STATISTICS WHERE TABLE_SCHEMA='merged' AND TABLE_NAME='t' AND INDEX_NAME='idx_c'",
    );
    assert.equal(idx.length, 1, 'index created once');
    await c.waitMerged();
  });

  it('DROP COLUMN stays downstream until every shard dropped it', async () => {
    const writer = c.writer(200_000);
    try {
      await c.alter(S11, 'DROP COLUMN c');
      await c.alter(S21, 'DROP COLUMN c');
      await c.alter(S12, 'DROP COLUMN c');
      await c.ups[0]?.query("INSERT INTO shard_db_1.t1 (id, v, n) VALUES (1999998, 'nocol', 1)");
      await waitUntil(
        async () => (await c.down.query('SELECT c FROM merged.t WHERE id = 1999998')).length === 1,
        30_000,
        'row of a shard that dropped the column applied (column left at its default)',
      );
      assert.ok((await c.columns()).includes('c'), 'column kept while a shard still has it');
      // kill -9 of a worker and of the master with the drop half done: rebuilt from etcd.
      const w = await c.workerOf('src-1');
      await w.kill9();
      await w.restart();
      await c.killMaster();
      await waitUntil(
        async () => {
          const l = (await c.locks())[0];
          // Three shards dropped the column; the fourth still has it (the joined schema).
          return (
            (l?.unsynced as string[] | undefined)?.length === 3 &&
            JSON.stringify(l?.synced) === '["src-2-`shard_db_2`.`t2`"]'
          );
        },
        60_000,
        'optimistic lock rebuilt by the new leader',
      );
      assert.ok((await c.columns()).includes('c'), 'still kept after the restarts');
      await c.alter(S22, 'DROP COLUMN c');
      await waitUntil(
        async () => !(await c.columns()).includes('c'),
        30_000,
        'column dropped by the last shard',
      );
    } finally {
      await writer.stop();
    }
    await c.waitSynced();
    await c.waitMerged();
  });

  it('an incompatible DDL pauses the shard with 36062; binlog replace resolves it', async () => {
    await c.alter(S21, 'ADD COLUMN z INT NOT NULL');
    let last: SubStatus | undefined;
    await waitUntil(
      async () => {
        last = (await c.statuses()).find((x) => x.source === 'src-2');
        return last?.stage === 'Paused' && JSON.stringify(last.result).includes('"ErrCode":36062');
      },
      30_000,
      'src-2 paused on the conflict',
    ).catch((err) => {
      throw new Error(`${(err as Error).message}: ${JSON.stringify(last)}`);
    });
    assert.match(JSON.stringify(last?.result), /show-ddl-locks/, 'DM workaround text');
    assert.deepEqual(await c.columns(), ['id', 'v', 'n'], 'nothing executed');
    const s1 = (await c.statuses()).find((x) => x.source === 'src-1');
    assert.equal(s1?.stage, 'Running', 'the other source keeps running');
    // The operator replaces the DDL with a compatible one; the others follow.
    const r = await dmctl(
      c.master.addr,
      'binlog',
      'replace',
      'sho',
      '-s',
      'src-2',
      'ALTER TABLE shard_db_2.t1 ADD COLUMN z INT NOT NULL DEFAULT 0',
    );
    assert.equal(r.json.result, true, r.stdout);
    await waitUntil(async () => (await c.columns()).includes('z'), 30_000, 'replacement executed');
    for (const s of [S11, S12, S22]) if (s) await c.alter(s, 'ADD COLUMN z INT NOT NULL DEFAULT 0');
    await c.waitSynced();
    await c.waitMerged();
    await waitUntil(async () => (await c.locks()).length === 0, 30_000, 'lock resolved');
  });
});
