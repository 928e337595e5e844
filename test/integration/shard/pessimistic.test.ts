import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { dmctl, waitUntil } from '../../harness/cluster.js';
import { SHARDS, useShardCluster } from './shard-fixtures.js';

const [S11, S12, S21, S22] = SHARDS;
const LOCK_ID = 'shp-`merged`.`t`';

/**
 * Pessimistic sharded merge end to end: two sources × two shard tables merged by a route, a
 * writer on every table throughout; DDLs coordinated through the master's lock.
 */
describe('shard DDL, pessimistic mode', () => {
  const c = useShardCluster({ task: 'shp', serverIds: [61, 62, 63] });

  it('ADD COLUMN: held per table, locked across sources, executed once; DML during the lock arrives', async () => {
    assert.deepEqual(await c.locks(), []);
    const writer = c.writer(100_000);
    try {
      await c.alter(S11, 'ADD COLUMN c INT NOT NULL DEFAULT 7');
      // DML of the altered shard written during the pending lock (with the new column).
      await c.ups[0]?.query('INSERT INTO shard_db_1.t1 (id, v, n, c) VALUES (1999999, ?, 1, 100)', ['held']);
      await waitUntil(
        async () => {
          const s = (await c.statuses()).find((x) => x.source === 'src-1');
          const g = s?.sync?.unresolvedGroups?.[0];
          return (
            g?.target === '`merged`.`t`' &&
            g.synced.join() === '`shard_db_1`.`t1`' &&
            g.unsynced.join() === '`shard_db_1`.`t2`'
          );
        },
        30_000,
        'src-1 group waiting on t1 DDL',
      );
      // Other tables keep flowing while t1 is held: other_1 and t2's rows arrive.
      await c.ups[0]?.query("INSERT INTO shard_db_1.other_1 VALUES (5000, 'during-lock')");
      await c.ups[0]?.query("INSERT INTO shard_db_1.t2 (id, v, n) VALUES (2999999, 'during-lock', 1)");
      await waitUntil(
        async () =>
          (await c.down.query('SELECT 1 FROM merged.other_1 WHERE id = 5000')).length === 1 &&
          (await c.down.query('SELECT 1 FROM merged.t WHERE id = 2999999')).length === 1,
        30_000,
        'unheld tables flow during the lock',
      );
      assert.equal(
        (await c.down.query('SELECT 1 FROM merged.t WHERE id = 1999999')).length,
        0,
        'held row not applied yet',
      );
      const held = (await c.statuses()).find((x) => x.source === 'src-1');
      assert.equal(held?.sync?.synced, false, 'not synced while DML is held');
      assert.ok(!(await c.columns()).includes('c'), 'DDL not executed before every shard reached it');

      await c.alter(S12, 'ADD COLUMN c INT NOT NULL DEFAULT 7');
      await waitUntil(
        async () => {
          const l = await c.locks();
          return (
            l.length === 1 &&
            l[0]?.ID === LOCK_ID &&
            l[0]?.owner === 'src-1' &&
            l[0]?.mode === 'pessimistic' &&
            JSON.stringify(l[0]?.synced) === '["src-1"]' &&
            JSON.stringify(l[0]?.unsynced) === '["src-2"]'
          );
        },
        30_000,
        'lock with owner src-1, src-2 unsynced',
      );
      const s1 = (await c.statuses()).find((x) => x.source === 'src-1');
      assert.equal(s1?.unresolvedDDLLockID, LOCK_ID);
      assert.match(String(s1?.sync?.blockingDDLs?.[0]), /ADD COLUMN c INT/i);
      // pause/resume with the lock pending: the sources replay from the frozen checkpoint.
      assert.equal((await dmctl(c.master.addr, 'pause-task', 'shp')).json.result, true);
      assert.equal((await dmctl(c.master.addr, 'resume-task', 'shp')).json.result, true);
      await waitUntil(
        async () => (await c.statuses()).find((x) => x.source === 'src-1')?.unresolvedDDLLockID === LOCK_ID,
        30_000,
        'src-1 waiting on the lock again after resume',
      );
      // The old name answers the same.
      const old = await dmctl(c.master.addr, 'show-ddl-locks', 'shp');
      assert.equal((old.json.locks as unknown[]).length, 1, old.stdout);

      await c.alter(S21, 'ADD COLUMN c INT NOT NULL DEFAULT 7');
      await c.alter(S22, 'ADD COLUMN c INT NOT NULL DEFAULT 7');
      await waitUntil(
        async () => (await c.down.query('SELECT c FROM merged.t WHERE id = 1999999')).length === 1,
        60_000,
        'lock resolved and the held row applied',
      );
      assert.deepEqual(await c.columns(), ['id', 'v', 'n', 'c']);
      await waitUntil(async () => (await c.locks()).length === 0, 30_000, 'lock gone');
    } finally {
      await writer.stop();
    }
    await c.waitSynced();
    await c.waitMerged();
    const [r] = await c.down.query<{ c: number }>('SELECT c FROM merged.t WHERE id = 1999999');
    assert.equal(Number(r?.c), 100);
  });

  it('ADD INDEX then a second lock (two DDLs met by one shard before the others)', async () => {
    const writer = c.writer(200_000);
    try {
      // src-1 t1 runs both DDLs before anyone else: its DML waits through two locks.
      await c.alter(S11, 'ADD INDEX idx_n (n)');
      await c.alter(S11, 'ADD COLUMN d VARCHAR(8) DEFAULT NULL');
      await c.ups[0]?.query("INSERT INTO shard_db_1.t1 (id, v, n, c, d) VALUES (1999998, 'two', 2, 2, 'dd')");
      for (const s of [S12, S21, S22]) if (s) await c.alter(s, 'ADD INDEX idx_n (n)');
      await waitUntil(
        async () =>
          (
            await c.down.query(
              "SELECT 1 FROM information_schema.STATISTICS WHERE TABLE_SCHEMA='merged' AND TABLE_NAME='t' AND INDEX_NAME='idx_n'",
            )
          ).length > 0,
        60_000,
        'index created downstream',
      );
      assert.equal(
        (await c.down.query('SELECT 1 FROM merged.t WHERE id = 1999998')).length,
        0,
        'still held by the second DDL',
      );
      for (const s of [S12, S21, S22]) if (s) await c.alter(s, 'ADD COLUMN d VARCHAR(8) DEFAULT NULL');
      await waitUntil(
        async () =>
          (await c.down.query("SELECT 1 FROM merged.t WHERE id = 1999998 AND d = 'dd'")).length === 1,
        60_000,
        'second lock resolved',
      );
    } finally {
      await writer.stop();
    }
    await c.waitSynced();
    await c.waitMerged();
    assert.deepEqual(await c.columns(), ['id', 'v', 'n', 'c', 'd']);
    const idx = await c.down.query(
      "SELECT 1 FROM information_schema.STATISTICS WHERE TABLE_SCHEMA='merged' AND TABLE_NAME='t' AND INDEX_NAME='idx_n'",
    );
    assert.equal(idx.length, 1, 'index created once');
  });

  it('two DDLs in one statement are one lock', async () => {
    for (const s of SHARDS)
      await c.alter(s, 'ADD COLUMN h1 INT DEFAULT 1, ADD COLUMN h2 VARCHAR(4) DEFAULT NULL');
    await waitUntil(async () => (await c.columns()).includes('h2'), 60_000, 'both columns added');
    await c.waitSynced();
    assert.deepEqual(await c.columns(), ['id', 'v', 'n', 'c', 'd', 'h1', 'h2']);
    await c.waitMerged();
  });

  it('two DDLs back to back on every shard: two locks in a row, none mistaken for a conflict', async () => {
    const writer = c.writer(250_000);
    try {
      await Promise.all(
        SHARDS.map(async (s) => {
          await c.alter(s, 'ADD COLUMN k1 INT DEFAULT NULL');
          await c.alter(s, 'ADD COLUMN k2 INT DEFAULT NULL');
        }),
      );
      await waitUntil(async () => (await c.columns()).includes('k2'), 60_000, 'both locks resolved');
    } finally {
      await writer.stop();
    }
    await c.waitSynced();
    assert.deepEqual(await c.columns(), ['id', 'v', 'n', 'c', 'd', 'h1', 'h2', 'k1', 'k2']);
    await c.waitMerged();
  });

  it('shard-ddl-lock unlock: the owner executes without the unsynced source; a later lock is skipped by hand', async () => {
    const writer = c.writer(300_000);
    try {
      for (const s of [S11, S12]) if (s) await c.alter(s, 'ADD COLUMN g INT DEFAULT NULL');
      await waitUntil(
        async () => JSON.stringify((await c.locks())[0]?.synced) === '["src-1"]',
        30_000,
        'lock waiting for src-2',
      );
      const bad = await dmctl(c.master.addr, 'shard-ddl-lock', 'unlock', 'shp-`no`.`such`');
      assert.equal(bad.code, 1);
      assert.match(String(bad.json.msg), /38019/);
      const u = await dmctl(c.master.addr, 'unlock-ddl-lock', LOCK_ID);
      assert.equal(u.json.result, true, u.stdout);
      await waitUntil(async () => (await c.columns()).includes('g'), 30_000, 'owner executed on unlock');
      await waitUntil(async () => (await c.locks()).length === 0, 30_000, 'unlocked lock gone');
      // src-2 reaches the DDL later: a lock of its own; the operator skips it (already downstream).
      for (const s of [S21, S22]) if (s) await c.alter(s, 'ADD COLUMN g INT DEFAULT NULL');
      await waitUntil(async () => (await c.locks())[0]?.owner === 'src-2', 30_000, 'src-2 lock');
      const skip = await dmctl(c.master.addr, 'shard-ddl-lock', 'unlock', LOCK_ID, '--action', 'skip');
      assert.equal(skip.json.result, true, skip.stdout);
      await waitUntil(async () => (await c.locks()).length === 0, 30_000, 'skipped lock gone');
    } finally {
      await writer.stop();
    }
    await c.waitSynced();
    await c.waitMerged();
  });

  it('DDLs in a different order on two shards of one source: the subtask pauses with 36008', async () => {
    await c.alter(S21, 'ADD COLUMN e INT DEFAULT NULL');
    await c.alter(S22, 'ADD COLUMN f INT DEFAULT NULL');
    let last: unknown;
    await waitUntil(
      async () => {
        const s = (await c.statuses()).find((x) => x.source === 'src-2');
        last = s;
        return s?.stage === 'Paused' && JSON.stringify(s.result).includes('"ErrCode":36008');
      },
      30_000,
      'src-2 paused on the wrong sequence',
    ).catch((err) => {
      throw new Error(`${(err as Error).message}: ${JSON.stringify(last)}`);
    });
    assert.ok(!(await c.columns()).includes('e'));
    assert.ok(!(await c.columns()).includes('f'));
  });
});
