import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { DmCluster, MariadbInstance, TableSum } from '../../harness/index.js';
import {
  dmctl,
  startCluster,
  stopAll,
  tableSums,
  tempDir,
  waitUntil,
  waitWorkerRegistered,
} from '../../harness/index.js';
import { startShop, startWriter, writeSourceYaml, writeTaskYaml } from './fixtures.js';

/**
 * Two tasks on one source, started side by side under a live write load: every binlog reader
 * of the upstream must register with its own replica server id, or the server evicts the
 * older reader (MariaDB error 4052) and its task pauses. Each task routes the upstream schema
 * to its own downstream schema; equality by the servers' CHECKSUM TABLE + COUNT(*).
 */
describe('e2e: two tasks on one source', () => {
  let up: MariadbInstance;
  let down: MariadbInstance;
  let dm: DmCluster;
  const dir = tempDir('dm-e2e-two-');

  before(async () => {
    [up, down] = await startShop(21, 10_000);
    dm = await startCluster({ workers: ['w1'] });
  });

  after(() => stopAll(dm, up, down));

  /** A task of mode all routing `shop` to `target` downstream. */
  function taskYaml(name: string, source: string, target: string): string {
    return writeTaskYaml(
      dir,
      name,
      source,
      down,
      'shop',
      `routes:\n  to-${target}:\n    schema-pattern: "shop"\n    target-schema: "${target}"\n` +
        `  to-${target}-tables:\n    schema-pattern: "shop"\n    table-pattern: "*"\n    target-schema: "${target}"\n`,
      `    route-rules: ["to-${target}", "to-${target}-tables"]\n`,
    );
  }

  /** Upstream `shop` and downstream `target` agree table by table (names aside). */
  async function waitCopyEqual(target: string): Promise<void> {
    let a: TableSum[] = [];
    let b: TableSum[] = [];
    await waitUntil(
      async () => {
        a = await tableSums(up, 'shop');
        b = await tableSums(down, target);
        return JSON.stringify(a) === JSON.stringify(b);
      },
      120_000,
      `${target} equal to shop`,
    ).catch((err) => {
      throw new Error(`${(err as Error).message}\nup:   ${JSON.stringify(a)}\ndown: ${JSON.stringify(b)}`);
    });
    assert.ok(a.length >= 4 && a.some((t) => t.count > 0), JSON.stringify(a));
  }

  /** Both tasks Running in Sync with no error. */
  async function assertHealthy(tasks: string[]): Promise<void> {
    for (const t of tasks) {
      const s = await dm.status(t);
      assert.equal(s?.stage, 'Running', `${t}: ${JSON.stringify(s)}`);
      assert.equal(s?.unit, 'Sync', `${t}: ${JSON.stringify(s)}`);
      assert.equal(s?.result, null, `${t}: ${JSON.stringify(s)}`);
    }
    // The error's number or text, not any digits (a binlog position such as 4404052 is no eviction).
    assert.doesNotMatch(
      dm.worker.log(),
      /(errno|code)["':= ]*4052\b|same server_uuid\/server_id/,
      'no reader was evicted',
    );
  }

  async function stopTasks(tasks: string[]): Promise<void> {
    for (const t of tasks) {
      const r = await dm.ctl('stop-task', t);
      assert.equal(r.json.result, true, r.stdout);
    }
    await waitUntil(
      async () => {
        const q = await dm.ctl('query-status');
        return ((q.json.tasks as unknown[] | undefined) ?? []).length === 0;
      },
      30_000,
      'tasks gone',
    );
  }

  /**
   * Start `names` side by side while a writer runs; both reach Sync; the writer stops; both
   * copies equal upstream. `whileSynced` runs while both are synced and the writer still writes.
   */
  async function runTwo(
    source: string,
    names: [string, string],
    whileSynced: () => Promise<void>,
    base: number,
  ): Promise<void> {
    const writer = startWriter(up, 'shop', base);
    let ops = 0;
    try {
      const started = await Promise.all(
        names.map((n) => dm.ctl('start-task', taskYaml(n, source, `${n}_shop`))),
      );
      for (const r of started) assert.equal(r.json.result, true, r.stdout);
      await Promise.all(names.map((n) => dm.waitSynced(n)));
      // Keep writing a while with both streams live: an evicted reader shows up here.
      await new Promise((r) => setTimeout(r, 3000));
      await whileSynced();
    } finally {
      ops = await writer.stop();
    }
    assert.ok(ops > 10, `writer made ${ops} changes`);
    for (const n of names) await waitCopyEqual(`${n}_shop`);
    await assertHealthy(names);
  }

  it('without relay: each task streams the upstream under its own server id', async () => {
    await dm.createSource(writeSourceYaml(dir, 'src-01', up));
    await runTwo(
      'src-01',
      ['ta', 'tb'],
      async () => {
        // Both sync streams are registered replicas, under distinct ids, none the upstream's.
        const hosts = await up.query<{ Server_id: number }>('SHOW SLAVE HOSTS');
        const ids = hosts.map((h) => Number(h.Server_id));
        assert.ok(ids.length >= 2, `replicas: ${JSON.stringify(hosts)}`);
        assert.equal(new Set(ids).size, ids.length, `distinct ids: ${ids}`);
        assert.ok(!ids.includes(21));
        const dumps = await up.query<{ ID: number }>(
          "SELECT ID FROM information_schema.PROCESSLIST WHERE COMMAND LIKE 'Binlog Dump%'",
        );
        assert.ok(dumps.length >= 2, `dump threads: ${dumps.length}`);
      },
      1_000_000,
    );
    await stopTasks(['ta', 'tb']);
    const s = await dm.ctl('operate-source', 'stop', 'src-01');
    assert.equal(s.json.result, true, s.stdout);
  });

  it('with relay: the relay and both tasks run side by side', async () => {
    await waitWorkerRegistered(dm.addr, 'w1');
    const r = await dmctl(
      dm.addr,
      'operate-source',
      'create',
      writeSourceYaml(dir, 'src-relay', up, 'enable-relay: true\n'),
    );
    assert.equal(r.json.result, true, r.stdout);
    await runTwo(
      'src-relay',
      ['tc', 'td'],
      async () => {
        const hosts = await up.query<{ Server_id: number }>('SHOW SLAVE HOSTS');
        assert.ok(hosts.length >= 1, 'the relay is a registered replica');
      },
      2_000_000,
    );
    await stopTasks(['tc', 'td']);
  });
});
