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
 * Optimistic sharded merge without `strict-optimistic-shard-mode` (DM's default): a DDL that
 * conflicts with the other shards does not pause the task; the shard table skips it and its
 * DML is held until every shard ran it, then the last one runs it downstream and the others
 * are redirected (their held DML applied). A conflict between two shards' conflicting DDLs
 * waits for DM's table-level `shard-ddl-lock unlock -s -d -t --action`. The strict mode is
 * asserted in optimistic.test.ts (36062). Held DML spills to a file beyond
 * DM_SHARD_HELD_MEMORY_ROWS (lowered here to 20 rows).
 */
describe('shard DDL, optimistic mode, non-strict (DM default)', () => {
  let ups: MariadbInstance[] = [];
  let down: MariadbInstance;
  let master: MasterProcess;
  const workers: DmProcess[] = [];
  const dir = tempDir('dm-shard-optns-');
  const col = async (name: string): Promise<string> => {
    const r = await down.query<{ t: string }>(
      `SELECT COLUMN_TYPE AS t FROM information_schema.COLUMNS WHERE TABLE_SCHEMA='merged' AND TABLE_NAME='t' AND COLUMN_NAME='${name}'`,
    );
    return r[0]?.t ?? '';
  };
  const workerOf = async (source: string): Promise<DmProcess> => {
    const r = await dmctl(master.addr, 'query-status', 'shn');
    const s = (r.json.sources as { sourceStatus: { source: string; worker: string } }[]).find(
      (x) => x.sourceStatus.source === source,
    );
    const w = workers.find((x) => x.name === s?.sourceStatus.worker);
    assert.ok(w, `worker of ${source}: ${r.stdout}`);
    return w;
  };
  const sub = async (source: string): Promise<SubStatus & { sync?: Record<string, unknown> }> => {
    const s = (await statuses(master.addr, 'shn')).find((x) => x.source === source);
    assert.ok(s);
    return s as SubStatus & { sync?: Record<string, unknown> };
  };

  before(async () => {
    process.env.DM_SHARD_HELD_MEMORY_ROWS = '20';
    ups = await Promise.all([startMariadb({ serverId: 91 }), startMariadb({ serverId: 92 })]);
    down = await startMariadb({ serverId: 93, noBinlog: true });
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
    const t = await dmctl(master.addr, 'start-task', writeShardTask(dir, 'shn', down, '', 'optimistic'));
    assert.equal(t.json.result, true, t.stdout);
    await waitAllSynced(master.addr, 'shn');
  });

  after(async () => {
    delete process.env.DM_SHARD_HELD_MEMORY_ROWS;
    for (const w of workers) await w.stop();
    await master?.stop();
    await Promise.all([...ups.map((u) => u.destroy()), down?.destroy()]);
  });

  it('a conflicting DDL is skipped, its table held until every shard ran it; then redirected', async () => {
    const MODIFY = "MODIFY n VARCHAR(16) NOT NULL DEFAULT '0'";
    const writer = startShardWriter(ups, 100_000);
    try {
      await alter(ups, S11, MODIFY);
      await ups[0]?.query("INSERT INTO shard_db_1.t1 (id, v, n) VALUES (1999999, 'held', '77')");
      await waitUntil(
        async () => {
          const s = await sub('src-1');
          return s.stage === 'Running' && JSON.stringify(s.sync?.blockingDDLs ?? []).includes('MODIFY');
        },
        30_000,
        'src-1 keeps running; the conflict DDL is shown as blocking',
      );
      // The other shard of the same source keeps flowing while t1 is held.
      const maxOf = async () =>
        Number(
          (
            await down.query<{ m: number }>(
              'SELECT MAX(id) AS m FROM merged.t WHERE id BETWEEN 2100000 AND 2999999',
            )
          )[0]?.m ?? 0,
        );
      const m0 = await maxOf();
      await waitUntil(async () => (await maxOf()) > m0 + 20, 30_000, 'shard_db_1.t2 rows keep arriving');
      assert.equal(
        (await down.query('SELECT 1 FROM merged.t WHERE id = 1999999')).length,
        0,
        'held row not applied',
      );
      assert.equal(await col('n'), 'int(11)', 'the conflicting DDL is not run downstream');
      const l = (await locks(master.addr, 'shn'))[0];
      assert.ok(((l?.unsynced ?? []) as string[]).includes('src-1-`shard_db_1`.`t1`'), JSON.stringify(l));
      // kill -9 of the waiting worker: it restarts from before the conflict and waits again.
      const w = await workerOf('src-1');
      await w.kill9();
      await w.restart();
      await alter(ups, S12, MODIFY);
      await alter(ups, S21, MODIFY);
      await new Promise((r) => setTimeout(r, 3000));
      assert.equal(await col('n'), 'int(11)', 'still not run: one shard has not');
      assert.equal((await sub('src-2')).stage, 'Running');
      await alter(ups, S22, MODIFY);
      await waitUntil(
        async () => (await col('n')) === 'varchar(16)',
        30_000,
        'the last shard runs it downstream',
      );
      await waitUntil(
        async () => (await down.query('SELECT 1 FROM merged.t WHERE id = 1999999')).length === 1,
        30_000,
        'held row applied after the redirect',
      );
    } finally {
      await writer.stop();
    }
    await waitAllSynced(master.addr, 'shn');
    await waitMergedEqual(ups, down);
    await waitUntil(async () => (await locks(master.addr, 'shn')).length === 0, 30_000, 'lock resolved');
    const spilled = workers.some((x) =>
      /redirected: applied the DML held[^\n]*"spilled":[1-9]|"spilled":[1-9][^\n]*redirected: applied the DML held/.test(
        x.log(),
      ),
    );
    assert.ok(spilled, 'held DML went through the spill file (DM_SHARD_HELD_MEMORY_ROWS=20)');
  });

  it('conflicting conflict DDLs: the stream waits (detected) until a table-level unlock', async () => {
    for (const s of [S11, S12, S21, S22]) if (s) await alter(ups, s, 'ADD COLUMN z INT DEFAULT 1');
    await waitUntil(async () => (await col('z')) === 'int(11)', 30_000, 'z added');
    await waitAllSynced(master.addr, 'shn');
    const writer = startShardWriter(ups, 200_000);
    try {
      await alter(ups, S11, 'MODIFY z VARCHAR(8)');
      await alter(ups, S12, 'MODIFY z BIGINT UNSIGNED');
      let last: SubStatus & { sync?: Record<string, unknown> } = { source: '' };
      await waitUntil(
        async () => {
          last = await sub('src-1');
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
      const wrong = await dmctl(
        master.addr,
        'shard-ddl-lock',
        'unlock',
        id,
        '-s',
        'src-1',
        '-d',
        'shard_db_1',
        '-t',
        't1',
        '--action',
        'skip',
      );
      assert.notEqual(wrong.code, 0);
      assert.match(wrong.stdout + wrong.stderr, /38020/);
      const noTable = await dmctl(master.addr, 'shard-ddl-lock', 'unlock', id);
      assert.notEqual(noTable.code, 0);
      const ok = await dmctl(
        master.addr,
        'shard-ddl-lock',
        'unlock',
        id,
        '-s',
        'src-1',
        '-d',
        'shard_db_1',
        '-t',
        't2',
        '--action',
        'skip',
      );
      assert.equal(ok.json.result, true, ok.stdout);
      await waitUntil(
        async () => String((await sub('src-1')).sync?.blockDDLOwner ?? '') === '',
        30_000,
        'src-1 goes on after the unlock',
      );
      assert.equal(await col('z'), 'int(11)', 'skip: nothing run downstream');
      // Every shard converges on VARCHAR(8): the last one runs it, the held tables follow.
      await alter(ups, S21, 'MODIFY z VARCHAR(8)');
      await alter(ups, S22, 'MODIFY z VARCHAR(8)');
      await alter(ups, S12, 'MODIFY z VARCHAR(8)');
      await waitUntil(async () => (await col('z')) === 'varchar(8)', 30_000, 'z converted by the last shard');
    } finally {
      await writer.stop();
    }
    await waitAllSynced(master.addr, 'shn');
    await waitMergedEqual(ups, down);
    await waitUntil(async () => (await locks(master.addr, 'shn')).length === 0, 30_000, 'lock resolved');
  });

  it('binlog-schema update --from-source --sync gives the optimistic keeper the schema', async () => {
    const p = await dmctl(master.addr, 'pause-task', 'shn', '-s', 'src-1');
    assert.equal(p.json.result, true, p.stdout);
    await waitUntil(async () => (await sub('src-1')).stage === 'Paused', 30_000, 'src-1 paused');
    const r = await dmctl(
      master.addr,
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
    const l = (await dmctl(master.addr, 'binlog-schema', 'list', 'shn', 'shard_db_1', 't1', '-s', 'src-1'))
      .stdout;
    assert.match(l, /`z` varchar\(8\)/);
    assert.equal((await dmctl(master.addr, 'resume-task', 'shn', '-s', 'src-1')).json.result, true);
    await waitAllSynced(master.addr, 'shn');
    await waitMergedEqual(ups, down);
  });
});
