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
const LOCK_ID = 'shp-`merged`.`t`';

/**
 * Pessimistic sharded merge end to end: two sources × two shard tables merged by a route, a
 * writer on every table throughout; DDLs coordinated through the master's lock.
 */
describe('shard DDL, pessimistic mode', () => {
  let ups: MariadbInstance[] = [];
  let down: MariadbInstance;
  let master: MasterProcess;
  const workers: DmProcess[] = [];
  const dir = tempDir('dm-shard-pess-');

  before(async () => {
    ups = await Promise.all([startMariadb({ serverId: 61 }), startMariadb({ serverId: 62 })]);
    down = await startMariadb({ serverId: 63, noBinlog: true });
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
    const t = await dmctl(master.addr, 'start-task', writeShardTask(dir, 'shp', down));
    assert.equal(t.json.result, true, t.stdout);
    await waitAllSynced(master.addr, 'shp');
  });

  after(async () => {
    for (const w of workers) await w.stop();
    await master?.stop();
    await Promise.all([...ups.map((u) => u.destroy()), down?.destroy()]);
  });

  it('ADD COLUMN: held per table, locked across sources, executed once; DML during the lock arrives', async () => {
    assert.deepEqual(await locks(master.addr, 'shp'), []);
    const writer = startShardWriter(ups, 100_000);
    try {
      await alter(ups, S11, 'ADD COLUMN c INT NOT NULL DEFAULT 7');
      // DML of the altered shard written during the pending lock (with the new column).
      await ups[0]?.query('INSERT INTO shard_db_1.t1 (id, v, n, c) VALUES (1999999, ?, 1, 100)', ['held']);
      await waitUntil(
        async () => {
          const s = (await statuses(master.addr, 'shp')).find((x) => x.source === 'src-1');
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
      await ups[0]?.query("INSERT INTO shard_db_1.other_1 VALUES (5000, 'during-lock')");
      await ups[0]?.query("INSERT INTO shard_db_1.t2 (id, v, n) VALUES (2999999, 'during-lock', 1)");
      await waitUntil(
        async () =>
          (await down.query('SELECT 1 FROM merged.other_1 WHERE id = 5000')).length === 1 &&
          (await down.query('SELECT 1 FROM merged.t WHERE id = 2999999')).length === 1,
        30_000,
        'unheld tables flow during the lock',
      );
      assert.equal(
        (await down.query('SELECT 1 FROM merged.t WHERE id = 1999999')).length,
        0,
        'held row not applied yet',
      );
      const held = (await statuses(master.addr, 'shp')).find((x) => x.source === 'src-1');
      assert.equal(held?.sync?.synced, false, 'not synced while DML is held');
      assert.ok(!(await mergedColumns(down)).includes('c'), 'DDL not executed before every shard reached it');

      await alter(ups, S12, 'ADD COLUMN c INT NOT NULL DEFAULT 7');
      await waitUntil(
        async () => {
          const l = await locks(master.addr, 'shp');
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
      const s1 = (await statuses(master.addr, 'shp')).find((x) => x.source === 'src-1');
      assert.equal(s1?.unresolvedDDLLockID, LOCK_ID);
      assert.match(String(s1?.sync?.blockingDDLs?.[0]), /ADD COLUMN c INT/i);
      // pause/resume with the lock pending: the sources replay from the frozen checkpoint.
      assert.equal((await dmctl(master.addr, 'pause-task', 'shp')).json.result, true);
      assert.equal((await dmctl(master.addr, 'resume-task', 'shp')).json.result, true);
      await waitUntil(
        async () =>
          (await statuses(master.addr, 'shp')).find((x) => x.source === 'src-1')?.unresolvedDDLLockID ===
          LOCK_ID,
        30_000,
        'src-1 waiting on the lock again after resume',
      );
      // The old name answers the same.
      const old = await dmctl(master.addr, 'show-ddl-locks', 'shp');
      assert.equal((old.json.locks as unknown[]).length, 1, old.stdout);

      await alter(ups, S21, 'ADD COLUMN c INT NOT NULL DEFAULT 7');
      await alter(ups, S22, 'ADD COLUMN c INT NOT NULL DEFAULT 7');
      await waitUntil(
        async () => (await down.query('SELECT c FROM merged.t WHERE id = 1999999')).length === 1,
        60_000,
        'lock resolved and the held row applied',
      );
      assert.deepEqual(await mergedColumns(down), ['id', 'v', 'n', 'c']);
      await waitUntil(async () => (await locks(master.addr, 'shp')).length === 0, 30_000, 'lock gone');
    } finally {
      await writer.stop();
    }
    await waitAllSynced(master.addr, 'shp');
    await waitMergedEqual(ups, down);
    const [r] = await down.query<{ c: number }>('SELECT c FROM merged.t WHERE id = 1999999');
    assert.equal(Number(r?.c), 100);
  });

  it('ADD INDEX then a second lock (two DDLs met by one shard before the others)', async () => {
    const writer = startShardWriter(ups, 200_000);
    try {
      // src-1 t1 runs both DDLs before anyone else: its DML waits through two locks.
      await alter(ups, S11, 'ADD INDEX idx_n (n)');
      await alter(ups, S11, 'ADD COLUMN d VARCHAR(8) DEFAULT NULL');
      await ups[0]?.query("INSERT INTO shard_db_1.t1 (id, v, n, c, d) VALUES (1999998, 'two', 2, 2, 'dd')");
      for (const s of [S12, S21, S22]) if (s) await alter(ups, s, 'ADD INDEX idx_n (n)');
      await waitUntil(
        async () =>
          (
            await down.query(
              "SELECT 1 FROM information_schema.STATISTICS WHERE TABLE_SCHEMA='merged' AND TABLE_NAME='t' AND INDEX_NAME='idx_n'",
            )
          ).length > 0,
        60_000,
        'index created downstream',
      );
      assert.equal(
        (await down.query('SELECT 1 FROM merged.t WHERE id = 1999998')).length,
        0,
        'still held by the second DDL',
      );
      for (const s of [S12, S21, S22]) if (s) await alter(ups, s, 'ADD COLUMN d VARCHAR(8) DEFAULT NULL');
      await waitUntil(
        async () => (await down.query("SELECT 1 FROM merged.t WHERE id = 1999998 AND d = 'dd'")).length === 1,
        60_000,
        'second lock resolved',
      );
    } finally {
      await writer.stop();
    }
    await waitAllSynced(master.addr, 'shp');
    await waitMergedEqual(ups, down);
    assert.deepEqual(await mergedColumns(down), ['id', 'v', 'n', 'c', 'd']);
    const idx = await down.query(
      "SELECT 1 FROM information_schema.STATISTICS WHERE TABLE_SCHEMA='merged' AND TABLE_NAME='t' AND INDEX_NAME='idx_n'",
    );
    assert.equal(idx.length, 1, 'index created once');
  });

  it('two DDLs in one statement are one lock', async () => {
    for (const s of SHARDS)
      await alter(ups, s, 'ADD COLUMN h1 INT DEFAULT 1, ADD COLUMN h2 VARCHAR(4) DEFAULT NULL');
    await waitUntil(async () => (await mergedColumns(down)).includes('h2'), 60_000, 'both columns added');
    await waitAllSynced(master.addr, 'shp');
    assert.deepEqual(await mergedColumns(down), ['id', 'v', 'n', 'c', 'd', 'h1', 'h2']);
    await waitMergedEqual(ups, down);
  });

  it('two DDLs back to back on every shard: two locks in a row, none mistaken for a conflict', async () => {
    const writer = startShardWriter(ups, 250_000);
    try {
      await Promise.all(
        SHARDS.map(async (s) => {
          await alter(ups, s, 'ADD COLUMN k1 INT DEFAULT NULL');
          await alter(ups, s, 'ADD COLUMN k2 INT DEFAULT NULL');
        }),
      );
      await waitUntil(async () => (await mergedColumns(down)).includes('k2'), 60_000, 'both locks resolved');
    } finally {
      await writer.stop();
    }
    await waitAllSynced(master.addr, 'shp');
    assert.deepEqual(await mergedColumns(down), ['id', 'v', 'n', 'c', 'd', 'h1', 'h2', 'k1', 'k2']);
    await waitMergedEqual(ups, down);
  });

  it('shard-ddl-lock unlock: the owner executes without the unsynced source; a later lock is skipped by hand', async () => {
    const writer = startShardWriter(ups, 300_000);
    try {
      for (const s of [S11, S12]) if (s) await alter(ups, s, 'ADD COLUMN g INT DEFAULT NULL');
      await waitUntil(
        async () => JSON.stringify((await locks(master.addr, 'shp'))[0]?.synced) === '["src-1"]',
        30_000,
        'lock waiting for src-2',
      );
      const bad = await dmctl(master.addr, 'shard-ddl-lock', 'unlock', 'shp-`no`.`such`');
      assert.equal(bad.code, 1);
      assert.match(String(bad.json.msg), /38019/);
      const u = await dmctl(master.addr, 'unlock-ddl-lock', LOCK_ID);
      assert.equal(u.json.result, true, u.stdout);
      await waitUntil(
        async () => (await mergedColumns(down)).includes('g'),
        30_000,
        'owner executed on unlock',
      );
      await waitUntil(
        async () => (await locks(master.addr, 'shp')).length === 0,
        30_000,
        'unlocked lock gone',
      );
      // src-2 reaches the DDL later: a lock of its own; the operator skips it (already downstream).
      for (const s of [S21, S22]) if (s) await alter(ups, s, 'ADD COLUMN g INT DEFAULT NULL');
      await waitUntil(
        async () => (await locks(master.addr, 'shp'))[0]?.owner === 'src-2',
        30_000,
        'src-2 lock',
      );
      const skip = await dmctl(master.addr, 'shard-ddl-lock', 'unlock', LOCK_ID, '--action', 'skip');
      assert.equal(skip.json.result, true, skip.stdout);
      await waitUntil(
        async () => (await locks(master.addr, 'shp')).length === 0,
        30_000,
        'skipped lock gone',
      );
    } finally {
      await writer.stop();
    }
    await waitAllSynced(master.addr, 'shp');
    await waitMergedEqual(ups, down);
  });

  it('DDLs in a different order on two shards of one source: the subtask pauses with 36008', async () => {
    await alter(ups, S21, 'ADD COLUMN e INT DEFAULT NULL');
    await alter(ups, S22, 'ADD COLUMN f INT DEFAULT NULL');
    let last: unknown;
    await waitUntil(
      async () => {
        const s = (await statuses(master.addr, 'shp')).find((x) => x.source === 'src-2');
        last = s;
        return s?.stage === 'Paused' && JSON.stringify(s.result).includes('"ErrCode":36008');
      },
      30_000,
      'src-2 paused on the wrong sequence',
    ).catch((err) => {
      throw new Error(`${(err as Error).message}: ${JSON.stringify(last)}`);
    });
    assert.ok(!(await mergedColumns(down)).includes('e'));
    assert.ok(!(await mergedColumns(down)).includes('f'));
  });
});
