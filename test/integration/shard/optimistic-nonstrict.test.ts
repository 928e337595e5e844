import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { dmctl, waitUntil } from '../../harness/cluster.js';
import { SHARDS, type SubStatus, useShardCluster } from './shard-fixtures.js';

const [S11, S12, S21, S22] = SHARDS;

/**
 * Optimistic sharded merge without `strict-optimistic-shard-mode` (DM's default): a DDL that
 * conflicts with the other shards does not pause the task; the shard table skips it and its
 * DML is held until every shard ran it, then the last one runs it downstream and the others
 * are redirected (their held DML applied). A conflict between two shards' conflicting DDLs
 * waits for DM's table-level `shard-ddl-lock unlock -s -d -t --action`. The strict mode is
 * asserted in optimistic.test.ts (36062). Held DML spills to a file beyond
 * DM_SHARD_HELD_MEMORY_ROWS (lowered here to 20 rows).
 */
describe('shard DDL, optimistic mode, non-strict (DM default)', () => {
  const c = useShardCluster({ task: 'shn', serverIds: [91, 92, 93], mode: 'optimistic', heldMemoryRows: 20 });
  const col = async (name: string): Promise<string> => {
    const r = await c.down.query<{ t: string }>(
      `SELECT COLUMN_TYPE AS t FROM information_schema.COLUMNS WHERE TABLE_SCHEMA='merged' AND TABLE_NAME='t' AND COLUMN_NAME='${name}'`,
    );
    return r[0]?.t ?? '';
  };

  it('a conflicting DDL is skipped, its table held until every shard ran it; then redirected', async () => {
    const MODIFY = "MODIFY n VARCHAR(16) NOT NULL DEFAULT '0'";
    const writer = c.writer(100_000);
    try {
      await c.alter(S11, MODIFY);
      await c.ups[0]?.query("INSERT INTO shard_db_1.t1 (id, v, n) VALUES (1999999, 'held', '77')");
      await waitUntil(
        async () => {
          const s = await c.sub('src-1');
          return s.stage === 'Running' && JSON.stringify(s.sync?.blockingDDLs ?? []).includes('MODIFY');
        },
        30_000,
        'src-1 keeps running; the conflict DDL is shown as blocking',
      );
      // The other shard of the same source keeps flowing while t1 is held.
      const maxOf = async () =>
        Number(
          (
            await c.down.query<{ m: number }>(
              'SELECT MAX(id) AS m FROM merged.t WHERE id BETWEEN 2100000 AND 2999999',
            )
          )[0]?.m ?? 0,
        );
      const m0 = await maxOf();
      await waitUntil(async () => (await maxOf()) > m0 + 20, 30_000, 'shard_db_1.t2 rows keep arriving');
      assert.equal(
        (await c.down.query('SELECT 1 FROM merged.t WHERE id = 1999999')).length,
        0,
        'held row not applied',
      );
      assert.equal(await col('n'), 'int(11)', 'the conflicting DDL is not run downstream');
      const l = (await c.locks())[0];
      assert.ok(((l?.unsynced ?? []) as string[]).includes('src-1-`shard_db_1`.`t1`'), JSON.stringify(l));
      // kill -9 of the waiting worker: it restarts from before the conflict and waits again.
      const w = await c.workerOf('src-1');
      await w.kill9();
      await w.restart();
      await c.alter(S12, MODIFY);
      await c.alter(S21, MODIFY);
      await new Promise((r) => setTimeout(r, 3000));
      assert.equal(await col('n'), 'int(11)', 'still not run: one shard has not');
      assert.equal((await c.sub('src-2')).stage, 'Running');
      await c.alter(S22, MODIFY);
      await waitUntil(
        async () => (await col('n')) === 'varchar(16)',
        30_000,
        'the last shard runs it downstream',
      );
      await waitUntil(
        async () => (await c.down.query('SELECT 1 FROM merged.t WHERE id = 1999999')).length === 1,
        30_000,
        'held row applied after the redirect',
      );
    } finally {
      await writer.stop();
    }
    await c.waitSynced();
    await c.waitMerged();
    await waitUntil(async () => (await c.locks()).length === 0, 30_000, 'lock resolved');
    const spilled = [...c.workers.values()].some((x) =>
      /redirected: applied the DML held[^\n]*"spilled":[1-9]|"spilled":[1-9][^\n]*redirected: applied the DML held/.test(
        x.log(),
      ),
    );
    assert.ok(spilled, 'held DML went through the spill file (DM_SHARD_HELD_MEMORY_ROWS=20)');
  });

  it('conflicting conflict DDLs: the stream waits (detected) until a table-level unlock', async () => {
    for (const s of [S11, S12, S21, S22]) if (s) await c.alter(s, 'ADD COLUMN z INT DEFAULT 1');
    await waitUntil(async () => (await col('z')) === 'int(11)', 30_000, 'z added');
    await c.waitSynced();
    const writer = c.writer(200_000);
    try {
      await c.alter(S11, 'MODIFY z VARCHAR(8)');
      await c.alter(S12, 'MODIFY z BIGINT UNSIGNED');
      let last: SubStatus & { sync?: Record<string, unknown> } = { source: '' };
      await waitUntil(
        async () => {
          last = await c.sub('src-1');
          return (
            last.stage === 'Running' && String(last.sync?.blockDDLOwner ?? '') === 'src-1-`shard_db_1`.`t2`'
          );
        },
        30_000,
        'src-1 waits on the detected conflict of shard_db_1.t2',
      ).catch((err) => {
        throw new Error(`${(err as Error).message}: ${JSON.stringify(last)}`);
      });
      assert.match(String(last.sync?.conflictMsg), /conflict/);
      assert.equal(last.unresolvedDDLLockID, 'shn-`merged`.`t`');
      const id = 'shn-`merged`.`t`';
      // Only a table in `detected` conflict can be unlocked (DM 38020); -s/-d/-t are needed.
      const unlockTable = (t: string) =>
        dmctl(
          c.master.addr,
          'shard-ddl-lock',
          'unlock',
          id,
          '-s',
          'src-1',
          '-d',
          'shard_db_1',
          '-t',
          t,
          '--action',
          'skip',
        );
      const wrong = await unlockTable('t1');
      assert.notEqual(wrong.code, 0);
      assert.match(wrong.stdout + wrong.stderr, /38020/);
      const noTable = await dmctl(c.master.addr, 'shard-ddl-lock', 'unlock', id);
      assert.notEqual(noTable.code, 0);
      const ok = await unlockTable('t2');
      assert.equal(ok.json.result, true, ok.stdout);
      await waitUntil(
        async () => String((await c.sub('src-1')).sync?.blockDDLOwner ?? '') === '',
        30_000,
        'src-1 goes on after the unlock',
      );
      assert.equal(await col('z'), 'int(11)', 'skip: nothing run downstream');
      // Every shard converges on VARCHAR(8): the last one runs it, the held tables follow.
      await c.alter(S21, 'MODIFY z VARCHAR(8)');
      await c.alter(S22, 'MODIFY z VARCHAR(8)');
      await c.alter(S12, 'MODIFY z VARCHAR(8)');
      await waitUntil(async () => (await col('z')) === 'varchar(8)', 30_000, 'z converted by the last shard');
    } finally {
      await writer.stop();
    }
    await c.waitSynced();
    await c.waitMerged();
    await waitUntil(async () => (await c.locks()).length === 0, 30_000, 'lock resolved');
  });

  it('binlog-schema update --from-source --sync gives the optimistic keeper the schema', async () => {
    const p = await dmctl(c.master.addr, 'pause-task', 'shn', '-s', 'src-1');
    assert.equal(p.json.result, true, p.stdout);
    await waitUntil(async () => (await c.sub('src-1')).stage === 'Paused', 30_000, 'src-1 paused');
    const r = await dmctl(
      c.master.addr,
      'binlog-schema',
      'update',
      'shn',
      'shard_db_1',
      't1',
      '--from-source',
      '--sync',
      '-s',
      'src-1',
    );
    assert.equal(r.json.result, true, r.stdout);
    assert.doesNotMatch(r.stdout, /ignored/);
    const l = (await dmctl(c.master.addr, 'binlog-schema', 'list', 'shn', 'shard_db_1', 't1', '-s', 'src-1'))
      .stdout;
    assert.match(l, /`z` varchar\(8\)/);
    assert.equal((await dmctl(c.master.addr, 'resume-task', 'shn', '-s', 'src-1')).json.result, true);
    await c.waitSynced();
    await c.waitMerged();
  });
});
