import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { DmCluster, DmProcess, MariadbInstance, WriteLoop } from '../../harness/index.js';
import { dmctl, startCluster, stopAll, tempDir, waitUntil, writeLoop } from '../../harness/index.js';
import { startShop, waitEqual, writeSourceYaml, writeTaskYaml } from './fixtures.js';

/** Rows of every sample table (users and orders get `ROWS` each). */
const ROWS = 150_000;

/** Rows written into tables of the server so far (MariaDB 10.11 has no Innodb_rows_inserted). */
async function rowsInserted(db: MariadbInstance): Promise<number> {
  const [r] = await db.query<{ Value: string }>("SHOW GLOBAL STATUS LIKE 'Handler_write'");
  return Number(r?.Value ?? 0);
}

async function rowCount(db: MariadbInstance, schema: string): Promise<number> {
  const [r] = await db.query<{ n: string }>(
    `SELECT (SELECT COUNT(*) FROM ${schema}.users) + (SELECT COUNT(*) FROM ${schema}.orders) + (SELECT COUNT(*) FROM ${schema}.audit) AS n`,
  );
  return Number(r?.n ?? 0);
}

/**
 * Writes during the whole full phase: updates and deletes of rows the snapshot holds (so a
 * chunk loaded from an older snapshot goes stale), inserts of new rows, and inserts into the
 * keyless table (where a replay would double rows).
 */
function startWriter(db: MariadbInstance, schema: string, base: number): WriteLoop {
  return writeLoop(
    () => db.connect(),
    async (c, n) => {
      const old = 1 + ((n * 7919) % ROWS);
      await c.query(`UPDATE ${schema}.users SET balance = balance + 1, name = CONCAT('w', ?) WHERE id = ?`, [
        n,
        old,
      ]);
      await c.query(`UPDATE ${schema}.orders SET amount = amount + 1, status = 'paid' WHERE id = ?`, [
        old + 1,
      ]);
      await c.query(`DELETE FROM ${schema}.orders WHERE id = ?`, [1 + ((n * 104729) % ROWS)]);
      if (n % 2 === 0)
        await c.query(`DELETE FROM ${schema}.users WHERE id = ?`, [1 + ((n * 15485863) % ROWS)]);
      await c.query(
        `INSERT INTO ${schema}.orders (id, user_id, status, note, latin) VALUES (?, 1, 'new', 'live', 'ñ')`,
        [base + n],
      );
      if (n % 5 === 0) await c.query(`INSERT INTO ${schema}.audit VALUES (?, 'live', '01:02:03.04')`, [n]);
    },
  );
}

/**
 * kill -9 of the bound worker in the middle of a full phase: the source moves to the other
 * worker, which has none of the dump files. It keeps the chunks already loaded, dumps the
 * rest at a new snapshot, and replays from the oldest snapshot in safe mode: data equal,
 * and far fewer rows inserted downstream than a second full copy.
 */
