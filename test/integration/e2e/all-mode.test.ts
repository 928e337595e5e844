import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { DmCluster, MariadbInstance } from '../../harness/index.js';
import { startCluster, stopAll, tempDir, waitUntil } from '../../harness/index.js';
import { startShop, startWriter, waitEqual, writeSourceYaml, writeTaskYaml } from './fixtures.js';

/**
 * The whole product through its user interface: real dm-master (with etcd), real dm-worker,
 * bin/dmctl, two real MariaDB servers. Equality is proven by the servers' own CHECKSUM TABLE.
 */
describe('e2e: task-mode all through dmctl', () => {
  let up: MariadbInstance;
  let down: MariadbInstance;
  let dm: DmCluster;
  const dir = tempDir('dm-e2e-');

  before(async () => {
    [up, down] = await startShop(11, 20_000);
    dm = await startCluster({ workers: ['w1'] });
  });

  after(() => stopAll(dm, up, down));

  it('creates the source and binds it to the worker', async () => {
    const r = await dm.ctl('operate-source', 'create', writeSourceYaml(dir, 'src-01', up));
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.equal(r.json.result, true);
    const sources = r.json.sources as { result: boolean; source: string; worker: string }[];
    assert.equal(sources[0]?.source, 'src-01');
    assert.equal(sources[0]?.worker, 'w1');
    const show = await dm.ctl('operate-source', 'show');
    assert.equal(show.json.result, true);
    assert.match(show.stdout, /src-01/);
  });

  it('check-task passes on a good setup', async () => {
    const r = await dm.ctl('check-task', writeTaskYaml(dir, 't1', 'src-01', down, 'shop'));
    assert.equal(r.json.result, true, r.stdout);
    assert.equal(r.code, 0);
  });

  it('start-task with writes during the dump reaches synced and equal data', async () => {
    const writer = startWriter(up, 'shop', 1_000_000);
    let ops = 0;
    try {
      const r = await dm.ctl('start-task', writeTaskYaml(dir, 't1', 'src-01', down, 'shop'));
      assert.equal(r.json.result, true, r.stdout);
      assert.equal(r.code, 0);
      await dm.waitSynced('t1');
    } finally {
      ops = await writer.stop();
    }
    assert.ok(ops > 10, `writer made ${ops} changes`);
    await waitEqual(up, down, 'shop');
  });

  it('query-status has DM shapes', async () => {
    const all = await dm.ctl('query-status');
    assert.equal(all.json.result, true);
    const tasks = all.json.tasks as { taskName: string; taskStatus: string; sources: string[] }[];
    assert.deepEqual(
      tasks.map((t) => [t.taskName, t.taskStatus, t.sources]),
      [['t1', 'Running', ['src-01']]],
    );
    const one = await dm.ctl('query-status', 't1', '-s', 'src-01');
    assert.equal(one.json.result, true);
    const src = (one.json.sources as { sourceStatus: { source: string; worker: string } }[])[0];
    assert.equal(src?.sourceStatus.source, 'src-01');
    assert.equal(src?.sourceStatus.worker, 'w1');
    const sub = await dm.status('t1');
    assert.equal(sub?.name, 't1');
    assert.equal(sub?.stage, 'Running');
    assert.equal(sub?.unit, 'Sync');
    assert.equal(sub?.result, null);
    const sync = sub?.sync as Record<string, unknown>;
    for (const k of [
      'masterBinlog',
      'syncerBinlog',
      'synced',
      'secondsBehindMaster',
      'totalTps',
      'recentTps',
    ]) {
      assert.ok(k in sync, `sync.${k} present in ${JSON.stringify(sync)}`);
    }
  });

  it('pause-task stops applying; resume-task catches up', async () => {
    const p = await dm.ctl('pause-task', 't1');
    assert.equal(p.json.result, true, p.stdout);
    await waitUntil(async () => (await dm.status('t1'))?.stage === 'Paused', 30_000, 'Paused');
    await up.query(
      "INSERT INTO shop.orders (id, user_id, status, note) VALUES (5000001, 2, 'paid', 'while paused')",
    );
    await new Promise((r) => setTimeout(r, 2000));
    const [row] = await down.query<{ n: string }>('SELECT COUNT(*) AS n FROM shop.orders WHERE id = 5000001');
    assert.equal(row?.n, '0', 'a paused task must not apply');
    const r = await dm.ctl('resume-task', 't1');
    assert.equal(r.json.result, true, r.stdout);
    await waitUntil(async () => (await dm.status('t1'))?.stage === 'Running', 30_000, 'Running');
    await waitEqual(up, down, 'shop');
  });

  it('stop-task removes the task', async () => {
    const r = await dm.ctl('stop-task', 't1');
    assert.equal(r.json.result, true, r.stdout);
    await waitUntil(
      async () => {
        const q = await dm.ctl('query-status');
        return ((q.json.tasks as unknown[] | undefined) ?? []).length === 0;
      },
      30_000,
      'task gone',
    );
    const q = await dm.ctl('query-status', 't1');
    assert.notEqual(q.code, 0);
    assert.equal(q.json.result, false);
  });
});
