import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { SubTaskConfig } from '../../../src/pkg/config/types.js';
import { SyncUnit } from '../../../src/sync/sync-unit.js';
import type { MariadbInstance } from '../../harness/index.js';
import { destroyAll, startPair, tableSums, tempDir, testLogger } from '../../harness/index.js';
import { masterPos, syncConfig } from './sync-helpers.js';

const logger = testLogger();

/** Like waitEqual, but upstream ghost/trash tables (`_…`) are left out of the comparison. */
async function waitEqualReal(up: MariadbInstance, down: MariadbInstance, schema: string): Promise<void> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const a = (await tableSums(up, schema)).filter((t) => !t.table.startsWith('_'));
    const b = await tableSums(down, schema);
    if (JSON.stringify(a) === JSON.stringify(b)) return;
    if (Date.now() > deadline)
      throw new Error(`not equal:\nup   ${JSON.stringify(a)}\ndown ${JSON.stringify(b)}`);
    await new Promise((r) => setTimeout(r, 300));
  }
}

async function tables(db: MariadbInstance, schema: string): Promise<string[]> {
  const rows = await db.query<{ t: string }>(
    'SELECT TABLE_NAME AS t FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? ORDER BY TABLE_NAME',
    [schema],
  );
  return rows.map((r) => r.t);
}

describe('sync unit: online DDL (gh-ost and pt-osc statements by hand)', () => {
  let up: MariadbInstance;
  let down: MariadbInstance;
  let cfg: SubTaskConfig;
  const workDir = tempDir('dm-sync-osc-');

  before(async () => {
    [up, down] = await startPair();
    const ddl =
      'CREATE DATABASE o1; CREATE TABLE o1.t (id INT PRIMARY KEY, v VARCHAR(40)); CREATE TABLE o1.p (id INT PRIMARY KEY, a INT)';
    await up.query(ddl);
    await down.query(ddl);
    cfg = syncConfig(up, down, await masterPos(up), { onlineDdl: true });
  });

  after(async () => {
    await destroyAll(up, down);
  });

  async function run(write: () => Promise<void>): Promise<void> {
    const unit = new SyncUnit(cfg, { logger, workDir });
    const ac = new AbortController();
    await unit.init();
    const r = unit.process(ac.signal);
    try {
      await write();
      await waitEqualReal(up, down, 'o1');
    } finally {
      ac.abort();
      const res = await r;
      await unit.close();
      assert.deepEqual(res.errors, []);
    }
  }

  it('records the ghost ALTER, applies it at the cut-over (across a restart), replicates no ghost/trash table', async () => {
    // gh-ost, first half: changelog + ghost table, the ALTER on the ghost, the row copy.
    await run(async () => {
      for (let i = 0; i < 30; i++) await up.query('INSERT INTO o1.t VALUES (?, ?)', [i, `v${i}`]);
      await up.query('CREATE TABLE o1._t_ghc (id BIGINT PRIMARY KEY, hint VARCHAR(64), value TEXT)');
      await up.query('INSERT INTO o1._t_ghc VALUES (1, "state", "GhostTableMigrated")');
      await up.query('CREATE TABLE o1._t_gho LIKE o1.t');
      await up.query('ALTER TABLE o1._t_gho ADD COLUMN w INT NOT NULL DEFAULT 5, ADD KEY kv (v)');
      await up.query('INSERT INTO o1._t_gho (id, v) SELECT id, v FROM o1.t');
      await up.query('UPDATE o1.t SET v = CONCAT(v, "!") WHERE id < 5');
      await up.query('UPDATE o1._t_gho SET v = CONCAT(v, "!") WHERE id < 5');
    });
    const [rec] = await down.query<{ d: string }>('SELECT ddls AS d FROM dm_meta.synctest_onlineddl');
    assert.match(rec?.d ?? '', /ADD COLUMN w/);
    assert.deepEqual(await tables(down, 'o1'), ['p', 't']);

    // Restarted unit: the recorded ALTER survives; cut-over, then rows in the new shape.
    await run(async () => {
      await up.query('RENAME TABLE o1.t TO o1._t_del, o1._t_gho TO o1.t');
      await up.query('DROP TABLE o1._t_del');
      await up.query('DROP TABLE o1._t_ghc');
      await up.query('INSERT INTO o1.t (id, v, w) VALUES (100, "new", 77)');
      // pt-osc on the other table.
      await up.query('CREATE TABLE o1._p_new (id INT PRIMARY KEY, a INT)');
      await up.query('ALTER TABLE o1._p_new MODIFY a BIGINT, ADD COLUMN b VARCHAR(8) DEFAULT "x"');
      await up.query('INSERT INTO o1.p VALUES (1, 10), (2, 20)');
      await up.query('INSERT INTO o1._p_new (id, a) SELECT id, a FROM o1.p');
      await up.query('RENAME TABLE o1.p TO o1._p_old, o1._p_new TO o1.p');
      await up.query('DROP TABLE IF EXISTS o1._p_old');
      await up.query('UPDATE o1.p SET b = "y", a = 3000000000 WHERE id = 2');
    });
    assert.deepEqual(await tables(down, 'o1'), ['p', 't']);
    const cols = await down.query<{ c: string }>(
      "SELECT COLUMN_NAME AS c FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = 'o1' AND TABLE_NAME = 't' ORDER BY ORDINAL_POSITION",
    );
    assert.deepEqual(
      cols.map((c) => c.c),
      ['id', 'v', 'w'],
    );
    const [left] = await down.query<{ n: number }>('SELECT COUNT(*) AS n FROM dm_meta.synctest_onlineddl');
    assert.equal(Number(left?.n), 0);
  });
});