describe('e2e: full phase resumes on another worker', () => {
  let up: MariadbInstance;
  let down: MariadbInstance;
  let dm: DmCluster;
  const dir = tempDir('dm-e2e-ffo-');

  before(async () => {
    [up, down] = await startShop(41, ROWS);
    dm = await startCluster({ workers: ['fa', 'fb'], workerArgs: ['--keepalive-ttl', '3'] });
    await dm.createSource(writeSourceYaml(dir, 'src-ff', up));
  });

  after(() => stopAll(dm, up, down));

  /** Start `task`, kill the bound worker once `when` holds, wait for the other one to finish. */
  async function failover(
    task: string,
    schema: string,
    when: (st: Record<string, unknown> | undefined) => boolean,
    what: string,
    base: number,
  ): Promise<{ ratio: number; atKill: Record<string, unknown> | undefined; log: string }> {
    const before = await rowsInserted(down);
    const writer = startWriter(up, schema, base);
    let atKill: Record<string, unknown> | undefined;
    let heir: DmProcess | undefined;
    try {
      const t = await dmctl(
        dm.addr,
        'start-task',
        writeTaskYaml(
          dir,
          task,
          'src-ff',
          down,
          schema,
          'mydumpers:\n  small:\n    rows: 3000\n    threads: 2\nloaders:\n  few:\n    pool-size: 4\n',
          '    mydumper-config-name: "small"\n    loader-config-name: "few"\n',
        ),
      );
      assert.equal(t.json.result, true, t.stdout);
      await waitUntil(
        async () => {
          atKill = await dm.status(task);
          return when(atKill);
        },
        120_000,
        what,
      );
      const bound = (await dm.workerList()).find((w) => w.stage === 'bound');
      const victim = dm.workers.find((w) => w.name === bound?.name);
      assert.ok(victim, 'one worker is bound');
      await victim.kill9();
      heir = dm.workers.find((w) => w !== victim);
      await waitUntil(
        async () =>
          (await dm.workerList()).some(
            (w) => w.name !== victim.name && w.stage === 'bound' && w.source === 'src-ff',
          ),
        60_000,
        'source re-bound to the other worker',
      );
      await waitUntil(
        async () => (await dm.status(task))?.unit === 'Sync',
        120_000,
        'Sync on the new worker',
      );
      await victim.restart(); // a free worker again, for the next case
    } finally {
      await writer.stop();
    }
    await dm.waitSynced(task, 120_000);
    await waitEqual(up, down, schema);
    const inserted = (await rowsInserted(down)) - before;
    const rows = await rowCount(up, schema);
    return { ratio: inserted / rows, atKill, log: heir?.log() ?? '' };
  }

  it('kill -9 during load: loaded chunks are kept, data equal, rows inserted <= 1.25x', async () => {
    const total = await rowCount(up, 'shop');
    const { ratio, atKill, log } = await failover(
      'tff',
      'shop',
      (st) => {
        // The load runs beside the dump (pipelined full phase): its rows, whichever unit shows.
        const rows = Number((st?.load as { finishedRows?: number } | undefined)?.finishedRows ?? 0);
        return (st?.unit === 'Dump' || st?.unit === 'Load') && rows >= 0.2 * total && rows <= 0.7 * total;
      },
      'Load between 20 % and 70 % of the rows',
      // New ids right above the snapshot's (a far-away id would make one giant first chunk).
      ROWS + 1_000,
    );
    console.log(
      `full-failover (load): rows inserted downstream / table rows = ${ratio.toFixed(3)} (killed at ${JSON.stringify((atKill?.load as { finishedRows?: number })?.finishedRows)} rows, unit ${String(atKill?.unit)})`,
    );
    assert.ok(ratio <= 1.25, `rows inserted ratio ${ratio.toFixed(3)} > 1.25`);
    // The new worker resumed the full phase by chunk, and replays between the snapshots.
    assert.match(log, /resuming a full phase/);
    assert.match(log, /safe mode until the latest/);
  });

  it('kill -9 during dump: the other worker dumps and loads once, data equal', async () => {
    await up.query('CREATE DATABASE shop2');
    await up.query(
      'CREATE TABLE shop2.users LIKE shop.users; INSERT INTO shop2.users SELECT * FROM shop.users;' +
        'CREATE TABLE shop2.orders LIKE shop.orders; INSERT INTO shop2.orders SELECT * FROM shop.orders;' +
        'CREATE TABLE shop2.audit LIKE shop.audit; INSERT INTO shop2.audit SELECT * FROM shop.audit;',
    );
    const { ratio } = await failover(
      'tff2',
      'shop2',
      (st) => st?.unit === 'Dump',
      'Dump running',
      20_000_000,
    );
    console.log(`full-failover (dump): rows inserted downstream / table rows = ${ratio.toFixed(3)}`);
    assert.ok(ratio <= 1.25, `rows inserted ratio ${ratio.toFixed(3)} > 1.25`);
  });
});
