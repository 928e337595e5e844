import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { SubTaskConfig } from '../../../src/pkg/config/types.js';
import { SyncUnit } from '../../../src/sync/sync-unit.js';
import type { MariadbInstance } from '../../harness/index.js';
import { tempDir, testLogger, useUpDown } from '../../harness/index.js';
import { masterPos, syncConfig, waitEqual } from './sync-helpers.js';

const logger = testLogger();

const DDL = [
  'CREATE TABLE m.u (id INT PRIMARY KEY, u INT, v VARCHAR(20), UNIQUE KEY uu (u))',
  'CREATE TABLE m.c (a INT, b VARCHAR(8), v INT, PRIMARY KEY (a, b))',
];

/**
 * `multiple-rows` groups the changes of a batch into multi-row statements (batch-sql.ts). Under
 * concurrent random writes that move primary keys, swap unique values and delete/re-insert the
 * same rows, the downstream must still end equal to the upstream (server-side CHECKSUM TABLE +
 * COUNT), with and without `compact`, in safe mode and out of it.
 */
describe('sync unit: multiple-rows under concurrent conflicting writes', () => {
  let up: MariadbInstance;
  let down: MariadbInstance;
  let round = 0;

  useUpDown((pair) => {
    [up, down] = pair;
  });

  async function workload(seed: number): Promise<void> {
    let s = seed;
    const rnd = (n: number): number => {
      s = (Math.imul(s, 1103515245) + 12345) >>> 0;
      return s % n;
    };
    const clients = await Promise.all([0, 1, 2].map(() => up.connect('m')));
    await Promise.all(
      clients.map(async (c) => {
        for (let t = 0; t < 60; t++) {
          await c.query('BEGIN');
          for (let k = 0; k < 6; k++) {
            const id = rnd(60);
            const op = rnd(8);
            // Errors (duplicate unique value, key already moved) only skip a statement: the
            // binlog holds what committed, which is what the downstream must end up with.
            const q = async (sql: string, p: unknown[]): Promise<void> => {
              await c.query(sql, p).catch(() => undefined);
            };
            if (op === 0) await q('DELETE FROM u WHERE id = ?', [id]);
            else if (op === 1) await q('REPLACE INTO u VALUES (?, ?, ?)', [id, rnd(80), `r${t}`]);
            else if (op === 2) await q('UPDATE u SET id = ? WHERE id = ?', [rnd(60) + 100, id]);
            else if (op === 3) await q('UPDATE u SET u = ? WHERE id = ?', [rnd(80), id]);
            else if (op === 4) await q('UPDATE u SET v = CONCAT(v, ?) WHERE id % 5 = ?', ['x', rnd(5)]);
            else if (op === 5) await q('DELETE FROM c WHERE a = ? AND b = ?', [rnd(10), `b${rnd(4)}`]);
            else if (op === 6) await q('REPLACE INTO c VALUES (?, ?, ?)', [rnd(10), `b${rnd(4)}`, t]);
            else await q('UPDATE c SET v = v + 1, b = ? WHERE a = ?', [`b${rnd(4)}`, rnd(10)]);
          }
          await c.query('COMMIT');
        }
      }),
    );
    await Promise.all(clients.map((c) => c.end()));
  }

  async function run(syncer: Partial<SubTaskConfig['syncer']>): Promise<void> {
    round++;
    await up.query('DROP DATABASE IF EXISTS m; CREATE DATABASE m');
    await down.query('DROP DATABASE IF EXISTS m; DROP DATABASE IF EXISTS dm_meta; CREATE DATABASE m');
    for (const d of DDL) {
      await up.query(d);
      await down.query(d);
    }
    const seedRows = Array.from({ length: 60 }, (_, i) => `(${i}, ${i}, 'v${i}')`).join(',');
    await up.query(`INSERT INTO m.u VALUES ${seedRows}`);
    await down.query(`INSERT INTO m.u VALUES ${seedRows}`);
    const cfg = syncConfig(up, down, await masterPos(up), {
      name: `merge${round}`,
      syncer: { multipleRows: true, batch: 100, workerCount: 4, ...syncer },
    });
    const unit = new SyncUnit(cfg, { logger, workDir: tempDir('dm-sync-merge-') });
    const ac = new AbortController();
    await unit.init();
    const proc = unit.process(ac.signal);
    try {
      await workload(round * 7919);
      await waitEqual(up, down, 'm', 90_000);
    } finally {
      ac.abort();
      const r = await proc;
      await unit.close();
      assert.deepEqual(r.errors, []);
    }
    const [n] = await down.query<{ n: number }>('SELECT COUNT(*) AS n FROM m.u');
    assert.ok(Number(n?.n) > 0, 'the workload left rows to compare');
  }

  it('plain statements (safe mode off): INSERT groups, DELETE … IN, UPDATEs alone', async () => {
    await run({ safeMode: false, safeModeDuration: '0s' });
  });

  it('safe mode: REPLACE groups (UPDATEs included)', async () => {
    await run({ safeMode: true });
  });

  it('compact + multiple-rows in safe mode', async () => {
    await run({ safeMode: true, compact: true });
  });
});
